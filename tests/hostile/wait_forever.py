"""Asks for a billion seconds of video."""

from manim import Circle, Scene


class WaitForever(Scene):
    def construct(self):
        self.add(Circle())
        self.wait(10**9)
