"""Reads the host's password hashes."""

from pathlib import Path

from manim import Scene, Text


class ReadShadow(Scene):
    def construct(self):
        self.add(Text(Path("/etc/shadow").read_text()[:40]))
