"""Planner agent: a topic becomes a `VideoPlan` of numbered scenes."""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel

from agents.calls import ask_structured
from agents.schemas import VideoPlan
from prompts import load_prompt

__all__ = ["plan_video"]


async def plan_video(
    model: BaseChatModel,
    topic: str,
    *,
    scene_count: int | None,
    style: str,
    target_duration: float,
) -> VideoPlan:
    """Ask the model for a plan and make its scene numbers follow their order."""
    count = str(scene_count) if scene_count else "your choice, between 3 and 6"
    messages = load_prompt("planner").render(
        "plan",
        topic=topic,
        scene_count=count,
        style=style,
        target_duration=f"{target_duration:g}",
    )
    plan = await ask_structured(model, messages, VideoPlan)
    if scene_count and len(plan.scenes) != scene_count:
        raise ValueError(f"the planner made {len(plan.scenes)} scenes, {scene_count} were asked")
    scenes = [scene.model_copy(update={"number": i}) for i, scene in enumerate(plan.scenes, 1)]
    return plan.model_copy(update={"scenes": scenes})
