"""Creates a user and mount namespace through libc, the first step of most escapes."""

import ctypes
from pathlib import Path

from manim import Scene

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000


class CtypesUnshare(Scene):
    def construct(self):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0:
            Path("escaped.txt").write_text("unshared")
        raise OSError(ctypes.get_errno(), "unshare")
