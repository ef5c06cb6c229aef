"""Where the server's jobs run: in this process (the embedded default), or on workers
through the Redis queue. Either way it takes over jobs whose runner died, and whoever
ends a job reports it (metrics, webhook).

Everything about a job itself (status, progress, leases, checkpoints) lives in
`graphs.jobs`; this module only decides which process runs which job.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

from graphs.errors import JobError
from graphs.events import ProgressEvent
from graphs.jobs import (
    ACTIVE_STATUSES,
    CANCELLED_ON_REQUEST,
    COMPLETED,
    FAILED,
    QUEUED,
    JobBusy,
    JobOutcome,
    JobProgress,
    JobRecord,
    JobRoom,
    NotResumable,
)
from graphs.requests import JobSpec
from server.metrics import Metrics
from server.queue import JobQueue
from server.views import finished_body
from server.webhooks import deliver
from tools.store.records import BatchRecord

__all__ = ["IdempotencyKeyReused", "JobManager", "TooManyJobs"]

log = logging.getLogger("manimgraph.jobs")

CANCEL_WAIT_S = 5.0
LEASE_MARGIN_S = 0.2
TAKEOVER_TRIES = 3
"""Lease periods a delivery waits for a dead runner's lease to run out before giving up."""


class TooManyJobs(Exception):
    """The key already has its cap of queued and running jobs."""


class IdempotencyKeyReused(Exception):
    """The idempotency key already made a job from a different request."""


