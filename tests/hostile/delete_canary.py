"""Deletes the server's database and a credentials file on the host."""

import os
from pathlib import Path

from manim import Scene


class DeleteCanary(Scene):
    def construct(self):
        failures = []
        for target in ("@DATABASE@", "@SECRET_FILE@"):
            try:
                os.remove(target)
                Path("escaped.txt").write_text(target)
            except OSError as exc:
                failures.append(exc)
        raise failures[0]
