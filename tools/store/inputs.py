"""What callers hand to the store's writes, validated before any SQL runs."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, with_config
from typing_extensions import TypedDict  # pydantic needs it on Python < 3.12

from tools.layout_models import LayoutReport
from tools.store.records import JobStatus, ProjectStatus

__all__ = [
    "API_KEY_NAME",
    "IDEMPOTENCY_KEY",
    "PROJECT_STATUS",
    "AssembledVideo",
    "JobChanges",
    "NewSceneVersion",
    "ProjectFields",
    "validate_changes",
]


class _Input(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ProjectFields(_Input):
    """The project row a generate job creates, or a commit writes: created if absent,
    its fields updated if present."""

    id: str = Field(min_length=1, max_length=32, description="e.g. the job's `project_id`.")
    title: str = Field(
        default="",
        description="Empty until the plan names the video: a new project is then titled"
        " with its prompt's first 80 characters, and a commit keeps the title it has.",
    )
    prompt: str
    style: str = Field(max_length=64)
    quality: str = Field(max_length=16)
    owner: str | None = Field(
        default=None,
        max_length=32,
        description="API key id set when the commit creates the project; an edit never changes it.",
    )


class NewSceneVersion(_Input):
    """A scene version to store; the store assigns its id and version number.

    `parent_version_id` defaults to the scene's latest version at commit time.
    """

    number: int = Field(ge=1, description="The scene's number; it fills the slot of that number.")
    code: str
    plan: dict[str, Any]
    video: str
    last_frame: str | None = None
    duration: float = Field(ge=0)
    layout_report: LayoutReport | None = None
    render_log: str = ""
    parent_version_id: str | None = None
    edit_prompt: str | None = None
    attempts: int = Field(default=1, ge=0)
    repairs: list[Any] = Field(default_factory=list)
    fallback_used: bool = False
    fallback_reason: str | None = None
    usage: dict[str, Any] = Field(default_factory=dict)
    narration: dict[str, Any] | None = None
    audio: str | None = Field(default=None, description="Artifact key of the voice-over track.")


class AssembledVideo(_Input):
    """The project version's own files (artifact keys), length and description."""

    video: str
    thumbnail: str | None = None
    subtitles: str | None = None
    manifest: str | None = None
    duration: float = Field(ge=0)
    description: str | None = Field(
        default=None, description="What the video explains, as the assembler wrote it."
    )


@with_config(ConfigDict(extra="forbid"))
class JobChanges(TypedDict, total=False):
    """Fields `Store.update_job` may change; unknown names are rejected."""

    status: JobStatus
    stage: str | None
    progress: Annotated[float, Field(ge=0, le=1)]
    message: str
    error: str | None
    result: dict[str, Any] | None


_CHANGES = TypeAdapter(JobChanges)


def validate_changes(changes: dict[str, Any]) -> JobChanges:
    """Check a job update's names and values before touching the row."""
    return _CHANGES.validate_python(changes)


API_KEY_NAME = TypeAdapter(Annotated[str, Field(min_length=1, max_length=100)])
IDEMPOTENCY_KEY = TypeAdapter(Annotated[str, Field(min_length=1, max_length=255)])
PROJECT_STATUS = TypeAdapter(ProjectStatus)
