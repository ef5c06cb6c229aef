"""Rich progress of an eval run on stderr: items done, successes so far, cost so far."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Self

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from evals.results import ItemResult

__all__ = ["EvalProgress"]


class EvalProgress:
    """A `RunObserver` drawing one bar; use it as a context manager around the run."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[tally]}"),
            TimeElapsedColumn(),
            console=console,
        )
        self._task = self._progress.add_task("items", total=None, tally="")
        self._successes = 0
        self._cost = 0.0

    def __enter__(self) -> Self:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def started(self, name: str, total: int, done: Sequence[ItemResult]) -> None:
        """Start the bar of run `name`; results from an earlier session count as done."""
        self._successes, self._cost = 0, 0.0
        for result in done:
            self._count(result)
        self._progress.reset(
            self._task, description=name, total=total, completed=len(done), tally=self._tally()
        )

    def finished(self, result: ItemResult) -> None:
        """Advance by one item."""
        self._count(result)
        self._progress.update(self._task, advance=1, tally=self._tally())

    def _count(self, result: ItemResult) -> None:
        self._successes += result.success
        self._cost += result.usage.total.cost_usd

    def _tally(self) -> str:
        return f"ok {self._successes} · est. ${self._cost:.4f}"
