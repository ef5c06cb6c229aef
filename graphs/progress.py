"""Turns the stream of progress events into a job's stage and 0-1 progress."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphs.events import ProgressEvent

__all__ = ["ProgressTracker"]


@dataclass
class ProgressTracker:
    """Folds events into a fraction: planning 5%, scenes 85% shared equally, assembly the rest."""

    scenes_total: int = 0
    scenes_done: set[int] = field(default_factory=set)
    stage: str = "queued"
    fraction: float = 0.0

    def update(self, event: ProgressEvent) -> float:
        """Account for one event and return the new fraction."""
        self.stage = event.stage
        if event.scenes_total:
            self.scenes_total = event.scenes_total
        if event.stage == "saving" and event.status == "done" and event.scene is not None:
            self.scenes_done.add(event.scene)
        if event.stage == "assembling":
            self.fraction = 0.92
        elif self.scenes_total:
            self.fraction = max(
                self.fraction, 0.05 + 0.85 * len(self.scenes_done) / self.scenes_total
            )
        return self.fraction
