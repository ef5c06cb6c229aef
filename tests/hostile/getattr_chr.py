"""Reaches `open` through getattr with a name spelled in chr() codes."""

from manim import Scene

NAME = "".join(map(chr, [111, 112, 101, 110]))


class GetattrChr(Scene):
    def construct(self):
        opener = getattr(__import__("built" + "ins"), NAME)
        opener("/proc/1/environ", "rb").read()
