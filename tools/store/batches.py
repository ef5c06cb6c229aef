"""Batch rows: several generate jobs (and their projects) created in one transaction, so
a batch is written whole or not at all; reading one brings its member jobs along."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from tools.store.inputs import ProjectFields
from tools.store.jobs import add_job
from tools.store.records import BatchRecord, JobRecord
from tools.store.tables import Batch, Job, new_id, utcnow

__all__ = ["BatchMember", "add_batch", "find_batch"]


class BatchMember(BaseModel):
    """One generate job of a batch: its stored request and the project it creates."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    request: dict[str, Any]
    project: ProjectFields


def add_batch(session: Session, owner: str | None, members: Sequence[BatchMember]) -> BatchRecord:
    """Insert one queued generate job (and its `generating` project) per member, then the
    batch naming them; the caller's transaction makes it all or nothing."""
    if not members:
        raise ValueError("a batch needs at least one job")
    jobs = [
        add_job(
            session,
            "generate",
            member.project.id,
            member.request,
            job_id=None,
            owner=owner,
            idempotency_key=None,
            project=member.project,
        )
        for member in members
    ]
    batch = Batch(id=new_id(), owner=owner, job_ids=[job.id for job in jobs], created_at=utcnow())
    session.add(batch)
    session.flush()
    return _record(batch, jobs)


def find_batch(session: Session, batch_id: str, owner: str | None) -> BatchRecord | None:
    """The batch with its member jobs (those not yet cleaned up), or None (also when
    `owner` is given and did not create it)."""
    batch = session.get(Batch, batch_id)
    if batch is None or owner not in (None, batch.owner):
        return None
    rows = {job.id: job for job in session.scalars(select(Job).where(Job.id.in_(batch.job_ids)))}
    return _record(batch, [rows[job_id] for job_id in batch.job_ids if job_id in rows])


def _record(batch: Batch, jobs: Sequence[Job]) -> BatchRecord:
    return BatchRecord(
        id=batch.id,
        owner=batch.owner,
        created_at=batch.created_at,
        jobs=tuple(JobRecord.model_validate(job) for job in jobs),
    )
