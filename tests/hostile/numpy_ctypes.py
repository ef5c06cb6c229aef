"""ptrace through the ctypes module that numpy re-exports."""

from pathlib import Path

import numpy as np
from manim import Scene

SYS_PTRACE = 101
PTRACE_ATTACH = 16


class NumpyCtypes(Scene):
    def construct(self):
        ctypes = np.ctypeslib.ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.syscall(SYS_PTRACE, PTRACE_ATTACH, 1, 0, 0) == 0:
            Path("escaped.txt").write_text("attached to pid 1")
        raise OSError(ctypes.get_errno(), "ptrace")
