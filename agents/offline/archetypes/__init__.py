"""The offline scene writer: one SPEC-driven Manim file per ScenePlan, by archetype."""

from __future__ import annotations

from collections.abc import Sequence

from agents.offline.archetypes.source import render_source
from agents.offline.archetypes.specs import build_spec
from agents.schemas import ScenePlan
from tools.layout_models import Aspect

__all__ = ["write_scene"]


def write_scene(
    plan: ScenePlan,
    style: str = "dark",
    durations: Sequence[float] | None = None,
    aspect: Aspect = "16:9",
) -> str:
    """A complete Manim CE scene file for the plan, byte-for-byte deterministic; with
    `durations`, its animations are timed to the voice-over's segments; laid out for a
    frame of the given aspect.

    Example:
        >>> code = write_scene(plan, "light")
        >>> "class Scene01" in code and "SPEC = {" in code
        True
    """
    return render_source(build_spec(plan, style, durations), plan.number, plan.title, aspect)
