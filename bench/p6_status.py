"""P6: job status latency at a fixed 200 requests per second while two renders run.

A real `manimgraph serve` (SQLite, the default) on loopback gets two 8-scene generate jobs;
once both are rendering, `hey` sends `GET /api/v1/jobs/{id}` for 10 s at 200 rps, after a
1 s warm-up, in two shapes:

- `hey -z 10s -q 20 -c 10`, the load as the issue states it. hey starts its ten workers
  together, each on its own 50 ms ticker, so the requests leave in bursts of ten every
  50 ms (the "in bursts" column: the share of requests sent less than 1 ms after the
  previous one);
- ten `hey -z 10s -q 20 -c 1` processes started 5 ms apart: the same 200 rps, spread out.

Then one client alone sends 500 requests back to back (`hey -n 500 -c 1`): the cost of one
request with nothing queued before it. The jobs are cancelled, and the same loads run on
the idle server as the control.

Latency is hey's, per request (`-o csv`), from the request's start to the end of its
answer. hey paces each connection on a ticker, so an answer slower than 50 ms delays that
connection's next request: the achieved rate is shown, and a rate below 200 means the
percentiles leave out what was not sent. Render processes are sampled during every load to
show the renders really ran, and the server's and hey's CPU are shown so a starved client
cannot pass for a slow server.

    .venv/bin/python -m bench.p6_status [--seconds S] [--rate R] [--scenes N]

Writes bench/results/p6_status.json: the table, the exact hey commands, the render samples.
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.common import percentile, render_processes, report
from bench.server import Server, cpu_seconds, serve

__all__ = ["HeyRun", "hey", "main"]

CONNECTIONS = 10
WARM_UP_S = 1.0
SINGLE_CLIENT_REQUESTS = 500
BURST_GAP_S = 0.001
TARGET_P99_MS = 20.0
PROMPTS = (
    "Explain the water cycle: evaporation, condensation, precipitation, collection",
    "Explain binary search on a sorted list, halving the range at each step",
)


@dataclass(frozen=True)
class HeyRun:
    """One load from one or more hey processes: per-request latencies, statuses and send
    times, the CPU both sides used, and the render processes seen meanwhile."""

    commands: list[list[str]]
    latencies_ms: list[float]
    statuses: list[int]
    sent_s: list[float]
    wall_s: float
    hey_cpu_s: float
    server_cpu_s: float
    renders: list[int]

    @property
    def errors(self) -> int:
        """Requests that did not answer 200 (hey writes no row for a failed connection)."""
        return sum(status != 200 for status in self.statuses)

    @property
    def bursty(self) -> float:
        """Share of requests sent less than 1 ms after the one before."""
        sent = sorted(self.sent_s)
        close = sum(b - a < BURST_GAP_S for a, b in itertools.pairwise(sent))
        return close / max(1, len(sent) - 1)

    def summary(self) -> dict[str, Any]:
        """What the JSON keeps of the run (not every sample)."""
        return {
            "commands": [" ".join(command) for command in self.commands],
            "requests": len(self.latencies_ms),
            "errors": self.errors,
            "wall_s": self.wall_s,
            "p50_ms": percentile(self.latencies_ms, 50),
            "p90_ms": percentile(self.latencies_ms, 90),
            "p99_ms": percentile(self.latencies_ms, 99),
            "max_ms": max(self.latencies_ms),
            "mean_ms": statistics.fmean(self.latencies_ms),
            "sent_in_bursts": self.bursty,
            "hey_cpu_s": self.hey_cpu_s,
            "server_cpu_s": self.server_cpu_s,
            "render_processes": self.renders,
        }


class RenderWatch:
    """Samples the number of live render processes on a thread, every 0.2 s."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.counts: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RenderWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.counts.append(len(render_processes(self.data_dir)))
            self._stop.wait(0.2)


def hey(
    server: Server, url: str, args: list[str], processes: int = 1, apart_s: float = 0
) -> HeyRun:
    """Run `processes` times `hey ARGS -o csv URL`, started `apart_s` apart, and read one
    latency, status and send time per request.

    A request's send time is its process's start (as this side saw it) plus hey's offset;
    within one process it is exact, across processes it is off by their start-up jitter.
    """
    command = [_hey_binary(), *args, "-o", "csv", url]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu = cpu_seconds(server.process.pid)
    with RenderWatch(server.data_dir) as watch:
        start = time.perf_counter()
        running = []
        for index in range(processes):
            time.sleep(max(0.0, start + index * apart_s - time.perf_counter()))
            spawned = time.perf_counter() - start
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            running.append((spawned, process))
        outputs = [(spawned, *process.communicate()) for spawned, process in running]
        wall_s = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    latencies, statuses, sent = [], [], []
    for spawned, out, err in outputs:
        rows = list(csv.DictReader(io.StringIO(out.decode())))
        if not rows:
            raise RuntimeError(f"hey answered nothing: {err.decode()[-500:]}")
        latencies += [float(row["response-time"]) * 1000 for row in rows]
        statuses += [int(row["status-code"]) for row in rows]
        sent += [spawned + float(row["offset"]) for row in rows]
    return HeyRun(
        commands=[command] * processes,
        latencies_ms=latencies,
        statuses=statuses,
        sent_s=sent,
        wall_s=wall_s,
        hey_cpu_s=(after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime),
        server_cpu_s=cpu_seconds(server.process.pid) - server_cpu,
        renders=watch.counts,
    )


