"""Kills the serving process by its pid."""

import os
import signal

from manim import Scene


class KillServer(Scene):
    def construct(self):
        os.kill(int("@SERVER_PID@"), signal.SIGKILL)
        self.wait(0.1)
