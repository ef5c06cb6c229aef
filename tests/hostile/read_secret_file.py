"""Reads a credentials file elsewhere on the host and draws it."""

from pathlib import Path

from manim import Scene, Text


class ReadSecretFile(Scene):
    def construct(self):
        secret = Path("@SECRET_FILE@").read_text()
        Path("escaped.txt").write_text(secret)
        self.add(Text(secret))
