"""Jobs: status, result, live events, cancel and resume."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status
from fastapi.sse import EventSourceResponse, ServerSentEvent

from server.deps import Caller, CallerDep, ManagerDep, StoreDep
from server.errors import ApiError, error_responses
from server.events import TERMINAL_EVENTS
from server.jobs import NotResumable
from server.routes.submit import accepted
from server.schemas import Accepted, JobPublic, JobResult, JobsPublic, Page
from server.views import API, job_public, job_result
from tools.store import JobRecord, Store

__all__ = ["router"]

router = APIRouter(prefix=f"{API}/jobs", tags=["jobs"])

StatusFilter = Literal["queued", "running", "completed", "failed", "cancelled"]


def owned_job(store: Store, job_id: str, caller: Caller) -> JobRecord:
    """The caller's job; another key's job is as unknown as a missing one."""
    job = store.get_job(job_id)
    if job is None or job.owner != caller.owner:
        raise ApiError(404, "not_found", f"no job {job_id}")
    return job


def _owned_job(job_id: str, caller: CallerDep, store: StoreDep) -> JobRecord:
    return owned_job(store, job_id, caller)


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
    manager: ManagerDep,
    page: Annotated[Page, Query()],
    status_: Annotated[StatusFilter | None, Query(alias="status")] = None,
) -> JobsPublic:
    """The caller's jobs, newest first."""
    jobs = store.list_jobs(
        status_, owner=caller.owner, limit=page.page_size, offset=(page.page - 1) * page.page_size
    )
    return JobsPublic(
        data=[job_public(job, manager.live(job.id)) for job in jobs],
        count=store.count_jobs(status=status_, owner=caller.owner),
    )


@router.get("/{job_id}", response_model=JobPublic, responses=error_responses(401, 404, 429))
async def get_job(
    job_id: str, caller: CallerDep, store: StoreDep, manager: ManagerDep
) -> JobPublic:
    """Status, stage, progress and each scene's state."""
    return job_public(owned_job(store, job_id, caller), manager.live(job_id))


@router.get(
    "/{job_id}/result", response_model=JobResult, responses=error_responses(401, 404, 409, 429)
)
async def get_result(job_id: str, caller: CallerDep, store: StoreDep) -> JobResult:
    """The finished job's video, scenes, versions and durations."""
    job = owned_job(store, job_id, caller)
    project = store.get_project(job.project_id)
    if job.status != "completed" or job.result is None or project is None:
        raise ApiError(409, "not_finished", f"job {job_id} is {job.status}, not completed")
    return job_result(job, project)


@router.get(
    "/{job_id}/events",
    response_class=JobEventStream,
    responses=error_responses(401, 404, 429),
)
async def job_events(
    owned: OwnedJobDep, store: StoreDep, manager: ManagerDep
) -> AsyncIterator[ServerSentEvent]:
    """Server-sent events: the current state first, then progress, then a terminal event."""
    with manager.events.subscribe(owned.id) as subscription:
        job = store.get_job(owned.id)
        assert job is not None
        state = job_public(job, manager.live(job.id))
        yield ServerSentEvent(event="state", data=state.model_dump(mode="json"))
        if job.status in TERMINAL_EVENTS:
            yield ServerSentEvent(event=job.status, data={"job_id": job.id, "error": job.error})
            return
        async for event in subscription.events():
            yield ServerSentEvent(event=event["type"], data=event)


@router.delete("/{job_id}", response_model=JobPublic, responses=error_responses(401, 404, 409, 429))
async def cancel_job(
    job_id: str, caller: CallerDep, store: StoreDep, manager: ManagerDep
) -> JobPublic:
    """Cancel: running renders are killed and no half-written version remains."""
    job = owned_job(store, job_id, caller)
    if job.status not in ("queued", "running"):
        raise ApiError(409, "not_cancellable", f"job {job_id} is already {job.status}")
    return job_public(await manager.cancel(job_id), None)


@router.post(
    "/{job_id}/resume",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses=error_responses(401, 404, 409, 429),
)
async def resume_job(
    job_id: str, caller: CallerDep, store: StoreDep, manager: ManagerDep
) -> Accepted:
    """Continue a failed or cancelled job from its last checkpoint."""
    owned_job(store, job_id, caller)
    try:
        job = await manager.resume(job_id)
    except NotResumable as exc:
        raise ApiError(409, "not_resumable", str(exc)) from exc
    return accepted(job)
