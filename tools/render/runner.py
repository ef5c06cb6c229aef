"""Run the render harness in a locked-down subprocess and read back a `RenderResult`.

Generated code is untrusted: it runs in its own process group with a clean environment
(no API keys), resource limits, a wall-clock timeout, and it dies with the task that
awaits it, so a cancelled job never leaves a renderer behind.

Example:
    result = await render_scene(code, workdir, RenderSettings(quality="low"))
    if result.ok:
        print(result.video)
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import math
import os
import resource
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from tools.render.errors import error_from_exit, timeout_error
from tools.render.models import RenderResult, RenderSettings

__all__ = ["render_scene"]

SCENE_FILE = "scene.py"
RESULT_FILE = "result.json"
TMP_DIR = "tmp"
STANDARD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
# `-I` drops the working directory and PYTHONPATH from sys.path, so the harness is found
# through the project root explicitly (an installed copy of `tools` may be older).
BOOTSTRAP = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); "
    "from tools.render.harness import main; sys.exit(main())"
)
OUTPUT_HEAD_BYTES = 1024
OUTPUT_TAIL_BYTES = 3072
READ_CHUNK_BYTES = 65536
EXIT_POLL_S = 0.05
# The encoder runs in threads, so CPU time can outpace wall time; the CPU cap is a backstop
# for a render that outlives its parent, the wall-clock timeout is the real budget.
CPU_LIMIT_FACTOR = 2
PR_SET_PDEATHSIG = 1
RENDER_NICENESS = 10
_LIBC = ctypes.CDLL(None, use_errno=True)


class _OutputTail:
    """Keeps the first and last few KB of a stream, so a flood cannot fill memory."""

    def __init__(self) -> None:
        self._head = bytearray()
        self._tail = bytearray()
        self._dropped = 0

    def feed(self, chunk: bytes) -> None:
        room = OUTPUT_HEAD_BYTES - len(self._head)
        if room > 0:
            self._head += chunk[:room]
            chunk = chunk[room:]
        self._tail += chunk
        excess = len(self._tail) - OUTPUT_TAIL_BYTES
        if excess > 0:
            del self._tail[:excess]
            self._dropped += excess

    def text(self) -> str:
        gap = f"\n[... {self._dropped} bytes dropped ...]\n" if self._dropped else ""
        return (
            bytes(self._head).decode(errors="replace") + gap + self._tail.decode(errors="replace")
        )


async def render_scene(
    code: str,
    workdir: Path,
    settings: RenderSettings,
    *,
    mode: Literal["validate", "render"] = "render",
    scene_name: str | None = None,
) -> RenderResult:
    """Validate (and in `render` mode render) `code` inside the empty directory `workdir`.

    The caller owns `workdir`: it creates it empty and deletes it afterwards. Paths in the
    result are absolute. Cancelling the awaiting task kills the render's process group.
    """
    started = time.monotonic()
    workdir = workdir.resolve()
    (workdir / SCENE_FILE).write_text(code, encoding="utf-8")
    (workdir / TMP_DIR).mkdir(exist_ok=True)
    command = [
        sys.executable,
        "-I",
        "-c",
        BOOTSTRAP,
        str(PROJECT_ROOT),
        "--code", SCENE_FILE,
        "--result", RESULT_FILE,
        "--quality", settings.quality,
        "--mode", mode,
        *(["--scene", scene_name] if scene_name else []),
    ]  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=workdir,
        env=_clean_environment(workdir, settings),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_resource_limits(settings),
    )
    output = _OutputTail()
    try:
        await asyncio.wait_for(_drain(process, output), timeout=settings.timeout_s)
    except TimeoutError:
        await _kill_group(process)
        return RenderResult(
            ok=False,
            error=timeout_error(settings.timeout_s),
            log=output.text(),
            seconds=time.monotonic() - started,
        )
    except BaseException:
        await _kill_group(process)
        raise
    return _read_result(workdir, process.returncode, output.text(), time.monotonic() - started)


async def _drain(process: asyncio.subprocess.Process, output: _OutputTail) -> None:
    """Collect output until the harness exits; then end whatever it left running."""
    reader = asyncio.ensure_future(_read_into(process, output))
    try:
        await _exited(process)
        _signal_group(process.pid)
        await reader
    finally:
        reader.cancel()


async def _read_into(process: asyncio.subprocess.Process, output: _OutputTail) -> None:
    assert process.stdout is not None
    while chunk := await process.stdout.read(READ_CHUNK_BYTES):
        output.feed(chunk)


async def _kill_group(process: asyncio.subprocess.Process) -> None:
    """SIGKILL the whole process group, then reap the leader."""
    _signal_group(process.pid)
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    await _exited(process)


async def _exited(process: asyncio.subprocess.Process) -> None:
    """Wait for the process itself to end.

    Python 3.11's `Process.wait()` also waits for its pipe to close, which a process the
    scene started (and that left the group) could hold open forever.
    """
    while process.returncode is None:
        await asyncio.sleep(EXIT_POLL_S)


def _signal_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _read_result(workdir: Path, returncode: int | None, log: str, seconds: float) -> RenderResult:
    result_file = workdir / RESULT_FILE
    try:
        result = RenderResult.model_validate_json(result_file.read_bytes())
    except (OSError, ValueError):  # missing, or mangled by the scene itself
        error = error_from_exit(returncode if returncode is not None else -1, log)
        return RenderResult(ok=False, error=error, log=log, seconds=seconds)
    return result.model_copy(
        update={
            "video": workdir / result.video if result.video is not None else None,
            "last_frame": workdir / result.last_frame if result.last_frame is not None else None,
            "log": log,
            "seconds": seconds,
        }
    )


def _clean_environment(workdir: Path, settings: RenderSettings) -> dict[str, str]:
    """Only what a render needs: nothing from our own environment reaches generated code."""
    return {
        "PATH": settings.path if settings.path is not None else STANDARD_PATH,
        "HOME": str(workdir),
        "TMPDIR": str(workdir / TMP_DIR),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
    }


def _resource_limits(settings: RenderSettings) -> Callable[[], None]:
    """Limits applied in the child between fork and exec; they bind its children too.

    The child also asks the kernel to SIGKILL it when its parent dies, so a crashed
    server never leaves a render running, and lowers its CPU priority, so renders on
    every core never starve the API that reports on them.
    """
    memory = settings.memory_mb * 2**20
    file_size = settings.file_size_mb * 2**20
    cpu = math.ceil(settings.timeout_s * CPU_LIMIT_FACTOR)

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        os.nice(RENDER_NICENESS)

    return apply
