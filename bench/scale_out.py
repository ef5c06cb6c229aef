"""Scale-out: throughput of 1 vs 2 `manimgraph worker`s, and SIGKILLed workers' recovery.

Real processes: an API server (`manimgraph serve` with `MANIMGRAPH_REDIS_URL`, so jobs go
on the SAQ queue), `manimgraph worker --concurrency 1 --render-slots 1` processes with a
data directory each, artifacts in a bucket of a moto S3 server started here (shared, so a
surviving worker finds the scenes the killed one stored), a redis-server of our own without
persistence, and a fresh PostgreSQL database (on `--postgres`) per configuration, dropped
afterwards.
Leases are 3 s (`MANIMGRAPH_LEASE_SECONDS=3`).

1. Throughput: the same `--jobs` offline generate jobs (`--scenes` scenes, low quality,
   distinct prompts, so the render cache does not help) with 1 worker, then with 2, each
   on fresh databases and data directories; wall time from the first submit to the last
   completion, and the ratio. The load average (1 min) is read before and after.
2. Kill trials (`--trials`): API + 2 workers; submit a `--kill-scenes`-scene job; once the
   API shows a scene `done`, SIGKILL the worker whose log names the job. A trial passes
   when the job completes and the other worker's renders of it (log lines
   `job <id> scene N rendered|cached`) are no more than the scenes not done at the kill.
   The killed worker is replaced before the next trial. Ctrl-C (SIGINT to this process)
   during the trials stops them and reports those that ran. SAQ re-enqueues a dead worker's
   job only when its heartbeat (15 s) is swept, so kill → completed is at least ~15 s.

    .venv/bin/python -m bench.scale_out [--jobs 6] [--scenes 3] [--trials 20]
        [--kill-scenes 3] [--part all|throughput|kill]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Prints a table per part; writes bench/results/scale_out_throughput.json and
bench/results/scale_out_kill.json.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.common import percentile, print_table, report
from bench.r1_takeover import fresh_database
from tests.redis_fixtures import RedisServer
from tests.servers import CLI, TERMINAL, Server, Worker, cli_env, wait_until

__all__ = ["Trial", "main"]

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
LEASE_SECONDS = "3"
REGION = "us-east-1"
TIMEOUT_S = 900.0
TOPICS = (
    "the water cycle: evaporation, condensation, precipitation, collection",
    "binary search on a sorted list, halving the range at each step",
    "the Pythagorean theorem with a right triangle and its squares",
    "how a hash table maps keys to buckets and handles collisions",
    "sorting a list with merge sort, splitting and merging halves",
    "how a derivative is the slope of a tangent line",
    "the orbit of the moon around the earth and its phases",
    "how a queue differs from a stack, first in first out",
)


class BenchWorker(Worker):
    """A `manimgraph worker --concurrency 1 --render-slots 1` with its log in a file."""

    def __init__(self, data_dir: Path, database_url: str, redis_url: str, **extra: str) -> None:
        self.data_dir = data_dir
        self.log = data_dir.with_suffix(".log")
        data_dir.mkdir(parents=True, exist_ok=True)
        env = cli_env(database_url, MANIMGRAPH_REDIS_URL=redis_url, **extra)
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    CLI,
                    "worker",
                    "--concurrency",
                    "1",
                    "--render-slots",
                    "1",
                    "--data-dir",
                    str(data_dir),
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )


def _prompt(tag: str, number: int) -> str:
    return f"Explain {TOPICS[number % len(TOPICS)]} (run {tag}, job {number})"


def _wait_workers(api: Server, count: int) -> None:
    wait_until(
        lambda: api.get("/health")["checks"]["workers"]["detail"].startswith(f"{count} "),
        timeout=120,
        every=0.2,
    )


def _load() -> float:
    return round(os.getloadavg()[0], 2)


@contextmanager
def s3_endpoint() -> Iterator[None]:
    """A moto S3 server on loopback (bench only), with the AWS_* variables pointing at it,
    so every process started now reaches it as it would reach S3."""
    from moto.server import ThreadedMotoServer

    from tests.servers import free_port

    port = free_port()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    os.environ.update(
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION=REGION,
    )
    try:
        yield
    finally:
        server.stop()


def _bucket() -> str:
    """A fresh bucket on the S3 server; its `s3://` artifacts URL."""
    import boto3

    name = f"mg-bench-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"]).create_bucket(Bucket=name)
    return f"s3://{name}/manimgraph"


@contextmanager
def _cluster(root: Path, postgres: str, workers: int) -> Iterator[tuple[Server, list[Worker]]]:
    """A redis-server, a fresh database and bucket, an API server and `workers` workers."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed")
    with ExitStack() as stack:
        redis = RedisServer(binary)
        stack.callback(redis.stop)
        url = stack.enter_context(fresh_database(postgres, root))
        assert url is not None
        artifacts = {"MANIMGRAPH_ARTIFACTS_URL": _bucket()}
        # All jobs are submitted at once, more than the default 4 per key.
        env = {"MANIMGRAPH_REDIS_URL": redis.url, "MANIMGRAPH_MAX_JOBS_PER_KEY": "100"}
        env |= artifacts
        api = Server(root / "api", url, **env)
        stack.callback(api.stop)
        started: list[Worker] = []

        def stop_workers() -> None:
            for worker in started:
                worker.stop()

        stack.callback(stop_workers)
        for number in range(workers):
            started.append(BenchWorker(root / f"worker{number}", url, redis.url, **artifacts))
        _wait_workers(api, workers)
        api.redis_url = redis.url  # type: ignore[attr-defined]
        api.database_url = url  # type: ignore[attr-defined]
        api.artifacts = artifacts  # type: ignore[attr-defined]
        yield api, started


