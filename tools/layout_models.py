"""The layout report's schema, importable without Manim (the server never imports Manim)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

__all__ = [
    "ASPECTS",
    "FPS_RANGE",
    "PRESETS",
    "RESOLUTIONS",
    "Aspect",
    "Box",
    "Fps",
    "Frame",
    "IssueKind",
    "LayoutIssue",
    "LayoutReport",
    "Placement",
    "Resolution",
    "Within",
]

IssueKind = Literal["out_of_frame", "text_overlap", "tiny_text"]
Box = tuple[float, float, float, float]
"""xmin, ymin, xmax, ymax in the units of the scene's frame (centred; 14.22 x 8 at 16:9)."""

Aspect = Literal["16:9", "9:16", "1:1"]
ASPECTS: dict[Aspect, tuple[int, int]] = {"16:9": (16, 9), "9:16": (9, 16), "1:1": (1, 1)}
"""Width to height of each aspect a video may have."""
Resolution = Literal["480p", "720p", "1080p", "1440p", "2160p"]
RESOLUTIONS: dict[Resolution, int] = {
    "480p": 480,
    "720p": 720,
    "1080p": 1080,
    "1440p": 1440,
    "2160p": 2160,
}
"""Pixels on the short side of the picture."""
FPS_RANGE = (15, 60)
"""Frame rates a render may ask for: at most what the sandbox's time and file caps afford."""


@dataclass(frozen=True)
class Within:
    """An `Annotated` bound whose error names the whole range (pydantic's names only the
    bound crossed), with the bounds kept in the JSON schema.

    Example:
        >>> Seconds = Annotated[float, Within(5, 600, "seconds")]
    """

    low: float
    high: float
    what: str

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {**handler(schema), "minimum": self.low, "maximum": self.high}

    def _check(self, value: float) -> float:
        if not self.low <= value <= self.high:
            raise ValueError(
                f"must be between {self.low:g} and {self.high:g} {self.what}, not {value:g}"
            )
        return value


Fps = Annotated[int, Within(*FPS_RANGE, "frames a second")]
"""A frame rate in FPS_RANGE."""
PRESETS: dict[str, tuple[Resolution, int]] = {
    "low": ("480p", 15),
    "medium": ("720p", 30),
    "high": ("1080p", 60),
}
"""Resolution and frame rate of each quality preset, Manim's own."""
SHORT_SIDE_UNITS = 8.0
"""Manim's frame is 8 units high at 16:9; every aspect keeps 8 units on its short side."""


class Frame(BaseModel):
    """The picture a scene is drawn in: aspect, and the pixel size and frame rate, which
    default to the quality preset's (low 480p15, medium 720p30, high 1080p60)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    aspect: Aspect = "16:9"
    resolution: Resolution | None = Field(
        default=None, description="Short side in pixels; None: the quality preset's."
    )
    fps: Fps | None = Field(
        default=None,
        description=f"Frames a second, {FPS_RANGE[0]}-{FPS_RANGE[1]}; None: the preset's.",
    )

    @property
    def units(self) -> tuple[float, float]:
        """Width and height of the frame in scene units (8 on the short side)."""
        width, height = ASPECTS[self.aspect]
        short = min(width, height)
        return SHORT_SIDE_UNITS * width / short, SHORT_SIDE_UNITS * height / short

    def pixels(self, quality: str) -> tuple[int, int]:
        """Width and height in pixels, even (as H.264 needs), at this quality preset."""
        short = RESOLUTIONS[self.resolution or PRESETS[quality][0]]
        width, height = ASPECTS[self.aspect]
        scale = short / min(width, height)
        # 480p at 16:9 is 854 wide, as Manim's low quality is.
        return _even(width * scale), _even(height * scale)

    def frame_rate(self, quality: str) -> int:
        """Frames a second at this quality preset."""
        return self.fps or PRESETS[quality][1]

    def describe(self) -> str:
        """The frame as the coder's prompt names it."""
        width, height = self.units
        shape = {"16:9": "landscape", "9:16": "portrait", "1:1": "square"}[self.aspect]
        return (
            f"{self.aspect} ({shape}): {width:.2f} units wide and {height:.2f} units high, "
            f"centred on the origin (config.frame_width x config.frame_height)"
        )


def _even(value: float) -> int:
    return 2 * round(value / 2)


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
    frame: Frame = Field(
        default_factory=Frame, description="The frame the scene was checked (and rendered) in."
    )

    def frame_times(self, limit: int) -> list[float]:
        """When to look at the video: after the animations where issues first appear.

        At most `limit` times, earliest first; the caller adds the last frame itself.
        """
        firsts = sorted({issue.first_animation for issue in self.issues})
        times = [self.ends[i] for i in firsts if i < len(self.ends)]
        return times[:limit]
