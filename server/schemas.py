"""Request and response bodies of the REST API; internal paths never appear here."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
    model_validator,
)

from agents.models import AgentModels, ModelSpec, Role
from agents.usage_report import Budget, UsageReport
from graphs.requests import (
    DEFAULT_DURATION_S,
    MAX_DURATION_S,
    MAX_PROMPT_CHARS,
    MAX_SCENES,
    MIN_DURATION_S,
    JobRequest,
    Seconds,
    Style,
)
from server.webhooks import CallbackUrl
from tools.assets import AssetKind, AssetRole
from tools.layout_models import FPS_RANGE, Aspect, Fps, Resolution
from tools.render.models import Quality
from tools.speech import VOICE_PATTERN, NarrationSettings
from tools.store import JobStatus, ProjectStatus, StageTiming

if TYPE_CHECKING:
    from agents.config import RenderConfig  # its module loads LangChain: not for `--server`

__all__ = [
    "API",
    "Accepted",
    "AssetChoice",
    "AssetPublic",
    "AssetsPublic",
    "CleanupBody",
    "CleanupResult",
    "EditSceneBody",
    "ErrorBody",
    "GenerateBody",
    "JobOptions",
    "JobPublic",
    "JobResult",
    "JobsPublic",
    "ModelChoice",
    "NarrationOptions",
    "Page",
    "Presets",
    "ProjectPublic",
    "ProjectsPublic",
    "RevertBody",
    "SystemStats",
]

API = "/api/v1"
"""The REST API's path prefix, shared by the routes, the URLs they return and the client."""


def _json_number(value: object) -> object:
    """Refuse what JSON Schema's `integer` and `number` refuse but pydantic's lax mode coerces."""
    if isinstance(value, bool | str):
        raise ValueError("Input should be a JSON number")
    return value


JsonInt = Annotated[int, BeforeValidator(_json_number)]
"""An integer as JSON Schema has it: `2` and `2.0`, never `true` or `"2"`."""
JsonFloat = Annotated[float, BeforeValidator(_json_number)]
"""A number as JSON Schema has it: never `true` or `"2.5"`."""
SceneNumber = Annotated[int, Field(ge=1, le=MAX_SCENES), BeforeValidator(_json_number)]
"""1 to MAX_SCENES; the bounds come before the validator, or an optional field's JSON Schema
would carry them as `ge`/`le` instead of `minimum`/`maximum`."""

_SPACE = r"[\s\x1c-\x1f]"
"""What `str.strip` removes, spelled so Python's `re` and pydantic's Rust regex agree."""

Prompt = Annotated[str, Field(min_length=1, max_length=MAX_PROMPT_CHARS, pattern=r"[^\s\x1c-\x1f]")]
"""A prompt as sent: the length limit counts the raw text, and some of it is not whitespace,
so the job request's stripped `PromptText` always accepts it."""
_MODEL_PATTERN = (
    rf"^{_SPACE}*"
    r"(offline(:[\s\S]*)?"  # offline, with anything after a colon
    rf"|(openai|anthropic):{_SPACE}*[^\s\x1c-\x1f][\s\S]*)"  # a provider and a model name
    rf"{_SPACE}*$"
)
"""What `ModelSpec.parse` accepts, so the OpenAPI document states the rule."""


class ErrorBody(BaseModel):
    """Every error response has this shape."""

    detail: str
    error_code: str
    timestamp: datetime


class ModelChoice(BaseModel):
    """One agent's model, e.g. `{"model": "openai:gpt-4o-mini", "temperature": 0.2}`."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(
        max_length=120, pattern=_MODEL_PATTERN, examples=["offline", "openai:gpt-4o-mini"]
    )
    temperature: JsonFloat = Field(default=0.2, ge=0, le=2)
    max_tokens: JsonInt = Field(default=4096, ge=1, le=200_000)

    @field_validator("model", mode="before")
    @classmethod
    def _names_a_provider(cls, value: object) -> object:
        """Say what to write instead of quoting the pattern (e.g. for a bare `gpt-4o-mini`)."""
        if isinstance(value, str) and not re.fullmatch(_MODEL_PATTERN, value):
            raise ValueError(f"use provider:model, e.g. openai:gpt-4o-mini (got {value[:40]!r})")
        return value

    def spec(self) -> ModelSpec:
        """The factory's spec; raises ValueError for an unknown provider."""
        return ModelSpec.parse(self.model, temperature=self.temperature, max_tokens=self.max_tokens)


