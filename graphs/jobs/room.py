"""The job room: submit, claim, run, resume and cancel jobs. The one run path of every
entry point (CLI, API server, eval harness), always with a checkpointer.

A runner claims a job with a lease in the database and renews it while it works, so two
processes on one database never run one job at once; when a runner dies its lease expires
and any other runner resumes the job from its checkpoint, skipping finished scenes.

Every change the room writes to a job row (claim, saved progress, end, cancel, resume)
is then published on the room's event channel, so readers in other processes follow it
live; the row stays the truth.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import StateGraph

from agents.calls import ProviderError
from agents.config import ModelConfig, load_model_config
from agents.models import ModelFactory
from agents.usage import UsageMeter
from graphs.errors import JobError, NotFound
from graphs.events import ProgressEvent
from graphs.jobs.checkpoints import open_checkpointer
from graphs.jobs.context import build_context
from graphs.jobs.progress import ProgressSaver, fold
from graphs.jobs.summary import JobOutcome, JobSummary, project_summary
from graphs.limits import Limits
from graphs.requests import EditRequest, GenerateRequest, JobRequest, JobSpec
from graphs.video import build_video_graph
from tools.events import JobEvent, JobEvents, NoJobEvents
from tools.store import (
    ACTIVE_STATUSES,
    CANCELLED,
    COMPLETED,
    FAILED,
    QUEUED,
    RESUMABLE_STATUSES,
    RUNNING,
    JobProgress,
    JobRecord,
    ProjectFields,
    StageTiming,
    Store,
    new_id,
)
from tools.store.batches import BatchMember
from tools.store.records import BatchRecord

__all__ = [
    "CANCELLED_ON_REQUEST",
    "EventHandler",
    "JobBusy",
    "JobCancelled",
    "JobRoom",
    "NotResumable",
    "ProjectBusy",
    "default_lease",
]

log = logging.getLogger("manimgraph.jobs")

RECURSION_LIMIT = 200
CANCELLED_ON_REQUEST = "cancelled on request"
EventHandler = Callable[[ProgressEvent, JobProgress], None]


def default_lease() -> timedelta:
    """How long a claim lasts without renewal (`MANIMGRAPH_LEASE_SECONDS`, default 30)."""
    return timedelta(seconds=float(os.environ.get("MANIMGRAPH_LEASE_SECONDS", "30")))


def _runner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class JobBusy(JobError):
    """Another runner holds the job's lease."""


class JobCancelled(JobError):
    """The job was cancelled (from any process) while this runner ran it."""


class NotResumable(JobError):
    """Only failed or cancelled jobs can be resumed."""


class ProjectBusy(JobError):
    """Another job is changing the same project."""


def new_project(request: GenerateRequest, owner: str | None) -> ProjectFields:
    """The fields of the project a generate job creates, `generating` from its submission."""
    return ProjectFields(
        id=new_id(),
        title=request.prompt[:80],
        prompt=request.prompt,
        style=request.style,
        quality=request.quality,
        owner=owner,
    )


