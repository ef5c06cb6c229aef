"""Health of the service and of everything a render needs.

A job can only succeed if the database answers, the data directory has room for videos,
manim imports, ffmpeg can assemble scenes, and (for formula scenes) LaTeX is installed. Each
is checked and reported separately, so an operator sees *what* is wrong, not just "down".

The server process never imports manim (it is slow to import and renders run in their own
processes): presence and version come from package metadata, and importability is proven by
``import manim`` in a child interpreter with a timeout. That probe is the only slow check
(seconds), so its result is cached; everything else is re-checked on every call.

Example:
    >>> report = await check_health(settings.data_dir, store.ping)
    >>> report.status, report.checks["latex"].status
    ('degraded', 'warn')
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import importlib.util
import shutil
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from server.queue import JobQueue
from tools.render.sandbox import SandboxStatus, current_sandbox

__all__ = [
    "DATABASE_TIMEOUT_S",
    "DISK_FAIL_BELOW_BYTES",
    "DISK_WARN_BELOW_BYTES",
    "MANIM_IMPORT_TIMEOUT_S",
    "CheckResult",
    "HealthReport",
    "check_health",
]

DISK_FAIL_BELOW_BYTES = 200 * 1024**2
DISK_WARN_BELOW_BYTES = 2 * 1024**3
MANIM_IMPORT_TIMEOUT_S = 60.0
DATABASE_TIMEOUT_S = 5.0

CheckStatus = Literal["ok", "warn", "fail"]


class CheckResult(BaseModel):
    """One dependency's state and a sentence saying what it means for renders."""

    status: CheckStatus
    detail: str


class HealthReport(BaseModel):
    """Unhealthy if any check fails, degraded if any warns, healthy otherwise."""

    status: Literal["healthy", "degraded", "unhealthy"]
    checks: dict[str, CheckResult]
    sandbox: SandboxStatus | None = Field(
        description="The render sandbox of this process; None where workers render."
    )
    version: str = Field(
        default_factory=lambda: importlib.metadata.version("manimgraph"),
        description="manimgraph's version.",
    )
    timestamp: datetime = Field(
        default_factory=lambda: datetime.now(UTC), description="When the checks ran (UTC)."
    )


_manim_probes: dict[tuple[str, str], tuple[float, CheckResult]] = {}
"""Import-probe results by (interpreter, manim version), with the monotonic time of the probe."""


async def check_health(
    data_dir: Path,
    database_ok: Callable[[], Awaitable[bool]],
    *,
    queue: JobQueue | None = None,
    manim_probe_ttl_s: float = 60.0,
) -> HealthReport:
    """Check every dependency; cheap to poll.

    Args:
        data_dir: Where videos and renders are written; its free space is checked.
        database_ok: Returns whether the database answers; awaited with a timeout, and
            an exception counts as a failure.
        queue: The job queue, when workers run the jobs: then Redis and the live workers
            are checked instead of what renders need (each worker has `manimgraph doctor`).
        manim_probe_ttl_s: How long a manim import probe is reused; 0 probes again.
    """
    if queue is not None:
        database, disk, workers = await asyncio.gather(
            _check_database(database_ok),
            asyncio.to_thread(_check_disk, data_dir),
            _check_queue(queue),
        )
        return _report({"database": database, "disk": disk, **workers}, None)
    database, disk, manim, sandbox = await asyncio.gather(
        _check_database(database_ok),
        asyncio.to_thread(_check_disk, data_dir),
        _check_manim(manim_probe_ttl_s),
        asyncio.to_thread(current_sandbox),
    )
    checks = {
        "database": database,
        "disk": disk,
        "manim": manim,
        "latex": _check_tools(
            ("latex", "dvisvgm"), "warn", "MathTex and Tex scenes fail; other scenes render"
        ),
        "ffmpeg": _check_tools(
            ("ffmpeg", "ffprobe"), "fail", "scenes cannot be assembled or probed"
        ),
        "sandbox": _check_sandbox(sandbox.status),
    }
    return _report(checks, sandbox.status)


def _report(checks: dict[str, CheckResult], sandbox: SandboxStatus | None) -> HealthReport:
    statuses = {check.status for check in checks.values()}
    overall: Literal["healthy", "degraded", "unhealthy"] = (
        "unhealthy" if "fail" in statuses else "degraded" if "warn" in statuses else "healthy"
    )
    return HealthReport(status=overall, checks=checks, sandbox=sandbox)


