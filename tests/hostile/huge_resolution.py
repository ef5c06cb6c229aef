"""A frame 100,000 pixels wide."""

from manim import Circle, Create, Scene, config

config.pixel_width = 10**5
config.pixel_height = 10**5


class HugeResolution(Scene):
    def construct(self):
        self.play(Create(Circle()), run_time=0.5)
