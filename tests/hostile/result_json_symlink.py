"""After the harness wrote result.json, swaps it for a symlink to a host secret."""

import atexit
import os

from manim import Scene


def swap() -> None:
    os.remove("result.json")
    os.symlink("@SECRET_FILE@", "result.json")


atexit.register(swap)


class ResultJsonSymlink(Scene):
    def construct(self):
        self.wait(0.1)
