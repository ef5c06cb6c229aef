"""Real `manimgraph serve` processes for tests: start, poll, read metrics, stop."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

__all__ = [
    "CLI",
    "TERMINAL",
    "Server",
    "Worker",
    "cli_env",
    "free_port",
    "renders",
    "run_cli",
    "serving",
    "wait_until",
    "working",
]

CLI = str(Path(sys.executable).with_name("manimgraph"))
TERMINAL = ("completed", "failed", "cancelled")
LEASE_S = "3"
"""Short leases, so a killed runner's job is taken over within seconds."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli_env(database_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of a CLI or server process: no provider keys, short leases."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(MANIMGRAPH_RATE_LIMIT="100000/minute", MANIMGRAPH_LEASE_SECONDS=LEASE_S, **extra)
    if database_url is not None:
        env["MANIMGRAPH_DATABASE_URL"] = database_url
    return env


def run_cli(
    *args: str, data_dir: Path | None = None, timeout: float = 600, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    """`manimgraph *args` in a fresh process (on `data_dir`, when given), its output as text."""
    command = [CLI, *args, *(("--data-dir", str(data_dir)) if data_dir is not None else ())]
    return subprocess.run(
        command, capture_output=True, text=True, env=cli_env(**extra_env), timeout=timeout
    )


class Worker:
    """A `manimgraph worker` process; its log (stderr) names every scene it renders."""

    def __init__(self, data_dir: Path, database_url: str, redis_url: str, **env: str) -> None:
        self.data_dir = data_dir
        self.log = data_dir.with_suffix(".log")
        data_dir.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [CLI, "worker", "--render-slots", "1", "--data-dir", str(data_dir)],
                env=cli_env(database_url, MANIMGRAPH_REDIS_URL=redis_url, **env),
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def renders(self, job_id: str) -> int:
        """Scenes of `job_id` this worker rendered (or took from the render cache)."""
        return sum(f"job {job_id} scene" in line for line in self.log.read_text().splitlines())

    def stop(self) -> None:
        _stop(self.process)


class Server:
    """A `manimgraph serve` process on a free loopback port."""

    def __init__(self, data_dir: Path, database_url: str | None, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [CLI, "serve", "--port", str(self.port), "--data-dir", str(data_dir)],
            env=cli_env(database_url, **env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.base}/api/v1/presets", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.process.kill()
        raise AssertionError("the server did not start")

    def get(self, path: str) -> Any:
        return httpx.get(f"{self.base}{path}", timeout=30).json()

    def post(self, path: str, body: Any = None) -> Any:
        return httpx.post(f"{self.base}{path}", json=body, timeout=30).json()

    def job(self, job_id: str) -> dict[str, Any]:
        return self.get(f"/api/v1/jobs/{job_id}")  # type: ignore[no-any-return]

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        _stop(self.process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate, and kill what does not stop within 30 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def serving(
    data_dir: Path, database_url: str | None, count: int = 1, **env: str
) -> Iterator[list[Server]]:
    """`count` servers on one data directory and database, stopped afterwards."""
    servers: list[Server] = []
    try:
        for _ in range(count):
            servers.append(Server(data_dir, database_url, **env))
        yield servers
    finally:
        for server in servers:
            server.stop()


def renders(server: Server) -> float:
    """Scene renders this server made (rendered or served from the render cache)."""
    text = httpx.get(f"{server.base}/metrics", timeout=30).text
    found = re.findall(r'manimgraph_scene_renders_total\{outcome="\w+"\} ([0-9.]+)', text)
    return sum(float(count) for count in found)


def wait_until(check: Any, timeout: float = 300, every: float = 0.2) -> Any:
    """Call `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not true within {timeout} s: {check}")


@contextmanager
def working(
    root: Path, database_url: str, redis_url: str, count: int = 2, **env: str
) -> Iterator[list[Worker]]:
    """`count` workers, each with a data directory of its own under `root`."""
    workers: list[Worker] = []
    try:
        for number in range(count):
            workers.append(Worker(root / f"worker{number}", database_url, redis_url, **env))
        yield workers
    finally:
        for worker in workers:
            worker.stop()
