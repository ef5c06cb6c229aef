"""Uses `os` and `subprocess` as Manim re-exports them: only `from manim import *` shows."""

from pathlib import Path

from manim import *  # noqa: F403


class ManimReexports(Scene):  # noqa: F405
    def construct(self):
        shell = utils.file_ops.sp  # noqa: F405
        done = shell.run(["cat", "@SECRET_FILE@"], capture_output=True)
        if done.returncode == 0:
            Path("escaped.txt").write_bytes(done.stdout)
        system = utils.commands.os  # noqa: F405
        system.open("/proc/1/environ", system.O_RDONLY)
