"""The one progress fold: graph progress events → the job's typed `JobProgress`.

The fold is stored on the job row (coalesced by `ProgressSaver`), so any process can
answer a job's status; the SSE stream, `status --watch`, the CLI's bars and the eval
harness all read the folded state, never the raw events. Each fold the row takes is also
published on the job room's event channel (`tools.events`), so SSE streams in other
processes follow it live.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from graphs.events import ProgressEvent
from tools.store import JobProgress, SceneProgress, StageTiming

__all__ = ["SAVE_INTERVAL_S", "ProgressSaver", "fold"]

PLANNED = 0.05
SCENES = 0.85
ASSEMBLING = 0.92
SAVE_INTERVAL_S = 0.5
"""At most two writes a second while the stage stays the same."""


def fold(progress: JobProgress, event: ProgressEvent, now: datetime | None = None) -> JobProgress:
    """Account for one event: stage timing, per-scene state and attempts, the fraction.

    The fraction never goes back, so a resumed job carries on from what it had reached.
    """
    now = now or datetime.now(UTC)
    stages = list(progress.stages)
    if progress.stage != event.stage:
        if stages and stages[-1].ended_at is None:
            stages[-1] = stages[-1].model_copy(update={"ended_at": now})
        stages.append(StageTiming(stage=event.stage, started_at=now))
    scenes_total = event.scenes_total or progress.scenes_total
    scenes = {scene.number: scene for scene in progress.scenes}
    if event.scene is not None:
        scenes[event.scene] = _scene(scenes.get(event.scene), event)
    done = sum(scene.state == "done" for scene in scenes.values())
    fraction = progress.fraction
    if event.stage == "assembling":
        fraction = max(fraction, ASSEMBLING)
    elif scenes_total:
        fraction = max(fraction, PLANNED + SCENES * min(done, scenes_total) / scenes_total)
    return JobProgress(
        stage=event.stage,
        fraction=round(fraction, 4),
        message=event.message,
        scenes_total=scenes_total,
        scenes=tuple(scenes[number] for number in sorted(scenes)),
        stages=tuple(stages),
    )


def _scene(before: SceneProgress | None, event: ProgressEvent) -> SceneProgress:
    assert event.scene is not None
    scene = before or SceneProgress(number=event.scene)
    finished = event.stage == "saving" and event.status == "done"
    return scene.model_copy(
        update={
            "state": "done" if finished else event.stage,
            "title": event.title or scene.title,
            "attempts": max(scene.attempts, event.attempt or 0),
            "repairs": max(scene.repairs, event.repairs or 0),
            "fallback_reason": event.fallback_reason or scene.fallback_reason,
            "video": event.video or scene.video,
        }
    )


class ProgressSaver:
    """Writes the fold coalesced: at every stage change, else at most every `interval_s`."""

    def __init__(
        self,
        write: Callable[[JobProgress], Awaitable[object]],
        *,
        interval_s: float = SAVE_INTERVAL_S,
    ) -> None:
        self._write = write
        self._interval_s = interval_s
        self._saved: JobProgress | None = None
        self._pending: JobProgress | None = None
        self._saved_at = 0.0

    async def offer(self, progress: JobProgress) -> None:
        """Save now if the stage changed or the interval passed; else keep it for later."""
        due = time.monotonic() - self._saved_at >= self._interval_s
        changed = self._saved is None or self._saved.stage != progress.stage
        self._pending = progress
        if due or changed:
            await self.flush()

    async def flush(self) -> None:
        """Save what is pending, if anything."""
        if self._pending is None:
            return
        progress, self._pending = self._pending, None
        await self._write(progress)
        self._saved, self._saved_at = progress, time.monotonic()
