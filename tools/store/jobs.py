"""Job rows: created queued, then moved along by the worker until a terminal status."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from tools.store.errors import InvalidTransitionError, RecordNotFoundError
from tools.store.inputs import JobChanges
from tools.store.projects import visible_project
from tools.store.records import TERMINAL_STATUSES, JobKind, JobStatus
from tools.store.tables import Job, new_id, utcnow

__all__ = [
    "add_job",
    "change_job",
    "count_jobs",
    "delete_finished_jobs",
    "find_by_idempotency",
    "find_jobs",
    "get_job",
    "lock_job",
]

_RESUMABLE: frozenset[str] = frozenset({"failed", "cancelled"})
_RESTARTED: frozenset[str] = frozenset({"queued", "running"})


def add_job(
    session: Session,
    kind: JobKind,
    project_id: str | None,
    request: Mapping[str, Any],
    *,
    job_id: str | None,
    owner: str | None,
    idempotency_key: str | None,
) -> Job:
    """Insert a queued job; an edit must name a project that exists and `owner` may see."""
    if kind == "edit" and (
        project_id is None or visible_project(session, project_id, owner) is None
    ):
        raise RecordNotFoundError(f"an edit job needs an existing project, got {project_id!r}")
    now = utcnow()
    job = Job(
        id=job_id or new_id(),
        kind=kind,
        project_id=project_id or new_id(),
        status="queued",
        stage=None,
        progress=0.0,
        message="",
        request=dict(request),
        error=None,
        result=None,
        owner=owner,
        idempotency_key=idempotency_key,
        created_at=now,
        updated_at=now,
    )
    session.add(job)
    session.flush()
    return job


def lock_job(session: Session, job_id: str) -> Job:
    """The job's row, locked until the transaction ends, so a check of its status and
    the change that follows cannot interleave with another writer.

    Raises:
        RecordNotFoundError: no such job.
    """
    job = session.get(Job, job_id, with_for_update=True)
    if job is None:
        raise RecordNotFoundError(f"no job {job_id!r}")
    return job


def change_job(job: Job, changes: JobChanges) -> Job:
    """Apply validated changes to a locked job and stamp `updated_at`.

    Raises:
        InvalidTransitionError: the job is finished and this is not a resume.
    """
    _check_transition(job.status, changes.get("status"))
    for name, value in changes.items():
        setattr(job, name, value)
    job.updated_at = utcnow()
    return job


def _check_transition(current: str, target: str | None) -> None:
    if current not in TERMINAL_STATUSES:
        return
    if current in _RESUMABLE and target in _RESTARTED:
        return
    raise InvalidTransitionError(
        f"the job is {current}: only a resume (failed or cancelled to queued or running)"
        " may change a finished job"
    )


def get_job(session: Session, job_id: str, owner: str | None) -> Job | None:
    """The job, if `owner` (None: anyone) may see it."""
    job = session.get(Job, job_id)
    return job if job is not None and owner in (None, job.owner) else None


def find_jobs(
    session: Session,
    status: JobStatus | None,
    project_id: str | None,
    owner: str | None,
    limit: int,
    offset: int,
) -> Sequence[Job]:
    """Jobs newest first, filtered as `_filters` says."""
    query = (
        select(Job)
        .where(*_filters(status, project_id, owner))
        .order_by(Job.created_at.desc(), Job.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return session.scalars(query).all()


def count_jobs(
    session: Session, status: JobStatus | None, project_id: str | None, owner: str | None
) -> int:
    """How many jobs `find_jobs` pages through with the same filters."""
    query = select(func.count()).select_from(Job).where(*_filters(status, project_id, owner))
    return session.scalar(query) or 0


def _filters(
    status: JobStatus | None, project_id: str | None, owner: str | None
) -> list[ColumnElement[bool]]:
    """Conditions for the filters given; None means "any"."""
    wanted = {Job.status: status, Job.project_id: project_id, Job.owner: owner}
    return [column == value for column, value in wanted.items() if value is not None]


def find_by_idempotency(session: Session, owner: str | None, key: str) -> Job | None:
    """The job `owner` created with `key`; here None means "created without an owner"."""
    same_owner = Job.owner.is_(None) if owner is None else Job.owner == owner
    return session.scalar(select(Job).where(same_owner, Job.idempotency_key == key))


def delete_finished_jobs(session: Session, finished_before: datetime, dry_run: bool) -> int:
    """Delete (or only count) terminal jobs last updated before `finished_before`."""
    condition = (Job.status.in_(sorted(TERMINAL_STATUSES)), Job.updated_at < finished_before)
    found = session.scalar(select(func.count()).select_from(Job).where(*condition)) or 0
    if found and not dry_run:
        session.execute(delete(Job).where(*condition))
    return found