# -- throughput ----------------------------------------------------------------------------


def throughput(root: Path, postgres: str, workers: int, jobs: int, scenes: int) -> dict[str, Any]:
    """Submit `jobs` jobs at once to a cluster of `workers` workers; time to the last end."""
    load_before = _load()
    with _cluster(root, postgres, workers) as (api, started):
        start = time.perf_counter()
        ids = [
            api.post(
                "/api/v1/generate",
                {"prompt": _prompt(f"w{workers}", n), "scene_count": scenes, "quality": "low"},
            )["job_id"]
            for n in range(jobs)
        ]
        ends: dict[str, float] = {}
        statuses: dict[str, str] = {}
        deadline = time.monotonic() + TIMEOUT_S
        while len(ends) < jobs and time.monotonic() < deadline:
            for job_id in ids:
                if job_id in ends:
                    continue
                job = api.job(job_id)
                if job["status"] in TERMINAL:
                    ends[job_id] = time.perf_counter() - start
                    statuses[job_id] = job["status"]
            time.sleep(0.2)
        wall = max(ends.values()) if len(ends) == jobs else float("nan")
        per_worker = [sum(w.renders(job_id) for job_id in ids) for w in started]
    return {
        "workers": workers,
        "jobs": jobs,
        "scenes_per_job": scenes,
        "completed": sum(s == "completed" for s in statuses.values()),
        "wall_s": wall,
        "scene_renders_per_worker": per_worker,
        "load_before": load_before,
        "load_after": _load(),
        "job_end_s": sorted(ends.values()),
    }


# -- kill trials ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Trial:
    """One SIGKILLed worker and the job's recovery on the other."""

    trial: int
    status: str
    scenes: int
    done_at_kill: int
    renders_after_kill: int
    rerendered: int
    kill_to_completed_s: float | None
    note: str = ""


def _done(job: dict[str, Any]) -> int:
    return sum(scene["state"] == "done" for scene in job["scenes"])


