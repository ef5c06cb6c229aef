"""Reads the project's own source tree and configuration."""

import json
import os
from pathlib import Path

from manim import Scene

PROJECT = Path("@PROJECT_DIR@")


class ReadProjectTree(Scene):
    def construct(self):
        Path("listing.json").write_text(json.dumps(os.listdir(PROJECT)))
        config = (PROJECT / "pyproject.toml").read_text()
        Path("escaped.txt").write_text(config)
