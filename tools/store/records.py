"""Frozen records the store hands out: plain data, never ORM objects bound to a session."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "TERMINAL_STATUSES",
    "ApiKeyRecord",
    "CachedRender",
    "CleanupReport",
    "JobKind",
    "JobRecord",
    "JobStatus",
    "ProjectInfo",
    "ProjectRecord",
    "ProjectSummary",
    "ProjectVersionRecord",
    "SceneRecord",
    "SceneVersionRecord",
    "SlotRecord",
]

JobKind = Literal["generate", "edit"]
JobStatus = Literal["queued", "running", "completed", "failed", "cancelled"]
TERMINAL_STATUSES: frozenset[JobStatus] = frozenset({"completed", "failed", "cancelled"})


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)


class CachedRender(_Record):
    """A finished render of some code; files are artifact keys."""

    video: str
    last_frame: str | None = None
    duration: float = Field(ge=0)
    layout_report: dict[str, Any]
    log: str = ""


class SceneVersionRecord(_Record):
    """One stored take of a scene: its code, plan, render and how it was made."""

    id: str
    scene_id: str
    number: int = Field(description="The scene's number within its project.")
    version: int
    code: str
    plan: dict[str, Any]
    video: str
    last_frame: str | None
    duration: float
    layout_report: dict[str, Any] | None
    render_log: str
    parent_version_id: str | None
    edit_prompt: str | None
    attempts: int
    repairs: list[Any]
    fallback_used: bool
    fallback_reason: str | None
    usage: dict[str, Any]
    created_at: datetime


class SceneRecord(_Record):
    """A scene of a project with every version it ever had, oldest first."""

    id: str
    project_id: str
    number: int
    created_at: datetime
    versions: tuple[SceneVersionRecord, ...]


class SlotRecord(_Record):
    """Which scene version plays at position `number` of a project version."""

    number: int
    scene_version_id: str


class ProjectVersionRecord(_Record):
    """An assembled video of a project; slots are ordered by number."""

    id: str
    project_id: str
    version: int
    video: str
    thumbnail: str | None
    subtitles: str | None
    manifest: str | None
    duration: float
    job_id: str | None
    created_at: datetime
    slots: tuple[SlotRecord, ...]


class ProjectInfo(_Record):
    """The project row itself."""

    id: str
    title: str
    prompt: str
    style: str
    quality: str
    owner: str | None = Field(description="Id of the API key that created it; None without keys.")
    created_at: datetime
    updated_at: datetime


class ProjectSummary(ProjectInfo):
    """A project as listed: its row and its latest version, if any."""

    current: ProjectVersionRecord | None


class ProjectRecord(ProjectInfo):
    """A project with all its scenes (and their versions) and all its project versions."""

    scenes: tuple[SceneRecord, ...]
    versions: tuple[ProjectVersionRecord, ...]

    @property
    def current(self) -> ProjectVersionRecord | None:
        """The latest project version."""
        return self.versions[-1] if self.versions else None


class JobRecord(_Record):
    """A generate or edit job and how far it got."""

    id: str
    kind: JobKind
    project_id: str
    status: JobStatus
    stage: str | None
    progress: float
    message: str
    request: dict[str, Any]
    error: str | None
    result: dict[str, Any] | None
    owner: str | None = Field(description="Id of the API key that created it; None without keys.")
    idempotency_key: str | None
    created_at: datetime
    updated_at: datetime


class ApiKeyRecord(_Record):
    """An API key as shown to people: never the key itself, nor its hash."""

    id: str
    name: str
    prefix: str = Field(description="The key's first characters, to tell keys apart.")
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        """Whether the key still authenticates."""
        return self.revoked_at is None


class CleanupReport(_Record):
    """What `Store.cleanup` deleted, or would delete on a dry run."""

    jobs_deleted: int = Field(ge=0)
    work_dirs_deleted: int = Field(ge=0)
    artifacts_deleted: int = Field(ge=0)
    bytes_freed: int = Field(ge=0, description="Work dirs and artifacts together.")
