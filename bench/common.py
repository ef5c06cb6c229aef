"""Shared helpers of the benchmarks: timing, an offline context, the manim CLI baseline."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console
from rich.table import Table

from agents.models import ModelFactory, ModelSpec
from graphs.context import VideoContext
from tools.check import scene_classes
from tools.store import Store

__all__ = ["RESULTS", "manim_cli_seconds", "offline_context", "report", "timed"]

RESULTS = Path(__file__).parent / "results"
T = TypeVar("T")


async def timed(step: Callable[[], Awaitable[T]]) -> tuple[T, float]:
    """Run `step` and return its result with its wall time in seconds."""
    start = time.perf_counter()
    result = await step()
    return result, time.perf_counter() - start


def offline_context(store: Store) -> VideoContext:
    """A job context on the offline model, the embedded default."""
    return VideoContext(models=ModelFactory(default=ModelSpec(provider="offline")), store=store)


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


def report(name: str, title: str, rows: list[dict[str, Any]]) -> Path:
    """Print `rows` as a table and write them, with machine facts, to bench/results/NAME.json."""
    table = Table(title=title)
    for column in rows[0]:
        table.add_column(column)
    for row in rows:
        table.add_row(*(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row.values()))
    Console().print(table)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{name}.json"
    machine = {"python": platform.python_version(), "cpus": __import__("os").cpu_count()}
    out.write_text(json.dumps({"benchmark": name, "machine": machine, "rows": rows}, indent=2))
    return out
