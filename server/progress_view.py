"""What the CLI draws of a job on stderr: rich progress from its folded progress (the stage
and one bar per scene) while it runs here, on a server or elsewhere, and the table of its
scenes once it is done."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    from agents.usage import UsageReport
    from tools.store import JobProgress

__all__ = ["ProgressView", "SceneRow", "print_summary"]

_SCENE_STEPS = {
    "coding": 1,
    "checking": 2,
    "rendering": 3,
    "reviewing": 4,
    "fallback": 4,
    "saving": 5,
    "done": 6,
}


class ProgressView(Progress):
    """Rich progress bars (a context manager) showing a job; feed it with `show`."""

    def __init__(self, console: Console) -> None:
        super().__init__(
            TextColumn("{task.description:<14}"),
            BarColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._job = self.add_task("job", total=1.0, status="starting")
        self._scenes: dict[int, TaskID] = {}

    def show(self, progress: JobProgress) -> None:
        """Move the job bar and each scene's bar to the folded state."""
        status = f"{progress.stage or 'queued'}: {progress.message[:60]}"
        self.update(self._job, completed=progress.fraction, status=status)
        for scene in progress.scenes:
            if scene.number not in self._scenes:
                self._scenes[scene.number] = self.add_task(
                    f"scene {scene.number}", total=max(_SCENE_STEPS.values()), status=""
                )
            detail = scene.state if scene.attempts <= 1 else f"{scene.state} (try {scene.attempts})"
            self.update(
                self._scenes[scene.number],
                completed=_SCENE_STEPS.get(scene.state, 0),
                status=detail
                if not scene.fallback_reason
                else f"fallback: {scene.fallback_reason}",
            )


class SceneRow(Protocol):
    """A scene of a finished job, as a local summary and the API's result both carry it."""

    @property
    def number(self) -> int: ...
    @property
    def version(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def fallback_used(self) -> bool: ...
    @property
    def fallback_reason(self) -> str | None: ...
    @property
    def layout_issues(self) -> int: ...
    @property
    def attempts(self) -> int: ...


def print_summary(
    console: Console,
    title: str,
    version: int,
    scenes: Iterable[SceneRow],
    usage: UsageReport | None,
) -> None:
    """The scenes table, then the job's model and voice use when it is known."""
    table = Table(title=f"{title} — version {version}")
    for column in ("scene", "version", "status", "layout issues", "attempts"):
        table.add_column(column)
    for scene in scenes:
        status = f"fallback ({scene.fallback_reason})" if scene.fallback_used else scene.status
        table.add_row(
            str(scene.number),
            str(scene.version),
            status,
            str(scene.layout_issues),
            str(scene.attempts),
        )
    console.print(table)
    if usage is None:
        return
    total = usage.total
    console.print(
        f"models: {total.calls} calls, {total.input_tokens + total.output_tokens} tokens, "
        f"est. ${total.cost_usd:.4f}",
        highlight=False,
    )
    for provider, spoken in usage.speech.items():
        console.print(
            f"voice ({provider}): {spoken.syntheses} spoken, {spoken.reused} re-used, "
            f"{spoken.characters} characters, {spoken.audio_seconds:.1f} s of audio, "
            f"est. ${spoken.cost_usd:.4f}",
            highlight=False,
        )
