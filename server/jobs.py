"""The server runs jobs itself: bounded concurrency, cancel, resume, live events, webhooks.

Jobs are rows in the store and checkpoints in the LangGraph saver (thread id = job id),
so a job that was queued or running when the process died resumes at the next start,
and scenes that had finished are not rendered again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver

from agents.config import load_model_config
from agents.models import ModelFactory
from agents.usage import Budget, UsageReport
from graphs.context import VideoContext
from graphs.errors import JobError
from graphs.events import ProgressEvent
from graphs.requests import EditRequest, JobSpec
from graphs.runner import ACTIVE, execute_job, submit_job
from server.events import JobEvents
from server.metrics import Metrics
from server.webhooks import deliver
from tools.store import JobRecord, JobStatus, Store

__all__ = ["ACTIVE", "JobManager", "NotResumable", "ProjectBusy", "TooManyJobs"]

log = logging.getLogger("manimgraph.jobs")

CANCEL_WAIT_S = 5.0
RESUMABLE: tuple[JobStatus, ...] = ("failed", "cancelled")
INTERRUPTED: tuple[JobStatus, ...] = ("running", "cancelled")


class TooManyJobs(Exception):
    """The key already has its cap of queued and running jobs."""


class ProjectBusy(Exception):
    """Another job is changing the same project."""


class NotResumable(Exception):
    """Only failed or cancelled jobs can be resumed."""


@dataclass
class SceneState:
    """What the status endpoint shows of one scene while the job runs."""

    status: str = "queued"
    attempts: int = 0


@dataclass
class LiveJob:
    """In-memory view of a running job, fed by its progress events."""

    started: float = field(default_factory=time.monotonic)
    scenes: dict[int, SceneState] = field(default_factory=dict)


class JobManager:
    """Owns the job tasks of one server process."""

    def __init__(
        self,
        store: Store,
        checkpointer: BaseCheckpointSaver,
        *,
        max_concurrent_jobs: int,
        render_slots: int,
        max_jobs_per_key: int,
        metrics: Metrics,
        webhook_secret: str,
        webhook_attempts: int = 5,
    ) -> None:
        self.store = store
        self.events = JobEvents()
        self.metrics = metrics
        self._checkpointer = checkpointer
        self._job_slots = asyncio.Semaphore(max_concurrent_jobs)
        self._render_slots = asyncio.Semaphore(render_slots)
        self._max_jobs_per_key = max_jobs_per_key
        self._webhook_secret = webhook_secret
        self._webhook_attempts = webhook_attempts
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._live: dict[str, LiveJob] = {}
        self._background: set[asyncio.Task[Any]] = set()
        self._lock = asyncio.Lock()
        self._stopping = False
        self._models = load_model_config()

    async def submit(
        self, spec: JobSpec, *, owner: str | None, idempotency_key: str | None
    ) -> JobRecord:
        """Queue a job (or return the one this idempotency key already made)."""
        async with self._lock:
            if idempotency_key is not None:
                existing = self.store.find_job_by_idempotency(owner, idempotency_key)
                if existing is not None:
                    return existing
            active = sum(self.store.count_jobs(status=s, owner=owner) for s in ACTIVE)
            if active >= self._max_jobs_per_key:
                raise TooManyJobs(
                    f"{active} jobs are queued or running; the cap is {self._max_jobs_per_key}"
                )
            request = spec.request
            if isinstance(request, EditRequest) and self._project_busy(request.project_id):
                raise ProjectBusy(f"another job is changing project {request.project_id}")
            job = submit_job(self.store, spec, owner=owner, idempotency_key=idempotency_key)
            self._launch(job, resume=False)
            return job

    def live(self, job_id: str) -> LiveJob | None:
        """The running job's in-memory progress, if this process runs it."""
        return self._live.get(job_id)

    async def cancel(self, job_id: str) -> JobRecord:
        """Stop a job: its renders are killed and it ends `cancelled`, nothing half-written."""
        task = self._tasks.get(job_id)
        if task is not None:
            task.cancel()
            await asyncio.wait({task}, timeout=CANCEL_WAIT_S)
        job = self.store.transition_job(
            job_id, ACTIVE, status="cancelled", error="cancelled by request"
        )
        if job is not None:
            self._finish(job)
        current = self.store.get_job(job_id)
        assert current is not None
        return current

    async def resume(self, job_id: str) -> JobRecord:
        """Continue a failed, cancelled or interrupted job from its last checkpoint."""
        async with self._lock:
            job = self.store.transition_job(
                job_id, RESUMABLE, status="queued", error=None, stage="resuming"
            )
            if job is None:
                raise NotResumable(f"job {job_id} is not failed or cancelled")
            self._launch(job, resume=await self._has_checkpoint(job_id))
            return job

    async def start(self) -> None:
        """Resume every job that was queued or running when the last process stopped."""
        for status in ACTIVE:
            for job in self.store.list_jobs(status, limit=10_000):
                log.info("resuming job %s (%s)", job.id, status)
                self._launch(job, resume=await self._has_checkpoint(job.id))

    async def stop(self) -> None:
        """Shut down: running jobs go back to `queued` so the next start resumes them."""
        self._stopping = True
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, *self._background, return_exceptions=True)

    def queue_depth(self) -> tuple[int, int]:
        """(queued, running) jobs of this process."""
        running = len(self._live)
        return len(self._tasks) - running, running

    def _project_busy(self, project_id: str) -> bool:
        return any(
            job.project_id == project_id
            for status in ACTIVE
            for job in self.store.list_jobs(status, project_id=project_id, limit=1)
        )

    async def _has_checkpoint(self, job_id: str) -> bool:
        config = {"configurable": {"thread_id": job_id}}
        return await self._checkpointer.aget_tuple(config) is not None  # type: ignore[arg-type]

    def _launch(self, job: JobRecord, *, resume: bool) -> None:
        task = asyncio.create_task(self._run(job.id, resume), name=f"job-{job.id}")
        self._tasks[job.id] = task
        task.add_done_callback(lambda _: self._tasks.pop(job.id, None))
        self.metrics.set_queue(*self.queue_depth())

    async def _run(self, job_id: str, resume: bool) -> None:
        started = time.monotonic()
        try:
            async with self._job_slots:
                job = self.store.transition_job(job_id, ACTIVE, status="running")
                if job is None:
                    return
                self._live[job_id] = LiveJob()
                self.metrics.set_queue(*self.queue_depth())
                await execute_job(
                    job,
                    self._context(JobSpec.model_validate(job.request)),
                    on_event=lambda event, fraction: self._on_event(job_id, event, fraction),
                    checkpointer=self._checkpointer,
                    resume=resume,
                )
        except asyncio.CancelledError:
            if self._stopping:
                self.store.transition_job(job_id, INTERRUPTED, status="queued", error=None)
            raise
        except JobError as exc:
            log.info("job %s failed: %s", job_id, exc)
        except Exception:
            log.exception("job %s failed", job_id)
        finally:
            self._live.pop(job_id, None)
            final = self.store.get_job(job_id)
            if final is not None and final.status not in ACTIVE and not self._stopping:
                self.metrics.job_finished(final.kind, final.status, time.monotonic() - started)
                self._finish(final)

    def _context(self, spec: JobSpec) -> VideoContext:
        """The request's models and budget over the server's configured ones."""
        config = self._models
        models = ModelFactory({**config.roles, **spec.models}, default=config.default)
        caps = {
            **config.budget.model_dump(exclude_none=True),
            **spec.limits.budget.model_dump(exclude_none=True),
        }
        limits = spec.limits.model_copy(update={"budget": Budget(**caps)})
        return VideoContext(
            models=models, store=self.store, limits=limits, render_slots=self._render_slots
        )

    def _on_event(self, job_id: str, event: ProgressEvent, fraction: float) -> None:
        live = self._live.get(job_id)
        if live is not None and event.scene is not None:
            scene = live.scenes.setdefault(event.scene, SceneState())
            scene.status = "done" if event.status == "done" else event.stage
            scene.attempts = max(scene.attempts, event.attempt or 0)
        if event.cached is not None:
            self.metrics.scene_rendered(
                "cached" if event.cached else "rendered", event.seconds or 0
            )
        if event.status == "retry":
            self.metrics.retry()
        elif event.status == "fixing":
            self.metrics.fix_round()
        elif event.stage == "fallback":
            self.metrics.fallback(event.message.split(":", 1)[0])
        self.events.publish(
            job_id, {"type": "progress", "progress": round(fraction, 4), **event.model_dump()}
        )

    def _finish(self, job: JobRecord) -> None:
        """Publish the terminal event and send the webhook, once per job end."""
        if job.result and job.result.get("usage"):
            self.metrics.model_usage(UsageReport.model_validate(job.result["usage"]))
        self.events.publish(
            job.id, {"type": job.status, "job_id": job.id, "error": job.error, "result": job.result}
        )
        callback = JobSpec.model_validate(job.request).callback_url
        if callback:
            payload = {
                "job_id": job.id,
                "status": job.status,
                "error": job.error,
                "result": job.result,
            }
            task = asyncio.create_task(
                deliver(callback, payload, self._webhook_secret, attempts=self._webhook_attempts)
            )
            self._background.add(task)
            task.add_done_callback(self._background.discard)
