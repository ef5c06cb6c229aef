"""Jobs: status, result, live events, cancel and resume."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from fastapi.sse import EventSourceResponse, ServerSentEvent

from graphs.jobs import (
    ACTIVE_STATUSES,
    COMPLETED,
    TERMINAL_STATUSES,
    JobRecord,
    JobStatus,
    NotResumable,
)
from server.deps import Caller, CallerDep, EventsDep, ManagerDep, StoreDep
from server.errors import ApiError, error_responses
from server.files import MEDIA, RangeHeader, artifact_response, file_responses
from server.job_feed import job_states
from server.routes.submit import accepted
from server.schemas import Accepted, JobPublic, JobResult, JobsPublic, Page
from server.views import API, finished_body, job_public, job_result
from tools.store import Store

__all__ = ["router"]

router = APIRouter(prefix=f"{API}/jobs", tags=["jobs"])


async def owned_job(store: Store, job_id: str, caller: Caller) -> JobRecord:
    """The caller's job; another key's job is as unknown as a missing one."""
    job = await store.get_job(job_id)
    if job is None or job.owner != caller.owner:
        raise ApiError(404, "not_found", f"no job {job_id}")
    return job


async def _owned_job(job_id: str, caller: CallerDep, store: StoreDep) -> JobRecord:
    return await owned_job(store, job_id, caller)


OwnedJobDep = Annotated[JobRecord, Depends(_owned_job)]
"""The caller's job, looked up before a streaming route starts sending its 200."""


class JobEventStream(EventSourceResponse):
    """The SSE route's class, leaving error answers documented as the JSON they are.

    FastAPI files declared error models under the route class's media type; unset, they go
    under application/json. The stream itself is still sent as text/event-stream.
    """

    media_type = None  # type: ignore[assignment]  # see the docstring


@router.get("", response_model=JobsPublic, responses=error_responses(401, 429))
async def list_jobs(
    caller: CallerDep,
    store: StoreDep,
    page: Annotated[Page, Query()],
    status_: Annotated[JobStatus | None, Query(alias="status")] = None,
) -> JobsPublic:
    """The caller's jobs, newest first."""
    jobs = await store.list_jobs(
        status_, owner=caller.owner, limit=page.page_size, offset=(page.page - 1) * page.page_size
    )
    return JobsPublic(
        data=[job_public(job) for job in jobs],
        count=await store.count_jobs(status=status_, owner=caller.owner),
    )


@router.get("/{job_id}", response_model=JobPublic, responses=error_responses(401, 404, 429))
async def get_job(owned: OwnedJobDep) -> JobPublic:
    """Status, stage, progress and each scene's state."""
    return job_public(owned)


@router.get(
    "/{job_id}/result", response_model=JobResult, responses=error_responses(401, 404, 409, 429)
)
async def get_result(owned: OwnedJobDep, store: StoreDep, manager: ManagerDep) -> JobResult:
    """The finished job's video, scenes, versions and durations."""
    if owned.status != COMPLETED:
        raise ApiError(409, "not_finished", f"job {owned.id} is {owned.status}, not completed")
    result = job_result(owned, await store.get_project(owned.project_id), manager.room.models)
    if result is None:
        raise ApiError(
            409, "result_gone", f"job {owned.id} completed, but its project has been deleted"
        )
    return result


@router.get(
    "/{job_id}/events",
    response_class=JobEventStream,
    responses=error_responses(401, 404, 429),
)
async def job_events(
    owned: OwnedJobDep,
    store: StoreDep,
    manager: ManagerDep,
    events: EventsDep,
    last_event_id: Annotated[
        str | None,
        Header(
            alias="Last-Event-ID",
            description="Continue after this event (sent by EventSource on reconnect).",
        ),
    ] = None,
) -> AsyncIterator[ServerSentEvent]:
    """Server-sent events, so any server process can stream any job: `state` (the job now),
    `progress` (each change of the folded progress), then one terminal event named after
    the final status, whose data holds the result's URLs. With Redis they follow the job's
    event channel, and their ids let a reconnect continue; else they follow the job row."""
    shown: dict[str, object] | None = None
    async for job, event_id in job_states(owned, store, events, last_event_id):
        public = job_public(job).model_dump(mode="json")
        changed = {**public, "estimated_completion": None}
        if shown != changed:
            yield ServerSentEvent(event="progress" if shown else "state", data=public, id=event_id)
            shown = changed
        if job.status in TERMINAL_STATUSES:
            project = await store.get_project(job.project_id)
            body = finished_body(job, project, manager.room.models)
            yield ServerSentEvent(event=job.status, data=body.model_dump(mode="json"), id=event_id)
            return


@router.get(
    "/{job_id}/scenes/{number}/video",
    response_class=Response,
    responses=file_responses(MEDIA["video"]),
)
async def scene_clip(
    owned: OwnedJobDep,
    number: int,
    request: Request,
    store: StoreDep,
    byte_range: RangeHeader = None,
) -> Response:
    """A scene's clip as soon as it is rendered, before the job (and its version) ends."""
    scene = next((s for s in owned.progress_state.scenes if s.number == number), None)
    if scene is None or scene.video is None:
        raise ApiError(404, "not_found", f"scene {number} of job {owned.id} is not rendered yet")
    return await artifact_response(request, store, scene.video, MEDIA["video"], byte_range)


@router.delete("/{job_id}", response_model=JobPublic, responses=error_responses(401, 404, 409, 429))
async def cancel_job(owned: OwnedJobDep, manager: ManagerDep) -> JobPublic:
    """Cancel, whichever process runs the job: its renders are killed and no half-written
    version remains."""
    if owned.status not in ACTIVE_STATUSES:
        raise ApiError(409, "not_cancellable", f"job {owned.id} is already {owned.status}")
    return job_public(await manager.cancel(owned.id))


@router.post(
    "/{job_id}/resume",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses=error_responses(401, 404, 409, 429),
)
async def resume_job(owned: OwnedJobDep, manager: ManagerDep) -> Accepted:
    """Continue a failed or cancelled job from its last checkpoint."""
    try:
        job = await manager.resume(owned.id)
    except NotResumable as exc:
        raise ApiError(409, "not_resumable", str(exc)) from exc
    return accepted(job)
