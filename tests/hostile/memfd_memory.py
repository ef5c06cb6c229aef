"""Holds memory outside its address space: memfd files written, never mapped."""

import os
from pathlib import Path

from manim import Scene

BLOCK = b"\xff" * 2**26
TARGET_BYTES = 3 * 2**29


class MemfdMemory(Scene):
    def construct(self):
        held, total = [], 0
        while total < TARGET_BYTES:
            fd = os.memfd_create("hoard")
            held.append(fd)
            for _ in range(4):
                os.write(fd, BLOCK)
                total += len(BLOCK)
        Path("escaped.txt").write_text(f"held {total >> 20} MB past the memory limit")