def kill_trial(
    number: int, api: Server, workers: list[Worker], scenes: int
) -> tuple[Trial, Worker]:
    """Submit, SIGKILL the job's worker after its first done scene, wait for completion.
    Returns the trial and the killed worker."""
    job_id = api.post(
        "/api/v1/generate",
        {"prompt": _prompt("kill", number), "scene_count": scenes, "quality": "low"},
    )["job_id"]

    def first_done() -> dict[str, Any] | None:
        job = api.job(job_id)
        if job["status"] in TERMINAL:
            raise RuntimeError(f"job {job_id} ended before the kill: {job['status']}")
        return job if _done(job) >= 1 else None

    wait_until(first_done, timeout=TIMEOUT_S, every=0.05)
    owner = wait_until(
        lambda: next((w for w in workers if w.renders(job_id)), None), timeout=30, every=0.05
    )
    other = next(w for w in workers if w is not owner)
    owner.process.send_signal(signal.SIGKILL)
    killed = time.perf_counter()
    owner.process.wait()
    # Read after the kill: the dead worker writes nothing more, so this is the state at it.
    done_at_kill = _done(api.job(job_id))
    before = other.renders(job_id)
    final = wait_until(
        lambda: (job := api.job(job_id))["status"] in TERMINAL and job, timeout=TIMEOUT_S
    )
    elapsed = time.perf_counter() - killed
    after = other.renders(job_id) - before
    note = "" if final["status"] == "completed" else str(final.get("error") or "")
    if before:
        note = f"the other worker rendered {before} scene(s) of the job before the kill"
    trial = Trial(
        trial=number,
        status=final["status"],
        scenes=scenes,
        done_at_kill=done_at_kill,
        renders_after_kill=after,
        rerendered=max(0, after - (scenes - done_at_kill)),
        kill_to_completed_s=elapsed if final["status"] == "completed" else None,
        note=note,
    )
    return trial, owner


def kill_trials(root: Path, postgres: str, trials: int, scenes: int) -> list[Trial]:
    """One API, database and redis-server; 2 workers, the killed one replaced each trial."""
    results: list[Trial] = []
    with _cluster(root, postgres, 2) as (api, workers):
        spawned = len(workers)
        for number in range(1, trials + 1):
            try:
                trial, killed = kill_trial(number, api, workers, scenes)
            except KeyboardInterrupt:  # report the trials so far
                print(f"interrupted: {len(results)} of {trials} trials ran", flush=True)
                break
            except (RuntimeError, AssertionError) as exc:
                trial, killed = Trial(number, "error", scenes, 0, 0, 0, None, str(exc)), None
            results.append(trial)
            print(
                f"trial {number}/{trials}: {trial.status}, {trial.done_at_kill} done at the"
                f" kill, {trial.renders_after_kill} renders after, kill → completed"
                f" {trial.kill_to_completed_s or float('nan'):.2f} s {trial.note}",
                flush=True,
            )
            if killed is not None:
                index = workers.index(killed)
                workers[index] = BenchWorker(
                    root / f"worker{spawned}",
                    api.database_url,  # type: ignore[attr-defined]
                    api.redis_url,  # type: ignore[attr-defined]
                    **api.artifacts,  # type: ignore[attr-defined]
                )
                spawned += 1
                # The dead worker may still be listed until SAQ drops it; wait for the
                # new one's log to say it started instead.
                wait_until(lambda w=workers[index]: w.log.stat().st_size > 0, timeout=60)
                time.sleep(2.0)
        # Killed workers: already dead; the context stops the live ones.
    return results


# -- report --------------------------------------------------------------------------------


def _spread(values: list[float]) -> str:
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.median(values):.2f} / {percentile(values, 90):.2f} / {max(values):.2f}"


def throughput_part(root: Path, postgres: str, jobs: int, scenes: int) -> dict[str, Any]:
    """1 worker, then 2, on the same jobs; print the table and write its report."""
    one = throughput(root / "one", postgres, 1, jobs, scenes)
    print(f"1 worker: {one['wall_s']:.2f} s", flush=True)
    two = throughput(root / "two", postgres, 2, jobs, scenes)
    print(f"2 workers: {two['wall_s']:.2f} s", flush=True)
    ratio = one["wall_s"] / two["wall_s"]
    print_table(
        f"Throughput, 1 vs 2 workers (--concurrency 1 --render-slots 1): {ratio:.2f}x",
        [
            {
                "workers": run["workers"],
                "jobs x scenes": f"{run['jobs']} x {run['scenes_per_job']}",
                "completed": run["completed"],
                "first submit → last completed, s": run["wall_s"],
                "scene renders per worker": " / ".join(map(str, run["scene_renders_per_worker"])),
                "load avg before → after": f"{run['load_before']} → {run['load_after']}",
            }
            for run in (one, two)
        ],
    )
    rows = [
        {"metric": "throughput: 1 worker, first submit → last completed, s",
         "value": f"{one['wall_s']:.2f}", "target": "", "met": ""},
        {"metric": "throughput: 2 workers, first submit → last completed, s",
         "value": f"{two['wall_s']:.2f}", "target": "", "met": ""},
        {"metric": "throughput ratio (1 worker / 2 workers)", "value": f"{ratio:.2f}x",
         "target": "≥ 1.7x", "met": ratio >= 1.7},
        {"metric": "load average (1 min) before → after, 1 worker / 2 workers",
         "value": f"{one['load_before']} → {one['load_after']} / "
                  f"{two['load_before']} → {two['load_after']}", "target": "", "met": ""},
    ]  # fmt: skip
    return {"rows": rows, "details": {"throughput": [one, two]}}


