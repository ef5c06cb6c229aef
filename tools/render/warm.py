"""Warm render workers: each a sandboxed process that keeps Manim imported (`zygote.py`).

A render through a worker skips the interpreter start and the Manim import, which are most
of a small scene's time and nearly all of the time to a broken scene's error. Workers
exist only where the sandbox is complete (namespaces, uid, seccomp): between requests a
worker kills everything its uid left behind, which is safe only in its own namespaces.

A worker that fails in any way (crashed, killed by its scene, unreadable answer) is
discarded, and the render runs cold instead, so the answer is never worse than without.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import uuid
from pathlib import Path
from typing import Literal

from tools.render.models import RenderResult, RenderSettings
from tools.render.outputs import disk_overflow, guard_disk
from tools.render.rlimits import limited
from tools.render.sandbox import Sandbox, current_sandbox

__all__ = ["WarmPool", "WorkerFailed", "current_pool"]

BOOTSTRAP = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); "
    "from tools.render.zygote import main; sys.exit(main(sys.argv[1]))"
)
# A fresh worker imports Manim before it answers its first request.
START_GRACE_S = 60.0


class WorkerFailed(RuntimeError):
    """The worker died or answered nonsense; the caller renders cold."""


class _Worker:
    """One warm process and the host directory it writes into (its `/render`)."""

    def __init__(
        self, sandbox: Sandbox, settings: RenderSettings, environment: dict[str, str], near: Path
    ) -> None:
        # Beside the callers' work directories, so outputs move out by rename, never copy.
        self.root = Path(tempfile.mkdtemp(prefix=".warm-", dir=near))
        self.key = _key(settings, environment, near)
        self.sandbox = sandbox
        self.uid = sandbox.uids.acquire()
        self.fresh = True
        inside = sandbox.workdir_inside
        assert inside is not None and sandbox.harness_root is not None
        argv = [sys.executable, "-I", "-c", BOOTSTRAP, str(sandbox.harness_root), str(inside)]
        try:
            self.process = self._start(argv, settings, environment)
        except BaseException:
            shutil.rmtree(self.root, ignore_errors=True)
            sandbox.uids.release(self.uid)
            raise

    def _start(
        self, argv: list[str], settings: RenderSettings, environment: dict[str, str]
    ) -> subprocess.Popen[bytes]:
        wrapped = self.sandbox.wrap(argv, self.root, timeout_s=None, uid=self.uid)
        try:
            return subprocess.Popen(
                limited(wrapped.argv, settings, limit_processes=True),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=environment,
                cwd=self.root,
                pass_fds=wrapped.pass_fds,
                start_new_session=True,
            )
        finally:
            wrapped.close()

    def ready(self) -> None:
        """Wait until the worker has imported Manim (blocking: run it in a thread)."""
        assert self.process.stdout is not None
        if json.loads(self.process.stdout.readline() or "{}").get("ready") is not True:
            raise WorkerFailed("the warm worker did not start")
        self.fresh = False

    def ask(self, request: dict[str, object]) -> dict[str, object]:
        """Send one request and wait for its answer (blocking: run it in a thread)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            self.process.stdin.write(json.dumps(request).encode() + b"\n")
            self.process.stdin.flush()
            line = self.process.stdout.readline()
        except (OSError, ValueError) as exc:
            raise WorkerFailed(f"the warm worker is gone ({exc})") from None
        if not line:
            raise WorkerFailed("the warm worker ended during the render")
        try:
            reply = json.loads(line)
        except json.JSONDecodeError:
            raise WorkerFailed("the warm worker's answer was unreadable") from None
        if not isinstance(reply, dict) or reply.get("id") != request["id"]:
            raise WorkerFailed("the warm worker answered another request")
        return reply

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        shutil.rmtree(self.root, ignore_errors=True)
        self.sandbox.uids.release(self.uid)


