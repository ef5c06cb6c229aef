"""A job's states as they change, for its SSE stream in any API process: followed on the
job's event channel (Redis), or read from the job row every `POLL_S` when there is no
channel or it fails.

Following the channel: the newest event's position is read after the row's snapshot, so
a change made between the two arrives by the channel (events are whole states, so one
seen twice does no harm), and an SSE client's `Last-Event-ID` continues from its place.
While the channel is quiet the row is read every `QUIET_S`, so an end that could not be
announced still ends the stream.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import NamedTuple

from graphs.jobs import TERMINAL_STATUSES, JobRecord
from tools.events import FIRST_ID, EventsUnavailable, JobEvents, event_id
from tools.store import Store

__all__ = ["JobState", "job_states"]

log = logging.getLogger("manimgraph.events")

POLL_S = 0.25
"""How often the row is read without a channel (any process may be updating it)."""
QUIET_S = 1.0
"""How long the channel may stay quiet before the row is read: an event may have been lost,
or the job's runner may not publish (a job the CLI runs itself)."""


class JobState(NamedTuple):
    """The job as of one change, and the channel's position it is as new as: the last event
    read before it (None when there is no channel to resume from). A change read from the row
    while the channel was quiet carries that position too, so a client that resumes from it
    is sent every event after it, and none is skipped."""

    job: JobRecord
    event_id: str | None


async def job_states(
    job: JobRecord, store: Store, events: JobEvents, last_event_id: str | None = None
) -> AsyncIterator[JobState]:
    """`job` (just read from its row), then each change of it until it ends (or is
    deleted). With a valid `last_event_id` the snapshot is skipped: the changes after
    that position follow."""
    if job.status in TERMINAL_STATUSES:
        yield JobState(job, None)
        return
    sent = False
    try:
        cursor = event_id(last_event_id)
        if cursor is None:
            latest = await events.latest(job.id)
            cursor = latest.id if latest is not None else FIRST_ID
            sent = True
            yield JobState(job, cursor)
            if latest is not None and latest.event.terminal:
                final = await store.get_job(job.id)
                if final is None or final.status in TERMINAL_STATUSES:
                    if final is not None:
                        yield JobState(final, cursor)
                    return
        while True:
            batch = await events.read(job.id, cursor, QUIET_S)
            if not batch:
                current = await store.get_job(job.id)
                if current is None:
                    return
                if (current.status, current.progress_state) != (job.status, job.progress_state):
                    job = current
                    sent = True
                    yield JobState(job, cursor)
                    if job.status in TERMINAL_STATUSES:
                        return
                continue
            for streamed in batch:
                cursor = streamed.id
                job = streamed.event.apply(job)
                if streamed.event.terminal:
                    current = await store.get_job(job.id)
                    if current is None:
                        return
                    job = current
                sent = True
                yield JobState(job, cursor)
                if job.status in TERMINAL_STATUSES:
                    return
    except EventsUnavailable as exc:
        log.debug("job %s: following its row (%s)", job.id, exc)
    if not sent:
        yield JobState(job, None)
    while job.status not in TERMINAL_STATUSES:
        await asyncio.sleep(POLL_S)
        current = await store.get_job(job.id)
        if current is None:
            return
        job = current
        yield JobState(job, None)
