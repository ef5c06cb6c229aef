"""Allocates 64 MB blocks forever."""

from manim import Scene


class MemoryBomb(Scene):
    def construct(self):
        hoard = []
        while True:
            hoard.append(bytearray(64 * 2**20))