class WarmPool:
    """Warm workers shared by every render of this process; at most `size` kept idle.

    Callers bound concurrency themselves (render slots); the pool only reuses workers.
    It works from any event loop, since a worker is a plain process driven from threads.
    """

    def __init__(self, sandbox: Sandbox, size: int) -> None:
        self.sandbox = sandbox
        self.size = size
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()

    async def render(
        self,
        code: str,
        workdir: Path,
        settings: RenderSettings,
        environment: dict[str, str],
        *,
        mode: Literal["validate", "render"],
        scene_name: str | None,
    ) -> tuple[RenderResult, str]:
        """Render in a warm worker; the outputs are moved into `workdir`.

        Returns the harness's result (paths relative to `workdir`) and the log tail.
        Raises WorkerFailed (the caller renders cold) or TimeoutError.
        """
        request: dict[str, object] = {
            "id": uuid.uuid4().hex,
            "code": code,
            "quality": settings.quality,
            "frame": settings.frame.model_dump(mode="json"),
            "mode": mode,
            "scene": scene_name,
        }
        worker: _Worker | None = None
        try:
            worker = self._take(settings, environment, workdir.parent)
            if worker.fresh:
                try:
                    await asyncio.wait_for(asyncio.to_thread(worker.ready), START_GRACE_S)
                except (TimeoutError, ValueError) as exc:
                    raise WorkerFailed(f"the warm worker did not start ({exc!r})") from None
            asking = asyncio.ensure_future(asyncio.to_thread(worker.ask, request))
            asking.add_done_callback(_settled)
            guard = asyncio.ensure_future(guard_disk(worker.root, settings))
            try:
                done, _ = await asyncio.wait(
                    {asking, guard},
                    timeout=settings.timeout_s,
                    return_when=asyncio.FIRST_COMPLETED,
                )
            finally:
                guard.cancel()
            if guard in done:
                worker.kill()
                return RenderResult(ok=False, error=guard.result()), ""
            if asking not in done:
                raise TimeoutError
            reply = asking.result()
            overflow = disk_overflow(worker.root, settings)
            if overflow is not None:
                worker.kill()
                return RenderResult(ok=False, error=overflow), ""
            result = _parse(reply)
            _move_outputs(worker.root / str(request["id"]), workdir)
        except BaseException:
            if worker is not None:
                worker.kill()  # also ends a blocked `ask`, so its thread returns
            raise
        self._give_back(worker)
        return result, str(reply.get("log") or "")

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()

    def _take(self, settings: RenderSettings, environment: dict[str, str], near: Path) -> _Worker:
        """An idle worker started with these limits and this environment, or a new one."""
        key = _key(settings, environment, near)
        with self._lock:
            for worker in self._idle:
                if worker.key == key:
                    self._idle.remove(worker)
                    return worker
        return _Worker(self.sandbox, settings, environment, near)

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            keep = worker.process.poll() is None and len(self._idle) < self.size
            if keep:
                self._idle.append(worker)
        if not keep:
            worker.kill()


def _settled(future: asyncio.Future[dict[str, object]]) -> None:
    """Retrieve an abandoned request's outcome (its worker was killed: it failed)."""
    if not future.cancelled():
        future.exception()


def _key(settings: RenderSettings, environment: dict[str, str], near: Path) -> str:
    """What a worker was started with: its limits, environment and directory."""
    limits = settings.model_dump_json(exclude={"quality", "frame"})
    return json.dumps([limits, sorted(environment.items()), str(near)])


def _parse(reply: dict[str, object]) -> RenderResult:
    raw = reply.get("result")
    if not isinstance(raw, str):
        raise WorkerFailed(f"the render child ended with status {reply.get('status')}")
    try:
        return RenderResult.model_validate_json(raw)
    except ValueError:
        raise WorkerFailed("the render child's result was unreadable") from None


def _move_outputs(source: Path, workdir: Path) -> None:
    """Rename the request's entries into the caller's work directory.

    A rename moves links and special files as they are, never reading through them.
    """
    if not source.is_dir() or source.is_symlink():
        return
    for entry in source.iterdir():
        target = workdir / entry.name
        if not target.exists():
            try:
                os.rename(entry, target)
            except OSError as exc:
                raise WorkerFailed(f"cannot move the outputs ({exc.strerror})") from None


@functools.cache
def current_pool() -> WarmPool | None:
    """This process's pool, when the sandbox allows warm workers (and they are enabled)."""
    sandbox = current_sandbox()
    if not (sandbox.status.complete and sandbox.settings.warm_renders):
        return None
    pool = WarmPool(sandbox, size=os.cpu_count() or 1)
    atexit.register(pool.close)
    return pool
