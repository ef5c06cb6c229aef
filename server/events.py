"""In-memory fan-out of job events to live subscribers (the SSE endpoint)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any

__all__ = ["TERMINAL_EVENTS", "JobEvents", "Subscription"]

TERMINAL_EVENTS = frozenset({"completed", "failed", "cancelled"})


class JobEvents:
    """Each subscriber gets its own queue; publishing never blocks the job."""

    def __init__(self) -> None:
        self._queues: dict[str, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)

    def publish(self, job_id: str, event: dict[str, Any]) -> None:
        """Hand `event` (with a `type` key) to every current subscriber of the job."""
        for queue in self._queues.get(job_id, ()):
            queue.put_nowait(event)

    def subscribe(self, job_id: str) -> Subscription:
        """Start receiving the job's events now; use the result as a context manager."""
        return Subscription(self._queues, job_id)


class Subscription:
    """A registered listener: nothing published after its creation is missed."""

    def __init__(self, queues: dict[str, set[asyncio.Queue[dict[str, Any]]]], job_id: str) -> None:
        self._queues = queues
        self._job_id = job_id
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        queues[job_id].add(self._queue)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        listeners = self._queues.get(self._job_id)
        if listeners is not None:
            listeners.discard(self._queue)
            if not listeners:
                del self._queues[self._job_id]

    async def events(self) -> AsyncIterator[dict[str, Any]]:
        """Events in publishing order, ending after the terminal one."""
        while True:
            event = await self._queue.get()
            yield event
            if event["type"] in TERMINAL_EVENTS:
                return