def kill_part(root: Path, postgres: str, trials: int, scenes: int) -> dict[str, Any]:
    """The SIGKILL trials; print their table and return the report rows."""
    results = kill_trials(root, postgres, trials, scenes)
    trial_rows = [asdict(t) for t in results]
    if trial_rows:
        print_table("Kill trials", trial_rows)
    n = len(results)
    completed = [t for t in results if t.status == "completed"]
    recovery = [t.kill_to_completed_s for t in completed if t.kill_to_completed_s is not None]
    rerendered = sum(t.rerendered for t in results)
    rows = [
        {"metric": "kill trials: jobs completed / trials run (requested)",
         "value": f"{len(completed)} / {n} ({trials})", "target": f"{trials} / {trials}",
         "met": len(completed) == trials},
        {"metric": "kill trials: scenes rendered again (renders after the kill over the "
                   "scenes not done at it, sum)", "value": rerendered, "target": "0",
         "met": rerendered == 0},
        {"metric": "kill trials: renders after the kill / scenes not done at the kill (sum)",
         "value": f"{sum(t.renders_after_kill for t in results)} / "
                  f"{sum(t.scenes - t.done_at_kill for t in results)}", "target": "<=",
         "met": rerendered == 0},
        {"metric": "kill → completed, s (median / p90 / max); ≥ 15 s: SAQ sweeps the dead "
                   "worker's job after its 15 s heartbeat", "value": _spread(recovery),
         "target": "", "met": ""},
    ]  # fmt: skip
    return {"rows": rows, "details": {"trials_requested": trials, "trials": trial_rows}}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scale_out", description=__doc__)
    parser.add_argument("--jobs", type=int, default=6, help="Jobs of the throughput run.")
    parser.add_argument("--scenes", type=int, default=3, help="Scenes of each throughput job.")
    parser.add_argument("--trials", type=int, default=20, help="Worker SIGKILL trials.")
    parser.add_argument("--kill-scenes", type=int, default=3, help="Scenes of each kill job.")
    parser.add_argument(
        "--part",
        choices=("all", "throughput", "kill"),
        default="all",
        help="Run both parts, or one; each part writes its own report.",
    )
    parser.add_argument("--postgres", default=POSTGRES, metavar="URL")
    args = parser.parse_args(argv)
    os.environ["MANIMGRAPH_LEASE_SECONDS"] = LEASE_SECONDS
    command = " ".join(["python -m bench.scale_out", *(sys.argv[1:] if argv is None else argv)])
    with tempfile.TemporaryDirectory() as tmp, s3_endpoint():
        root = Path(tmp)
        parts = {
            "throughput": lambda: throughput_part(root, args.postgres, args.jobs, args.scenes),
            "kill": lambda: kill_part(root / "kill", args.postgres, args.trials, args.kill_scenes),
        }
        for name, run in parts.items():
            if args.part not in ("all", name):
                continue
            started = time.perf_counter()
            part = run()
            details = {
                "command": command,
                "lease_seconds": float(LEASE_SECONDS),
                "backend": "PostgreSQL, Redis (SAQ), S3 artifacts (moto server)",
                "wall_s": time.perf_counter() - started,
                **part["details"],
            }
            out = report(f"scale_out_{name}", f"Scale-out: {name}", part["rows"], details)
            print(f"wrote {out}")


if __name__ == "__main__":
    main()
