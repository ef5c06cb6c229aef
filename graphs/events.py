"""Typed progress events written to the graph's `custom` stream.

The CLI's progress bars, the job row and the API's event stream all read these.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

__all__ = ["ProgressEvent", "Stage"]

Stage = Literal[
    "planning",
    "loading",
    "narrating",
    "coding",
    "checking",
    "rendering",
    "reviewing",
    "fallback",
    "saving",
    "assembling",
]


class ProgressEvent(BaseModel):
    """One step of a job, small enough to stream."""

    stage: Stage
    message: str
    scene: int | None = None
    attempt: int | None = None
    status: Literal["started", "running", "retry", "fixing", "done", "failed"] = "running"
    scenes_total: int | None = None
    cached: bool | None = Field(default=None, description="Set when a render finished.")
    seconds: float | None = Field(default=None, description="Render wall time, when rendered.")
    title: str | None = Field(default=None, description="The scene's planned title.")
    repairs: int | None = Field(default=None, description="Repairs made so far without a model.")
    fallback_reason: str | None = Field(default=None, description="Set when a scene falls back.")
    video: str | None = Field(default=None, description="Artifact key of a finished scene's clip.")
    frames: list[str] | None = Field(
        default=None,
        description="Last frames (artifact keys) before and after the layout repair rewrote it.",
    )
