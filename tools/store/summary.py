"""A project's current version as its scenes make it: what `manimgraph show` prints and
what a job's summary extends with the job's usage (graphs/jobs/summary.py).

Artifact keys, never file paths: the same record goes to the API, webhooks and events,
and only a local caller (the CLI) turns keys into paths.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from tools.store.store import Store

__all__ = ["SceneStatus", "SceneSummary", "VersionSummary", "version_summary"]

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


class VersionSummary(BaseModel):
    """A project version and its scenes."""

    project_id: str
    title: str
    version: int
    video: str = Field(description="Artifact key of the final video.")
    thumbnail: str | None
    subtitles: str | None
    manifest: str | None
    duration: float
    scenes: list[SceneSummary]


async def version_summary(
    store: Store, project_id: str, *, touched: set[int] | None = None
) -> VersionSummary | None:
    """Describe a project's current version (None if there is no such project or it has no
    version yet); slots outside `touched` count as unchanged."""
    project = await store.get_project(project_id)
    current = project.current if project is not None else None
    if project is None or current is None:
        return None
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
    return VersionSummary(
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
