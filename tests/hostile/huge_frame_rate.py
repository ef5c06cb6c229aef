"""A million frames per second of animation."""

from manim import Circle, Create, Scene, config

config.frame_rate = 10**6


class HugeFrameRate(Scene):
    def construct(self):
        self.play(Create(Circle()), run_time=2)
