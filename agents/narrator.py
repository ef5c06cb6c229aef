"""Narrator agent: reads a scene edit for what it does to the voice-over.

Only an instruction that may concern the voice reaches the model (`may_change_narration`,
a word check with no model call): "make the title red" costs nothing, "say it more
slowly" or "change the narration to …" asks the coder's model for a `NarrationChange`.
"""

from __future__ import annotations

import json
import re

from langchain_core.language_models import BaseChatModel

from agents.calls import ask_structured
from agents.schemas import NarrationChange
from prompts import load_prompt

__all__ = ["edit_narration", "may_change_narration"]

_VOICE_WORDS = re.compile(
    r"\b(narrat\w*|voice\w*|say|says|said|saying|speak\w*|spoke\w*|talk\w*|read\w*|script"
    r"|words|subtitle\w*|slow\w*|fast\w*|quick\w*|speed\w*|pace\w*|hurry)\b",
    re.IGNORECASE,
)


def may_change_narration(edit_prompt: str) -> bool:
    """Whether the instruction names the voice, its words or the pace at all."""
    return _VOICE_WORDS.search(edit_prompt) is not None


async def edit_narration(
    model: BaseChatModel, segments: list[str], speed: float, edit_prompt: str
) -> NarrationChange:
    """The new words and speed the instruction asks for (unchanged ones when it asks none)."""
    messages = load_prompt("narrator").render(
        "edit",
        segments=json.dumps(segments, indent=2, ensure_ascii=False),
        speed=f"{speed:g}",
        edit_prompt=edit_prompt,
    )
    return await ask_structured(model, messages, NarrationChange)
