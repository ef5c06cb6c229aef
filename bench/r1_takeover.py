"""R1: a runner killed with SIGKILL mid-job, and the job's recovery, over many trials.

Each trial starts on a fresh data directory (SQLite by default; `--postgres` gives each
trial a fresh PostgreSQL database) with servers whose lease is 3 s
(`MANIMGRAPH_LEASE_SECONDS=3`), submits a 4-scene offline generate job, and once the API
shows at least one scene `done`, kills the process that holds the job's lease with SIGKILL.
Then, by `--mode`:

- `standby` (default): two servers run from the start; the other one takes the job over
  when the dead runner's lease expires;
- `restart`: one server; a new one starts on the same data directory and database.

A trial passes when the job completes with every scene, and the renders after the kill
(the survivor's `manimgraph_scene_renders_total`, renders and render-cache hits alike) are
no more than the scenes not done at the kill: finished scenes are never rendered again.
Timed from the kill: until another runner holds the lease (read from the store), and until
the job is completed. Render processes still alive 0.5 s after the kill (the dead runner's)
and processes left in the data directory after the servers stop are counted too. One
uninterrupted job first gives the time a job takes with nobody killed.

    .venv/bin/python -m bench.r1_takeover [--trials N] [--mode standby|restart]
        [--scenes N] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Prints a table per trial and a summary; writes bench/results/r1_takeover.json (or
r1_takeover_<mode>[_postgres].json when not the default).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Literal

import httpx
from sqlalchemy import make_url

from bench.common import percentile, print_table, render_processes, report
from bench.server import Server, serve
from tests.processes import processes_in
from tools.store import Store

__all__ = ["Trial", "main", "run_trial"]

LEASE_SECONDS = "3"
SCENES = 4
POLL_S = 0.1
TIMEOUT_S = 600.0
PROMPTS = (
    "Explain the water cycle: evaporation, condensation, precipitation, collection",
    "Explain binary search on a sorted list, halving the range at each step",
    "Explain the Pythagorean theorem with a right triangle and its squares",
    "Explain how a hash table maps keys to buckets and handles collisions",
)
TERMINAL = ("completed", "failed", "cancelled")
Mode = Literal["standby", "restart"]


@dataclass(frozen=True)
class Trial:
    """One kill and its recovery."""

    trial: int
    status: str
    scenes: int
    done_at_kill: int
    renders_after_kill: int
    rerendered: int
    takeover_s: float | None
    kill_to_completed_s: float | None
    orphan_renders: int
    leftover_processes: int
    note: str = ""

    @property
    def ok(self) -> bool:
        """Completed with every scene, and no finished scene rendered again."""
        return self.status == "completed" and self.rerendered == 0 and not self.note


def scene_renders(server: Server) -> int:
    """Scene renders this server made (rendered or served from the render cache)."""
    text = httpx.get(f"{server.base_url}/metrics", timeout=30).text
    found = re.findall(r'manimgraph_scene_renders_total\{outcome="\w+"\} ([0-9.]+)', text)
    return round(sum(float(count) for count in found))


@contextmanager
def fresh_database(postgres: str | None, directory: Path) -> Iterator[str | None]:
    """None (the servers' SQLite default in the data directory), or a new PostgreSQL
    database on the `postgres` server, dropped afterwards."""
    if postgres is None:
        yield None
        return
    import psycopg

    server = make_url(postgres)
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"mg_bench_r1_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _poll(client: httpx.AsyncClient, check: Any, what: str, timeout_s: float) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = await check(client)
        if value:
            return value
        await asyncio.sleep(POLL_S)
    raise TimeoutError(f"{what}: not within {timeout_s:g} s")


def _done(job: dict[str, Any]) -> int:
    return sum(scene["state"] == "done" for scene in job["scenes"])


def _runner_pid(lease_owner: str | None) -> int | None:
    """The process id in a runner id (`host:pid:random`)."""
    if not lease_owner:
        return None
    return int(lease_owner.split(":")[1])


async def run_trial(
    number: int, data_dir: Path, database_url: str | None, mode: Mode, scenes: int
) -> Trial:
    """Start the servers, submit, kill the runner after a finished scene, wait for the end."""
    settings = {"MANIMGRAPH_LEASE_SECONDS": LEASE_SECONDS}
    if database_url is not None:
        settings["MANIMGRAPH_DATABASE_URL"] = database_url
    with ExitStack() as stack:
        servers = [stack.enter_context(serve(data_dir, **settings))]
        if mode == "standby":
            servers.append(stack.enter_context(serve(data_dir, **settings)))
        store = await Store.open(data_dir, database_url=database_url)
        try:
            async with httpx.AsyncClient(timeout=30) as client:
                trial = await _kill_and_recover(
                    number, stack, servers, store, client, mode, scenes, settings
                )
        finally:
            await store.close()
            leftover = _stop_all(stack, data_dir)
    return replace(trial, leftover_processes=leftover)


async def _kill_and_recover(
    number: int,
    stack: ExitStack,
    servers: list[Server],
    store: Store,
    client: httpx.AsyncClient,
    mode: Mode,
    scenes: int,
    settings: dict[str, str],
) -> Trial:
    prompt = PROMPTS[number % len(PROMPTS)]
    answer = await client.post(
        f"{servers[0].base_url}/api/v1/generate", json={"prompt": prompt, "scene_count": scenes}
    )
    answer.raise_for_status()
    job_id = answer.json()["job_id"]
    status_path = f"/api/v1/jobs/{job_id}"

    async def first_done(c: httpx.AsyncClient) -> dict[str, Any] | None:
        job = (await c.get(f"{servers[0].base_url}{status_path}")).json()
        if job["status"] in TERMINAL:
            raise RuntimeError(f"job {job_id} ended before the kill: {job['status']}")
        return job if _done(job) >= 1 else None

    await _poll(client, first_done, "a finished scene", TIMEOUT_S)
    record = await store.get_job(job_id)
    assert record is not None
    victim_pid = _runner_pid(record.lease_owner)
    victim = next((s for s in servers if s.process.pid == victim_pid), None)
    if victim is None:
        raise RuntimeError(f"the job's runner {record.lease_owner} is none of the servers")
    survivor = next((s for s in servers if s is not victim), None)
    before = scene_renders(survivor) if survivor is not None else 0
    job = (await client.get(f"{victim.base_url}{status_path}")).json()
    victim.process.send_signal(signal.SIGKILL)
    killed = time.perf_counter()
    victim.process.wait()
    done_at_kill = _done(job)
    await asyncio.sleep(0.5)
    orphan_renders = len(render_processes(store.data_dir))

    if survivor is None:  # restart: a new server, whose counters start at zero
        survivor = stack.enter_context(serve(store.data_dir, **settings))

    takeover_s: float | None = None
    final: dict[str, Any] = {}
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        if takeover_s is None:
            current = await store.get_job(job_id)
            owner = _runner_pid(current.lease_owner) if current else None
            if owner is not None and owner != victim_pid:
                takeover_s = time.perf_counter() - killed
        final = (await client.get(f"{survivor.base_url}{status_path}")).json()
        if final["status"] in TERMINAL:
            break
        await asyncio.sleep(POLL_S)
    finished_s = time.perf_counter() - killed if final.get("status") in TERMINAL else None

    note = ""
    after = scene_renders(survivor) - before
    if final.get("status") == "completed":
        result = (await client.get(f"{survivor.base_url}{status_path}/result")).json()
        numbers = [scene["number"] for scene in result["scenes"]]
        if numbers != list(range(1, scenes + 1)):
            note = f"result scenes {numbers}"
    return Trial(
        trial=number,
        status=final.get("status", "timeout"),
        scenes=scenes,
        done_at_kill=done_at_kill,
        renders_after_kill=after,
        rerendered=max(0, after - (scenes - done_at_kill)),
        takeover_s=takeover_s,
        kill_to_completed_s=finished_s if final.get("status") == "completed" else None,
        orphan_renders=orphan_renders,
        leftover_processes=0,
        note=note or (final.get("error") or ""),
    )


def _stop_all(stack: ExitStack, data_dir: Path) -> int:
    """Stop the servers; kill (by pid) and count whatever still works in the data dir."""
    stack.close()
    deadline = time.monotonic() + 5
    while (left := _processes_under(data_dir)) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
    return len(left)


def _processes_under(data_dir: Path) -> list[int]:
    directories = [data_dir, *(p for p in data_dir.rglob("*") if p.is_dir())]
    return processes_in(directories)


async def control_run(data_dir: Path, database_url: str | None, scenes: int) -> float:
    """Submit-to-completed time of one job nobody kills, on one server."""
    settings = {"MANIMGRAPH_LEASE_SECONDS": LEASE_SECONDS}
    if database_url is not None:
        settings["MANIMGRAPH_DATABASE_URL"] = database_url
    with serve(data_dir, **settings) as server:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
            start = time.perf_counter()
            answer = await client.post(
                "/api/v1/generate", json={"prompt": PROMPTS[0], "scene_count": scenes}
            )
            answer.raise_for_status()
            path = answer.json()["status_url"]

            async def ended(c: httpx.AsyncClient) -> dict[str, Any] | None:
                job = (await c.get(path)).json()
                return job if job["status"] in TERMINAL else None

            job = await _poll(client, ended, "the control job", TIMEOUT_S)
            if job["status"] != "completed":
                raise RuntimeError(f"the control job {job['status']}: {job['error']}")
            return time.perf_counter() - start


def _summary(trials: list[Trial], control_s: float, mode: Mode) -> list[dict[str, Any]]:
    completed = [t for t in trials if t.status == "completed"]
    recovery = [t.kill_to_completed_s for t in completed if t.kill_to_completed_s is not None]
    takeover = [t.takeover_s for t in trials if t.takeover_s is not None]
    n = len(trials)

    def spread(values: list[float]) -> str:
        if not values:
            return "-"
        if len(values) == 1:
            return f"{values[0]:.2f}"
        return f"{statistics.median(values):.2f} / {percentile(values, 90):.2f} / {max(values):.2f}"

    rerendered = sum(t.rerendered for t in trials)
    return [
        {"metric": "mode", "value": mode, "target": "", "met": ""},
        {"metric": "completed", "value": f"{len(completed)} / {n}", "target": f"{n} / {n}",
         "met": len(completed) == n},
        {"metric": "trials that rendered a finished scene again",
         "value": sum(t.rerendered > 0 for t in trials), "target": "0",
         "met": rerendered == 0},
        {"metric": "scenes rendered again (sum)", "value": rerendered, "target": "0",
         "met": rerendered == 0},
        {"metric": "scenes done at the kill (sum of all trials)",
         "value": sum(t.done_at_kill for t in trials), "target": "", "met": ""},
        {"metric": "renders after the kill (sum) / scenes not done at the kill (sum)",
         "value": f"{sum(t.renders_after_kill for t in trials)} / "
                  f"{sum(t.scenes - t.done_at_kill for t in trials)}",
         "target": "<=", "met": all(t.rerendered == 0 for t in trials)},
        {"metric": "kill → another runner holds the lease, s (median / p90 / max)",
         "value": spread(takeover), "target": "", "met": ""},
        {"metric": "kill → completed, s (median / p90 / max)", "value": spread(recovery),
         "target": "", "met": ""},
        {"metric": "uninterrupted job, submit → completed, s", "value": f"{control_s:.2f}",
         "target": "", "met": ""},
        {"metric": "render processes alive 0.5 s after the kill (sum)",
         "value": sum(t.orphan_renders for t in trials), "target": "", "met": ""},
        {"metric": "processes left in the data dir after the servers stopped (sum)",
         "value": sum(t.leftover_processes for t in trials), "target": "0",
         "met": all(t.leftover_processes == 0 for t in trials)},
    ]  # fmt: skip


async def _trials(args: argparse.Namespace, root: Path) -> tuple[list[Trial], float]:
    with fresh_database(args.postgres, root) as url:
        control_s = await control_run(root / "control", url, args.scenes)
    trials: list[Trial] = []
    for number in range(1, args.trials + 1):
        data_dir = root / f"trial-{number}"
        with fresh_database(args.postgres, root) as url:
            try:
                trial = await run_trial(number, data_dir, url, args.mode, args.scenes)
            except (RuntimeError, TimeoutError) as exc:
                trial = Trial(number, "error", args.scenes, 0, 0, 0, None, None, 0, 0, str(exc))
        trials.append(trial)
        print(
            f"trial {number}/{args.trials}: {trial.status}, {trial.done_at_kill} done at the"
            f" kill, {trial.renders_after_kill} renders after, recovered in"
            f" {trial.kill_to_completed_s or float('nan'):.2f} s {trial.note}",
            flush=True,
        )
    return trials, control_s


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.r1_takeover", description=__doc__)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--mode", choices=("standby", "restart"), default="standby")
    parser.add_argument("--scenes", type=int, default=SCENES, help="Scenes of each job (3-4).")
    parser.add_argument(
        "--postgres", metavar="URL", help="A PostgreSQL server to make a database per trial on."
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        trials, control_s = asyncio.run(_trials(args, Path(tmp)))
    rows = [{**asdict(t), "ok": t.ok} for t in trials]
    print_table(f"R1 trials ({args.mode}, lease {LEASE_SECONDS} s)", rows)
    name = "r1_takeover"
    if args.mode != "standby" or args.postgres:
        name += f"_{args.mode}" + ("_postgres" if args.postgres else "")
    backend = "PostgreSQL" if args.postgres else "SQLite"
    title = f"R1: SIGKILL mid-job and recovery, {len(trials)} trials ({args.mode}, {backend})"
    details = {
        "command": " ".join(
            ["python -m bench.r1_takeover", *(sys.argv[1:] if argv is None else argv)]
        ),
        "lease_seconds": float(LEASE_SECONDS),
        "backend": backend,
        "wall_s": time.perf_counter() - started,
        "trials": rows,
    }
    out = report(name, title, _summary(trials, control_s, args.mode), details)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
