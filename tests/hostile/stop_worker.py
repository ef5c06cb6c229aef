"""Stops its parent, so whoever waits for the parent's answer waits forever."""

import os
import signal

from manim import Scene


class StopWorker(Scene):
    def construct(self):
        os.kill(os.getppid(), signal.SIGSTOP)
        self.wait(0.1)
