"""Writes 64 MB to its standard output, then finishes."""

import sys

from manim import Scene

CHUNK = "x" * 2**20


class StdoutFlood(Scene):
    def construct(self):
        for _ in range(64):
            sys.stdout.write(CHUNK)
        print("END OF FLOOD")
        self.wait(0.1)
