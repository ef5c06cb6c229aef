"""P6, P7: status latency at a fixed 200 rps while two renders run; the idle server's RSS.

Run with `python -m bench.server`. Both numbers come from a real `manimgraph serve` process
on loopback. The load is open-loop: request i is due at start + i * 5 ms whether or not the
earlier ones have answered, so a slow answer cannot hold the next requests back and hide
itself. Latency runs from the moment a request is sent to its answer; `lag` is how late the
generator sent requests against their schedule, shown so a busy client cannot pass for a
slow server.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.common import report

RATE_RPS = 200
WINDOW_S = 10.0
WARM_UP_S = 1.0
SCENES = 6
PROMPTS = (
    "Explain the water cycle: evaporation, condensation, precipitation, collection",
    "Explain binary search on a sorted list, halving the range at each step",
)
TARGET_P99_MS = 20.0
TARGET_RSS_MB = 300.0
CLI = str(Path(sys.executable).with_name("manimgraph"))
RENDER_MODULE = b"tools.render.harness"


@dataclass(frozen=True)
class Sample:
    """One status request: how late it was sent, how long its answer took, and if it was 200."""

    lag_s: float
    latency_s: float
    ok: bool


@dataclass(frozen=True)
class Server:
    """A running `manimgraph serve` process."""

    process: subprocess.Popen[bytes]
    base_url: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(data_dir: Path) -> Iterator[Server]:
    """Start the server on a free loopback port; the rate limit is raised, not switched off."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["MANIMGRAPH_RATE_LIMIT"] = "1000000/minute"
    process = subprocess.Popen(
        [CLI, "serve", "--port", str(port), "--data-dir", str(data_dir)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = Server(process, f"http://127.0.0.1:{port}")
    try:
        _wait_until_up(server)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=60)


def _wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{server.base_url}/health", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start within 60 s")


def rss_mb(pid: int) -> float:
    """Resident set size of one process, from /proc/PID/status (VmRSS, in kB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def render_processes(pid: int) -> int:
    """Live render subprocesses among the descendants of `pid`."""
    count = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                pending.extend(int(child) for child in (task / "children").read_text().split())
            except OSError:
                continue
        if current != pid:
            try:
                count += RENDER_MODULE in Path(f"/proc/{current}/cmdline").read_bytes()
            except OSError:
                continue
    return count


async def _one(client: httpx.AsyncClient, path: str, due: float) -> Sample:
    sent = time.perf_counter()
    try:
        response = await client.get(path)
        ok = response.status_code == 200
    except httpx.HTTPError:
        ok = False
    return Sample(lag_s=sent - due, latency_s=time.perf_counter() - sent, ok=ok)


async def open_loop(
    client: httpx.AsyncClient, paths: list[str], rate: float, seconds: float
) -> tuple[list[Sample], float]:
    """Send GETs to `paths` in turn at a fixed arrival rate; the samples and the wall time."""
    interval = 1 / rate
    start = time.perf_counter()
    tasks = []
    for i in range(round(rate * seconds)):
        due = start + i * interval
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tasks.append(asyncio.create_task(_one(client, paths[i % len(paths)], due)))
    samples = await asyncio.gather(*tasks)
    return samples, time.perf_counter() - start


async def _watch_renders(pid: int, counts: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        counts.append(render_processes(pid))
        await asyncio.sleep(0.1)


async def _wait_for_renders(pid: int, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while render_processes(pid) < 2:
        if time.monotonic() > deadline:
            raise RuntimeError("two renders did not start")
        await asyncio.sleep(0.2)


async def measure_status_load(server: Server) -> dict[str, Any]:
    """P6: submit two 6-scene jobs, then poll their status at RATE_RPS while they render."""
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10, limits=limits) as client:
        jobs = []
        for prompt in PROMPTS:
            answer = await client.post(
                "/api/v1/generate", json={"prompt": prompt, "scene_count": SCENES}
            )
            answer.raise_for_status()
            jobs.append(answer.json()["job_id"])
        paths = [f"/api/v1/jobs/{job_id}" for job_id in jobs]
        await _wait_for_renders(server.process.pid)
        await open_loop(client, paths, RATE_RPS, WARM_UP_S)

        counts: list[int] = []
        stop = asyncio.Event()
        watcher = asyncio.create_task(_watch_renders(server.process.pid, counts, stop))
        samples, wall_s = await open_loop(client, paths, RATE_RPS, WINDOW_S)
        stop.set()
        await watcher
        statuses = [(await client.get(path)).json()["status"] for path in paths]
        for path in paths:
            await client.delete(path)
    return {"samples": samples, "wall_s": wall_s, "renders": counts, "statuses": statuses}


def measure_idle_rss(data_dir: Path) -> float:
    """P7: a fresh server's RSS after start-up and one status request."""
    with serve(data_dir) as server:
        job_id = httpx.get(f"{server.base_url}/api/v1/jobs").json()["data"][0]["job_id"]
        httpx.get(f"{server.base_url}/api/v1/jobs/{job_id}").raise_for_status()
        return rss_mb(server.process.pid)


def _rows(load: dict[str, Any], idle_rss_mb: float) -> list[dict[str, Any]]:
    samples: list[Sample] = load["samples"]
    latencies_ms = [s.latency_s * 1000 for s in samples]
    cuts = statistics.quantiles(latencies_ms, n=100, method="inclusive")
    lag_ms = statistics.quantiles([s.lag_s * 1000 for s in samples], n=100, method="inclusive")
    renders: list[int] = load["renders"]
    p99 = cuts[98]

    def row(metric: str, value: float | str, unit: str, target: str = "", met: Any = "") -> dict:
        return {"benchmark": metric, "value": value, "unit": unit, "target": target, "met": met}

    return [
        row("P6 status p50", cuts[49], "ms"),
        row("P6 status p99", p99, "ms", f"< {TARGET_P99_MS:g}", p99 < TARGET_P99_MS),
        row("P6 status max", max(latencies_ms), "ms"),
        row("P6 achieved rate", len(samples) / load["wall_s"], "req/s", f"{RATE_RPS}"),
        row("P6 errors (non-200 or failed)", sum(not s.ok for s in samples), "requests", "0"),
        row("P6 client send lag p99", lag_ms[98], "ms"),
        row(
            "P6 renders running (min / mean)",
            f"{min(renders)} / {statistics.mean(renders):.2f}",
            "processes",
            ">= 1 throughout",
            min(renders) >= 1,
        ),
        row("P6 job states after the window", ", ".join(load["statuses"]), "", "running"),
        row("P7 idle RSS", idle_rss_mb, "MB", f"< {TARGET_RSS_MB:g}", idle_rss_mb < TARGET_RSS_MB),
    ]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        with serve(data_dir) as server:
            load = asyncio.run(measure_status_load(server))
        idle_rss = measure_idle_rss(data_dir)
    title = f"manimgraph server: {RATE_RPS} rps status polling for {WINDOW_S:g} s, 2 renders"
    out = report("server", title, _rows(load, idle_rss))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
