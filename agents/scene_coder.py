"""Scene-coder agent: a scene plan (plus code and feedback, when revising) becomes a Manim file."""

from __future__ import annotations

import ast
import re
from typing import Literal

from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, Field

from agents.calls import TruncatedAnswer, ask_code
from agents.schemas import ScenePlan
from prompts import load_prompt
from tools.layout_models import Frame
from tools.plugins import plugins_line
from tools.speech import SceneNarration

__all__ = [
    "SILENT",
    "CoderMode",
    "CoderRequest",
    "NoCodeError",
    "extract_code",
    "narration_timing",
    "scene_length",
    "write_scene_code",
]

SILENT = "None: the scene has no voice-over. Match its target duration."

CoderMode = Literal["write", "retry", "edit", "fix"]

_FENCED = re.compile(r"```(?:python|py)?[ \t]*\n(.*?)(?:\n```|\Z)", re.DOTALL)


class NoCodeError(ValueError):
    """The model answered without a code block; its text says why."""


class CoderRequest(BaseModel):
    """Everything the coder needs for one call; unused fields stay None."""

    mode: CoderMode
    plan: ScenePlan
    style: str
    code: str | None = None
    error: str | None = None
    edit_prompt: str | None = None
    layout_report: str | None = None
    instructions: list[str] | None = None
    narration: SceneNarration | None = None
    frame: Frame = Frame()
    keep_length: float | None = Field(
        default=None, description="An edit that must keep the scene this long (seconds)."
    )

    def prompt_values(self) -> dict[str, str]:
        """The placeholder values of this request's mode."""
        values = {
            "scene_plan": self.plan.model_dump_json(indent=2),
            "style": self.style,
            "frame": self.frame.describe(),
            "narration_timing": narration_timing(self.narration),
            "plugins": plugins_line(),
        }
        if self.mode != "write":
            values["code"] = self.code or ""
        if self.mode == "retry":
            values["error"] = self.error or ""
        if self.mode == "edit":
            values["edit_prompt"] = self.edit_prompt or ""
            values["scene_length"] = scene_length(self.keep_length)
        if self.mode == "fix":
            values["layout_report"] = self.layout_report or "{}"
            values["instructions"] = "\n".join(self.instructions or [])
        return values


def narration_timing(narration: SceneNarration | None) -> str:
    """The voice-over's measured segments as the coder reads them: one numbered line each,
    its span in the scene, its duration and its words.

    Example:
        >>> print(narration_timing(narration))
        Total: 6.2 s. Segment k's animations take exactly its duration.
        1. 0.0 s to 2.4 s (2.4 s): "Pythagoras relates the sides."
        2. 2.4 s to 6.2 s (3.8 s): "The square on the hypotenuse is the sum."
    """
    if narration is None:
        return SILENT
    lines = [
        f"Total: {narration.duration:.1f} s. Segment k's animations take exactly its duration."
    ]
    lines += [
        f'{k}. {s.start:.1f} s to {s.end:.1f} s ({s.duration:.1f} s): "{s.text}"'
        for k, s in enumerate(narration.segments, 1)
    ]
    return "\n".join(lines)


def scene_length(seconds: float | None) -> str:
    """The section that tells the coder to keep an edited scene's length (empty when free)."""
    if seconds is None:
        return ""
    return (
        f"\n## Scene length\n{seconds:.2f} s: keep it, so the narration and subtitles stay "
        "aligned.\n"
    )


def extract_code(answer: str) -> str:
    """The first fenced Python block of an answer, or the answer itself when it is bare code."""
    match = _FENCED.search(answer)
    if match:
        return match.group(1).strip() + "\n"
    text = answer.strip()
    try:
        ast.parse(text)
    except SyntaxError:
        raise NoCodeError(text or "the model returned an empty answer") from None
    if "class " not in text:
        raise NoCodeError(text)
    return text + "\n"


async def write_scene_code(model: BaseChatModel, request: CoderRequest) -> str:
    """One coder call: render the mode's prompt, ask, pull the code out of the answer."""
    messages = load_prompt("scene_coder").render(request.mode, **request.prompt_values())
    try:
        answer = await ask_code(model, messages)
    except TruncatedAnswer as exc:
        raise NoCodeError(str(exc)) from None
    return extract_code(answer)
