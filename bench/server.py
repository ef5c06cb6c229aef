"""P6, P7: status latency at a fixed 200 rps while two renders run; the idle server's RSS.

Run with `python -m bench.server`; it writes bench/results/server.json. Every number comes
from a real `manimgraph serve` process on loopback, with its rate limit raised (not off).

P6 here is the cross-check of `bench.p6_status` (which drives the same load from `hey`):
it submits two 6-scene jobs, waits until two render processes run, warms up for 1 s, then
polls both jobs' status for 10 s from Python. The load is open-loop: request i is due at
start + i * 5 ms whether or not earlier ones have answered, so a slow answer cannot hold the
next requests back and hide itself. Latency runs from sending a request to its answer; the
generator's send lag and CPU are shown so a starved client cannot pass for a slow server.
The same load on the idle server follows, as context: what the server costs by itself (the
jobs are cancelled by then, so their status comes from the store alone).

P7 restarts the server on the same data dir (the jobs were cancelled, so nothing resumes)
and reads VmRSS from /proc/PID/status after one status request.
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

from bench.common import render_processes, report

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
START_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Sample:
    """One status request: how late it was sent, how long its answer took, and if it was 200."""

    lag_s: float
    latency_s: float
    ok: bool


@dataclass(frozen=True)
class Server:
    """A running `manimgraph serve` process and its data directory."""

    process: subprocess.Popen[bytes]
    base_url: str
    data_dir: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(data_dir: Path, **settings: str) -> Iterator[Server]:
    """Start the server on a free loopback port; the rate limit is raised, not switched off.

    `settings` are more environment variables (`MANIMGRAPH_LEASE_SECONDS="3"`, ...).
    """
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(MANIMGRAPH_RATE_LIMIT="1000000/minute", **settings)
    process = subprocess.Popen(
        [CLI, "serve", "--port", str(port), "--data-dir", str(data_dir)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = Server(process, f"http://127.0.0.1:{port}", data_dir)
    try:
        _wait_until_up(server)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=60)


def _wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            # Not /health: it checks that Manim imports, which can take longer than this.
            httpx.get(f"{server.base_url}/api/v1/presets", timeout=2).raise_for_status()
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not start within {START_TIMEOUT_S:g} s")


def rss_mb(pid: int) -> float:
    """Resident set size of one process, from /proc/PID/status (VmRSS, in kB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


async def _one(client: httpx.AsyncClient, path: str, due: float) -> Sample:
    sent = time.perf_counter()
    try:
        response = await client.get(path)
        ok = response.status_code == 200
    except httpx.HTTPError:
        ok = False
    return Sample(lag_s=sent - due, latency_s=time.perf_counter() - sent, ok=ok)


@dataclass(frozen=True)
class Load:
    """One measured window: its samples, wall time, and the CPU the server and client got."""

    samples: list[Sample]
    wall_s: float
    client_cpu_s: float
    server_cpu_s: float


async def open_loop(
    client: httpx.AsyncClient, paths: list[str], rate: float, seconds: float
) -> list[Sample]:
    """Send GETs to `paths` in turn at a fixed arrival rate, whatever the answers' pace."""
    interval = 1 / rate
    start = time.perf_counter()
    tasks = []
    for i in range(round(rate * seconds)):
        due = start + i * interval
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tasks.append(asyncio.create_task(_one(client, paths[i % len(paths)], due)))
    return await asyncio.gather(*tasks)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of one process (all its threads, not its children)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measured_window(server: Server, client: httpx.AsyncClient, paths: list[str]) -> Load:
    """Warm up, then one measured window at RATE_RPS with both sides' CPU accounted."""
    await open_loop(client, paths, RATE_RPS, WARM_UP_S)
    server_cpu, client_cpu = cpu_seconds(server.process.pid), time.process_time()
    start = time.perf_counter()
    samples = await open_loop(client, paths, RATE_RPS, WINDOW_S)
    return Load(
        samples,
        time.perf_counter() - start,
        time.process_time() - client_cpu,
        cpu_seconds(server.process.pid) - server_cpu,
    )


def _client(server: Server) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    return httpx.AsyncClient(base_url=server.base_url, timeout=10, limits=limits)


async def _watch_renders(data_dir: Path, counts: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        counts.append(len(render_processes(data_dir)))
        await asyncio.sleep(0.1)


async def _wait_for_renders(data_dir: Path, timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while len(render_processes(data_dir)) < 2:
        if time.monotonic() > deadline:
            raise RuntimeError("two renders did not start")
        await asyncio.sleep(0.2)


@dataclass(frozen=True)
class RenderLoad:
    """P6's run: the load, the render processes seen during it, the jobs' states after it."""

    load: Load
    renders: list[int]
    job_states: list[str]
    paths: list[str]


async def measure_during_renders(server: Server) -> RenderLoad:
    """P6: submit two 6-scene jobs, poll their status at RATE_RPS while they render, cancel."""
    async with _client(server) as client:
        paths = []
        for prompt in PROMPTS:
            answer = await client.post(
                "/api/v1/generate", json={"prompt": prompt, "scene_count": SCENES}
            )
            answer.raise_for_status()
            paths.append(answer.json()["status_url"])
        await _wait_for_renders(server.data_dir)
        counts: list[int] = []
        stop = asyncio.Event()
        watcher = asyncio.create_task(_watch_renders(server.data_dir, counts, stop))
        load = await measured_window(server, client, paths)
        stop.set()
        await watcher
        states = [(await client.get(path)).json()["status"] for path in paths]
        for path in paths:
            await client.delete(path)
    return RenderLoad(load, counts, states, paths)


async def measure_without_renders(server: Server, paths: list[str]) -> Load:
    """The same load on an idle server, to tell the server's own cost from render contention."""
    async with _client(server) as client:
        return await measured_window(server, client, paths)


def _row(
    metric: str, value: float | str, unit: str, target: str = "", met: bool | str = ""
) -> dict[str, Any]:
    return {"benchmark": metric, "value": value, "unit": unit, "target": target, "met": met}


def _load_rows(label: str, load: Load, target: bool) -> list[dict[str, Any]]:
    latencies_ms = [s.latency_s * 1000 for s in load.samples]
    cuts = statistics.quantiles(latencies_ms, n=100, method="inclusive")
    lag = statistics.quantiles([s.lag_s * 1000 for s in load.samples], n=100, method="inclusive")
    p99_target = (f"< {TARGET_P99_MS:g}", cuts[98] < TARGET_P99_MS) if target else ("", "")
    return [
        _row(f"{label}: p50", cuts[49], "ms"),
        _row(f"{label}: p99", cuts[98], "ms", *p99_target),
        _row(f"{label}: max", max(latencies_ms), "ms"),
        _row(f"{label}: achieved rate", len(load.samples) / load.wall_s, "req/s", f"{RATE_RPS}"),
        _row(f"{label}: errors", sum(not s.ok for s in load.samples), "requests", "0"),
        _row(f"{label}: generator send lag p99", lag[98], "ms"),
        _row(f"{label}: server CPU", load.server_cpu_s / load.wall_s, "cores"),
        _row(f"{label}: generator CPU", load.client_cpu_s / load.wall_s, "cores"),
    ]


def _rows(
    during: RenderLoad, idle: Load, idle_rss_mb: float, load_average: float
) -> list[dict[str, Any]]:
    renders = f"{min(during.renders)} / {statistics.mean(during.renders):.2f}"
    return [
        _row("machine load average before the run", load_average, f"on {os.cpu_count()} cpus"),
        *_load_rows("P6 with 2 renders", during.load, target=True),
        _row("P6 renders running (min / mean)", renders, "processes", ">= 1 throughout",
             min(during.renders) >= 1),
        _row("P6 job states after the window", ", ".join(during.job_states), "", "running"),
        *_load_rows("P6 context, no renders", idle, target=False),
        _row("P7 idle RSS", idle_rss_mb, "MB", f"< {TARGET_RSS_MB:g}", idle_rss_mb < TARGET_RSS_MB),
    ]  # fmt: skip


def main() -> None:
    load_average = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        with serve(data_dir) as server:
            during = asyncio.run(measure_during_renders(server))
        with serve(data_dir) as server:
            httpx.get(f"{server.base_url}{during.paths[0]}").raise_for_status()
            idle_rss = rss_mb(server.process.pid)
            idle = asyncio.run(measure_without_renders(server, during.paths))
    title = f"manimgraph server: status polling at {RATE_RPS} rps for {WINDOW_S:g} s"
    out = report("server", title, _rows(during, idle, idle_rss, load_average))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
