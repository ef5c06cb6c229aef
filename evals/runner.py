"""An eval run: check everything, then run the items and write results, summary and reports.

`prepare_run` validates the configuration, the dataset and the output directory and
writes nothing; `execute_run` then runs the items (each in its own project of the
store under `OUT/store`) and writes:

- `OUT/run.json`: configuration, models, prompt and package versions, git commit;
- `OUT/results.jsonl`: one `ItemResult` per item, appended as each finishes;
- `OUT/summary.json`, `OUT/report.md`, `OUT/report.html`.

Example:
    >>> plan = prepare_run(load_config(None, {"dataset": Path("smoke.jsonl")}), Path("out"))
    >>> summary = asyncio.run(execute_run(plan))
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from evals.config import EvalConfig
from evals.dataset import EvalItem, load_dataset, select
from evals.files import write_model
from evals.item import ItemEnv, run_item
from evals.provenance import provenance
from evals.record import RUN_FILE, EvalInputError, RunRecord, read_run
from evals.report import write_reports
from evals.results import RESULTS_FILE, ItemResult, append_result, read_results
from evals.summary import Summary, summarize
from graphs.jobs import JobRoom

__all__ = [
    "SUMMARY_FILE",
    "RunObserver",
    "RunPlan",
    "execute_run",
    "finish_run",
    "prepare_run",
    "write_outputs",
]

SUMMARY_FILE = "summary.json"


class RunObserver(Protocol):
    """Follows a run: the CLI's progress bar is one."""

    def started(self, name: str, total: int, done: Sequence[ItemResult]) -> None:
        """Run `name` starts with `total` items, `done` of them already finished."""

    def finished(self, result: ItemResult) -> None:
        """One more item has its result."""


@dataclass(frozen=True)
class RunPlan:
    """A checked run, ready to execute."""

    config: EvalConfig
    out: Path
    items: list[EvalItem]
    done: list[ItemResult]
    record: RunRecord
    store_dir: Path

    @property
    def todo(self) -> list[EvalItem]:
        """Items without a result yet."""
        finished = {result.id for result in self.done}
        return [item for item in self.items if item.id not in finished]


def prepare_run(
    config: EvalConfig,
    out: Path,
    *,
    resume: bool = False,
    store_dir: Path | None = None,
    notice: str = "",
) -> RunPlan:
    """Check the dataset and `out`; write nothing. `notice` says how models were chosen.

    `store_dir` defaults to `out/store` (a chaos curve shares one store across runs, so
    identical scenes render once).

    Raises:
        EvalInputError: anything that would stop the run.
        DatasetError: a bad dataset line.
        ResultsError: an existing results file cannot be read (with `resume`).
    """
    if out.exists() and not out.is_dir():
        raise EvalInputError(f"--out {out} is a file, not a directory")
    items = select(
        load_dataset(config.dataset), limit=config.limit, sample=config.sample, seed=config.seed
    )
    results = out / RESULTS_FILE
    has_results = results.exists() and results.stat().st_size > 0
    if has_results and not resume:
        raise EvalInputError(
            f"{results} already holds results: pass --resume to continue that run, "
            "or choose another --out"
        )
    previous = read_run(out) if has_results else None
    if previous is not None and previous.config.fingerprint() != config.fingerprint():
        changed = _first_difference(previous.config.fingerprint(), config.fingerprint())
        raise EvalInputError(
            f"{out} was run with another configuration ({changed}): use another --out"
        )
    dataset_sha256 = hashlib.sha256(config.dataset.read_bytes()).hexdigest()
    if previous is not None and previous.dataset_sha256 != dataset_sha256:
        raise EvalInputError(f"{config.dataset} changed since {out} was started: use another --out")
    done = read_results(results, drop_torn_tail=True) if has_results else []
    now = datetime.now(UTC)
    labels: dict[str, str] = {role: spec.label for role, spec in config.models.items()}
    if config.judge is not None:
        labels["judge"] = config.judge.label
    record = RunRecord(
        config=config,
        models=labels,
        model_notice=notice or None,
        dataset_sha256=dataset_sha256,
        items=[item.id for item in items],
        provenance=provenance(),
        started_at=previous.started_at if previous else now,
        resumed_at=[*previous.resumed_at, now] if previous else [],
    )
    return RunPlan(config, out, items, done, record, store_dir or out / "store")


def _first_difference(old: dict[str, Any], new: dict[str, Any]) -> str:
    key = next(k for k in sorted(old.keys() | new.keys()) if old.get(k) != new.get(k))
    return f"{key}: {old.get(key)!r} then, {new.get(key)!r} now"


async def execute_run(plan: RunPlan, observer: RunObserver | None = None) -> Summary:
    """Run every item without a result, then write the summary and the reports."""
    plan.out.mkdir(parents=True, exist_ok=True)
    write_model(plan.out / RUN_FILE, plan.record)
    if observer is not None:
        observer.started(plan.out.name, len(plan.items), plan.done)
    async with JobRoom.open(plan.store_dir) as room:
        env = ItemEnv(config=plan.config, room=room, out_dir=plan.out)
        running = asyncio.Semaphore(plan.config.concurrency)

        async def one(item: EvalItem) -> ItemResult:
            async with running:
                result = await run_item(item, env)
            append_result(plan.out / RESULTS_FILE, result)
            if observer is not None:
                observer.finished(result)
            return result

        new = await asyncio.gather(*(one(item) for item in plan.todo))
    return finish_run(plan.out, plan.record, [*plan.done, *new])


def finish_run(out: Path, record: RunRecord, results: Sequence[ItemResult]) -> Summary:
    """Write the summary and the reports, then mark run.json finished."""
    summary = write_outputs(out, record, results)
    write_model(out / RUN_FILE, record.model_copy(update={"finished_at": datetime.now(UTC)}))
    return summary


def write_outputs(out: Path, record: RunRecord, results: Sequence[ItemResult]) -> Summary:
    """`summary.json` and both reports from the results, ordered as the dataset is."""
    order = {item_id: index for index, item_id in enumerate(record.items)}
    ordered = sorted(results, key=lambda r: order.get(r.id, len(order)))
    summary = summarize(ordered, seed=record.config.seed)
    write_model(out / SUMMARY_FILE, summary)
    write_reports(out, record, ordered, summary)
    return summary
