"""Counts for an operator: jobs by kind and status, stored versions, cache and disk use."""

from __future__ import annotations

from typing import Any, get_args

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from tools.store.artifacts import ArtifactStore
from tools.store.records import ACTIVE_STATUSES, JobKind, JobStatus
from tools.store.tables import Job, Project, ProjectVersion, RenderCacheEntry, SceneVersion

__all__ = ["count_artifacts", "count_rows"]


def count_rows(session: Session) -> dict[str, Any]:
    """The database half of `Store.stats`; every kind and status is present, zeros included."""
    jobs = {kind: dict.fromkeys(get_args(JobStatus), 0) for kind in get_args(JobKind)}
    for kind, status, count in session.execute(
        select(Job.kind, Job.status, func.count()).group_by(Job.kind, Job.status)
    ):
        jobs[kind][status] = count
    stages: dict[str, int] = {}
    for stage, count in session.execute(
        select(Job.stage, func.count())
        .where(Job.status.in_(ACTIVE_STATUSES))
        .group_by(Job.stage)
        .order_by(Job.stage)
    ):
        stages[stage or "queued"] = count
    return {
        "jobs": jobs,
        "active_jobs": sum(stages.values()),
        "active_jobs_by_stage": stages,
        "projects": _count(session, Project.id),
        "project_versions": _count(session, ProjectVersion.id),
        "scene_versions": _count(session, SceneVersion.id),
        "fallbacks": _count(session, SceneVersion.id, SceneVersion.fallback_used.is_(True)),
        "render_cache_entries": _count(session, RenderCacheEntry.key),
    }


async def count_artifacts(artifacts: ArtifactStore) -> dict[str, int]:
    """The artifact half of `Store.stats`: every stored artifact and its bytes."""
    sizes = [found.size async for found in artifacts.scan() if found.key is not None]
    return {"artifacts": len(sizes), "artifact_bytes": sum(sizes)}


def _count(session: Session, column: InstrumentedAttribute[Any], *where: Any) -> int:
    return session.scalar(select(func.count(column)).where(*where)) or 0
