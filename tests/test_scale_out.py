"""Scale-out with real processes: API servers and `manimgraph worker`s started through the
CLI, a real redis-server, real PostgreSQL."""

from __future__ import annotations

import asyncio
import hashlib
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from server.queue import JobQueue
from tests.api_helpers import render_processes
from tests.redis_fixtures import RedisServer
from tests.s3_fixtures import S3Bucket
from tests.servers import TERMINAL, Server, serving, wait_until, working
from tests.stores import StoreAt
from tools.events import stream_key

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]


def _finished(server: Server, job_id: str) -> dict[str, Any]:
    return wait_until(lambda: (job := server.job(job_id))["status"] in TERMINAL and job)


def _done(store: StoreAt, job_id: str) -> int:
    """Scenes of the job whose progress says done."""
    return sum(scene.state == "done" for scene in store.get_job(job_id).progress_state.scenes)


def _event_lines(server: Server, url: str) -> list[str]:
    """The `event:` and `id:` lines of a job's whole SSE stream."""
    with httpx.stream("GET", f"{server.base}{url}", timeout=300) as stream:
        return [line for line in stream.iter_lines() if line.startswith(("event: ", "id: "))]


def _redis_readers(url: str) -> int:
    """Clients blocked in XREAD: SSE streams following a job's events."""
    with redis.Redis.from_url(url, decode_responses=True) as client:
        return sum(c["cmd"] == "xread" and "b" in c["flags"] for c in client.client_list())


def _generate(server: Server, prompt: str, scenes: int) -> dict[str, Any]:
    return server.post("/api/v1/generate", {"prompt": prompt, "scene_count": scenes})  # type: ignore[no-any-return]


def test_api_and_two_workers_complete_jobs_and_a_killed_worker_loses_no_scene(
    tmp_path: Path, database_url: str, redis_server: RedisServer, s3_bucket: S3Bucket
) -> None:
    artifacts = {"MANIMGRAPH_ARTIFACTS_URL": s3_bucket.url}
    env = {"MANIMGRAPH_REDIS_URL": redis_server.url, **artifacts}
    with (
        serving(tmp_path / "api", database_url, **env) as (api,),
        working(tmp_path, database_url, redis_server.url, **artifacts) as workers,
    ):
        wait_until(lambda: api.get("/health")["checks"]["workers"]["detail"].startswith("2 "))
        jobs = [_generate(api, f"Explain topic {n}", 2 + n % 2) for n in range(4)]
        finals = [_finished(api, job["job_id"]) for job in jobs]
        assert [job["status"] for job in finals] == ["completed"] * 4
        for job, final in zip(jobs, finals, strict=True):
            rendered = sum(worker.renders(job["job_id"]) for worker in workers)
            assert rendered == final["scenes_total"], "a scene was rendered twice"
            video = httpx.get(
                f"{api.base}/api/v1/projects/{job['project_id']}/download", timeout=60
            )
            assert video.status_code == 200
            digest = hashlib.sha256(video.content).hexdigest()
            assert any(key.startswith(digest) for key in s3_bucket.stored_keys())
        for worker in workers:
            assert not [p for p in (worker.data_dir / "artifacts").rglob("*") if p.is_file()]

        job = _generate(api, "Explain the water cycle", 4)
        owner = wait_until(
            lambda: next((w for w in workers if w.renders(job["job_id"])), None), every=0.05
        )
        other = next(worker for worker in workers if worker is not owner)
        store = StoreAt(tmp_path / "api", database_url)
        wait_until(
            lambda: any(
                s.state == "done" for s in store.get_job(job["job_id"]).progress_state.scenes
            )
        )
        time.sleep(1.0)
        done = sum(s.state == "done" for s in store.get_job(job["job_id"]).progress_state.scenes)
        owner.process.send_signal(signal.SIGKILL)
        owner.process.wait()

        final = _finished(api, job["job_id"])
        assert final["status"] == "completed", final
        assert other.renders(job["job_id"]) <= 4 - done


