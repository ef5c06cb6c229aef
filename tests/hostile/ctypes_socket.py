"""Opens inet sockets with libc's socket() and with the raw syscall, bypassing Python."""

import ctypes
from pathlib import Path

from manim import Scene

AF_INET, AF_INET6, SOCK_STREAM, SYS_SOCKET = 2, 10, 1, 41


class CtypesSocket(Scene):
    def construct(self):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.syscall(SYS_SOCKET, AF_INET6, SOCK_STREAM, 0) >= 0:
            Path("escaped.txt").write_text("raw socket syscall")
        if libc.socket(AF_INET, SOCK_STREAM, 0) >= 0:
            Path("escaped.txt").write_text("libc socket")
        raise OSError(ctypes.get_errno(), "socket")
