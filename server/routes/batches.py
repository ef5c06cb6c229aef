"""Batches: many generate jobs submitted at once, all or none, and their status as one.

Each member is an ordinary job (status, events, result, cancel and resume work on it as
on any other); the batch only remembers which jobs it made.
"""

from __future__ import annotations

from typing import get_args

from fastapi import APIRouter, status

from graphs.jobs import ACTIVE_STATUSES, COMPLETED, QUEUED
from server.batch_schemas import BatchBody, BatchMemberPublic, BatchPublic, BatchStatus
from server.deps import CallerDep, ManagerDep, StoreDep
from server.errors import ApiError, error_responses
from server.jobs import TooManyJobs
from server.routes.assets import job_assets
from server.routes.submit import generate_spec
from server.views import API
from tools.store import JobStatus
from tools.store.records import BatchRecord

__all__ = ["router"]

router = APIRouter(prefix=f"{API}/batches", tags=["batches"])


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=BatchPublic,
    responses=error_responses(400, 401, 404, 429),
)
async def create_batch(
    body: BatchBody, caller: CallerDep, manager: ManagerDep, store: StoreDep
) -> BatchPublic:
    """Queue every generate request of the batch as its own job, or none of them: one
    request that POST /api/v1/generate would refuse refuses the batch, naming it."""
    specs = []
    for index, member in enumerate(body.jobs):
        try:
            assets = await job_assets(store, member.assets, caller.owner)
            specs.append(generate_spec(member, assets, manager.room.models.render))
        except ApiError as exc:
            raise ApiError(exc.status, exc.error_code, f"jobs[{index}]: {exc.detail}") from exc
    try:
        batch = await manager.submit_batch(specs, owner=caller.owner)
    except TooManyJobs as exc:
        raise ApiError(429, "too_many_jobs", str(exc)) from exc
    return batch_public(batch)


@router.get("/{batch_id}", response_model=BatchPublic, responses=error_responses(401, 404, 429))
async def get_batch(batch_id: str, caller: CallerDep, store: StoreDep) -> BatchPublic:
    """The batch's jobs and their statuses, counted and averaged."""
    batch = await store.get_batch(batch_id)
    if batch is None or batch.owner != caller.owner:
        raise ApiError(404, "not_found", f"no batch {batch_id}")
    return batch_public(batch)


def batch_public(batch: BatchRecord) -> BatchPublic:
    """The batch's member jobs as they are now, and what they add up to."""
    counts: dict[JobStatus, int] = dict.fromkeys(get_args(JobStatus), 0)
    for job in batch.jobs:
        counts[job.status] += 1
    jobs = [
        BatchMemberPublic(
            job_id=job.id,
            project_id=job.project_id,
            status=job.status,
            progress=job.progress,
            status_url=f"{API}/jobs/{job.id}",
        )
        for job in batch.jobs
    ]
    return BatchPublic(
        batch_id=batch.id,
        created_at=batch.created_at,
        status=_overall(counts, len(batch.jobs)),
        progress=sum(job.progress for job in batch.jobs) / len(batch.jobs) if batch.jobs else 1.0,
        counts=counts,
        jobs=jobs,
        status_url=f"{API}/batches/{batch.id}",
    )


def _overall(counts: dict[JobStatus, int], total: int) -> BatchStatus:
    if total and counts[QUEUED] == total:
        return "queued"
    if any(counts[active] for active in ACTIVE_STATUSES):
        return "running"
    return "completed" if counts[COMPLETED] == total else "failed"