class JobManager:
    """Runs jobs of the room here (or hands them to the queue) and watches for orphans."""

    def __init__(
        self,
        room: JobRoom,
        *,
        max_concurrent_jobs: int,
        max_jobs_per_key: int,
        metrics: Metrics,
        webhook_secret: str,
        webhook_attempts: int = 5,
        queue: JobQueue | None = None,
    ) -> None:
        self.room = room
        self.queue = queue
        self.metrics = metrics
        self._job_slots = asyncio.Semaphore(max_concurrent_jobs)
        self._max_jobs_per_key = max_jobs_per_key
        self._webhook_secret = webhook_secret
        self._webhook_attempts = webhook_attempts
        self._tasks: dict[str, asyncio.Task[bool]] = {}
        self._running: set[str] = set()
        self._background: set[asyncio.Task[Any]] = set()
        self._operations: set[asyncio.Task[None]] = set()
        self._lock = asyncio.Lock()
        self._watcher: asyncio.Task[None] | None = None

    async def submit(
        self, spec: JobSpec, *, owner: str | None, idempotency_key: str | None
    ) -> JobRecord:
        """Queue a job (or return the one this idempotency key already made) and run it.

        Raises:
            IdempotencyKeyReused: the key made a job from a different request.
            TooManyJobs: the key has its cap of active jobs.
            NotFound, ProjectBusy: from the job room.
        """
        store = self.room.store
        async with self._lock:
            if idempotency_key is not None:
                existing = await store.find_job_by_idempotency(owner, idempotency_key)
                if existing is not None:
                    if existing.request != spec.model_dump(mode="json"):
                        raise IdempotencyKeyReused(
                            f"Idempotency-Key {idempotency_key!r} was used for job {existing.id} "
                            "with a different request; use a new key for a new request"
                        )
                    return existing
            await self._check_cap(owner, 1)
            job = await self.room.submit(spec, owner=owner, idempotency_key=idempotency_key)
            await self._dispatch(job.id, again=False)
            return job

    async def submit_batch(self, specs: Sequence[JobSpec], *, owner: str | None) -> BatchRecord:
        """Queue a batch of generate jobs, all or none, and run them.

        Raises:
            TooManyJobs: the batch would take the key past its cap of active jobs.
        """
        async with self._lock:
            await self._check_cap(owner, len(specs))
            batch = await self.room.submit_batch(specs, owner=owner)
            for job in batch.jobs:
                await self._dispatch(job.id, again=False)
            return batch

    async def _check_cap(self, owner: str | None, adding: int) -> None:
        """Raise TooManyJobs unless `owner` may have `adding` more active jobs."""
        active = 0
        for status in ACTIVE_STATUSES:
            active += await self.room.store.count_jobs(status=status, owner=owner)
        if active + adding > self._max_jobs_per_key:
            raise TooManyJobs(
                f"{active} jobs are queued or running and {adding} more were asked; "
                f"the cap is {self._max_jobs_per_key}"
            )

    async def cancel(self, job_id: str) -> JobRecord:
        """Cancel a job run by any process: its renders are killed, nothing half-written."""
        cancelled = await self.room.cancel(job_id)
        if self.queue is not None:
            await self.queue.abort(job_id, CANCELLED_ON_REQUEST)
        task = self._tasks.get(job_id)
        if task is not None:
            task.cancel()
            await asyncio.wait({task}, timeout=CANCEL_WAIT_S)
        if cancelled is not None:
            self._finish(cancelled)
        current = await self.room.store.get_job(job_id)
        assert current is not None
        return current

    async def resume(self, job_id: str) -> JobRecord:
        """Queue a failed or cancelled job again and run it from its last checkpoint.

        Raises:
            NotResumable: the job is not failed or cancelled.
        """
        async with self._lock:
            job = await self.room.resume(job_id)
            if job.status != QUEUED:
                raise NotResumable(f"job {job_id} is {job.status}, not failed or cancelled")
            await self._dispatch(job.id, again=True)
            return job

    async def start(self, interval_s: float | None = None) -> None:
        """Take over orphaned jobs now, then keep watching for them."""
        await self._adopt_orphans()
        period = interval_s or self.room.lease.total_seconds() / 2
        self._watcher = asyncio.create_task(self._watch(period), name="orphan-watcher")

    def spawn(self, work: Coroutine[Any, Any, None], *, name: str) -> None:
        """Run `work` (a scene render of the agents API) in this process's background; the
        server's shutdown cancels it."""
        task = asyncio.create_task(work, name=name)
        self._operations.add(task)
        task.add_done_callback(self._operations.discard)

    async def stop(self) -> None:
        """Shut down: running jobs go back to `queued`, so any runner resumes them."""
        if self._watcher is not None:
            self._watcher.cancel()
        tasks = [*self._tasks.values(), *self._operations]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, *self._background, return_exceptions=True)

    def queue_depth(self) -> tuple[int, int]:
        """(waiting, running) jobs of this process."""
        return len(self._tasks) - len(self._running), len(self._running)

    async def _watch(self, period: float) -> None:
        while True:
            await asyncio.sleep(period)
            try:
                await self._adopt_orphans()
            except Exception:
                log.exception("looking for orphaned jobs failed")

    async def _adopt_orphans(self) -> None:
        for job in await self.room.orphans():
            if job.id not in self._tasks:
                log.info("taking over job %s (%s)", job.id, job.status)
                await self._dispatch(job.id, again=False)

    async def _dispatch(self, job_id: str, *, again: bool) -> None:
        """Run the job here, or hand it to the queue (`again`: a new delivery of it)."""
        if self.queue is None:
            self._launch(job_id)
        elif not await self.queue.enqueue(job_id, again=again):
            log.debug("job %s already has a pending delivery", job_id)

    def _launch(self, job_id: str) -> None:
        task = asyncio.create_task(self._run(job_id), name=f"job-{job_id}")
        self._tasks[job_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(job_id, None))
        self.metrics.set_queue(*self.queue_depth())

    async def execute(self, job_id: str) -> None:
        """Run a delivered job here to its end, first waiting out the lease of a runner
        that died holding it (a worker's way in)."""
        for _ in range(TAKEOVER_TRIES):
            current = await self.room.store.get_job(job_id)
            expires = current.lease_expires_at if current is not None else None
            wait = (expires - datetime.now(UTC)).total_seconds() if expires else 0
            if wait > 0:
                await asyncio.sleep(wait + LEASE_MARGIN_S)
            if await self._run(job_id):
                return
        log.info("job %s is still held by another runner; leaving it to it", job_id)

    async def _run(self, job_id: str) -> bool:
        """Run the job here; False if another runner holds its lease."""
        started = time.monotonic()
        async with self._job_slots:
            self._running.add(job_id)
            self.metrics.set_queue(*self.queue_depth())
            try:
                await self.room.run(job_id, on_event=partial(self._on_event, job_id))
            except JobBusy:
                return False
            except NotResumable:
                return True
            except JobError as exc:
                log.info("job %s stopped: %s", job_id, exc)
            except Exception:
                log.exception("job %s failed", job_id)
            finally:
                self._running.discard(job_id)
        final = await self.room.store.get_job(job_id)
        if final is not None and final.status in (COMPLETED, FAILED):
            self.metrics.job_finished(final.kind, final.status, time.monotonic() - started)
            self._finish(final)
        return True

    def _on_event(self, job_id: str, event: ProgressEvent, _progress: JobProgress) -> None:
        if event.cached is not None:
            outcome = "cached" if event.cached else "rendered"
            self.metrics.scene_rendered(outcome, event.seconds or 0)
            log.info(
                "job %s scene %s %s in %.1f s", job_id, event.scene, outcome, event.seconds or 0
            )
        if event.status == "retry":
            self.metrics.retry()
        elif event.status == "fixing":
            self.metrics.fix_round()
        elif event.stage == "fallback":
            self.metrics.fallback((event.fallback_reason or event.message).split(":", 1)[0])

    def _finish(self, job: JobRecord) -> None:
        """Count the job's usage and send its webhook: once, by whoever ended the job."""
        if job.result:
            self.metrics.model_usage(JobOutcome.of(job).usage)
        callback = JobSpec.model_validate(job.request).callback_url
        if callback:
            task = asyncio.create_task(self._deliver(job, callback))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _deliver(self, job: JobRecord, callback: str) -> None:
        project = await self.room.store.get_project(job.project_id)
        payload = finished_body(job, project, self.room.models).model_dump(mode="json")
        await deliver(callback, payload, self._webhook_secret, attempts=self._webhook_attempts)
