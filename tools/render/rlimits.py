"""Resource limits of a render process, set by util-linux tools in front of its command.

The limits were once applied by a Python `preexec_fn` between fork and exec, which is not
safe in a threaded process (the server, a worker, the test runner): the child could
deadlock before exec. The tools below set the same limits from their own processes and
exec the render, so nothing but C runs between fork and exec.
"""

from __future__ import annotations

import math
import shutil

from tools.render.models import RenderSettings

__all__ = ["limited"]

# The encoder runs in threads, so CPU time can outpace wall time; the CPU cap is a backstop
# for a render that outlives its parent, the wall-clock timeout is the real budget.
CPU_LIMIT_FACTOR = 2
RENDER_NICENESS = 10
# Under memory pressure the kernel kills a render before the server that reports on it.
OOM_SCORE_ADJ = 1000
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def limited(argv: list[str], settings: RenderSettings, *, limit_processes: bool) -> list[str]:
    """`argv` run under the render's limits; they bind its children too.

    - `prlimit`: address space, file size, CPU seconds, no core files, open files, and
      the process cap. The cap counts every process and thread of the uid, so it is set
      only when the render runs as its own uid: on the server's uid it would starve it.
    - `setpriv --pdeathsig KILL`: the kernel kills the render when its parent dies, so a
      crashed server never leaves one running.
    - `choom`: offered first to the OOM killer.
    - `nice`: renders on every core never starve the API that reports on them.
    """
    memory = settings.memory_mb * 2**20
    file_size = settings.file_size_mb * 2**20
    cpu = math.ceil(settings.timeout_s * CPU_LIMIT_FACTOR)
    limits = [
        f"--as={memory}",
        f"--fsize={file_size}",
        f"--cpu={cpu}:{cpu + 5}",
        "--core=0",
        f"--nofile={settings.max_open_files}",
    ]
    if limit_processes:
        limits.append(f"--nproc={settings.max_processes}")
    return [
        *(_tool("prlimit"), *limits, "--"),
        *(_tool("setpriv"), "--pdeathsig", "KILL", "--"),
        *(_tool("choom"), "-n", str(OOM_SCORE_ADJ), "--"),
        *(_tool("nice"), "-n", str(RENDER_NICENESS), "--"),
        *argv,
    ]


def _tool(name: str) -> str:
    return shutil.which(name, path=SYSTEM_PATH) or name
