"""Typed contracts between the agents: what the planner plans, what the fixer decides."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from tools.assets import MAX_ASSETS, PlanImage

__all__ = [
    "ARCHETYPES",
    "Archetype",
    "FixReview",
    "NarrationChange",
    "ScenePlan",
    "VideoDescription",
    "VideoPlan",
    "narration_segments",
]

Archetype = Literal[
    "title",
    "bullets",
    "equation",
    "plot",
    "construction",
    "chart",
    "flow",
    "summary",
    "custom",
]
ARCHETYPES: tuple[str, ...] = Archetype.__args__  # type: ignore[attr-defined]

MAX_NARRATION_CHARS = 1200
MAX_SEGMENTS = 8
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def narration_segments(text: str) -> list[str]:
    """Plain narration cut into segments at sentence ends, at most `MAX_SEGMENTS` (the
    shortest neighbours share one); how a plan stored before segments existed reads."""
    parts = [part.strip() for part in _SENTENCE_END.split(" ".join(text.split()))]
    segments = [part for part in parts if part]
    while len(segments) > MAX_SEGMENTS:
        i = min(range(len(segments) - 1), key=lambda k: len(segments[k]) + len(segments[k + 1]))
        segments[i : i + 2] = [f"{segments[i]} {segments[i + 1]}"]
    return segments


class ScenePlan(BaseModel):
    """One scene of the video, as the planner describes it to the scene coder."""

    model_config = ConfigDict(extra="forbid")

    number: int = Field(ge=1, le=12, description="1-based position of the scene in the video.")
    title: str = Field(min_length=1, max_length=120)
    goal: str = Field(min_length=1, max_length=400, description="What the viewer should learn.")
    segments: list[str] = Field(
        min_length=1,
        max_length=MAX_SEGMENTS,
        description="The voice-over as short sentences, spoken in order; each one is timed "
        "to its own part of the animation and becomes a subtitle cue.",
    )
    visual: str = Field(min_length=1, max_length=800, description="What is drawn and animated.")
    archetype: Archetype = Field(description="The visual pattern the scene follows.")
    duration: float = Field(ge=2, le=60, description="Target length in seconds.")
    images: list[PlanImage] = Field(
        default_factory=list,
        max_length=MAX_ASSETS,
        description="Uploaded images this scene shows, copied from the request's list (name, "
        "description, file); empty when it shows none.",
    )

    @model_validator(mode="before")
    @classmethod
    def _segments_from_narration(cls, data: Any) -> Any:
        """`narration` is derived from the segments; a plan stored before segments existed
        (narration text alone) is cut into segments at its sentence ends."""
        if isinstance(data, dict) and "narration" in data:
            data = dict(data)
            narration = data.pop("narration")
            if "segments" not in data and isinstance(narration, str):
                data["segments"] = narration_segments(narration) or [narration]
        return data

    @model_validator(mode="after")
    def _segments_fit(self) -> ScenePlan:
        texts = [" ".join(segment.split()) for segment in self.segments]
        if not all(texts):
            raise ValueError("a narration segment is empty")
        if len(" ".join(texts)) > MAX_NARRATION_CHARS:
            raise ValueError(f"the narration is longer than {MAX_NARRATION_CHARS} characters")
        self.segments = texts
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def narration(self) -> str:
        """The whole voice-over as one text (subtitles, title cards, old readers)."""
        return " ".join(self.segments)


class VideoPlan(BaseModel):
    """The planner's whole output: a titled sequence of scenes."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=160)
    scenes: list[ScenePlan] = Field(min_length=1, max_length=12)


class FixReview(BaseModel):
    """The visual fixer's verdict on a rendered scene."""

    model_config = ConfigDict(extra="forbid")

    passes: bool = Field(description="True when the scene is clean enough to keep as is.")
    instructions: list[str] = Field(
        default_factory=list,
        description="Concrete edits for the scene coder, one per problem, naming the mobject.",
    )


class NarrationChange(BaseModel):
    """What an edit instruction does to a scene's voice-over."""

    model_config = ConfigDict(extra="forbid")

    segments: list[str] = Field(
        default_factory=list,
        max_length=MAX_SEGMENTS,
        description="The new narration, one short sentence per segment in speaking order; "
        "empty to keep the current words.",
    )
    speed: float = Field(
        ge=0.5,
        le=2.0,
        description="The speaking speed (1 is the voice's own pace): the current one unless "
        "the instruction asks to speak slower or faster.",
    )


class VideoDescription(BaseModel):
    """What the assembler writes into the manifest beside the final video."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=160)
    description: str = Field(min_length=1, max_length=1000)
    chapters: list[str] = Field(description="One short chapter title per scene, in order.")
