"""Visual-fixer agent: reads a render's layout report and decides pass or concrete fixes."""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel

from agents.schemas import FixReview, ScenePlan
from prompts import load_prompt
from tools.layout_models import LayoutReport

__all__ = ["review_scene"]


async def review_scene(
    model: BaseChatModel, plan: ScenePlan, code: str, report: LayoutReport
) -> FixReview:
    """Ask the model to judge the scene's layout and say how to fix what is wrong."""
    messages = load_prompt("visual_fixer").render(
        "review",
        scene_plan=plan.model_dump_json(indent=2),
        code=code,
        layout_report=report.model_dump_json(indent=2),
    )
    review = await model.with_structured_output(FixReview).ainvoke(messages)
    assert isinstance(review, FixReview)
    return review
