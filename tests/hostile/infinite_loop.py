"""Never returns."""

from manim import Scene


class InfiniteLoop(Scene):
    def construct(self):
        while True:
            pass
