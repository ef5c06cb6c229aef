"""Opens its parent's memory for writing, to patch the process that serves later renders."""

import os
from pathlib import Path

from manim import Scene


class WorkerMemory(Scene):
    def construct(self):
        with open(f"/proc/{os.getppid()}/mem", "r+b") as memory:
            Path("escaped.txt").write_text(f"opened {memory.name}")
