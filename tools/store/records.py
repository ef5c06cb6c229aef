"""Frozen records the store hands out: plain data, never ORM objects bound to a session.

This is also the one home of the job status vocabulary and its transition table:
the store is the lowest layer that must enforce them, and every caller (the job
room in `graphs/`, the API, the worker) re-exports these names rather than
spelling statuses of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from tools.assets.models import AssetKind
from tools.layout_models import LayoutIssue, LayoutReport

__all__ = [
    "ACTIVE_STATUSES",
    "CANCELLED",
    "COMPLETED",
    "FAILED",
    "QUEUED",
    "RESUMABLE_STATUSES",
    "RUNNING",
    "TERMINAL_STATUSES",
    "TRANSITIONS",
    "ApiKeyRecord",
    "AssetKind",
    "AssetRecord",
    "BatchRecord",
    "CachedRender",
    "CachedSpeech",
    "CleanupReport",
    "JobKind",
    "JobProgress",
    "JobRecord",
    "JobStatus",
    "ProjectInfo",
    "ProjectRecord",
    "ProjectStatus",
    "ProjectSummary",
    "ProjectVersionRecord",
    "SceneProgress",
    "SceneRecord",
    "SceneRenderRecord",
    "SceneRenderStatus",
    "SceneVersionRecord",
    "SlotRecord",
    "StageTiming",
    "can_transition",
]

JobKind = Literal["generate", "edit"]
JobStatus = Literal["queued", "running", "completed", "failed", "cancelled"]
ProjectStatus = Literal["generating", "ready", "failed"]
"""A project is "generating" from its generate job's creation until its first version
lands ("ready"); "failed" when that job gave up before any version existed."""

QUEUED: Final[JobStatus] = "queued"
"""Where a job starts, and where a resume puts it back."""
RUNNING: Final[JobStatus] = "running"
"""The only status in which a runner works: it holds the lease and writes progress."""
COMPLETED: Final[JobStatus] = "completed"
"""The job's project version landed."""
FAILED: Final[JobStatus] = "failed"
"""The job gave up; its error says why, and a resume continues from its checkpoint."""
CANCELLED: Final[JobStatus] = "cancelled"
"""Someone stopped the job; a resume continues from its checkpoint."""

ACTIVE_STATUSES: frozenset[JobStatus] = frozenset({QUEUED, RUNNING})
TERMINAL_STATUSES: frozenset[JobStatus] = frozenset({COMPLETED, FAILED, CANCELLED})
RESUMABLE_STATUSES: frozenset[JobStatus] = frozenset({FAILED, CANCELLED})

TRANSITIONS: Mapping[JobStatus, frozenset[JobStatus]] = MappingProxyType(
    {
        QUEUED: frozenset({RUNNING, CANCELLED, FAILED}),
        # Back to queued: the runner let go of the job (shutdown, lost lease).
        RUNNING: frozenset({QUEUED, COMPLETED, FAILED, CANCELLED}),
        FAILED: frozenset({QUEUED}),
        CANCELLED: frozenset({QUEUED}),
        COMPLETED: frozenset(),
    }
)
"""Which status each status may change to. A change that keeps a non-terminal status
(progress while running) is always allowed; a terminal status changes only by a resume."""


def can_transition(current: JobStatus, target: JobStatus) -> bool:
    """Whether a job in `current` may be changed to `target` (the same status included)."""
    if current == target:
        return current not in TERMINAL_STATUSES
    return target in TRANSITIONS[current]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)


class SceneProgress(_Record):
    """How far one scene of a running job got."""

    number: int = Field(ge=1)
    title: str | None = None
    state: str = Field(default="queued", description="e.g. coding, rendering, done, fallback.")
    attempts: int = Field(default=0, ge=0)
    repairs: int = Field(default=0, ge=0)
    fallback_reason: str | None = None
    video: str | None = Field(
        default=None, description="Artifact key of the scene's clip, once it is rendered."
    )


class StageTiming(_Record):
    """When a stage of a job started and, once it did, ended."""

    stage: str
    started_at: datetime
    ended_at: datetime | None = None


class JobProgress(_Record):
    """The folded progress of a job, stored on its row so every reader (SSE, CLI watch,
    the studio, evals) sees the same state, also after a restart."""

    stage: str | None = None
    fraction: float = Field(default=0.0, ge=0, le=1)
    message: str = ""
    scenes_total: int = Field(default=0, ge=0)
    scenes: tuple[SceneProgress, ...] = ()
    stages: tuple[StageTiming, ...] = ()