class ModelSettings(BaseModel):
    """Models per agent: planner, scene (the coder) and helper (fixer and assembler)."""

    model_config = ConfigDict(extra="forbid")

    planner: ModelChoice | None = None
    scene: ModelChoice | None = None
    helper: ModelChoice | None = None

    def specs(self) -> dict[Role, ModelSpec]:
        """Specs keyed by the graph's roles."""
        roles: dict[str, tuple[Role, ...]] = {
            "planner": ("planner",),
            "scene": ("coder",),
            "helper": ("fixer", "assembler"),
        }
        out: dict[Role, ModelSpec] = {}
        for name, choice in (
            ("planner", self.planner),
            ("scene", self.scene),
            ("helper", self.helper),
        ):
            if choice is not None:
                out.update(dict.fromkeys(roles[name], choice.spec()))
        return out


class RenderOptions(BaseModel):
    """Render caps of one job."""

    model_config = ConfigDict(extra="forbid")

    max_retries: JsonInt = Field(default=2, ge=0, le=10)
    max_fix_rounds: JsonInt = Field(default=1, ge=0, le=5)
    max_scene_seconds: JsonFloat = Field(
        default=300, gt=0, le=3600, description="Wall-clock limit of one scene's render."
    )


class VideoRenderOptions(RenderOptions):
    """The picture and length of a new video, and the render caps of its job (an edit
    renders in its project's picture: its `render` takes the caps only)."""

    aspect: Aspect | None = Field(
        default=None, description="16:9 (the default), 9:16 (shorts, reels) or 1:1."
    )
    resolution: Resolution | None = Field(
        default=None,
        description="Short side: 480p, 720p, 1080p, 1440p or 2160p; default: the quality's.",
    )
    fps: Annotated[Fps, BeforeValidator(_json_number)] | None = Field(
        default=None, description=f"{FPS_RANGE[0]}-{FPS_RANGE[1]}; default: the quality's."
    )
    duration_s: Annotated[Seconds, BeforeValidator(_json_number)] | None = Field(
        default=None,
        description=f"Target length of the whole video, {MIN_DURATION_S}-{MAX_DURATION_S} s, "
        f"spread over the scenes (default {DEFAULT_DURATION_S:g}).",
    )

    def over(self, defaults: RenderConfig) -> RenderConfig:
        """The server's `[render]` defaults with what this request sets put over them."""
        return defaults.merged(
            aspect=self.aspect, resolution=self.resolution, fps=self.fps, duration_s=self.duration_s
        )


class BudgetOptions(BaseModel):
    """Caps on one job's model use; at a cap, failing scenes take the fallback."""

    model_config = ConfigDict(extra="forbid")

    max_calls: Annotated[int, Field(ge=0, le=10_000), BeforeValidator(_json_number)] | None = None
    max_tokens: (
        Annotated[int, Field(ge=0, le=100_000_000), BeforeValidator(_json_number)] | None
    ) = None
    max_cost_usd: Annotated[float, Field(ge=0, le=10_000), BeforeValidator(_json_number)] | None = (
        None
    )

    def budget(self) -> Budget:
        return Budget(**self.model_dump())


class NarrationOptions(BaseModel):
    """The voice-over: who speaks, and how fast."""

    model_config = ConfigDict(extra="forbid")

    voice: str = Field(
        default="offline",
        pattern=VOICE_PATTERN,
        description="offline (a Debian voice), none (silent), openai:<voice> or "
        "elevenlabs:<voice_id>.",
        examples=["offline", "none", "openai:alloy"],
    )
    speed: JsonFloat = Field(default=1.0, ge=0.5, le=2.0, description="1 is the voice's own pace.")

    def settings(self) -> NarrationSettings:
        return NarrationSettings(voice=self.voice, speed=self.speed)


