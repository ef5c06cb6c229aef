"""Validated job requests: the one place where user input is checked, for CLI and API alike."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from agents.models import ModelSpec, Role
from graphs.limits import Limits
from tools.render.models import Quality
from tools.speech import NarrationSettings

__all__ = [
    "MAX_PROMPT_CHARS",
    "MAX_SCENES",
    "STYLES",
    "EditRequest",
    "GenerateRequest",
    "JobRequest",
    "JobSpec",
    "PromptText",
    "Style",
]

Style = Literal["dark", "light"]
STYLES: dict[Style, str] = {
    "dark": "light text on Manim's dark background",
    "light": "dark text on white",
}
"""The visual styles a request may name (the palettes the scene code uses)."""

MAX_PROMPT_CHARS = 4000
MAX_SCENES = 12

PromptText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_PROMPT_CHARS)
]


class GenerateRequest(BaseModel):
    """Make a new project from a prompt."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["generate"] = "generate"
    prompt: PromptText
    scene_count: int | None = Field(default=None, ge=1, le=MAX_SCENES)
    style: Style = "dark"
    quality: Quality = "low"
    target_duration: float = Field(default=40.0, ge=5, le=600)
    fallback: bool = Field(default=True, description="Replace a failing scene with a title card.")
    burn_subtitles: bool = Field(default=False, description="Draw the subtitles into the video.")


class EditRequest(BaseModel):
    """Change one scene of an existing project into a new version."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["edit"] = "edit"
    project_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    scene_number: int = Field(ge=1, le=MAX_SCENES)
    edit_prompt: PromptText
    burn_subtitles: bool = Field(default=False, description="Draw the subtitles into the video.")


JobRequest = Annotated[GenerateRequest | EditRequest, Field(discriminator="kind")]


class JobSpec(BaseModel):
    """A job as stored: the request plus the settings it runs with, so a resume is faithful."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    request: JobRequest
    models: dict[Role, ModelSpec] = Field(default_factory=dict)
    limits: Limits = Field(default_factory=Limits)
    callback_url: str | None = None
    narration: NarrationSettings | None = Field(
        default=None,
        description="The voice; None takes the configured default for a generate job and "
        "the scene's own voice for an edit.",
    )
