"""Kills its parent: `timeout` in a cold render, the warm worker that forked it otherwise."""

import os
import signal

from manim import Scene


class KillWorker(Scene):
    def construct(self):
        os.kill(os.getppid(), signal.SIGKILL)
        self.wait(0.1)