class CachedRender(_Record):
    """A finished render of some code; files are artifact keys."""

    video: str
    last_frame: str | None = None
    duration: float = Field(ge=0)
    layout_report: LayoutReport
    log: str = ""


class CachedSpeech(_Record):
    """A text spoken in one voice; the audio is an artifact key (a WAV)."""

    audio: str
    seconds: float = Field(gt=0, description="Seconds of audio.")
    words: list[dict[str, Any]] = Field(
        default_factory=list, description="Word timings where the provider gave them."
    )


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
    layout_report: LayoutReport | None
    render_log: str
    parent_version_id: str | None
    edit_prompt: str | None
    attempts: int
    repairs: list[Any]
    fallback_used: bool
    fallback_reason: str | None
    usage: dict[str, Any]
    narration: dict[str, Any] | None = Field(
        default=None, description="The voice-over: voice, timed segments, track (none: silent)."
    )
    audio: str | None = Field(default=None, description="Artifact key of the voice-over track.")
    created_at: datetime

    @property
    def layout_issues(self) -> list[LayoutIssue]:
        """What the layout check found; none when the scene was stored without a report."""
        return list(self.layout_report.issues) if self.layout_report is not None else []


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
    description: str | None = Field(description="What the assembler wrote about the video.")
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
    status: ProjectStatus
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

    def scene_versions(
        self, version: ProjectVersionRecord | None = None
    ) -> list[SceneVersionRecord]:
        """The scene versions a project version plays (default: the current one), in order."""
        chosen = version or self.current
        if chosen is None:
            return []
        by_id = {v.id: v for scene in self.scenes for v in scene.versions}
        return [by_id[slot.scene_version_id] for slot in chosen.slots]

    def scene_version(self, number: int, version: int) -> SceneVersionRecord | None:
        """Version `version` of scene `number`, if the project has it."""
        scene = next((s for s in self.scenes if s.number == number), None)
        return next((v for v in scene.versions if v.version == version), None) if scene else None


class JobRecord(_Record):
    """A generate or edit job, how far it got and which runner holds it."""

    id: str
    kind: JobKind
    project_id: str
    status: JobStatus
    stage: str | None
    progress: float
    message: str
    progress_state: JobProgress = Field(default_factory=JobProgress)
    request: dict[str, Any]
    error: str | None
    result: dict[str, Any] | None
    owner: str | None = Field(description="Id of the API key that created it; None without keys.")
    idempotency_key: str | None
    lease_owner: str | None = Field(default=None, description="The runner working on it.")
    lease_expires_at: datetime | None = Field(
        default=None, description="After this, another runner may claim the job."
    )
    created_at: datetime
    updated_at: datetime


class ApiKeyRecord(_Record):
    """An API key as shown to people: never the key itself, nor its hash."""

    id: str
    name: str
    prefix: str = Field(description="The key's first characters, to tell keys apart.")
    created_at: datetime
    revoked_at: datetime | None
    admin: bool = Field(default=False, description="May run server-wide operations (cleanup).")

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


class BatchRecord(_Record):
    """Jobs submitted together, with each member job as it is now, in submission order."""

    id: str
    owner: str | None = Field(description="Id of the API key that created it; None without keys.")
    created_at: datetime
    jobs: tuple[JobRecord, ...]


class AssetRecord(_Record):
    """An uploaded image or audio file, as decoding found it; the bytes are an artifact."""

    id: str
    owner: str | None = Field(description="Id of the API key that uploaded it; None without keys.")
    kind: AssetKind
    media_type: str = Field(description="From decoding the file, never from the client.")
    artifact: str = Field(description="Artifact key of the bytes.")
    size: int = Field(description="Bytes.")
    width: int | None
    height: int | None
    duration: float | None = Field(description="Seconds of audio.")
    filename: str = Field(description="The name it was uploaded under, for people only.")
    created_at: datetime


SceneRenderStatus = Literal["running", "completed", "failed"]
"""A scene render of `POST /api/v1/agents/render`: running, then completed (with an
outcome, which says whether the scene rendered) or failed (it could not be run at all)."""


class SceneRenderRecord(_Record):
    """One scene file rendered on its own (`POST /api/v1/agents/render`)."""

    id: str
    owner: str | None = Field(description="Id of the API key that asked; None without keys.")
    status: SceneRenderStatus
    quality: str
    scene_name: str | None
    code: str = Field(description="The file as it was sent.")
    outcome: dict[str, Any] | None = Field(
        description="How it ended, once completed (`graphs.operations.RenderOutcome`)."
    )
    error: str | None = Field(description="Why a failed render could not be run.")
    created_at: datetime
    updated_at: datetime
