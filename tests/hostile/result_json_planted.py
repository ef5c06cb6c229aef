"""Makes result.json a symlink to a host secret before the harness writes it."""

import os

from manim import Scene


class ResultJsonPlanted(Scene):
    def construct(self):
        os.symlink("@SECRET_FILE@", "result.json")
        self.wait(0.1)
