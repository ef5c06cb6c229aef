"""Live job events across processes: each job's ordered channel of whole-state events.

Whoever changes a job (its runner, or the API process that cancels or resumes it)
writes the job row first, then publishes a `JobEvent`; an SSE stream in any API process
follows the channel, and reads the row when the channel is missing or down. Without
Redis the channel is `NoJobEvents` and every reader reads the row.

Example:
    >>> events = open_job_events("redis://127.0.0.1:6379")
    >>> await events.publish(JobEvent.of(job))
    >>> [streamed.event.status for streamed in await events.read(job.id, FIRST_ID, 1.0)]
    ['running']
"""

from tools.events.channel import FIRST_ID, EventsUnavailable, JobEvents, NoJobEvents, event_id
from tools.events.messages import JobEvent, StreamedEvent
from tools.events.redis_stream import RedisJobEvents, stream_key

__all__ = [
    "FIRST_ID",
    "EventsUnavailable",
    "JobEvent",
    "JobEvents",
    "NoJobEvents",
    "RedisJobEvents",
    "StreamedEvent",
    "event_id",
    "open_job_events",
    "stream_key",
]


def open_job_events(redis_url: str | None) -> JobEvents:
    """The channel of a process: on Redis when `redis_url` is set, else none."""
    return RedisJobEvents.from_url(redis_url) if redis_url else NoJobEvents()
