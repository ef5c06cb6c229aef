"""Shared helpers of the benchmarks: timing, an offline job room, the manim CLI baseline,
render processes, latency percentiles and the report."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console
from rich.table import Table

from agents.config import ModelConfig
from agents.models import ModelSpec
from graphs.jobs import JobRoom
from tests.processes import processes_in
from tools.check import scene_classes

__all__ = [
    "OFFLINE",
    "RESULTS",
    "local_room",
    "manim_cli_seconds",
    "percentile",
    "print_table",
    "render_processes",
    "report",
    "timed",
]

RESULTS = Path(__file__).parent / "results"
OFFLINE = ModelConfig(default=ModelSpec(provider="offline"))
"""Every role on the offline model, the embedded default: no key, no network."""
T = TypeVar("T")


async def timed(step: Callable[[], Awaitable[T]]) -> tuple[T, float]:
    """Run `step` and return its result with its wall time in seconds."""
    start = time.perf_counter()
    result = await step()
    return result, time.perf_counter() - start


@asynccontextmanager
async def local_room(data_dir: Path, models: ModelConfig = OFFLINE) -> AsyncIterator[JobRoom]:
    """The job room the CLI opens on `data_dir` (SQLite store and checkpointer), with
    `models` in place of the configured ones, so every job takes the one run path."""
    async with JobRoom.open(data_dir, models=models) as room:
        yield room


def manim_cli_seconds(codes: list[str]) -> float:
    """Render each file one after another with the plain `manim` CLI at low quality."""
    import ast

    manim = str(Path(sys.executable).with_name("manim"))
    start = time.perf_counter()
    for code in codes:
        with tempfile.TemporaryDirectory() as work:
            scene_file = Path(work) / "scene.py"
            scene_file.write_text(code)
            name = scene_classes(ast.parse(code))[0]
            subprocess.run(
                [
                    manim,
                    "render",
                    "-ql",
                    str(scene_file),
                    name,
                    "--media_dir",
                    work,
                    "--disable_caching",
                    "--progress_bar",
                    "none",
                ],
                check=True,
                capture_output=True,
            )
    return time.perf_counter() - start


def render_processes(data_dir: Path) -> list[int]:
    """Pids of live processes rendering a scene for a server on `data_dir`.

    A render works in `<data_dir>/work/render-*` (cold) or `<data_dir>/work/.warm-*/<id>`
    (a warm worker's forked child); an idle warm worker sits in its `.warm-*` root, which
    does not count.
    """
    work = data_dir / "work"
    try:
        entries = list(work.iterdir())
    except OSError:
        return []
    directories = [e for e in entries if not e.name.startswith(".warm-")]
    for root in (e for e in entries if e.name.startswith(".warm-")):
        try:
            directories.extend(root.iterdir())
        except OSError:  # the worker went away while we looked
            continue
    return processes_in(directories)


def percentile(values: Sequence[float], q: int) -> float:
    """The `q`th percentile (1-99), interpolated as every bench here computes it."""
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def print_table(title: str, rows: list[dict[str, Any]]) -> None:
    """Print `rows` (dicts with the same keys) as one table; floats with three decimals."""
    table = Table(title=title)
    for column in rows[0]:
        table.add_column(column)
    for row in rows:
        table.add_row(*(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row.values()))
    Console(width=None if sys.stdout.isatty() else 200).print(table)


def report(
    name: str, title: str, rows: list[dict[str, Any]], details: dict[str, Any] | None = None
) -> Path:
    """Print `rows` as a table and write them, with machine facts, to bench/results/NAME.json.

    `details` (commands run, raw samples, per-trial data) go into the JSON, not the table.
    """
    print_table(title, rows)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{name}.json"
    machine = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg()[0],
    }
    document = {"benchmark": name, "machine": machine, "rows": rows}
    if details is not None:
        document["details"] = details
    out.write_text(json.dumps(document, indent=2, default=str))
    return out
