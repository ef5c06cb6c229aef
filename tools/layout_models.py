"""The layout report's schema, importable without Manim (the server never imports Manim)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["IssueKind", "LayoutIssue", "LayoutReport"]

IssueKind = Literal["out_of_frame", "text_overlap", "tiny_text"]


class LayoutIssue(BaseModel):
    """One problem seen on screen, reported once with where it appeared and lasted."""

    model_config = ConfigDict(frozen=True)

    kind: IssueKind
    severe: bool
    mobjects: list[str] = Field(description="Short labels, e.g. Text('Bayes rule').")
    first_animation: int = Field(ge=0, description="Index of the play() where it first appears.")
    last_animation: int = Field(ge=0)
    persists: bool = Field(description="Still on screen after the last animation.")
    detail: str = Field(
        description="Human-readable measurement, e.g. '1.2 units past the right edge'."
    )


class LayoutReport(BaseModel):
    """Everything the layout check saw after each animation of a scene."""

    animations: int = Field(ge=0, description="Number of play()/wait() calls observed.")
    issues: list[LayoutIssue] = Field(default_factory=list)
    ends: list[float] = Field(
        default_factory=list, description="Scene time (s) at the end of each animation."
    )

    def frame_times(self, limit: int) -> list[float]:
        """When to look at the video: after the animations where issues first appear.

        At most `limit` times, earliest first; the caller adds the last frame itself.
        """
        firsts = sorted({issue.first_animation for issue in self.issues})
        times = [self.ends[i] for i in firsts if i < len(self.ends)]
        return times[:limit]
