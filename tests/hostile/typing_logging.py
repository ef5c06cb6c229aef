"""Reaches os and subprocess through what typing and logging import."""

import logging
import typing
from pathlib import Path

from manim import Scene


class TypingLogging(Scene):
    def construct(self):
        shell = typing.sys.modules["subprocess"]
        done = shell.run(["id", "-u"], capture_output=True, text=True)
        if done.stdout.strip() == "0":
            Path("escaped.txt").write_text("root")
        logging.os.setuid(0)
