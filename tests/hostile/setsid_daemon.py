"""Leaves a daemon behind (double fork, setsid, no open files) that writes 3 s later and stays."""

import os
import time
from pathlib import Path

from manim import Scene

DELAY_S = 3
LINGER_S = 120


def linger(workdir: Path) -> None:
    os.setsid()
    if os.fork() != 0:
        os._exit(0)
    os.chdir("/")
    os.closerange(0, 1024)
    time.sleep(DELAY_S)
    (workdir / "late.txt").write_text("still running after the render")
    for target in ("@HOST_TARGET@", "/tmp/late.txt"):
        try:
            Path(target).write_text("still running after the render")
        except OSError:
            continue
    time.sleep(LINGER_S)
    os._exit(0)


class SetsidDaemon(Scene):
    def construct(self):
        if os.fork() == 0:
            linger(Path.cwd())
        os.wait()
        self.wait(0.1)
