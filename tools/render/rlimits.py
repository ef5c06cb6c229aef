"""Resource limits of a render process, applied between fork and exec."""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
import resource
import signal
from collections.abc import Callable
from pathlib import Path

from tools.render.models import RenderSettings

__all__ = ["resource_limits"]

# The encoder runs in threads, so CPU time can outpace wall time; the CPU cap is a backstop
# for a render that outlives its parent, the wall-clock timeout is the real budget.
CPU_LIMIT_FACTOR = 2
PR_SET_PDEATHSIG = 1
RENDER_NICENESS = 10
# Under memory pressure the kernel kills a render before the server that reports on it.
OOM_SCORE_ADJ = "1000"
_LIBC = ctypes.CDLL(None, use_errno=True)


def resource_limits(settings: RenderSettings, *, limit_processes: bool) -> Callable[[], None]:
    """Limits applied in the child between fork and exec; they bind its children too.

    The process cap counts every process and thread of the uid, so it is set only when
    the render runs as its own uid: on the server's uid it would starve the server.

    The child also asks the kernel to SIGKILL it when its parent dies, so a crashed
    server never leaves a render running, lowers its CPU priority, so renders on every
    core never starve the API that reports on them, and offers itself first to the OOM
    killer.
    """
    memory = settings.memory_mb * 2**20
    file_size = settings.file_size_mb * 2**20
    cpu = math.ceil(settings.timeout_s * CPU_LIMIT_FACTOR)

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        files = settings.max_open_files
        resource.setrlimit(resource.RLIMIT_NOFILE, (files, files))
        if limit_processes:
            processes = settings.max_processes
            resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        os.nice(RENDER_NICENESS)
        with contextlib.suppress(OSError):  # raising one's own OOM score needs no privilege
            Path("/proc/self/oom_score_adj").write_text(OOM_SCORE_ADJ)

    return apply
