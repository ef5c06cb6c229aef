"""What the model-free repairs do to layout, on the layout corpus, with and without them.

Every recorded answer of `tests/data/layout_corpus/answers.jsonl` (written for this project,
see its README) goes through the real CLI twice, each time with its own data directory (no
shared render cache): `manimgraph render FILE --json --no-repair` and `manimgraph render
FILE --json`. The file is the answer's code block, as the coder agent extracts it. Prints a
table, writes bench/results/layout_repair.json.

    python -m bench.layout_repair [--jobs K]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.replay import load_recordings
from agents.scene_coder import extract_code
from bench.common import report

__all__ = ["CORPUS", "Outcome", "arm_row", "run_file"]

CORPUS = Path(__file__).parents[1] / "tests" / "data" / "layout_corpus" / "answers.jsonl"
CLI = str(Path(sys.executable).with_name("manimgraph"))


@dataclass(frozen=True)
class Outcome:
    """One file through one arm."""

    name: str
    ok: bool
    issues: int
    repairs: int
    seconds: float


def run_file(name: str, code: str, work: Path, *, repair: bool) -> Outcome:
    """Render one file through the CLI in a fresh data directory."""
    work.mkdir(parents=True)
    scene = work / "scene.py"
    scene.write_text(code)
    argv = [CLI, "render", str(scene), "--json", "--data-dir", str(work / "data")]
    argv += [] if repair else ["--no-repair"]
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=900)
    seconds = time.perf_counter() - start
    try:
        output = json.loads(done.stdout)
    except json.JSONDecodeError:
        output = {"ok": False}
    return Outcome(
        name=name,
        ok=bool(output.get("ok")),
        issues=len(output.get("layout_issues", [])),
        repairs=len(output.get("repairs", [])),
        seconds=seconds,
    )


def arm_row(arm: str, outcomes: list[Outcome]) -> dict[str, Any]:
    """Files that render, the zero-issue share among them, median issues and time per file."""
    rendered = [o for o in outcomes if o.ok]
    clean = [o for o in rendered if o.issues == 0]
    return {
        "arm": arm,
        "files": len(outcomes),
        "render": len(rendered),
        "zero issues": len(clean),
        "zero-issue share of rendering": len(clean) / len(rendered) if rendered else 0.0,
        "median issues per file": statistics.median(o.issues for o in rendered)
        if rendered
        else 0.0,
        "median seconds per file": statistics.median(o.seconds for o in outcomes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.layout_repair")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    files = [(r.id, extract_code(r.answer)) for r in load_recordings(CORPUS)]
    runs = [(name, code, repair) for name, code in files for repair in (False, True)]
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(args.jobs) as pool:
        done = list(
            pool.map(
                lambda run: run_file(
                    run[0], run[1], Path(tmp) / f"{run[0]}-{run[2]}", repair=run[2]
                ),
                runs,
            )
        )
    raw = [o for o, (_, _, repair) in zip(done, runs, strict=True) if not repair]
    fixed = [o for o, (_, _, repair) in zip(done, runs, strict=True) if repair]
    added = [b.seconds - a.seconds for a, b in zip(raw, fixed, strict=True)]
    rows = [arm_row("--no-repair", raw), arm_row("repairs on", fixed)]
    for a, b, extra in zip(raw, fixed, added, strict=True):
        print(f"{a.name}: {a.issues} → {b.issues} issues, {b.repairs} repairs, +{extra:.1f} s")
    details = {
        "command": "python -m bench.layout_repair",
        "corpus": str(CORPUS.relative_to(CORPUS.parents[3])),
        "layout repair adds, median seconds per file": statistics.median(added),
        "layout repair adds, seconds per file": {
            o.name: extra for o, extra in zip(raw, added, strict=True)
        },
        "files": [o.__dict__ for o in done],
    }
    print(f"the repairs add a median of {statistics.median(added):.1f} s per file")
    report("layout_repair", "layout corpus with and without repairs", rows, details)


if __name__ == "__main__":
    main()
