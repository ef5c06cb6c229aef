"""The one render path every caller shares: static repair → check → render, then error-driven
repairs and re-renders while a rule applies. Only what no rule fixes reaches a model.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from tools.check import check_code
from tools.render.cache import RenderedScene, render_cached
from tools.render.models import RenderError, RenderSettings
from tools.repair.errors import repair_after_error
from tools.repair.static import repair_source
from tools.store import Store

__all__ = ["MAX_REPAIR_STEPS", "RepairedRender", "render_repaired"]

MAX_REPAIR_STEPS = 3


@dataclass(frozen=True)
class RepairedRender:
    """The code that was rendered last, its outcome, and every repair applied on the way."""

    code: str
    result: RenderedScene | RenderError
    repairs: list[str] = field(default_factory=list)

    @property
    def error(self) -> RenderError | None:
        """The final error, or None when the render succeeded."""
        return self.result if isinstance(self.result, RenderError) else None


async def render_repaired(
    code: str,
    store: Store,
    settings: RenderSettings,
    slots: asyncio.Semaphore,
    *,
    scene_name: str | None = None,
    max_steps: int = MAX_REPAIR_STEPS,
) -> RepairedRender:
    """Repair, check and render `code`; on a `code` error try one more repair, `max_steps` times.

    Example:
        >>> done = await render_repaired(code, store, RenderSettings(), asyncio.Semaphore(1))
        >>> done.repairs, done.error
        (['renamed ShowCreation → Create (line 11)'], None)
    """
    fixed = repair_source(code)
    code, repairs, steps = fixed.code, list(fixed.repairs), 0
    while True:
        checked = check_code(code, scene_name)
        result = checked or await render_cached(code, store, settings, slots, scene_name=scene_name)
        if isinstance(result, RenderedScene) or result.kind != "code" or steps >= max_steps:
            return RepairedRender(code=code, result=result, repairs=repairs)
        after = repair_after_error(code, result)
        if after is None:
            return RepairedRender(code=code, result=result, repairs=repairs)
        code, repairs, steps = after.code, repairs + after.repairs, steps + 1
