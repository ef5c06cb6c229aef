"""Rich progress on stderr: the job's stage and one bar per scene."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from graphs.events import ProgressEvent

__all__ = ["ProgressPanel", "ProgressView"]

_SCENE_STEPS = {
    "coding": 1,
    "checking": 2,
    "rendering": 3,
    "reviewing": 4,
    "fallback": 4,
    "saving": 5,
}


class ProgressPanel:
    """Rich progress bars shown while the `with` block runs (the CLI's and the evals')."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress

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


class ProgressView(ProgressPanel):
    """Shows what a job is doing while it runs; a context manager around the job."""

    def __init__(self, console: Console) -> None:
        super().__init__(
            Progress(
                TextColumn("{task.description:<14}"),
                BarColumn(),
                TextColumn("{task.fields[status]}"),
                TimeElapsedColumn(),
                console=console,
                transient=False,
            )
        )
        self._job = self._progress.add_task("job", total=1.0, status="starting")
        self._scenes: dict[int, TaskID] = {}

    def on_event(self, event: ProgressEvent, fraction: float) -> None:
        """Move the job bar and the bar of the event's scene."""
        self._progress.update(
            self._job, completed=fraction, status=f"{event.stage}: {event.message[:60]}"
        )
        if event.scene is None:
            return
        if event.scene not in self._scenes:
            self._scenes[event.scene] = self._progress.add_task(
                f"scene {event.scene}", total=len(_SCENE_STEPS), status=""
            )
        step = len(_SCENE_STEPS) if event.status == "done" else _SCENE_STEPS.get(event.stage, 0)
        self._progress.update(
            self._scenes[event.scene], completed=step, status=f"{event.stage}: {event.message[:60]}"
        )
