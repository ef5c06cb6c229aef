"""How fast the CLI answers: `manimgraph --help`, `list`, `show` and `status`, as wall time
of a fresh process, against `python -c pass` on the same interpreter (the ratio is what
stays comparable across machines; the load average is recorded because it is not).

A 1-scene offline project is made first (not timed) so `list`, `show` and `status` read a
real SQLite database. Each command runs `--runs` times after one warm-up; the median counts.

    .venv/bin/python -m bench.cli_startup [--runs N] [--budget SECONDS]

Writes bench/results/cli_startup.json. Exits 1 if a command's median is over the budget
(default 0.5 s), so `make bench` shows a regression.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
CLI = str(Path(sys.executable).with_name("manimgraph"))


def wall(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def median_of(args: list[str], env: dict[str, str], runs: int) -> tuple[float, list[float]]:
    wall(args, env)  # warm-up: the page cache and .pyc files
    times = [wall(args, env) for _ in range(runs)]
    return statistics.median(times), times


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
        }
        rows = []
        for name, args in commands.items():
            median, times = median_of(args, env, options.runs)
            rows.append({"command": name, "median_s": round(median, 3), "runs_s": times})
    baseline = rows[0]["median_s"]
    for row in rows:
        row["ratio"] = round(row["median_s"] / baseline, 1)
        row["within_budget"] = row["median_s"] <= options.budget
    print(f"{'command':<20} {'median s':>9} {'x python -c pass':>17}")
    for row in rows:
        print(f"{row['command']:<20} {row['median_s']:>9.3f} {row['ratio']:>17.1f}")
    result = {
        "runs": options.runs,
        "budget_s": options.budget,
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "rows": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "cli_startup.json").write_text(json.dumps(result, indent=2) + "\n")
    over = [row["command"] for row in rows[1:] if not row["within_budget"]]
    if over:
        print(f"over {options.budget} s: {', '.join(over)}", file=sys.stderr)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
