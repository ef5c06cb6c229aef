"""Typed contracts between the agents: what the planner plans, what the fixer decides."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ARCHETYPES",
    "Archetype",
    "FixReview",
    "ScenePlan",
    "VideoDescription",
    "VideoPlan",
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


class ScenePlan(BaseModel):
    """One scene of the video, as the planner describes it to the scene coder."""

    model_config = ConfigDict(extra="forbid")

    number: int = Field(ge=1, le=12, description="1-based position of the scene in the video.")
    title: str = Field(min_length=1, max_length=120)
    goal: str = Field(min_length=1, max_length=400, description="What the viewer should learn.")
    narration: str = Field(min_length=1, max_length=1200, description="Voice-over / subtitle text.")
    visual: str = Field(min_length=1, max_length=800, description="What is drawn and animated.")
    archetype: Archetype = Field(description="The visual pattern the scene follows.")
    duration: float = Field(ge=2, le=60, description="Target length in seconds.")


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


class VideoDescription(BaseModel):
    """What the assembler writes into the manifest beside the final video."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=160)
    description: str = Field(min_length=1, max_length=1000)
    chapters: list[str] = Field(description="One short chapter title per scene, in order.")
