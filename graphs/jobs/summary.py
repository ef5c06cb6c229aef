"""What a finished job produced, as stored on its row and returned to Python callers.

Artifact keys, never file paths: the same record goes to the API, webhooks and events,
and only a local caller (the CLI) turns keys into paths.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from agents.usage import UsageReport
from graphs.errors import NotFound
from tools.store import JobRecord, Store

__all__ = ["JobOutcome", "JobSummary", "SceneSummary", "project_summary"]

SceneStatus = Literal["rendered", "fallback", "unchanged"]


class SceneSummary(BaseModel):
    """One slot of a project version."""

    number: int
    scene_id: str
    version: int
    video: str = Field(description="Artifact key of the scene's clip.")
    status: SceneStatus
    fallback_used: bool
    fallback_reason: str | None
    layout_issues: int
    attempts: int
    repairs: list[str] = Field(default_factory=list)


class JobSummary(BaseModel):
    """The project version a job made, and its scenes."""

    project_id: str
    title: str
    version: int
    video: str = Field(description="Artifact key of the final video.")
    thumbnail: str | None
    subtitles: str | None
    manifest: str | None
    duration: float
    scenes: list[SceneSummary]
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
    project = await store.get_project(project_id)
    current = project.current if project is not None else None
    if project is None or current is None:
        raise NotFound(f"no project {project_id}")
    scenes = []
    for version in await store.current_scenes(project_id):
        status: SceneStatus = "rendered"
        if version.fallback_used:
            status = "fallback"
        elif touched is not None and version.number not in touched:
            status = "unchanged"
        scenes.append(
            SceneSummary(
                number=version.number,
                scene_id=version.scene_id,
                version=version.version,
                video=version.video,
                status=status,
                fallback_used=version.fallback_used,
                fallback_reason=version.fallback_reason,
                layout_issues=len(version.layout_issues),
                attempts=version.attempts,
                repairs=[str(repair) for repair in version.repairs],
            )
        )
    return JobSummary(
        project_id=project_id,
        title=project.title,
        version=current.version,
        video=current.video,
        thumbnail=current.thumbnail,
        subtitles=current.subtitles,
        manifest=current.manifest,
        duration=current.duration,
        scenes=scenes,
    )