async def _check_queue(queue: JobQueue) -> dict[str, CheckResult]:
    """Redis answers, and at least one worker is alive to take the queued jobs."""
    try:
        info = await asyncio.wait_for(queue.info(), DATABASE_TIMEOUT_S)
    except Exception as exc:  # any error means jobs can be neither queued nor taken
        failed = CheckResult(status="fail", detail=f"Redis does not answer: {exc}")
        unknown = CheckResult(status="fail", detail="unknown while Redis does not answer")
        return {"redis": failed, "workers": unknown}
    redis = CheckResult(
        status="ok", detail=f"Redis answers: {info.queued} queued, {info.active} running"
    )
    if info.workers == 0:
        workers = CheckResult(status="warn", detail="no worker is alive: jobs wait in the queue")
    else:
        workers = CheckResult(status="ok", detail=f"{info.workers} worker(s) alive")
    return {"redis": redis, "workers": workers}


async def _check_database(database_ok: Callable[[], Awaitable[bool]]) -> CheckResult:
    try:
        ok = await asyncio.wait_for(database_ok(), DATABASE_TIMEOUT_S)
    except TimeoutError:
        return CheckResult(status="fail", detail=f"no answer within {DATABASE_TIMEOUT_S:g} s")
    except Exception as exc:  # any error of the probe means the database cannot be used
        return CheckResult(status="fail", detail=f"{type(exc).__name__}: {exc}")
    if not ok:
        return CheckResult(status="fail", detail="the database did not answer")
    return CheckResult(status="ok", detail="the database answers")


def _check_disk(data_dir: Path) -> CheckResult:
    """Free space in the data directory (the path itself is not reported: it is internal)."""
    try:
        free = shutil.disk_usage(data_dir).free
    except OSError as exc:
        return CheckResult(
            status="fail", detail=f"cannot read the data directory: {exc.strerror or exc}"
        )
    detail = f"{free / 1024**3:.2f} GB free in the data directory"
    if free < DISK_FAIL_BELOW_BYTES:
        return CheckResult(status="fail", detail=f"{detail}; renders would fail to write")
    if free < DISK_WARN_BELOW_BYTES:
        return CheckResult(status="warn", detail=f"{detail}; a few videos will fill it")
    return CheckResult(status="ok", detail=detail)


async def _check_manim(ttl_s: float) -> CheckResult:
    if importlib.util.find_spec("manim") is None:
        return CheckResult(status="fail", detail="manim is not installed in this environment")
    try:
        version = importlib.metadata.version("manim")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    key = (sys.executable, version)
    cached = _manim_probes.get(key)
    if cached is not None and time.monotonic() - cached[0] < ttl_s:
        return cached[1]
    result = await _probe_manim_import(version)
    _manim_probes[key] = (time.monotonic(), result)
    return result


async def _probe_manim_import(version: str) -> CheckResult:
    """``import manim`` in a child interpreter: proves its native libraries load too."""
    started = time.monotonic()
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "import manim",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as exc:
        return CheckResult(status="fail", detail=f"cannot start the interpreter: {exc}")
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), MANIM_IMPORT_TIMEOUT_S)
    except TimeoutError:
        return CheckResult(
            status="fail", detail=f"import manim took over {MANIM_IMPORT_TIMEOUT_S:g} s"
        )
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    if process.returncode != 0:
        lines = stderr.decode(errors="replace").strip().splitlines()
        reason = lines[-1] if lines else f"exit status {process.returncode}"
        return CheckResult(status="fail", detail=f"import manim failed: {reason}")
    seconds = time.monotonic() - started
    return CheckResult(status="ok", detail=f"manim {version} imports ({seconds:.1f} s)")


def _check_tools(names: tuple[str, ...], missing: CheckStatus, consequence: str) -> CheckResult:
    """Whether every program in ``names`` is on PATH; ``consequence`` says what breaks."""
    absent = [name for name in names if shutil.which(name) is None]
    if absent:
        return CheckResult(status=missing, detail=f"{', '.join(absent)} not on PATH: {consequence}")
    return CheckResult(status="ok", detail=f"{', '.join(names)} found")


def _check_sandbox(status: SandboxStatus) -> CheckResult:
    """Every isolation layer is ok; a missing one warns, or fails renders in strict mode."""
    active = ", ".join(status.active)
    if status.complete:
        return CheckResult(status="ok", detail=f"{status.mode} sandbox, layers: {active}")
    missing = "; ".join(f"{layer}: {why}" for layer, why in status.missing.items())
    if status.mode == "off":
        return CheckResult(status="warn", detail=f"the sandbox is off; layers: {active}")
    if status.mode == "strict":
        return CheckResult(status="fail", detail=f"strict sandbox refuses to render: {missing}")
    return CheckResult(status="warn", detail=f"layers: {active}; missing: {missing}")
