"""Job rows: created queued, claimed by one runner at a time, moved along the status
table in `records` until a terminal status.

Ownership is a lease: a runner claims a job for a while and renews the claim while
it works; once the lease expires, another runner may claim the job and resume it
from its checkpoint. A check of a job's status or lease and the change that follows
either happen on the row locked for the transaction (`lock_job`), or are one UPDATE
whose WHERE clause is the check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.orm import Session

from tools.store.errors import InvalidTransitionError, RecordNotFoundError
from tools.store.inputs import JobChanges, ProjectFields
from tools.store.projects import insert_project, visible_project
from tools.store.records import (
    ACTIVE_STATUSES,
    QUEUED,
    RUNNING,
    TERMINAL_STATUSES,
    TRANSITIONS,
    JobKind,
    JobProgress,
    JobStatus,
    can_transition,
)
from tools.store.tables import Job, Project, new_id, utcnow

__all__ = [
    "add_job",
    "change_job",
    "claim",
    "claimable",
    "count_jobs",
    "delete_finished_jobs",
    "find_by_idempotency",
    "find_jobs",
    "get_job",
    "lock_job",
    "renew",
    "write_progress",
]


def add_job(
    session: Session,
    kind: JobKind,
    project_id: str | None,
    request: Mapping[str, Any],
    *,
    job_id: str | None,
    owner: str | None,
    idempotency_key: str | None,
    project: ProjectFields | None,
) -> Job:
    """Insert a queued job; an edit must name a project that exists and `owner` may see.

    A generate job given `project` also inserts that project, owned by `owner` and
    "generating", unless a project with its id exists: so the project is listed from
    the moment its job is, and a failed job leaves it visible as failed.
    """
    if kind == "edit":
        if project is not None:
            raise ValueError("only a generate job creates its project")
        if project_id is None or visible_project(session, project_id, owner) is None:
            raise RecordNotFoundError(f"an edit job needs an existing project, got {project_id!r}")
    elif project is not None:
        if project_id not in (None, project.id):
            raise ValueError(f"project {project.id!r} is not the job's project {project_id!r}")
        project_id = project.id
        if session.get(Project, project_id) is None:
            insert_project(session, project, owner, "generating")
    now = utcnow()
    job = Job(
        id=job_id or new_id(),
        kind=kind,
        project_id=project_id or new_id(),
        status=QUEUED,
        stage=None,
        progress=0.0,
        message="",
        progress_state=JobProgress(),
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
    the change that follows cannot interleave with another writer (PostgreSQL:
    `SELECT ... FOR UPDATE`; SQLite: the store's writes begin `IMMEDIATE`).

    Raises:
        RecordNotFoundError: no such job.
    """
    job = session.get(Job, job_id, with_for_update=True)
    if job is None:
        raise RecordNotFoundError(f"no job {job_id!r}")
    return job


def change_job(job: Job, changes: JobChanges) -> Job:
    """Apply validated changes to a locked job and stamp `updated_at`. A job that
    becomes queued or terminal lets go of its lease: nobody works on it any more.

    Raises:
        InvalidTransitionError: `records.TRANSITIONS` forbids the change of status.
    """
    current = job.status
    target = changes.get("status", current)
    if not can_transition(current, target):
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "nothing, it is finished"
        raise InvalidTransitionError(
            f"the job is {current} and cannot become {target} (it may become: {allowed})"
        )
    for name, value in changes.items():
        setattr(job, name, value)
    if target == QUEUED or target in TERMINAL_STATUSES:
        job.lease_owner = job.lease_expires_at = None
    job.updated_at = utcnow()
    return job


def claim(session: Session, job_id: str, runner: str, lease: timedelta) -> Job | None:
    """Make `runner` the job's runner until now + `lease` and mark it running, if it is
    queued or running and nobody else holds a live lease; None (nothing changed) if not.

    Raises:
        RecordNotFoundError: no such job.
    """
    job = lock_job(session, job_id)
    now = utcnow()
    taken = (
        job.lease_owner not in (None, runner)
        and job.lease_expires_at is not None
        and job.lease_expires_at > now
    )
    if job.status not in ACTIVE_STATUSES or taken:
        return None
    job.status = RUNNING
    job.lease_owner = runner
    job.lease_expires_at = now + lease
    job.updated_at = now
    return job


def renew(session: Session, job_id: str, runner: str, lease: timedelta) -> bool:
    """Extend `runner`'s lease to now + `lease`, if the job is running and still its."""
    now = utcnow()
    return _update_running(session, job_id, runner, lease_expires_at=now + lease, updated_at=now)


def write_progress(
    session: Session, job_id: str, runner: str | None, progress: JobProgress
) -> bool:
    """Store the folded progress and its summary columns, if the job is running (and,
    given a `runner`, still its); False changes nothing."""
    return _update_running(
        session,
        job_id,
        runner,
        progress_state=progress,
        stage=progress.stage,
        progress=progress.fraction,
        message=progress.message,
        updated_at=utcnow(),
    )


def _update_running(session: Session, job_id: str, runner: str | None, **values: Any) -> bool:
    """One UPDATE guarded by its WHERE clause: on PostgreSQL a concurrent writer's change
    is waited for and the condition re-checked, so no lock is taken beforehand."""
    conditions = [Job.id == job_id, Job.status == RUNNING]
    if runner is not None:
        conditions.append(Job.lease_owner == runner)
    statement = update(Job).where(*conditions).values(**values).returning(Job.id)
    return session.scalar(statement, execution_options={"synchronize_session": False}) is not None


def claimable(session: Session, limit: int) -> Sequence[Job]:
    """Queued or running jobs nobody holds a live lease on, oldest first: what a runner
    starting up (or looking for orphans) should claim."""
    query = (
        select(Job)
        .where(
            Job.status.in_(sorted(ACTIVE_STATUSES)),
            or_(Job.lease_expires_at.is_(None), Job.lease_expires_at <= utcnow()),
        )
        .order_by(Job.created_at, Job.id)
        .limit(limit)
    )
    return session.scalars(query).all()


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
