"""The layout report's schema, importable without Manim (the server never imports Manim)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Box", "IssueKind", "LayoutIssue", "LayoutReport", "Placement"]

IssueKind = Literal["out_of_frame", "text_overlap", "tiny_text"]
Box = tuple[float, float, float, float]
"""xmin, ymin, xmax, ymax in the units of the default frame (14.22 x 8, centred)."""


class Placement(BaseModel):
    """Where one mobject of an issue came from and where it was on screen: what a
    model-free layout repair needs to rewrite the line that made it."""

    model_config = ConfigDict(frozen=True)

    line: int | None = Field(description="Line of the scene file whose call created it.")
    box: Box = Field(description="Its box when the issue was at its worst.")
    appeared: int = Field(ge=0, description="Index of the play() after which it was first seen.")
    font_size: float | None = Field(default=None, description="Effective font size, for text.")


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
    places: list[Placement] = Field(
        default_factory=list, description="One per mobject, in the order of `mobjects`."
    )


class LayoutReport(BaseModel):
    """Everything the layout check saw after each animation of a scene."""

    animations: int = Field(ge=0, description="Number of play()/wait() calls observed.")
    issues: list[LayoutIssue] = Field(default_factory=list)
    ends: list[float] = Field(
        default_factory=list, description="Scene time (s) at the end of each animation."
    )
    play_lines: list[int | None] = Field(
        default_factory=list, description="Line of the scene file of each play()/wait() call."
    )

    def frame_times(self, limit: int) -> list[float]:
        """When to look at the video: after the animations where issues first appear.

        At most `limit` times, earliest first; the caller adds the last frame itself.
        """
        firsts = sorted({issue.first_animation for issue in self.issues})
        times = [self.ends[i] for i in firsts if i < len(self.ends)]
        return times[:limit]
