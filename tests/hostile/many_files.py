"""Creates empty files until the inode table gives."""

import itertools
from pathlib import Path

from manim import Scene


class ManyFiles(Scene):
    def construct(self):
        Path("many").mkdir()
        for index in itertools.count():
            Path(f"many/{index}").touch()