def test_cancel_through_the_api_stops_the_workers_renders(
    tmp_path: Path, database_url: str, redis_server: RedisServer
) -> None:
    env = {"MANIMGRAPH_REDIS_URL": redis_server.url}
    with (
        serving(tmp_path / "api", database_url, **env) as (api,),
        working(tmp_path, database_url, redis_server.url, count=1) as (worker,),
    ):
        job = _generate(api, "Explain sorting algorithms", 4)
        wait_until(lambda: render_processes(worker.data_dir), every=0.05)

        cancelled = httpx.delete(f"{api.base}/api/v1/jobs/{job['job_id']}", timeout=30)

        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        wait_until(lambda: not render_processes(worker.data_dir), timeout=10, every=0.1)
        time.sleep(2.0)
        assert api.job(job["job_id"])["status"] == "cancelled"
        assert render_processes(worker.data_dir) == []


def test_a_redis_restart_is_reported_and_the_running_job_still_completes(
    tmp_path: Path, database_url: str, redis_server: RedisServer
) -> None:
    env = {"MANIMGRAPH_REDIS_URL": redis_server.url}
    with (
        serving(tmp_path / "api", database_url, **env) as (api,),
        working(tmp_path, database_url, redis_server.url, count=1) as (worker,),
    ):
        job = _generate(api, "Explain the water cycle", 3)
        wait_until(lambda: worker.renders(job["job_id"]), every=0.05)
        with ThreadPoolExecutor(1) as pool:
            streaming = pool.submit(_event_lines, api, job["events_url"])
            wait_until(lambda: _redis_readers(redis_server.url), every=0.05)

            redis_server.stop()
            outage = httpx.get(f"{api.base}/health", timeout=30)
            redis_server.start()

            assert outage.status_code == 503
            assert outage.json()["checks"]["redis"]["status"] == "fail"
            assert _finished(api, job["job_id"])["status"] == "completed"
            lines = streaming.result(timeout=60)
        assert lines[-1] == "event: completed", "the stream outlived the outage"
        wait_until(lambda: httpx.get(f"{api.base}/health", timeout=30).status_code == 200)


def test_a_job_enqueued_twice_has_one_delivery(
    tmp_path: Path, database_url: str, redis_server: RedisServer
) -> None:
    async def enqueue_twice() -> tuple[bool, bool, int]:
        queue = JobQueue.from_url(redis_server.url)
        try:
            first = await queue.enqueue("job-1")
            second = await queue.enqueue("job-1")
            return first, second, (await queue.info()).queued
        finally:
            await queue.close()

    assert asyncio.run(enqueue_twice()) == (True, False, 1)
    env = {"MANIMGRAPH_REDIS_URL": redis_server.url}
    with serving(tmp_path / "api", database_url, **env) as (api,):
        body = {"prompt": "Explain circles", "scene_count": 1}
        headers = {"Idempotency-Key": "same"}
        answers = [
            httpx.post(f"{api.base}/api/v1/generate", json=body, headers=headers, timeout=30)
            for _ in range(2)
        ]
        assert answers[0].json()["job_id"] == answers[1].json()["job_id"]
        assert api.get("/health")["checks"]["redis"]["detail"].startswith("Redis answers: 2 queued")


def test_events_from_the_api_process_that_did_not_take_the_job(
    tmp_path: Path, database_url: str, redis_server: RedisServer
) -> None:
    env = {"MANIMGRAPH_REDIS_URL": redis_server.url}
    with (
        serving(tmp_path / "api", database_url, count=2, **env) as (taker, other),
        working(tmp_path, database_url, redis_server.url, count=1),
    ):
        job = _generate(taker, "Explain circles", 2)
        lines = _event_lines(other, job["events_url"])
        events = [line.removeprefix("event: ") for line in lines if line.startswith("event: ")]
        ids = [line.removeprefix("id: ") for line in lines if line.startswith("id: ")]
        assert events[0] == "state" and events[-1] == "completed"
        assert "progress" in events[1:-1]
        assert other.job(job["job_id"]) == taker.job(job["job_id"]) | {"estimated_completion": None}

        with redis.Redis.from_url(redis_server.url, decode_responses=True) as client:
            published = [entry_id for entry_id, _ in client.xrange(stream_key(job["job_id"]))]
        assert len(ids) == len(events), "every event carries its place in the job's stream"
        assert set(ids) <= {*published, "0-0"}, "a change read from the row carries its place too"
        assert ids[-1] == published[-1], "the end came over Redis, from the worker"
        assert ids == sorted(ids, key=lambda i: tuple(map(int, i.split("-"))))
