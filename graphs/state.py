"""Graph state: TypedDicts with explicit reducers, pydantic models for what crosses a boundary."""

from __future__ import annotations

import operator
from typing import Annotated, TypedDict

from pydantic import BaseModel, Field

from agents.schemas import ScenePlan, VideoPlan
from agents.usage import UsageTotals
from graphs.requests import EditRequest, GenerateRequest
from tools.render.cache import RenderedScene
from tools.render.models import Frame, Quality, RenderError
from tools.speech import NarrationSettings, SceneNarration

__all__ = [
    "SceneOutcome",
    "SceneState",
    "SceneTask",
    "VersionSummary",
    "VideoState",
]


class SceneTask(BaseModel):
    """The `Send` payload: one scene to write (or edit), render and review."""

    number: int
    plan: ScenePlan
    style: str
    quality: Quality
    frame: Frame = Field(default_factory=Frame, description="The project's picture.")
    fallback: bool = True
    edit_prompt: str | None = None
    base_code: str | None = Field(default=None, description="Stored code an edit starts from.")
    base_version_id: str | None = None
    keep_length: float | None = Field(
        default=None, description="An edit that keeps the scene this long (seconds)."
    )
    narration: NarrationSettings = Field(
        default_factory=lambda: NarrationSettings(voice="none"),
        description="The voice that speaks the plan's segments (`none`: silent).",
    )


class SceneOutcome(BaseModel):
    """What a scene branch hands to the assembler: a version ready to be stored."""

    number: int
    plan: ScenePlan
    code: str
    render: RenderedScene
    attempts: int
    retries: int
    fix_rounds: int
    repairs: list[str] = Field(
        default_factory=list, description="Repairs applied without a model to the kept code."
    )
    fallback_reason: str | None = None
    edit_prompt: str | None = None
    parent_version_id: str | None = None
    usage: UsageTotals = Field(
        default_factory=UsageTotals, description="This scene's model calls, tokens and cost."
    )
    narration: SceneNarration | None = Field(
        default=None, description="The scene's voice-over (None: silent)."
    )

    @property
    def fallback_used(self) -> bool:
        """Whether the title card replaced the planned scene."""
        return self.fallback_reason is not None


class VersionSummary(BaseModel):
    """The project version a job committed."""

    project_id: str
    version: int
    video: str
    duration: float


class VideoState(TypedDict, total=False):
    """State of the top-level graph."""

    request: GenerateRequest | EditRequest
    """The validated job request."""
    job_id: str
    """Id of the job row; also the checkpoint thread id."""
    project_id: str
    """The project this job writes (new for generate, existing for edit)."""
    owner: str | None
    """The API key that owns the job and so the project it creates (None without keys)."""
    plan: VideoPlan
    """The planner's output (generate only)."""
    scene_results: Annotated[list[SceneOutcome], operator.add]
    """One outcome per finished scene branch, appended at fan-in."""
    version: VersionSummary
    """The committed project version, set by the assembler."""


class SceneState(TypedDict, total=False):
    """State of one scene branch."""

    task: SceneTask
    """What to make: the plan, and for edits the stored code and the instruction."""
    narration: SceneNarration | None
    """The spoken segments and their measured timings (None: a silent scene)."""
    code: str
    """The current candidate code, as repaired."""
    repairs: list[str]
    """Repairs made without a model to the current candidate, in order."""
    error: RenderError | None
    """The last classified error, fed back to the coder on retry."""
    instructions: list[str]
    """The visual fixer's latest fix instructions."""
    attempts: int
    """Coder calls so far."""
    retries: int
    """Times an error went back to the coder."""
    fix_rounds: int
    """Times the visual fixer sent the code back."""
    rendered: RenderedScene | None
    """The latest successful render."""
    failure: str | None
    """Why the scene gave up (sets off the fallback)."""
    budget_exhausted: str | None
    """Set when the job's model budget refused this scene's next model call."""
    scene_results: Annotated[list[SceneOutcome], operator.add]
    """The branch's output, merged into the parent's list."""
