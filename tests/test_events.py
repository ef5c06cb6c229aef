"""Live job events over a real redis-server: the channel itself (order, the newest event,
resume after an id, an outage), and an in-process API whose SSE stream follows the events
a job room publishes, resumes from `Last-Event-ID`, and falls back to the job row when
Redis goes away mid-job."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

import httpx
import pytest
from fastapi import FastAPI
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.config import get_stream_writer
from langgraph.graph import START, StateGraph
from redis.asyncio import Redis

from graphs.errors import JobError
from graphs.events import ProgressEvent
from graphs.jobs import JobProgress, JobRoom
from server.main import create_app
from server.settings import Settings
from tests.redis_fixtures import RedisServer
from tools.events import (
    FIRST_ID,
    EventsUnavailable,
    JobEvent,
    RedisJobEvents,
    event_id,
    stream_key,
)

ENDING = "the test graph ends here"


def _progress(fraction: float) -> JobProgress:
    return JobProgress(stage="rendering", fraction=fraction, message=f"at {fraction}")


def _ended(job_id: str) -> JobEvent:
    return JobEvent(
        job_id=job_id,
        status="failed",
        fraction=0.5,
        progress=_progress(0.5),
        error="boom",
        at=JobEvent.running(job_id, _progress(0.5)).at,
    )


async def test_the_channel_keeps_order_resumes_after_an_id_and_survives_an_outage(
    redis_server: RedisServer,
) -> None:
    events = RedisJobEvents.from_url(redis_server.url)
    try:
        assert await events.latest("job") is None
        for fraction in (0.1, 0.2, 0.3):
            await events.publish(JobEvent.running("job", _progress(fraction)))
        await events.publish(_ended("job"))
        await events.publish(JobEvent.running("other", _progress(0.9)))

        streamed = await events.read("job", FIRST_ID, 1.0)
        assert [s.event.fraction for s in streamed] == [0.1, 0.2, 0.3, 0.5]
        assert [s.event.terminal for s in streamed] == [False, False, False, True]
        assert [event_id(s.id) for s in streamed] == [s.id for s in streamed]
        latest = await events.latest("job")
        assert latest == streamed[-1]
        resumed = await events.read("job", streamed[1].id, 1.0)
        assert resumed == streamed[2:]

        started = time.monotonic()
        assert await events.read("job", latest.id, 0.3) == []
        assert time.monotonic() - started >= 0.25

        redis_server.stop()
        started = time.monotonic()
        await events.publish(JobEvent.running("job", _progress(0.6)))
        await events.publish(JobEvent.running("job", _progress(0.7)))
        assert time.monotonic() - started < 2.0, "an outage must not hold a job up"
        with pytest.raises(EventsUnavailable):
            await events.latest("job")
        with pytest.raises(EventsUnavailable):
            await events.read("job", FIRST_ID, 0.1)

        redis_server.start()
        await events.publish(JobEvent.running("job", _progress(0.8)))
        await events.publish(_ended("job"))
        after = await events.read("job", FIRST_ID, 0.1)
        assert [s.event.status for s in after] == ["failed"], "progress waits out the outage"
    finally:
        await events.close()


def test_event_ids_from_clients_are_checked() -> None:
    assert event_id("1712345678901-0") == "1712345678901-0"
    for text in (None, "", "$", "0", "1-2-3", "abc-1", "1-0\nevent: x"):
        assert event_id(text) is None


class _State(TypedDict, total=False):
    request: Any
    job_id: str
    project_id: str
    owner: str | None


def _gated_graph(gate: asyncio.Event) -> StateGraph:
    """A graph that reports two scenes' progress around `gate`, then fails: the room's
    real run path without a render."""

    async def work(state: _State) -> dict[str, Any]:
        write = get_stream_writer()
        write(ProgressEvent(stage="planning", message="planned", scenes_total=2).model_dump())
        write(ProgressEvent(stage="coding", message="coding", scene=1).model_dump())
        await gate.wait()
        for scene in (1, 2):
            write(ProgressEvent(stage="rendering", message="rendering", scene=scene).model_dump())
            await asyncio.sleep(0.05)
            write(
                ProgressEvent(
                    stage="saving", message="saved", scene=scene, status="done"
                ).model_dump()
            )
        raise JobError(ENDING)

    graph = StateGraph(_State)
    graph.add_node("work", work)
    graph.add_edge(START, "work")
    return graph


@dataclass
class _Api:
    client: httpx.AsyncClient
    app: FastAPI
    redis: Redis

    async def sse(self, url: str, **headers: str) -> list[dict[str, Any]]:
        """The whole stream, as `{event, id, data}` per event."""
        answer = await self.client.get(url, headers=headers, timeout=60)
        assert answer.status_code == 200, answer.text
        parsed = []
        for block in answer.text.split("\n\n"):
            fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
            if "event" in fields:
                parsed.append(
                    {
                        "event": fields["event"],
                        "id": fields.get("id"),
                        "data": json.loads(fields["data"]),
                    }
                )
        return parsed

    async def readers(self) -> int:
        """Clients of the redis-server blocked in XREAD (SSE streams following a job)."""
        clients = await self.redis.client_list()
        return sum(c["cmd"] == "xread" and "b" in c["flags"] for c in clients)


@asynccontextmanager
async def _api(tmp_path: Path, redis_url: str) -> AsyncIterator[_Api]:
    """The API in this process (its lifespan running), queue mode on `redis_url`."""
    settings = Settings(data_dir=tmp_path, redis_url=redis_url, rate_limit="100000/minute")
    app = create_app(settings)
    redis = Redis.from_url(redis_url, decode_responses=True)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            yield _Api(client, app, redis)
    await redis.aclose()


async def _until(check: Callable[[], Awaitable[bool]], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def _start_job(api: _Api, gate: asyncio.Event) -> tuple[dict[str, Any], asyncio.Task[Any]]:
    """Submit a job through the API and run it here, as a worker would, up to `gate`."""
    job = (await api.client.post("/api/v1/generate", json={"prompt": "Explain circles"})).json()
    runner = JobRoom(
        store=api.app.state.store,
        checkpointer=InMemorySaver(),
        events=api.app.state.events,
        graph=_gated_graph(gate),
    )
    run = asyncio.create_task(runner.run(job["job_id"]))
    key = stream_key(job["job_id"])
    await _until(lambda: _has(api.redis, key, 2))
    return job, run


async def _has(redis: Redis, key: str, count: int) -> bool:
    return int(await redis.xlen(key)) >= count


async def test_sse_follows_the_published_events_and_resumes_from_last_event_id(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    async with _api(tmp_path, redis_server.url) as api:
        gate = asyncio.Event()
        job, run = await _start_job(api, gate)
        key = stream_key(job["job_id"])
        claimed = (await api.redis.xrange(key))[0][0]
        fresh = asyncio.create_task(api.sse(job["events_url"]))
        resumed = asyncio.create_task(api.sse(job["events_url"], **{"Last-Event-ID": claimed}))
        await _until(lambda: _readers_at_least(api, 2))
        gate.set()
        with pytest.raises(JobError, match=ENDING):
            await run
        stream = [entry_id for entry_id, _ in await api.redis.xrange(key)]

        events = await fresh
        assert [e["event"] for e in events][:1] == ["state"]
        assert events[-1]["event"] == "failed" and events[-1]["data"]["error"] == ENDING
        assert {e["event"] for e in events[1:-1]} == {"progress"}
        ids = [e["id"] for e in events[1:]]
        assert ids == sorted(ids, key=lambda i: tuple(map(int, i.split("-"))))
        assert set(ids) <= set(stream) and ids[-1] == stream[-1], "events came over Redis"
        fractions = [e["data"]["progress"] for e in events[:-1]]
        assert fractions == sorted(fractions) and fractions[-1] > fractions[0]

        again = await resumed
        sent = list(dict.fromkeys(e["id"] for e in again))
        assert sent == [i for i in stream if i in sent], "in order (the end shares its id)"
        assert claimed not in {e["id"] for e in again}
        assert again[0]["id"] == stream[stream.index(claimed) + 1]
        assert again[-1]["event"] == "failed" and again[-1]["id"] == stream[-1]


async def _readers_at_least(api: _Api, count: int) -> bool:
    return await api.readers() >= count


async def test_sse_falls_back_to_the_job_row_when_redis_goes_away_mid_job(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    async with _api(tmp_path, redis_server.url) as api:
        gate = asyncio.Event()
        job, run = await _start_job(api, gate)
        stream = asyncio.create_task(api.sse(job["events_url"]))
        await _until(lambda: _readers_at_least(api, 1))

        redis_server.stop()
        gate.set()
        with pytest.raises(JobError, match=ENDING):
            await run
        events = await asyncio.wait_for(stream, timeout=30)

        assert events[0]["event"] == "state" and events[-1]["event"] == "failed"
        assert events[-1]["data"]["error"] == ENDING, "the outage did not change the outcome"
        assert events[-1]["id"] is None, "the end was read from the job row"
        done = [s for s in events[-2]["data"]["scenes"] if s["state"] == "done"]
        assert len(done) == 2
        redis_server.start()  # the queue's client says goodbye to Redis at shutdown


async def test_a_cancel_through_the_api_reaches_the_stream_over_redis(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    async with _api(tmp_path, redis_server.url) as api:
        job, run = await _start_job(api, asyncio.Event())
        stream = asyncio.create_task(api.sse(job["events_url"]))
        await _until(lambda: _readers_at_least(api, 1))

        cancelled = await api.client.delete(f"/api/v1/jobs/{job['job_id']}")
        events = await asyncio.wait_for(stream, timeout=30)
        run.cancel()
        await asyncio.gather(run, return_exceptions=True)

        assert cancelled.status_code == 200
        last = (await api.redis.xrevrange(stream_key(job["job_id"]), count=1))[0][0]
        assert events[-1]["event"] == "cancelled" and events[-1]["id"] == last
