"""What a finished job produced, as stored on its row and returned to Python callers.

Artifact keys, never file paths: the same record goes to the API, webhooks and events,
and only a local caller (the CLI) turns keys into paths. The version's own description
lives with the store (tools/store/summary.py), which reads it without the agents.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from agents.usage import UsageReport
from graphs.errors import NotFound
from tools.store import JobRecord, Store
from tools.store.summary import SceneSummary, VersionSummary, version_summary

__all__ = ["JobOutcome", "JobSummary", "SceneSummary", "project_summary"]


class JobSummary(VersionSummary):
    """The project version a job made, its scenes, and the job's model use."""

    usage: UsageReport | None = Field(
        default=None, description="The job's model use (set on what `JobRoom.run` returns)."
    )


class JobOutcome(BaseModel):
    """What a job's row keeps once it stops: its usage, and its summary when it completed."""

    usage: UsageReport = Field(default_factory=UsageReport)
    summary: JobSummary | None = None

    @classmethod
    def of(cls, job: JobRecord) -> JobOutcome:
        """The outcome stored on `job` (empty while it has none)."""
        return cls.model_validate(job.result) if job.result else cls()


async def project_summary(
    store: Store, project_id: str, *, touched: set[int] | None = None
) -> JobSummary:
    """Describe a project's current version; slots outside `touched` count as unchanged.

    Raises:
        NotFound: no such project, or it has no version yet.
    """
    found = await version_summary(store, project_id, touched=touched)
    if found is None:
        raise NotFound(f"no project {project_id}")
    return JobSummary(**dict(found))
