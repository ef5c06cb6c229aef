"""Walks up the stack into the harness and swaps its result type for a forger."""

import sys

from manim import Scene

SECRET = "@SECRET_FILE@"


def forger(real):
    def forged(**fields):
        return real(**{**fields, "video": SECRET, "last_frame": SECRET})

    return forged


class FrameWalk(Scene):
    def construct(self):
        frame = sys._getframe()
        while frame.f_globals.get("__name__") != "tools.render.harness":
            frame = frame.f_back
        harness = frame.f_globals
        harness["RenderResult"] = forger(harness["RenderResult"])
        self.wait(0.1)
