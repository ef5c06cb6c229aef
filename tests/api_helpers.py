"""Helpers of the API tests: an app on a temp data dir, polling, process scans."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from server.main import create_app
from server.settings import Settings
from tests.processes import processes_in

TERMINAL = {"completed", "failed", "cancelled"}


def make_client(data_dir: Path, database_url: str | None = None, **settings: Any) -> TestClient:
    """A TestClient whose lifespan opens a store in `data_dir` (and `database_url`, when
    given); polling stays under the rate limit."""
    settings.setdefault("rate_limit", "100000/minute")
    return TestClient(
        create_app(Settings(data_dir=data_dir, database_url=database_url, **settings))
    )


def wait_for(
    client: TestClient, job_id: str, *, headers: dict[str, str] | None = None, timeout: float = 300
) -> dict[str, Any]:
    """Poll a job until it ends."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
        if job["status"] in TERMINAL:
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} did not finish in {timeout}s")


def render_processes(data_dir: Path) -> list[int]:
    """Pids of live processes rendering in a work directory under `data_dir`.

    An idle warm worker (whose directory is its `.warm-*` root, not a request's) is not
    rendering.
    """
    return processes_in(path for path in data_dir.rglob("*") if not path.name.startswith(".warm-"))
