"""Run the render harness in the sandbox and read back a `RenderResult`.

Generated code is untrusted: it runs inside the layers of `tools.render.sandbox` (its own
namespaces, uid and seccomp filter where available) with a clean environment (no API
keys), resource limits, a disk quota on its work directory and a wall-clock timeout, and
it dies with the task that awaits it, so a cancelled job never leaves a renderer behind.
Its outputs are read back as untrusted files (`tools.render.outputs`).

Example:
    result = await render_scene(code, workdir, RenderSettings(quality="low"))
    if result.ok:
        print(result.video)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from pathlib import Path
from typing import Literal

from tools.render.errors import error_from_exit, timeout_error
from tools.render.models import RenderError, RenderResult, RenderSettings
from tools.render.outputs import (
    OutputTail,
    UnsafeOutput,
    checked_file,
    checked_png,
    checked_video,
    disk_overflow,
    guard_disk,
)
from tools.render.rlimits import limited
from tools.render.sandbox import (
    STANDARD_PATH,
    Sandbox,
    SandboxUnavailable,
    current_sandbox,
    stage_assets,
    tex_environment,
)
from tools.render.warm import WorkerFailed, current_pool

__all__ = ["render_scene"]

SCENE_FILE = "scene.py"
RESULT_FILE = "result.json"
TMP_DIR = "tmp"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
# `-I` drops the working directory and PYTHONPATH from sys.path, so the harness is found
# through the project root explicitly (an installed copy of `tools` may be older).
BOOTSTRAP = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); "
    "from tools.render.harness import main; sys.exit(main())"
)
RESULT_MAX_BYTES = 2**20
READ_CHUNK_BYTES = 65536
EXIT_POLL_S = 0.05


async def render_scene(
    code: str,
    workdir: Path,
    settings: RenderSettings,
    *,
    mode: Literal["validate", "render"] = "render",
    scene_name: str | None = None,
    sandbox: Sandbox | None = None,
    warm: bool = True,
) -> RenderResult:
    """Validate (and in `render` mode render) `code` inside the empty directory `workdir`.

    The caller owns `workdir`: it creates it fresh and empty for this render and deletes
    it afterwards. Paths in the result are absolute. Cancelling the awaiting task kills
    the render's process tree. With `warm` (and the full sandbox) the render runs in a
    warm worker that already holds Manim (`tools.render.warm`).
    """
    started = time.monotonic()
    sandbox = sandbox or current_sandbox()
    workdir = workdir.resolve()
    inside = sandbox.workdir_inside
    environment = _clean_environment(inside or workdir, settings, tmp=inside is not None)
    # A warm worker's mounts are fixed when it starts: a scene with assets renders cold.
    cold = bool(settings.assets) or not warm or sandbox is not current_sandbox()
    pool = None if cold else current_pool()
    if pool is not None:
        try:
            result, log = await pool.render(
                code, workdir, settings, environment, mode=mode, scene_name=scene_name
            )
        except WorkerFailed:
            pass  # render cold: the answer is never worse than without a warm worker
        except TimeoutError:
            error = timeout_error(settings.timeout_s)
            return RenderResult(ok=False, error=error, seconds=time.monotonic() - started)
        else:
            seconds = time.monotonic() - started
            return await asyncio.to_thread(_checked, result, workdir, log, seconds, settings)
    return await _render_cold(
        code, workdir, settings, sandbox, environment, mode, scene_name, started
    )


async def _render_cold(
    code: str,
    workdir: Path,
    settings: RenderSettings,
    sandbox: Sandbox,
    environment: dict[str, str],
    mode: Literal["validate", "render"],
    scene_name: str | None,
    started: float,
) -> RenderResult:
    """A fresh interpreter in a fresh sandbox for this one render."""
    (workdir / SCENE_FILE).write_text(code, encoding="utf-8")
    await asyncio.to_thread(stage_assets, workdir, settings.assets)
    if sandbox.workdir_inside is None:
        (workdir / TMP_DIR).mkdir(exist_ok=True)
    command = [
        sys.executable,
        "-I",
        "-c",
        BOOTSTRAP,
        str(sandbox.harness_root or PROJECT_ROOT),
        "--code", SCENE_FILE,
        "--result", RESULT_FILE,
        "--quality", settings.quality,
        "--frame", settings.frame.model_dump_json(),
        "--mode", mode,
        *(["--scene", scene_name] if scene_name else []),
    ]  # fmt: skip
    uid = sandbox.uids.acquire()
    try:
        return await _run_as(command, uid, workdir, settings, sandbox, environment, started)
    finally:
        sandbox.uids.release(uid)


async def _run_as(
    command: list[str],
    uid: int,
    workdir: Path,
    settings: RenderSettings,
    sandbox: Sandbox,
    environment: dict[str, str],
    started: float,
) -> RenderResult:
    """Run the harness command as `uid` until it ends; its processes are gone on return."""
    try:
        wrapped = sandbox.wrap(command, workdir, settings.timeout_s, uid=uid)
    except SandboxUnavailable as exc:
        error = RenderError(kind="environment", type="SandboxUnavailable", message=str(exc))
        return RenderResult(ok=False, error=error, seconds=time.monotonic() - started)
    try:
        argv = limited(wrapped.argv, settings, limit_processes="uid" in sandbox.status.active)
        process = await asyncio.create_subprocess_exec(
            *argv,
            cwd=workdir,
            env=environment,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
            pass_fds=wrapped.pass_fds,
        )
    finally:
        wrapped.close()
    output = OutputTail()
    try:
        flood = await asyncio.wait_for(
            _run_guarded(process, output, workdir, settings), timeout=settings.timeout_s
        )
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
    seconds = time.monotonic() - started
    if flood is not None:
        return RenderResult(ok=False, error=flood, log=output.text(), seconds=seconds)
    return await asyncio.to_thread(
        _read_result, workdir, process.returncode, output.text(), seconds, settings
    )


async def _run_guarded(
    process: asyncio.subprocess.Process,
    output: OutputTail,
    workdir: Path,
    settings: RenderSettings,
) -> RenderError | None:
    """Drain the render while watching its work directory; a flood kills it."""
    drain = asyncio.ensure_future(_drain(process, output))
    guard = asyncio.ensure_future(guard_disk(workdir, settings))
    try:
        done, _ = await asyncio.wait({drain, guard}, return_when=asyncio.FIRST_COMPLETED)
        if drain in done:
            drain.result()
            return disk_overflow(workdir, settings)
        await _kill_group(process)
        return guard.result()
    finally:
        drain.cancel()
        guard.cancel()


async def _drain(process: asyncio.subprocess.Process, output: OutputTail) -> None:
    """Collect output until the harness exits; then end whatever it left running."""
    reader = asyncio.ensure_future(_read_into(process, output))
    try:
        await _exited(process)
        _signal_group(process.pid)
        await reader
    finally:
        reader.cancel()


async def _read_into(process: asyncio.subprocess.Process, output: OutputTail) -> None:
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


def _read_result(
    workdir: Path, returncode: int | None, log: str, seconds: float, settings: RenderSettings
) -> RenderResult:
    """The harness's result file, with every file it names checked before it is trusted."""
    try:
        result_file = checked_file(workdir, RESULT_FILE, max_bytes=RESULT_MAX_BYTES)
        result = RenderResult.model_validate_json(result_file.read_bytes())
    except (UnsafeOutput, ValueError):  # missing, or mangled by the scene itself
        error = error_from_exit(returncode if returncode is not None else -1, log)
        return RenderResult(ok=False, error=error, log=log, seconds=seconds)
    return _checked(result, workdir, log, seconds, settings)


