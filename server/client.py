"""What the CLI needs to follow or steer jobs: polling the store, calling the server."""

from __future__ import annotations

import time
from typing import Any

import httpx
from rich.console import Console

from graphs.errors import JobError
from server.events import TERMINAL_EVENTS
from tools.store import JobRecord, Store

__all__ = ["DEFAULT_URL", "call_server", "watch_job"]

DEFAULT_URL = "http://127.0.0.1:8000"
POLL_S = 1.0


def watch_job(store: Store, job_id: str, console: Console) -> JobRecord:
    """Poll the job row, showing stage and progress, until it ends."""
    with console.status("") as spinner:
        while True:
            job = store.get_job(job_id)
            assert job is not None
            spinner.update(f"{job.status} · {job.stage or ''} · {job.progress:.0%} · {job.message}")
            if job.status in TERMINAL_EVENTS:
                return job
            time.sleep(POLL_S)


def call_server(method: str, url: str, api_key: str | None) -> dict[str, Any]:
    """One API call; an error answer becomes a JobError carrying the server's detail."""
    headers = {"X-API-Key": api_key} if api_key else {}
    try:
        response = httpx.request(method, url, headers=headers, timeout=30)
    except httpx.HTTPError as exc:
        raise JobError(f"cannot reach the server at {url}: {exc}") from exc
    body: dict[str, Any] = response.json()
    if response.is_error:
        raise JobError(f"{response.status_code} {body.get('error_code')}: {body.get('detail')}")
    return body
