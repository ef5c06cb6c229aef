"""Makes the harness's last-frame PNG a symlink to a host secret instead of an image."""

import os

from manim import Circle, Create, Scene
from PIL import Image


def plant_link(image, target, *args, **kwargs) -> None:
    os.symlink("@SECRET_FILE@", target)


class SymlinkLastFrame(Scene):
    def construct(self):
        Image.Image.save = plant_link
        self.play(Create(Circle()), run_time=0.2)
