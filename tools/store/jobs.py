"""Job rows: created queued, then moved along by the worker."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tools.store.errors import RecordNotFoundError
from tools.store.inputs import JobChanges
from tools.store.records import JobKind, JobStatus
from tools.store.tables import Job, Project, new_id, utcnow

__all__ = ["add_job", "change_job", "find_jobs"]


def add_job(
    session: Session,
    kind: JobKind,
    project_id: str | None,
    request: Mapping[str, Any],
    job_id: str | None,
) -> Job:
    """Insert a queued job; an edit must name a project that exists."""
    if kind == "edit" and (project_id is None or session.get(Project, project_id) is None):
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
        created_at=now,
        updated_at=now,
    )
    session.add(job)
    session.flush()
    return job


def change_job(session: Session, job_id: str, changes: JobChanges) -> Job:
    """Apply validated changes to a job and stamp `updated_at`."""
    job = session.get(Job, job_id, with_for_update=True)
    if job is None:
        raise RecordNotFoundError(f"no job {job_id!r}")
    for name, value in changes.items():
        setattr(job, name, value)
    job.updated_at = utcnow()
    session.flush()
    return job


def find_jobs(
    session: Session, status: JobStatus | None, project_id: str | None, limit: int, offset: int
) -> Sequence[Job]:
    """Jobs newest first, optionally of one status or one project."""
    query = select(Job).order_by(Job.created_at.desc(), Job.id.desc()).limit(limit).offset(offset)
    if status is not None:
        query = query.where(Job.status == status)
    if project_id is not None:
        query = query.where(Job.project_id == project_id)
    return session.scalars(query).all()
