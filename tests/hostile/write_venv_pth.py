"""Persists code into every later Python start: a .pth file in the virtualenv."""

import sysconfig
from pathlib import Path

from manim import Scene


class WriteVenvPth(Scene):
    def construct(self):
        target = Path(sysconfig.get_paths()["purelib"]) / "hostile-canary.pth"
        target.write_text("import os; os.system('touch /tmp/pth-ran')\n")
        Path("escaped.txt").write_text(str(target))
