"""`manimgraph worker`: runs jobs from the Redis queue, through the job room's one run path.

Each delivery keeps a heartbeat while its job runs; an abort from any API process
cancels the job's task here, which kills its renders. The job's progress and end are
published on its Redis event stream, which the API processes' SSE streams follow.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from datetime import timedelta
from typing import Any

from saq import Worker
from saq.job import Job

from agents.config import load_model_config
from graphs.jobs import JobRoom
from server.jobs import JobManager
from server.metrics import Metrics
from server.queue import HEARTBEAT_S, RUN_JOB, JobQueue
from server.settings import Settings
from server.webhooks import webhook_secret
from tools.events import RedisJobEvents

__all__ = ["run_worker"]

log = logging.getLogger("manimgraph.worker")


async def run_worker(settings: Settings, *, concurrency: int, render_slots: int) -> None:
    """Take jobs from the queue until SIGINT or SIGTERM; at most `concurrency` at once."""
    assert settings.redis_url is not None
    models = load_model_config()
    events = RedisJobEvents.from_url(settings.redis_url)
    async with JobRoom.open(
        settings.data_dir,
        database_url=settings.database_url,
        artifacts_url=settings.artifacts_url,
        models=models,
        render_slots=asyncio.Semaphore(render_slots),
        lease=timedelta(seconds=settings.lease_seconds),
        events=events,
    ) as room:
        manager = JobManager(
            room,
            max_concurrent_jobs=concurrency,
            max_jobs_per_key=settings.max_jobs_per_key,
            metrics=Metrics(),
            webhook_secret=await asyncio.to_thread(
                webhook_secret, settings.webhook_secret, settings.data_dir
            ),
            webhook_attempts=settings.webhook_attempts,
        )

        async def run_job(ctx: dict[str, Any], *, job_id: str) -> None:
            """One delivery: run the job here, with a heartbeat while it runs."""
            beat = asyncio.create_task(_heartbeat(ctx["job"]))
            try:
                await manager.execute(job_id)
            finally:
                beat.cancel()
                with suppress(asyncio.CancelledError):
                    await beat

        queue = JobQueue.from_url(settings.redis_url)
        worker = Worker(
            queue.queue,
            functions=[(RUN_JOB, run_job)],
            concurrency=concurrency,
            metadata={"runner": room.runner_id},
        )
        log.info("worker %s takes jobs from %s", room.runner_id, settings.redis_url)
        try:
            await queue.queue.connect()
            await worker.start()
        finally:
            await manager.stop()
            await queue.close()
            await events.close()


async def _heartbeat(job: Job) -> None:
    """Touch the delivery well within its heartbeat, so it is never swept while alive."""
    while True:
        await asyncio.sleep(HEARTBEAT_S / 3)
        try:
            await job.update()
        except Exception:
            log.warning("could not send the heartbeat of job %s; trying again", job.key)
