"""Planner agent: a topic becomes a `VideoPlan` of numbered scenes."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.language_models import BaseChatModel

from agents.calls import ask_structured
from agents.schemas import ScenePlan, VideoPlan
from prompts import load_prompt
from tools.assets import PlanImage

__all__ = ["SCENE_SECONDS", "images_text", "place_images", "plan_video", "spread_duration"]

SCENE_SECONDS = (
    ScenePlan.model_fields["duration"].metadata[0].ge,
    ScenePlan.model_fields["duration"].metadata[1].le,
)
"""The shortest and longest scene a plan may hold."""


async def plan_video(
    model: BaseChatModel,
    topic: str,
    *,
    scene_count: int | None,
    style: str,
    target_duration: float,
    images: Sequence[PlanImage] = (),
) -> VideoPlan:
    """Ask the model for a plan and make its scene numbers follow their order; each of
    `images` (the user's uploads) is shown by the scenes the model chose for it, or by the
    first scene when it chose none."""
    count = str(scene_count) if scene_count else "your choice, between 3 and 6"
    messages = load_prompt("planner").render(
        "plan",
        topic=topic,
        scene_count=count,
        style=style,
        target_duration=f"{target_duration:g}",
        images=images_text(images),
    )
    plan = await ask_structured(model, messages, VideoPlan)
    if scene_count and len(plan.scenes) != scene_count:
        raise ValueError(f"the planner made {len(plan.scenes)} scenes, {scene_count} were asked")
    durations = spread_duration([scene.duration for scene in plan.scenes], target_duration)
    scenes = [
        scene.model_copy(update={"number": i, "duration": duration})
        for i, (scene, duration) in enumerate(zip(plan.scenes, durations, strict=True), 1)
    ]
    return plan.model_copy(update={"scenes": place_images(scenes, images)})


def images_text(images: Sequence[PlanImage]) -> str:
    """The uploaded images as the planner reads them: one line each, or None."""
    if not images:
        return "None."
    return "\n".join(
        f"- {image.name}: {image.description or 'no description'} (file: {image.file})"
        for image in images
    )


def place_images(scenes: list[ScenePlan], images: Sequence[PlanImage]) -> list[ScenePlan]:
    """The scenes with only the given images they name, exactly as given (a model may
    mistype a file or invent an image), and every image no scene shows on the first scene.

    Example:
        >>> [len(s.images) for s in place_images(scenes, [logo])]
        [1, 0, 0]
    """
    known = {image.name: image for image in images}
    chosen = [
        list(dict.fromkeys(known[image.name] for image in scene.images if image.name in known))
        for scene in scenes
    ]
    shown = {image.name for names in chosen for image in names}
    if scenes:
        chosen[0] += [image for image in images if image.name not in shown]
    return [
        scene.model_copy(update={"images": shows})
        for scene, shows in zip(scenes, chosen, strict=True)
    ]


def spread_duration(planned: list[float], target: float) -> list[float]:
    """Scene lengths in the planned proportions that add up to `target` (to 0.1 s), each
    within what a scene may last; models rarely make their own durations add up.

    Example:
        >>> spread_duration([6, 9, 8], 46)
        [12.0, 18.0, 16.0]
    """
    low, high = SCENE_SECONDS
    lengths = [min(high, max(low, target * d / sum(planned))) for d in planned]
    for _ in range(len(lengths)):  # hand what clamping took or gave to the scenes still free
        free = [i for i, length in enumerate(lengths) if low < length < high]
        rest = target - sum(lengths)
        if abs(rest) < 0.05 or not free:
            break
        share = sum(lengths[i] for i in free)
        for i in free:
            lengths[i] = min(high, max(low, lengths[i] + rest * lengths[i] / share))
    rounded = [round(length, 1) for length in lengths]
    rounded[-1] = round(min(high, max(low, rounded[-1] + target - sum(rounded))), 1)
    return rounded
