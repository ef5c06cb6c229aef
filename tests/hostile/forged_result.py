"""After the harness wrote result.json, claims outputs outside the work directory."""

import atexit
import json
from pathlib import Path

from manim import Scene


def forge() -> None:
    claim = {"ok": True, "video": "@SECRET_FILE@", "last_frame": "../../../etc/shadow"}
    Path("result.json").write_text(json.dumps(claim))


atexit.register(forge)


class ForgedResult(Scene):
    def construct(self):
        self.wait(0.1)
