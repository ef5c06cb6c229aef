"""Mounts over the read-only harness and unmounts the work directory through libc."""

import ctypes
from pathlib import Path

from manim import Scene


class CtypesMount(Scene):
    def construct(self):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.umount2(b"/render", 2) == 0:
            Path("escaped.txt").write_text("unmounted")
        if libc.mount(b"tmpfs", b"/opt/manimgraph", b"tmpfs", 0, None) == 0:
            Path("escaped.txt").write_text("mounted")
        raise OSError(ctypes.get_errno(), "mount")
