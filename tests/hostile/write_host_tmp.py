"""Drops a file into the host's /tmp."""

from pathlib import Path

from manim import Scene


class WriteHostTmp(Scene):
    def construct(self):
        Path("@HOST_TARGET@").write_text("written from a render")
