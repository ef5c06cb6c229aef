"""The job event channel's interface, and the channel of a process without Redis."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod

from tools.events.messages import JobEvent, StreamedEvent

__all__ = ["FIRST_ID", "EventsUnavailable", "JobEvents", "NoJobEvents", "event_id"]

FIRST_ID = "0-0"
"""The position before a channel's first event."""
_EVENT_ID = re.compile(r"\d{1,20}-\d{1,20}")


def event_id(text: str | None) -> str | None:
    """`text` if it is a channel position (`<ms>-<seq>`, as sent in SSE ids), else None."""
    return text if text is not None and _EVENT_ID.fullmatch(text) else None


class EventsUnavailable(Exception):
    """The channel cannot be read (no Redis configured, or Redis is down): read the
    job row instead."""


class JobEvents(ABC):
    """Each job's ordered channel of `JobEvent`s: the runner (or whoever changes the job)
    publishes after it writes the job row; readers in any process follow it."""

    @abstractmethod
    async def publish(self, event: JobEvent) -> None:
        """Append the event to its job's channel. Never raises: the job row holds the
        truth, and a failure to announce a change must not fail the job."""

    @abstractmethod
    async def latest(self, job_id: str) -> StreamedEvent | None:
        """The job's newest event, None if it has none.

        Raises:
            EventsUnavailable: the channel cannot be read.
        """

    @abstractmethod
    async def read(self, job_id: str, after: str, wait_s: float) -> list[StreamedEvent]:
        """The job's events after position `after`, oldest first, waiting up to `wait_s`
        for one to come; empty if none came.

        Raises:
            EventsUnavailable: the channel cannot be read.
        """

    @abstractmethod
    async def close(self) -> None:
        """Release connections."""


class NoJobEvents(JobEvents):
    """No channel (the embedded default): publishing does nothing, reading says to read
    the job row."""

    async def publish(self, event: JobEvent) -> None:
        return None

    async def latest(self, job_id: str) -> StreamedEvent | None:
        raise EventsUnavailable("no event channel is configured")

    async def read(self, job_id: str, after: str, wait_s: float) -> list[StreamedEvent]:
        raise EventsUnavailable("no event channel is configured")

    async def close(self) -> None:
        return None
