"""Visual-fixer agent: reads a render's layout report and decides pass or concrete fixes."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.language_models import BaseChatModel

from agents.calls import ask_structured, with_images
from agents.schemas import FixReview, ScenePlan
from prompts import load_prompt
from tools.layout_models import LayoutReport

__all__ = ["review_scene"]


async def review_scene(
    model: BaseChatModel,
    plan: ScenePlan,
    code: str,
    report: LayoutReport,
    frames: Sequence[str] = (),
) -> FixReview:
    """Ask the model to judge the scene's layout and say how to fix what is wrong.

    `frames` (PNG data URLs) go beside the report for a model that accepts images.
    """
    messages = load_prompt("visual_fixer").render(
        "review",
        scene_plan=plan.model_dump_json(indent=2),
        code=code,
        layout_report=report.model_dump_json(indent=2),
    )
    return await ask_structured(model, with_images(messages, frames), FixReview)
