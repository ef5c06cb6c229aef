"""The job event channel on Redis Streams: one capped stream per job.

A stream, unlike pub/sub, keeps the recent events: a reader takes the newest position
before it starts following, so nothing is lost between a snapshot and the first read,
and an SSE client that reconnects with `Last-Event-ID` continues where it stopped.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from tools.events.channel import EventsUnavailable, JobEvents
from tools.events.messages import JobEvent, StreamedEvent

__all__ = ["RedisJobEvents", "stream_key"]

log = logging.getLogger("manimgraph.events")

MAXLEN = 500
"""Events kept per job (approximately): far more than a reader falls behind."""
TTL_S = 24 * 3600
"""A job's stream expires a day after its last event."""
QUIET_S = 5.0
"""After a failed publish, progress events are dropped this long (terminal ones are
always tried), so a Redis outage costs a running job no more than one timeout."""
TIMEOUT_S = 3.0
"""Socket timeout; longer than any `read` wait."""
FIELD = "event"


def stream_key(job_id: str) -> str:
    """The Redis key of the job's stream."""
    return f"manimgraph:job-events:{job_id}"


class RedisJobEvents(JobEvents):
    """Publishes with XADD (capped, expiring) and reads with XREVRANGE / XREAD BLOCK."""

    def __init__(self, client: Redis) -> None:
        self._client = client
        self._quiet_until = 0.0

    @classmethod
    def from_url(cls, url: str) -> RedisJobEvents:
        """A channel on the Redis at `url`; nothing connects until first use. One retry
        without back-off replaces a connection that a Redis restart broke."""
        return cls(
            Redis.from_url(
                url,
                decode_responses=True,
                socket_timeout=TIMEOUT_S,
                socket_connect_timeout=TIMEOUT_S,
                retry=Retry(NoBackoff(), 1),
            )
        )

    async def publish(self, event: JobEvent) -> None:
        if not event.terminal and time.monotonic() < self._quiet_until:
            return
        key = stream_key(event.job_id)
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.xadd(key, {FIELD: event.model_dump_json()}, maxlen=MAXLEN, approximate=True)
                pipe.expire(key, TTL_S)
                await pipe.execute()
        except Exception as exc:  # a lost announcement must never fail the job
            self._quiet_until = time.monotonic() + QUIET_S
            log.warning(
                "could not publish a %s event of job %s (%s); readers fall back to the job row",
                event.status,
                event.job_id,
                exc,
            )

    async def latest(self, job_id: str) -> StreamedEvent | None:
        try:
            entries = await self._client.xrevrange(stream_key(job_id), count=1)
        except RedisError as exc:
            raise EventsUnavailable(f"Redis: {exc}") from exc
        return _streamed(entries[0]) if entries else None

    async def read(self, job_id: str, after: str, wait_s: float) -> list[StreamedEvent]:
        try:
            reply = await self._client.xread(
                {stream_key(job_id): after}, block=max(1, int(wait_s * 1000))
            )
        except RedisError as exc:
            raise EventsUnavailable(f"Redis: {exc}") from exc
        return [_streamed(entry) for _, entries in reply or () for entry in entries]

    async def close(self) -> None:
        await self._client.aclose()


def _streamed(entry: tuple[str, dict[str, Any]]) -> StreamedEvent:
    entry_id, fields = entry
    return StreamedEvent(id=entry_id, event=JobEvent.model_validate_json(fields[FIELD]))
