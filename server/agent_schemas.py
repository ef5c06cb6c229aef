"""Request bodies of `/api/v1/agents/*`: one agent at a time, for developers building on
top. The answers are the graph's own outcome models (`graphs.operations`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from graphs.operations import ScenePlan
from graphs.requests import Seconds, Style
from server.schemas import BudgetOptions, ModelSettings, Prompt, RenderOptions, SceneNumber

__all__ = ["CodeBody", "PlanBody", "SceneBody"]

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
