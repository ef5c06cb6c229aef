"""Request bodies of `/api/v1/agents/*`: one agent at a time, for developers building on
top. The answers are the graph's own outcome models (`graphs.operations`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from graphs.operations import ScenePlan
from graphs.requests import Seconds, Style
from server.schemas import (
    BudgetOptions,
    ModelSettings,
    Prompt,
    RenderOptions,
    SceneNumber,
    VideoRenderOptions,
)
from tools.layout_models import LayoutReport
from tools.render.models import Quality, RenderError
from tools.store.records import SceneRenderStatus

__all__ = ["MAX_CODE_CHARS", "CodeBody", "PlanBody", "RenderBody", "RenderPublic", "SceneBody"]

MAX_CODE_CHARS = 100_000

Segment = Annotated[str, Field(min_length=1, max_length=150, pattern=r"[^\s\x1c-\x1f]")]
"""One narration sentence: not blank, and eight of them stay within the plan's 1200 characters."""


class PlanBody(BaseModel):
    """POST /api/v1/agents/plan: a prompt to plan, as POST /api/v1/generate takes it."""

    model_config = ConfigDict(extra="forbid")

    prompt: Prompt
    scene_count: SceneNumber | None = None
    style: Style = "dark"
    duration_s: Seconds | None = Field(
        default=None, description="The video's target length, spread over the scenes (40 s)."
    )
    models: ModelSettings = Field(default_factory=ModelSettings)
    budget: BudgetOptions = Field(default_factory=BudgetOptions)


class SceneBody(ScenePlan):
    """A scene plan as the API takes it: a `ScenePlan` whose segments' rules (none blank,
    1200 characters in all) are stated in the schema, so a valid document is a valid plan."""

    segments: list[Segment] = Field(min_length=1, max_length=8)


class CodeBody(BaseModel):
    """POST /api/v1/agents/code: one scene of a plan (e.g. from /agents/plan) to code."""

    model_config = ConfigDict(extra="forbid")

    scene: SceneBody
    style: Style = "dark"
    models: ModelSettings = Field(default_factory=ModelSettings)
    render: RenderOptions = Field(
        default_factory=RenderOptions,
        description="`max_retries` bounds the coder's retries after a failed check.",
    )
    budget: BudgetOptions = Field(default_factory=BudgetOptions)


class RenderBody(BaseModel):
    """POST /api/v1/agents/render: one scene file to render in the sandbox."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=MAX_CODE_CHARS, description="A Manim scene file.")
    scene_name: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,99}$",
        description="The Scene class to render; default: the file's only one.",
    )
    quality: Quality = "low"
    render: VideoRenderOptions = Field(
        default_factory=VideoRenderOptions,
        description="`aspect`, `resolution`, `fps` and `max_scene_seconds` apply.",
    )


class RenderPublic(BaseModel):
    """A scene render: running, then completed with what it gave, or failed."""

    render_id: str
    status: SceneRenderStatus = Field(
        description="running; completed (see `ok`); failed: it could not run (`failure`)."
    )
    created_at: datetime
    updated_at: datetime
    status_url: str
    ok: bool | None = Field(description="Whether the scene rendered, once completed.")
    code: str | None = Field(description="The code rendered last: the file after its repairs.")
    repairs: list[str] = Field(description="Repairs made without a model, one line each.")
    video_url: str | None
    last_frame_url: str | None
    duration: float | None
    layout: LayoutReport | None = Field(description="What was on screen, and its issues.")
    error: RenderError | None = Field(description="Why the scene did not render.")
    cached: bool
    failure: str | None = Field(description="Why a failed render could not run.")