class AssetChoice(BaseModel):
    """An uploaded asset a video uses: an image some scene shows, or the music bed."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64, description="From POST /api/v1/assets.")
    role: AssetRole = Field(description="image (an image asset) or music (an audio asset).")
    description: str = Field(
        default="", max_length=300, description="What the image shows, for the planner."
    )


class AssetPublic(BaseModel):
    """An uploaded asset, as decoding it found it."""

    asset_id: str
    kind: AssetKind
    media_type: str = Field(description="From decoding the file, never from the upload.")
    size: int = Field(description="Bytes; they count against the key's asset quota.")
    width: int | None
    height: int | None
    duration: float | None = Field(description="Seconds of audio.")
    filename: str
    created_at: datetime


class AssetsPublic(BaseModel):
    """GET /api/v1/assets."""

    data: list[AssetPublic]
    count: int


class GenerateBody(BaseModel):
    """POST /api/v1/generate."""

    model_config = ConfigDict(extra="forbid")

    prompt: Prompt = Field(description=f"1-{MAX_PROMPT_CHARS} characters, not all blank.")
    scene_count: SceneNumber | None = None
    style: Style = Field(default="dark", description="A style of GET /api/v1/presets.")
    quality: Quality = "low"
    fallback: StrictBool = True
    callback_url: CallbackUrl | None = None
    models: ModelSettings = Field(default_factory=ModelSettings)
    render: VideoRenderOptions = Field(default_factory=VideoRenderOptions)
    budget: BudgetOptions = Field(default_factory=BudgetOptions)
    narration: NarrationOptions | None = Field(
        default=None, description="Default: the server's configured voice (offline if installed)."
    )
    burn_subtitles: StrictBool = Field(default=False, description="Draw the subtitles in.")
    assets: list[AssetChoice] = Field(
        default_factory=list,
        max_length=8,
        description="Uploaded images for the scenes to show, and at most one music bed.",
    )


class EditSceneBody(BaseModel):
    """POST /api/v1/edit-scene: name the scene by number or by id."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"required": ["scene_number"], "properties": {"scene_number": {"type": "integer"}}},
                {"required": ["scene_id"], "properties": {"scene_id": {"type": "string"}}},
            ]
        },
    )

    project_id: str = Field(min_length=1, max_length=64)
    scene_number: SceneNumber | None = None
    scene_id: str | None = Field(default=None, min_length=1, max_length=64)
    edit_prompt: Prompt
    callback_url: CallbackUrl | None = None
    models: ModelSettings = Field(default_factory=ModelSettings)
    render: RenderOptions = Field(default_factory=RenderOptions)
    budget: BudgetOptions = Field(default_factory=BudgetOptions)
    narration: NarrationOptions | None = Field(
        default=None, description="Default: the voice the scene was spoken in."
    )
    burn_subtitles: StrictBool = Field(default=False, description="Draw the subtitles in.")
    preserve_timing: StrictBool = Field(
        default=False,
        description="Keep the scene's length, so its narration and subtitles stay aligned.",
    )

    @model_validator(mode="after")
    def _names_a_scene(self) -> Self:
        if self.scene_number is None and self.scene_id is None:
            raise ValueError("name the scene by scene_number or scene_id")
        return self


class RevertBody(BaseModel):
    """POST /api/v1/projects/{id}/scenes/{n}/revert."""

    model_config = ConfigDict(extra="forbid")

    version: JsonInt = Field(ge=1)


class Accepted(BaseModel):
    """202: the job is queued; poll `status_url` or stream `events_url`."""

    job_id: str
    project_id: str
    status: str
    status_url: str
    events_url: str


class SceneStatePublic(BaseModel):
    """One scene of a job as it runs: its state, and its clip as soon as it is rendered."""

    number: int
    title: str | None
    state: str = Field(
        description="coding, checking, rendering, reviewing, fallback, saving, done."
    )
    attempts: int
    repairs: int = Field(description="Repairs made so far without a model.")
    fallback_reason: str | None
    video_url: str | None = Field(
        description="The scene's clip, once rendered (before the job ends)."
    )


class JobOptions(BaseModel):
    """The options a job was submitted with, besides its request."""

    models: dict[str, str] = Field(
        description="Role → provider:model the request chose; other roles take the "
        "server's configuration (the result names what ran)."
    )
    max_retries: int
    max_fix_rounds: int
    max_scene_seconds: float
    budget: Budget
    narration: NarrationSettings | None = Field(
        description="The voice asked for; null takes the default."
    )
    callback_url: str | None


class JobPublic(BaseModel):
    """GET /api/v1/jobs/{id}: the job's row and its folded progress, from any server process."""

    job_id: str
    kind: Literal["generate", "edit"]
    project_id: str
    request: JobRequest = Field(
        description="The request as validated: the prompt (or the edit prompt and its "
        "scene) and the video's options."
    )
    options: JobOptions
    status: JobStatus
    stage: str | None
    progress: float = Field(ge=0, le=1)
    message: str
    scenes_total: int = Field(description="Scenes the job renders (0 until they are planned).")
    scenes: list[SceneStatePublic] = Field(description="Each scene's state, attempts and repairs.")
    stages: list[StageTiming] = Field(description="When each stage started and ended.")
    created_at: datetime
    updated_at: datetime
    error: str | None
    estimated_completion: datetime | None
    usage: UsageReport | None = Field(
        default=None, description="Model use of a finished job (failed ones too)."
    )


class Page(BaseModel):
    """Common pagination query."""

    page: int = Field(default=1, ge=1, le=100_000)
    page_size: int = Field(default=20, ge=1, le=100)


class JobsPublic(BaseModel):
    """GET /api/v1/jobs."""

    data: list[JobPublic]
    count: int


class SceneResult(BaseModel):
    """One slot of a finished job's video."""

    number: int
    scene_id: str
    version: int
    status: str
    video_url: str
    source_url: str
    duration: float
    fallback_used: bool
    fallback_reason: str | None
    layout_issues: int
    attempts: int
    repairs: list[str] = Field(description="Repairs made without a model, one line each.")