def _hey_binary() -> str:
    found = shutil.which("hey")
    if found is None:
        raise SystemExit("hey is not installed: run `make system` (scripts/install-system.sh)")
    return found


@dataclass(frozen=True)
class Phase:
    """One condition (rendering or idle): its loads by name, and the jobs' states after."""

    condition: str
    loads: dict[str, HeyRun]
    job_states: list[str]


def measure(
    server: Server, client: httpx.Client, condition: str, urls: list[str], rate: int, seconds: float
) -> Phase:
    """The bursty and the smooth rate windows (after a warm-up), then the single client."""
    per_connection = str(rate // CONNECTIONS)
    window = f"{seconds:g}s"
    bursts = ["-q", per_connection, "-c", str(CONNECTIONS)]
    hey(server, urls[0], ["-z", f"{WARM_UP_S:g}s", *bursts])
    loads = {
        f"hey -c{CONNECTIONS} -q{per_connection}": hey(server, urls[0], ["-z", window, *bursts]),
        f"{CONNECTIONS}x hey -c1 -q{per_connection}, {1000 / rate:g} ms apart": hey(
            server,
            urls[0],
            ["-z", window, "-q", per_connection, "-c", "1"],
            processes=CONNECTIONS,
            apart_s=1 / rate,
        ),
        f"hey -n{SINGLE_CLIENT_REQUESTS} -c1": hey(
            server, urls[0], ["-n", str(SINGLE_CLIENT_REQUESTS), "-c", "1"]
        ),
    }
    states = [client.get(url).json()["status"] for url in urls]
    return Phase(condition, loads, states)


def submit_and_wait_for_renders(client: httpx.Client, server: Server, scenes: int) -> list[str]:
    """Submit the two jobs; return their status URLs once both render a scene and two
    render processes run."""
    urls = []
    for prompt in PROMPTS:
        answer = client.post("/api/v1/generate", json={"prompt": prompt, "scene_count": scenes})
        answer.raise_for_status()
        urls.append(f"{server.base_url}{answer.json()['status_url']}")
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        jobs = [client.get(url).json() for url in urls]
        rendering = all(
            any(scene["state"] == "rendering" for scene in job["scenes"]) for job in jobs
        )
        if rendering and len(render_processes(server.data_dir)) >= 2:
            return urls
        if any(job["status"] not in ("queued", "running") for job in jobs):
            raise RuntimeError(f"a job ended before rendering: {[j['status'] for j in jobs]}")
        time.sleep(0.2)
    raise RuntimeError("the two jobs did not both start rendering within 300 s")


def cancel_and_settle(client: httpx.Client, server: Server, urls: list[str]) -> None:
    """Cancel the jobs, wait until no render runs, then let the machine settle for 2 s."""
    for url in urls:
        client.delete(url)
    deadline = time.monotonic() + 120
    while render_processes(server.data_dir) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(2)


def _rows(phase: Phase, seconds: float) -> list[dict[str, Any]]:
    rows = []
    for name, run in phase.loads.items():
        rated = not name.startswith("hey -n")
        p99 = percentile(run.latencies_ms, 99)
        renders = (
            f"{min(run.renders)} / {statistics.fmean(run.renders):.2f}" if run.renders else "-"
        )
        rows.append(
            {
                "condition": phase.condition,
                "load": name,
                "p50 ms": percentile(run.latencies_ms, 50),
                "p99 ms": p99,
                "max ms": max(run.latencies_ms),
                "req/s": len(run.latencies_ms) / (seconds if rated else run.wall_s),
                "errors": run.errors,
                "in bursts": run.bursty,
                "server cores": run.server_cpu_s / run.wall_s,
                "hey cores": run.hey_cpu_s / run.wall_s,
                "server CPU ms/req": run.server_cpu_s / len(run.latencies_ms) * 1000,
                "renders min/mean": renders,
                "target p99": f"< {TARGET_P99_MS:g} ms" if rated else "",
                "met": p99 < TARGET_P99_MS if rated else "",
            }
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.p6_status", description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="Each measured window.")
    parser.add_argument("--rate", type=int, default=200, help="Requests per second.")
    parser.add_argument("--scenes", type=int, default=8, help="Scenes of each job.")
    args = parser.parse_args(argv)
    _hey_binary()
    load_average = os.getloadavg()
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve(Path(tmp) / "data") as server,
        httpx.Client(base_url=server.base_url, timeout=30) as client,
    ):
        urls = submit_and_wait_for_renders(client, server, args.scenes)
        busy = measure(server, client, "2 renders", urls, args.rate, args.seconds)
        cancel_and_settle(client, server, urls)
        idle = measure(server, client, "idle", urls, args.rate, args.seconds)
    rows = [*_rows(busy, args.seconds), *_rows(idle, args.seconds)]
    details = {
        "load_average_before": load_average,
        "job_states_after_the_busy_loads": busy.job_states,
        **{
            f"{phase.condition}: {name}": run.summary()
            for phase in (busy, idle)
            for name, run in phase.loads.items()
        },
    }
    title = (
        f"P6: GET /api/v1/jobs/{{id}} at {args.rate} rps for {args.seconds:g} s (hey); "
        f"load average before {load_average[0]:.2f} on {os.cpu_count()} cpus; "
        f"jobs after the busy loads: {', '.join(busy.job_states)}"
    )
    out = report("p6_status", title, rows, details)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
