"""What a job's progress events say about it: retries, fix rounds, error types, render time.

The eval runner records every `ProgressEvent` with its arrival time; the graph's
scene outcomes never leave the graph, but the events carry the same facts.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field

from graphs.events import ProgressEvent
from graphs.jobs import JobProgress

__all__ = ["EventTrace", "Interval", "covered"]

Interval = tuple[float, float]

# "retry 2: NameError: ..." (and, if the event ever names the kind, "retry 2: limit: ...").
_RETRY = re.compile(r"^retry \d+: (?:(code|environment|timeout|limit|security): )?(\w+):")
_RENDER_STAGES = ("rendering", "fallback")


@dataclass
class EventTrace:
    """The events of one job, each with the `time.perf_counter()` it arrived at."""

    events: list[tuple[float, ProgressEvent]] = field(default_factory=list)

    def record(self, event: ProgressEvent, _progress: JobProgress) -> None:
        """An `on_event` handler for `JobRoom.run`."""
        self.events.append((time.perf_counter(), event))

    def layout_frames(self) -> dict[int, tuple[str, str]]:
        """Per scene, the last frames (artifact keys) before and after its layout repair."""
        return {
            e.scene: (e.frames[0], e.frames[1])
            for _, e in self.events
            if e.scene is not None and e.frames is not None and len(e.frames) == 2
        }

    def retries(self) -> Counter[int]:
        """Errors sent back to the coder, per scene number."""
        return Counter(e.scene for _, e in self.events if e.status == "retry" and e.scene)

    def fix_rounds(self) -> Counter[int]:
        """Times the visual fixer sent a scene back, per scene number."""
        return Counter(e.scene for _, e in self.events if e.status == "fixing" and e.scene)

    def retry_errors(self) -> Counter[tuple[str, str]]:
        """`(kind, type)` of each error that went back to the coder, e.g. `(code, NameError)`.

        Retry events name the exception type but not its kind; retried errors are code
        errors unless the event says otherwise (limit errors are retried too).
        """
        found: Counter[tuple[str, str]] = Counter()
        for _, event in self.events:
            if event.status == "retry":
                match = _RETRY.match(event.message)
                kind, name = (match.group(1) or "code", match.group(2)) if match else ("code", "?")
                found[kind, name] += 1
        return found

    def render_intervals(self, end: float) -> list[Interval]:
        """When each scene was rendering: from a render's start to that scene's next event.

        Failed renders count too (their next event is the retry); a fallback title
        card counts from the fallback event to the scene's save.
        """
        intervals: list[Interval] = []
        open_since: dict[int, float] = {}
        for at, event in self.events:
            if event.scene is None:
                continue
            started = open_since.pop(event.scene, None)
            if started is not None:
                intervals.append((started, at))
            if event.stage in _RENDER_STAGES and event.seconds is None and event.cached is None:
                open_since[event.scene] = at
        intervals.extend((started, end) for started in open_since.values())
        return intervals


def covered(intervals: list[Interval]) -> float:
    """Seconds covered by the union of `intervals` (overlaps counted once)."""
    total, reach = 0.0, float("-inf")
    for start, stop in sorted(intervals):
        if stop <= reach:
            continue
        total += stop - max(start, reach)
        reach = stop
    return total