class JobResult(BaseModel):
    """GET /api/v1/jobs/{id}/result."""

    job_id: str
    project_id: str
    title: str = Field(description="The video's title, as the planner wrote it.")
    version: int
    video_url: str
    thumbnail_url: str
    subtitles_url: str = Field(description="SubRip subtitles; `format=vtt` gives WebVTT.")
    manifest_url: str = Field(description="The JSON manifest: title, description, chapters.")
    duration: float
    target_duration_s: float | None = Field(
        default=None,
        description="A generate job's asked-for length (`render.duration_s`, else 40 s), to "
        "set against `duration`, the real one; None for an edit.",
    )
    completed_at: datetime = Field(description="When the job completed (UTC).")
    generation_time_seconds: float = Field(
        ge=0, description="From the job's first stage to its completion (queueing excluded)."
    )
    scenes: list[SceneResult]
    models: AgentModels = Field(description="What served each agent, and the voice.")
    usage: UsageReport = Field(description="Model calls, tokens, speech and estimated cost.")


class JobFinished(BaseModel):
    """The terminal SSE event's data and the webhook's body: URLs only, never file paths."""

    job_id: str
    project_id: str
    status: JobStatus
    error: str | None
    result: JobResult | None = Field(description="The result of a completed job.")


class SceneVersionPublic(BaseModel):
    """One stored version of a scene."""

    version: int
    created_at: datetime
    duration: float
    edit_prompt: str | None
    attempts: int
    fallback_used: bool
    fallback_reason: str | None
    layout_issues: int
    repairs: list[str] = Field(description="Repairs made without a model, one line each.")
    source_url: str
    video_url: str
    thumbnail_url: str | None


class ScenePublic(BaseModel):
    """A scene with its history."""

    scene_id: str
    number: int
    current_version: int | None
    versions: list[SceneVersionPublic]


class ProjectVersionPublic(BaseModel):
    """An assembled video: which scene version plays in each slot."""

    version: int
    created_at: datetime
    duration: float
    slots: dict[int, int] = Field(description="Scene number → scene version number.")
    download_url: str
    subtitles_url: str = Field(description="SubRip subtitles; `format=vtt` gives WebVTT.")
    manifest_url: str = Field(description="The JSON manifest: title, description, chapters.")


class ProjectPublic(BaseModel):
    """GET /api/v1/projects/{id}."""

    project_id: str
    title: str
    status: ProjectStatus = Field(description="generating, ready or failed.")
    prompt: str
    style: str
    quality: str
    created_at: datetime
    updated_at: datetime
    current_version: int | None
    scenes: list[ScenePublic]
    versions: list[ProjectVersionPublic]


class ProjectListItem(BaseModel):
    """A project in a listing."""

    project_id: str
    title: str
    status: ProjectStatus = Field(description="generating, ready or failed.")
    created_at: datetime
    updated_at: datetime
    current_version: int | None
    duration: float | None


class ProjectsPublic(BaseModel):
    """GET /api/v1/projects."""

    data: list[ProjectListItem]
    count: int


class Presets(BaseModel):
    """GET /api/v1/presets."""

    qualities: dict[str, str]
    styles: dict[str, str]


class SystemStats(BaseModel):
    """GET /api/v1/system/stats: the whole server's counts (every key's together)."""

    jobs: dict[str, dict[str, int]] = Field(
        description="Jobs by kind, then by status, zeros included."
    )
    active_jobs: int = Field(description="Queued and running jobs.")
    active_jobs_by_stage: dict[str, int] = Field(
        description="Queued and running jobs by their stage (`queued` before the first one)."
    )
    projects: int
    project_versions: int
    scene_versions: int
    fallbacks: int = Field(description="Scene versions that are fallback title cards.")
    render_cache_entries: int
    artifacts: int = Field(description="Stored files.")
    artifact_bytes: int = Field(description="Bytes the stored files take.")


class CleanupBody(BaseModel):
    """POST /api/v1/system/cleanup: the same rules as `manimgraph cleanup`."""

    model_config = ConfigDict(extra="forbid")

    max_age_hours: JsonFloat = Field(
        default=24, ge=0, le=100_000, description="Delete what is older than this."
    )
    dry_run: StrictBool = Field(default=False, description="Count only; delete nothing.")


class CleanupResult(BaseModel):
    """What a cleanup deleted, or would delete on a dry run."""

    dry_run: bool
    jobs_deleted: int
    work_dirs_deleted: int
    artifacts_deleted: int
    bytes_freed: int = Field(description="Work dirs and artifacts together.")
