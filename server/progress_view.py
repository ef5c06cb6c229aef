"""Rich progress on stderr, drawn from a job's folded progress: the stage and one bar per
scene. The CLI draws it while it runs a job and while it watches one run elsewhere."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from tools.store import JobProgress

__all__ = ["ProgressView"]

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
                    f"scene {scene.number}", total=len(_SCENE_STEPS), status=""
                )
            detail = scene.state if scene.attempts <= 1 else f"{scene.state} (try {scene.attempts})"
            self.update(
                self._scenes[scene.number],
                completed=_SCENE_STEPS.get(scene.state, 0),
                status=detail
                if not scene.fallback_reason
                else f"fallback: {scene.fallback_reason}",
            )
