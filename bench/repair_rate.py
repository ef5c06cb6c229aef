"""Fix rate of the model-free repairs on the broken-scene corpus, per category.

Every case goes through the real CLI, `manimgraph render FILE --json` (static repairs,
check, low-quality render, error-driven repairs), as a user would run it. Prints a table,
writes bench/results/repair.json.

    python -m bench.repair_rate [--jobs K]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from bench.common import report

__all__ = ["CORPUS", "CaseResult", "load_cases", "rate_rows", "run_case", "run_corpus"]

CORPUS = Path(__file__).parents[1] / "tests" / "data" / "broken_scenes"
CLI = str(Path(sys.executable).with_name("manimgraph"))
Verdict = Literal["fixed", "failed as expected", "passed", "wrong"]


@dataclass(frozen=True)
class CaseResult:
    """One corpus case: what the manifest expects and what the CLI printed."""

    entry: dict[str, Any]
    output: dict[str, Any]
    seconds: float

    @property
    def raising(self) -> bool:
        """Cases that raise in Manim 0.22 as written (not layout, not silent)."""
        kind = self.entry["error_class"]
        return not kind.startswith("layout") and kind != "silent"

    @property
    def fixed(self) -> bool:
        """Rendered, and only thanks to at least one repair."""
        return bool(self.output.get("ok")) and bool(self.output.get("repairs"))

    @property
    def verdict(self) -> Verdict:
        """How the outcome compares with the manifest."""
        ok, error = self.output.get("ok"), self.output.get("error")
        kind = self.entry["error_class"]
        if self.raising:
            if self.fixed:
                return "fixed"
            # Every Python-level error class of the manifest is a `code` error here.
            return "failed as expected" if error and error["kind"] == "code" else "wrong"
        if kind.startswith("layout:"):
            # Seen in the layout report, or seen and rewritten by the layout repair.
            found = {issue["kind"] for issue in self.output.get("layout_issues", [])}
            repaired = any(r.startswith("layout: ") for r in self.output.get("repairs", []))
            return "passed" if ok and (kind.split(":", 1)[1] in found or repaired) else "wrong"
        return "passed" if ok else "wrong"


def load_cases(corpus: Path = CORPUS) -> list[dict[str, Any]]:
    """The manifest's entries, in file order."""
    manifest = json.loads((corpus / "manifest.json").read_text())
    return sorted(manifest["entries"], key=lambda e: e["file"])


def run_case(entry: dict[str, Any], data_dir: Path, corpus: Path = CORPUS) -> CaseResult:
    """Render one case through the CLI at low quality and read its JSON."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    start = time.perf_counter()
    done = subprocess.run(
        [CLI, "render", str(corpus / entry["file"]), "--json", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    seconds = time.perf_counter() - start
    try:
        output = json.loads(done.stdout)
    except json.JSONDecodeError:
        output = {"ok": False, "error": None, "stderr": done.stderr[-2000:]}
    return CaseResult(entry=entry, output=output, seconds=seconds)


def run_corpus(data_root: Path, jobs: int = 2, corpus: Path = CORPUS) -> list[CaseResult]:
    """Every case, `jobs` at a time, each with its own data dir (no shared render cache)."""
    cases = load_cases(corpus)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(
            pool.map(lambda e: run_case(e, data_root / e["id"], corpus), cases)  # type: ignore[arg-type]
        )


def rate_rows(results: list[CaseResult]) -> list[dict[str, Any]]:
    """Fix rate of the raising cases per category, and in total."""
    groups: dict[str, list[CaseResult]] = defaultdict(list)
    for result in results:
        if result.raising:
            groups[result.entry["category"]].append(result)
    rows = [_row(category, group) for category, group in sorted(groups.items())]
    rows.append(_row("all raising", [r for r in results if r.raising]))
    return rows


def _row(category: str, group: list[CaseResult]) -> dict[str, Any]:
    fixed = sum(r.fixed for r in group)
    return {
        "category": category,
        "cases": len(group),
        "fixed": fixed,
        "rate": fixed / len(group),
        "failed as expected": sum(r.verdict == "failed as expected" for r in group),
        "wrong": sum(r.verdict == "wrong" for r in group),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.repair_rate")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = run_corpus(Path(tmp), jobs=args.jobs)
    for result in results:
        if result.verdict != "fixed":
            error = result.output.get("error") or {}
            print(f"{result.entry['file']}: {result.verdict} {error.get('type', '')}")
    report("repair", "model-free repair rate on the broken-scene corpus", rate_rows(results))


if __name__ == "__main__":
    main()
