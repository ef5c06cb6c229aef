"""Runs one job through the video graph: job row, progress, outcome. Shared by CLI and server."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import StateGraph
from pydantic import BaseModel, Field

from agents.calls import ProviderError
from agents.usage import UsageMeter, UsageReport
from graphs.context import VideoContext
from graphs.errors import JobError, NotFound
from graphs.events import ProgressEvent
from graphs.progress import ProgressTracker
from graphs.requests import EditRequest, GenerateRequest, JobSpec
from graphs.video import build_video_graph
from tools.store import JobRecord, JobStatus, Store

__all__ = [
    "ACTIVE",
    "JobSummary",
    "SceneSummary",
    "execute_job",
    "project_summary",
    "run_job",
    "submit_job",
]

RECURSION_LIMIT = 200
ACTIVE: tuple[JobStatus, ...] = ("queued", "running")
RUNNING: tuple[JobStatus, ...] = ("running",)

EventHandler = Callable[[ProgressEvent, float], None]


class SceneSummary(BaseModel):
    """One slot of a project version, as the CLI's JSON and the API report it."""

    number: int
    scene_id: str
    version: int
    video: Path
    status: Literal["rendered", "fallback", "unchanged"]
    fallback_used: bool
    fallback_reason: str | None
    layout_issues: int
    attempts: int
    repairs: list[str] = Field(default_factory=list)


class JobSummary(BaseModel):
    """The result of a finished job: the new project version and its scenes."""

    job_id: str | None = None
    project_id: str
    title: str
    version: int
    video: Path
    thumbnail: Path | None
    subtitles: Path | None
    duration: float
    scenes: list[SceneSummary]
    usage: UsageReport | None = Field(
        default=None, description="Model calls, tokens and estimated cost of the job."
    )


def project_summary(
    store: Store, project_id: str, *, touched: set[int] | None = None
) -> JobSummary:
    """Describe a project's current version; slots outside `touched` count as unchanged."""
    project = store.get_project(project_id)
    current = store.current_version(project_id)
    if project is None or current is None:
        raise NotFound(f"no project {project_id}")
    versions = {v.id: (scene, v) for scene in project.scenes for v in scene.versions}
    scenes = []
    for slot in current.slots:
        number = slot.number
        scene, version = versions[slot.scene_version_id]
        status: Literal["rendered", "fallback", "unchanged"] = "rendered"
        if version.fallback_used:
            status = "fallback"
        elif touched is not None and number not in touched:
            status = "unchanged"
        scenes.append(
            SceneSummary(
                number=number,
                scene_id=scene.id,
                version=version.version,
                video=store.artifacts.path(version.video),
                status=status,
                fallback_used=version.fallback_used,
                fallback_reason=version.fallback_reason,
                layout_issues=len((version.layout_report or {}).get("issues", [])),
                attempts=version.attempts,
                repairs=[str(repair) for repair in version.repairs],
            )
        )
    return JobSummary(
        project_id=project_id,
        title=project.title,
        version=current.version,
        video=store.artifacts.path(current.video),
        thumbnail=store.artifacts.path(current.thumbnail) if current.thumbnail else None,
        subtitles=store.artifacts.path(current.subtitles) if current.subtitles else None,
        duration=current.duration,
        scenes=scenes,
    )


def submit_job(store: Store, spec: JobSpec, **options: Any) -> JobRecord:
    """Record a queued job after checking that an edit names a stored scene.

    `options` go to `Store.create_job` (owner, idempotency key).

    Raises:
        NotFound: the edit names an unknown project or scene (nothing is written).
    """
    request = spec.request
    if isinstance(request, EditRequest):
        if store.scene_version(request.project_id, request.scene_number) is None:
            raise NotFound(f"project {request.project_id} has no scene {request.scene_number}")
        project_id = request.project_id
    else:
        project_id = uuid.uuid4().hex
    return store.create_job(request.kind, project_id, spec.model_dump(mode="json"), **options)


async def execute_job(
    job: JobRecord,
    ctx: VideoContext,
    *,
    on_event: EventHandler | None = None,
    checkpointer: BaseCheckpointSaver | None = None,
    graph: StateGraph | None = None,
    resume: bool = False,
) -> JobSummary:
    """Run a recorded job to its end; with `resume`, continue from its last checkpoint.

    Raises:
        JobError: the job failed; its row says why and no version was written.
    """
    store = ctx.store
    request = JobSpec.model_validate(job.request).request
    if store.transition_job(job.id, ACTIVE, status="running", error=None) is None:
        raise JobError(f"job {job.id} is no longer queued or running")
    app = (graph or build_video_graph()).compile(checkpointer=checkpointer)
    # A resumed job keeps counting from what it used before it stopped.
    spent = (job.result or {}).get("usage") if resume else None
    meter = UsageMeter(
        ctx.limits.budget, spent=UsageReport.model_validate(spent) if spent else None
    )
    ctx = replace(ctx, usage=meter)
    config: dict[str, Any] = {
        "configurable": {"thread_id": job.id},
        "recursion_limit": RECURSION_LIMIT,
        "callbacks": [meter],
    }
    start = (
        None
        if resume
        else {
            "request": request,
            "job_id": job.id,
            "project_id": job.project_id,
            "owner": job.owner,
        }
    )
    tracker = ProgressTracker()
    try:
        async for part in app.astream(
            start,
            config,
            context=ctx,
            stream_mode=["custom"],
            subgraphs=True,
            version="v2",
            **({"durability": "sync"} if checkpointer is not None else {}),
        ):
            event = ProgressEvent.model_validate(part["data"])
            fraction = tracker.update(event)
            store.transition_job(
                job.id, RUNNING, stage=event.stage, progress=fraction, message=event.message
            )
            if on_event is not None:
                on_event(event, fraction)
        touched = {request.scene_number} if isinstance(request, EditRequest) else None
        summary = project_summary(store, job.project_id, touched=touched)
    except BaseException as exc:
        clear = isinstance(exc, JobError | ProviderError)
        message = str(exc) if clear else f"{type(exc).__name__}: {exc}"
        status: JobStatus = "failed" if isinstance(exc, Exception) else "cancelled"
        usage = {"usage": meter.report().model_dump(mode="json")}
        store.transition_job(job.id, ACTIVE, status=status, error=message, result=usage)
        raise
    summary = summary.model_copy(update={"job_id": job.id, "usage": meter.report()})
    store.transition_job(
        job.id,
        RUNNING,
        status="completed",
        stage="done",
        progress=1.0,
        result=summary.model_dump(mode="json"),
    )
    return summary


async def run_job(
    request: GenerateRequest | EditRequest,
    ctx: VideoContext,
    *,
    on_event: EventHandler | None = None,
    checkpointer: BaseCheckpointSaver | None = None,
    graph: StateGraph | None = None,
) -> JobSummary:
    """Submit and run a generate or edit job in one call (the CLI's and notebooks' way).

    `graph` replaces the standard video graph (see `build_video_graph`).

    Raises:
        NotFound: the edit names an unknown project or scene (nothing is written).
        JobError: the job failed; its row says why and no version was written.
    """
    job = submit_job(ctx.store, JobSpec(request=request, limits=ctx.limits))
    return await execute_job(job, ctx, on_event=on_event, checkpointer=checkpointer, graph=graph)