def _checked(
    result: RenderResult, workdir: Path, log: str, seconds: float, settings: RenderSettings
) -> RenderResult:
    """`result` with its output paths made absolute, once each proved a plain, sane file."""
    update: dict[str, object] = {"log": log, "seconds": seconds}
    try:
        if result.video is not None:
            max_bytes = settings.file_size_mb * 2**20
            update["video"], update["duration"] = checked_video(
                workdir, result.video, max_bytes=max_bytes
            )
        if result.last_frame is not None:
            frame = checked_png(workdir, result.last_frame, max_bytes=RESULT_MAX_BYTES * 64)
            update["last_frame"] = frame
    except UnsafeOutput as exc:
        error = RenderError(kind="security", type="UnsafeOutput", message=str(exc))
        return RenderResult(ok=False, error=error, log=log, seconds=seconds)
    return result.model_copy(update=update)


def _clean_environment(home: Path, settings: RenderSettings, *, tmp: bool) -> dict[str, str]:
    """Only what a render needs: nothing from our own environment reaches generated code.

    `home` is the work directory as the render sees it; with `tmp` the sandbox gives it
    a private `/tmp`, otherwise temporary files go below the work directory.
    """
    return {
        "PATH": settings.path if settings.path is not None else STANDARD_PATH,
        "HOME": str(home),
        "TMPDIR": "/tmp" if tmp else str(home / TMP_DIR),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        **tex_environment(home),
    }
