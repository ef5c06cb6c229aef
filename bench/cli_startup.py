"""How fast the CLI answers: `manimgraph --help`, `list`, `show`, `status` and `jobs`, as
wall time of a fresh process, against `python -c pass` on the same interpreter (the ratio is
what stays comparable across machines; the load average is recorded because it is not).
`jobs --server` (a client of a running `manimgraph serve`) is timed too, outside the budget.

A 1-scene offline project is made first (not timed) so the local commands read a real
SQLite database. Each command runs `--runs` times after one warm-up; the median counts.

    .venv/bin/python -m bench.cli_startup [--runs N] [--budget SECONDS]

Writes bench/results/cli_startup.json. Exits 1 if a budgeted command's median is over the
budget (default 0.5 s), so `make bench` shows a regression.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.servers import serving

RESULTS = Path(__file__).parent / "results"
CLI = str(Path(sys.executable).with_name("manimgraph"))


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run. On a shared machine the wall time
    follows the load; the CPU time much less, so both are kept."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return elapsed, cpu


def measure(args: list[str], env: dict[str, str], runs: int) -> dict[str, Any]:
    """Median and best wall time and median CPU time of `runs` runs after one warm-up (the
    page cache and .pyc files)."""
    timed(args, env)
    runs_ = [timed(args, env) for _ in range(runs)]
    walls = [round(run[0], 3) for run in runs_]
    return {
        "median_s": round(statistics.median(walls), 3),
        "best_s": min(walls),
        "cpu_s": round(statistics.median(run[1] for run in runs_), 3),
        "runs_s": walls,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--budget", type=float, default=0.5)
    options = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    with tempfile.TemporaryDirectory() as tmp:
        data = ["--data-dir", str(Path(tmp) / "data")]
        made = subprocess.run(
            [CLI, "generate", "Explain circles", "--scenes", "1", "--json", *data],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        job = json.loads(made.stdout)
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "manimgraph --help": [CLI, "--help"],
            "manimgraph list": [CLI, "list", *data],
            "manimgraph show": [CLI, "show", job["project_id"], *data],
            "manimgraph status": [CLI, "status", job["job_id"], *data],
            "manimgraph jobs": [CLI, "jobs", *data],
        }
        load_before = os.getloadavg()
        with serving(Path(tmp) / "served", None) as (server,):
            commands["jobs --server"] = [CLI, "jobs", "--server", server.base]
            rows: list[dict[str, Any]] = [
                {"command": name, **measure(args, env, options.runs)}
                for name, args in commands.items()
            ]
    baseline = rows[0]
    for row in rows:
        row["ratio"] = round(row["median_s"] / baseline["median_s"], 1)
        row["cpu_ratio"] = round(row["cpu_s"] / max(baseline["cpu_s"], 0.001), 1)
        row["budgeted"] = row["command"].startswith("manimgraph")
        row["within_budget"] = row["median_s"] <= options.budget
    widths = {"median s": 9, "best s": 7, "x pass": 7, "cpu s": 6, "cpu x pass": 10}
    print(f"{'command':<20} " + " ".join(f"{name:>{width}}" for name, width in widths.items()))
    for row in rows:
        print(
            f"{row['command']:<20} {row['median_s']:>9.3f} {row['best_s']:>7.3f} "
            f"{row['ratio']:>7.1f} {row['cpu_s']:>6.3f} {row['cpu_ratio']:>10.1f}"
        )
    print(f"load average before / after: {load_before[0]:.2f} / {os.getloadavg()[0]:.2f}")
    result = {
        "runs": options.runs,
        "budget_s": options.budget,
        "load_average_before": load_before,
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "rows": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "cli_startup.json").write_text(json.dumps(result, indent=2) + "\n")
    over = [row["command"] for row in rows if row["budgeted"] and not row["within_budget"]]
    if over:
        print(f"over {options.budget} s: {', '.join(over)}", file=sys.stderr)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
