"""Starts sleeping threads until something gives."""

import threading
import time

from manim import Scene


class ThreadBomb(Scene):
    def construct(self):
        while True:
            threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()