@dataclass
class JobRoom:
    """Where jobs live: the store, the checkpointer and this process's runner identity.

    Example:
        >>> async with JobRoom.open(Path(".demo")) as room:
        ...     job = await room.submit(JobSpec(request=GenerateRequest(prompt="Bayes")))
        ...     summary = await room.run(job.id)
    """

    store: Store
    checkpointer: BaseCheckpointSaver
    models: ModelConfig = field(default_factory=load_model_config)
    render_slots: asyncio.Semaphore = field(
        default_factory=lambda: asyncio.Semaphore(os.cpu_count() or 1)
    )
    lease: timedelta = field(default_factory=default_lease)
    runner_id: str = field(default_factory=_runner_id)
    graph: StateGraph | None = None
    """Replaces the standard video graph (see `build_video_graph`)."""
    events: JobEvents = field(default_factory=NoJobEvents)
    """Where each change of a job is announced after it is written (Redis when configured)."""

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        data_dir: Path,
        *,
        database_url: str | None = None,
        artifacts_url: str | None = None,
        **options: Any,
    ) -> AsyncIterator[JobRoom]:
        """Open the store (see `Store.open`) and its checkpointer; `options` set the other
        fields."""
        store = await Store.open(data_dir, database_url=database_url, artifacts_url=artifacts_url)
        try:
            async with open_checkpointer(store.data_dir, database_url) as saver:
                yield cls(store=store, checkpointer=saver, **options)
        finally:
            await store.close()

    async def submit(
        self,
        spec: JobSpec,
        *,
        owner: str | None = None,
        idempotency_key: str | None = None,
    ) -> JobRecord:
        """Record a queued job. A generate job's project exists at once, as `generating`.

        Raises:
            NotFound: the edit names an unknown project or scene (nothing is written).
            ProjectBusy: another job is changing the edit's project.
        """
        request = spec.request
        stored = spec.model_dump(mode="json")
        if isinstance(request, EditRequest):
            await self.check_scene(request.project_id, request.scene_number, owner=owner)
            await self.check_idle(request.project_id)
            return await self.store.create_job(
                "edit", request.project_id, stored, owner=owner, idempotency_key=idempotency_key
            )
        project = new_project(request, owner)
        return await self.store.create_job(
            "generate",
            project.id,
            stored,
            owner=owner,
            idempotency_key=idempotency_key,
            project=project,
        )

    async def submit_batch(self, specs: Sequence[JobSpec], *, owner: str | None) -> BatchRecord:
        """Record one queued generate job per spec, each creating its project, and the batch
        naming them, in one transaction: a failure writes nothing.

        Raises:
            ValueError: a spec that is not a generate request.
        """
        members = []
        for spec in specs:
            if not isinstance(spec.request, GenerateRequest):
                raise ValueError("a batch holds generate requests only")
            project = new_project(spec.request, owner)
            members.append(BatchMember(request=spec.model_dump(mode="json"), project=project))
        return await self.store.create_batch(members, owner=owner)

    async def check_scene(self, project_id: str, number: int, *, owner: str | None) -> None:
        """Raise NotFound naming what is missing: the project, or its scene."""
        if await self.store.get_project(project_id, owner=owner) is None:
            raise NotFound(f"no project {project_id}")
        if await self.store.scene_version(project_id, number, owner=owner) is None:
            raise NotFound(f"project {project_id} has no scene {number}")

    async def check_idle(self, project_id: str) -> None:
        """Raise ProjectBusy while a queued or running job changes the project."""
        for status in ACTIVE_STATUSES:
            if await self.store.count_jobs(status=status, project_id=project_id):
                raise ProjectBusy(f"another job is changing project {project_id}")

    async def run(
        self,
        job_id: str,
        *,
        on_event: EventHandler | None = None,
        factory: ModelFactory | None = None,
    ) -> JobSummary:
        """Claim the job and run it to its end, from its checkpoint when it has one.

        `on_event` sees each progress event with the folded progress; `factory` replaces
        the models built from the configuration and the job's spec.

        Raises:
            NotFound: no such job.
            NotResumable: the job already ended (resume it first).
            JobBusy: another runner's lease on the job is alive.
            JobCancelled: the job was cancelled while it ran.
            JobError | ProviderError: the job failed; its row says why.
        """
        job = await self.store.claim_job(job_id, self.runner_id, self.lease)
        if job is None:
            current = await self.store.get_job(job_id)
            if current is None:
                raise NotFound(f"no job {job_id}")
            if current.status not in ACTIVE_STATUSES:
                raise NotResumable(f"job {job_id} is {current.status}")
            raise JobBusy(
                f"job {job_id} is being run by {current.lease_owner} "
                f"(lease until {current.lease_expires_at:%H:%M:%S} UTC)"
                if current.lease_expires_at
                else f"job {job_id} is being run by {current.lease_owner}"
            )
        await self._announce(job)
        return await self._run_claimed(job, on_event, factory)

    async def run_request(
        self,
        request: JobRequest,
        *,
        limits: Limits | None = None,
        on_event: EventHandler | None = None,
        factory: ModelFactory | None = None,
    ) -> JobSummary:
        """Submit and run a generate or edit job in one call (notebooks and scripts).

        Raises the errors of `submit` and `run`.
        """
        limits = limits or Limits(budget=self.models.budget)
        spec = JobSpec(request=request, models=self.models.roles, limits=limits)
        job = await self.submit(spec)
        return await self.run(job.id, on_event=on_event, factory=factory)

    async def resume(self, job_id: str) -> JobRecord:
        """Queue a failed or cancelled job again, to continue from its last checkpoint.

        Raises:
            NotFound: no such job.
            NotResumable: the job is not failed or cancelled.
        """
        job = await self.store.transition_job(
            job_id, RESUMABLE_STATUSES, status=QUEUED, error=None, stage="resuming"
        )
        await self._announce(job)
        if job is None:
            current = await self.store.get_job(job_id)
            if current is None:
                raise NotFound(f"no job {job_id}")
            if current.status in ACTIVE_STATUSES:
                return current
            raise NotResumable(f"job {job_id} is {current.status}, not failed or cancelled")
        return job

    async def cancel(self, job_id: str) -> JobRecord | None:
        """Mark a queued or running job cancelled; its runner, in whatever process, stops.

        Returns the cancelled job, or None if it was not queued or running.
        """
        job = await self.store.transition_job(
            job_id, ACTIVE_STATUSES, status=CANCELLED, error=CANCELLED_ON_REQUEST
        )
        await self._announce(job)
        return job

    async def orphans(self) -> list[JobRecord]:
        """Jobs nobody runs: running with an expired lease, or queued for longer than a lease."""
        stale = datetime.now(UTC) - self.lease
        return [
            job
            for job in await self.store.claimable_jobs()
            if job.status == RUNNING or job.updated_at < stale
        ]

    async def has_checkpoint(self, job_id: str) -> bool:
        """Whether the job has a checkpoint to resume from."""
        config: Any = {"configurable": {"thread_id": job_id}}
        return await self.checkpointer.aget_tuple(config) is not None

    async def _run_claimed(
        self, job: JobRecord, on_event: EventHandler | None, factory: ModelFactory | None
    ) -> JobSummary:
        spec = JobSpec.model_validate(job.request)
        spent = JobOutcome.of(job).usage if job.result else None
        ctx = build_context(
            spec, self.store, self.models, render_slots=self.render_slots, factory=factory
        )
        meter = UsageMeter(ctx.limits.budget, spent=spent)
        ctx = replace(ctx, usage=meter)
        app = (self.graph or build_video_graph()).compile(checkpointer=self.checkpointer)
        config: Any = {
            "configurable": {"thread_id": job.id},
            "recursion_limit": RECURSION_LIMIT,
            "callbacks": [meter],
        }
        resume = await self.has_checkpoint(job.id)
        start = (
            None
            if resume
            else {
                "request": spec.request,
                "job_id": job.id,
                "project_id": job.project_id,
                "owner": job.owner,
            }
        )
        progress = job.progress_state
        saver = ProgressSaver(lambda p: self._save_progress(job.id, p))
        lost: list[str] = []
        keeper = asyncio.create_task(self._keep_lease(job.id, asyncio.current_task(), lost))
        try:
            async for part in app.astream(
                start,
                config,
                context=ctx,
                stream_mode=["custom"],
                subgraphs=True,
                version="v2",
                durability="sync",
            ):
                event = ProgressEvent.model_validate(part["data"])
                progress = fold(progress, event)
                await saver.offer(progress)
                if on_event is not None:
                    on_event(event, progress)
            await saver.flush()
            touched = {spec.request.scene_number} if isinstance(spec.request, EditRequest) else None
            summary = await project_summary(self.store, job.project_id, touched=touched)
        except asyncio.CancelledError:
            await self._interrupted(job, lost)
            raise
        except Exception as exc:
            await saver.flush()
            await self._failed(job, exc, meter)
            raise
        finally:
            keeper.cancel()
            with suppress(asyncio.CancelledError):
                await keeper
        usage = meter.report()
        await self._save_progress(job.id, _finished(progress))
        completed = await self.store.transition_job(
            job.id,
            (RUNNING,),
            runner=self.runner_id,
            status=COMPLETED,
            result=JobOutcome(usage=usage, summary=summary).model_dump(mode="json"),
        )
        await self._announce(completed)
        return summary.model_copy(update={"usage": usage})

    async def _save_progress(self, job_id: str, progress: JobProgress) -> bool:
        """Store the fold on the row, then announce it; only what the row took is sent."""
        saved = await self.store.save_progress(job_id, self.runner_id, progress)
        if saved:
            await self.events.publish(JobEvent.running(job_id, progress))
        return saved

    async def _announce(self, job: JobRecord | None) -> None:
        """Publish a change just written to the job row (None: nothing was written)."""
        if job is not None:
            await self.events.publish(JobEvent.of(job))

    async def _keep_lease(
        self, job_id: str, task: asyncio.Task[Any] | None, lost: list[str]
    ) -> None:
        """Renew the lease every third of its length; stop the run when it is lost."""
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            try:
                renewed = await self.store.renew_lease(job_id, self.runner_id, self.lease)
            except Exception:
                log.exception("renewing the lease of job %s failed; trying again", job_id)
                continue
            if not renewed:
                current = await self.store.get_job(job_id)
                cancelled = current is not None and current.status == CANCELLED
                lost.append(
                    CANCELLED_ON_REQUEST if cancelled else "another runner took the job over"
                )
                if task is not None:
                    task.cancel()
                return

    async def _interrupted(self, job: JobRecord, lost: list[str]) -> None:
        """A stopped run: cancelled elsewhere or taken over (say so), or interrupted here
        (hand the job back as queued, so any runner resumes it)."""
        if lost:
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            raise JobCancelled(f"job {job.id}: {lost[0]}")
        await asyncio.shield(self._requeue(job))

    async def _requeue(self, job: JobRecord) -> None:
        await self._announce(
            await self.store.transition_job(
                job.id, (RUNNING,), runner=self.runner_id, status=QUEUED, message="interrupted"
            )
        )

    async def _failed(self, job: JobRecord, exc: Exception, meter: UsageMeter) -> None:
        clear = isinstance(exc, JobError | ProviderError)
        message = str(exc) if clear else f"{type(exc).__name__}: {exc}"
        failed = await self.store.transition_job(
            job.id,
            (RUNNING,),
            runner=self.runner_id,
            status=FAILED,
            error=message or type(exc).__name__,
            result=JobOutcome(usage=meter.report()).model_dump(mode="json"),
        )
        if job.kind == "generate":
            await self.store.set_project_status(job.project_id, "failed")
        await self._announce(failed)


def _finished(progress: JobProgress) -> JobProgress:
    """The fold of a completed job: every stage closed, fraction 1."""
    now = datetime.now(UTC)
    stages = [
        stage if stage.ended_at else stage.model_copy(update={"ended_at": now})
        for stage in progress.stages
    ]
    stages.append(StageTiming(stage="done", started_at=now, ended_at=now))
    return progress.model_copy(
        update={"stage": "done", "fraction": 1.0, "message": "done", "stages": tuple(stages)}
    )
