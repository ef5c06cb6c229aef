"""Validated job requests: the one place where user input is checked, for CLI and API alike."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from agents.models import ModelSpec, Role
from graphs.limits import Limits
from tools.assets import MAX_ASSETS, JobAsset
from tools.layout_models import Within
from tools.render.models import Frame, Quality
from tools.speech import NarrationSettings

__all__ = [
    "DEFAULT_DURATION_S",
    "MAX_ASSETS",
    "MAX_DURATION_S",
    "MAX_PROMPT_CHARS",
    "MAX_SCENES",
    "MIN_DURATION_S",
    "STYLES",
    "EditRequest",
    "GenerateRequest",
    "JobRequest",
    "JobSpec",
    "PromptText",
    "Seconds",
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
MIN_DURATION_S, MAX_DURATION_S = 5, 600
DEFAULT_DURATION_S = 40.0
Seconds = Annotated[float, Within(MIN_DURATION_S, MAX_DURATION_S, "seconds")]
"""A target length of a whole video."""

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
    frame: Frame = Field(
        default_factory=Frame,
        description="Aspect, resolution and frame rate; resolution and rate default to the "
        "quality preset's.",
    )
    target_duration: Seconds = Field(
        default=DEFAULT_DURATION_S,
        description="Length of the whole video in seconds, spread over the scenes.",
    )
    fallback: bool = Field(default=True, description="Replace a failing scene with a title card.")
    burn_subtitles: bool = Field(default=False, description="Draw the subtitles into the video.")
    assets: tuple[JobAsset, ...] = Field(
        default=(),
        max_length=MAX_ASSETS,
        description="Uploaded images the scenes show and at most one music bed, resolved "
        "from their ids when the job was submitted.",
    )

    @field_validator("target_duration", mode="before")
    @classmethod
    def _unset_is_default(cls, value: object) -> object:
        """None, as an unset option or flag passes it, means the default length."""
        return DEFAULT_DURATION_S if value is None else value

    @field_validator("assets")
    @classmethod
    def _one_music_bed(cls, assets: tuple[JobAsset, ...]) -> tuple[JobAsset, ...]:
        if sum(asset.role == "music" for asset in assets) > 1:
            raise ValueError("a video has at most one music bed")
        if len({asset.name for asset in assets}) < len(assets):
            raise ValueError("each asset needs a name of its own")
        return assets

    @property
    def images(self) -> list[JobAsset]:
        """The images, in the order given."""
        return [asset for asset in self.assets if asset.role == "image"]

    @property
    def music(self) -> JobAsset | None:
        """The music bed, if one was given."""
        return next((asset for asset in self.assets if asset.role == "music"), None)


class EditRequest(BaseModel):
    """Change one scene of an existing project into a new version."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["edit"] = "edit"
    project_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    scene_number: int = Field(ge=1, le=MAX_SCENES)
    edit_prompt: PromptText
    burn_subtitles: bool = Field(default=False, description="Draw the subtitles into the video.")
    preserve_timing: bool = Field(
        default=False,
        description="Keep the scene's length, so narration and subtitles stay aligned.",
    )


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

    @property
    def target_duration(self) -> float | None:
        """The length the whole video was asked to have; None for an edit."""
        return self.request.target_duration if isinstance(self.request, GenerateRequest) else None
