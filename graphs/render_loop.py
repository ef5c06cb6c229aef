"""The render-and-repair loop, the one place it is written: static repair → check → render,
then one error-driven repair → check → re-render while a rule applies.

The scene subgraph runs it in two nodes (`check` calls `repair_and_check`, `render` calls
`render_repaired`), so a check failure goes back to the coder without a render; `manimgraph
render FILE` runs both stages through `render_file`. Only what no rule fixes reaches a model.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from tools.check import check_code
from tools.layout_models import LayoutIssue
from tools.render.cache import RenderedScene, render_cached
from tools.render.models import Quality, RenderError, RenderSettings
from tools.repair import repair_after_error, repair_source
from tools.store import Store

__all__ = [
    "MAX_REPAIR_STEPS",
    "Checked",
    "FileRender",
    "RepairedRender",
    "render_file",
    "render_repaired",
    "repair_and_check",
]

MAX_REPAIR_STEPS = 3


@dataclass(frozen=True)
class Checked:
    """Statically repaired code, the repairs that made it, and the structural check's verdict."""

    code: str
    repairs: list[str] = field(default_factory=list)
    error: RenderError | None = None


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


def repair_and_check(code: str, scene_name: str | None = None) -> Checked:
    """Static repairs, once per candidate code, then the structural check; never renders.

    Example:
        >>> repair_and_check(code).repairs
        ['renamed ShowCreation → Create (line 11)']
    """
    fixed = repair_source(code)
    return Checked(fixed.code, fixed.repairs, check_code(fixed.code, scene_name))


async def render_repaired(
    checked: Checked,
    store: Store,
    settings: RenderSettings,
    slots: asyncio.Semaphore,
    *,
    scene_name: str | None = None,
    max_steps: int = MAX_REPAIR_STEPS,
) -> RepairedRender:
    """Render checked code through the cache; on a `code` error apply one error-driven repair,
    check and render again, at most `max_steps` times. The static pass is not repeated.

    Example:
        >>> done = await render_repaired(
        ...     repair_and_check(code), store, RenderSettings(), asyncio.Semaphore(1)
        ... )
        >>> done.repairs, done.error
        (['renamed ShowCreation → Create (line 11)'], None)
    """
    code, repairs, error, steps = checked.code, list(checked.repairs), checked.error, 0
    while True:
        result = error or await render_cached(code, store, settings, slots, scene_name=scene_name)
        if isinstance(result, RenderedScene) or result.kind != "code" or steps >= max_steps:
            return RepairedRender(code=code, result=result, repairs=repairs)
        after = repair_after_error(code, result)
        if after is None:
            return RepairedRender(code=code, result=result, repairs=repairs)
        code, repairs, steps = after.code, repairs + after.repairs, steps + 1
        error = check_code(code, scene_name)


class FileRender(BaseModel):
    """What `manimgraph render --json` prints."""

    ok: bool
    video: str | None = Field(default=None, description="A path or an s3:// URL.")
    duration: float | None = None
    layout_issues: list[LayoutIssue] = Field(default_factory=list)
    error: RenderError | None = None
    repairs: list[str] = Field(default_factory=list)
    cached: bool = False


async def render_file(
    store: Store, code: str, quality: Quality, *, scene_name: str | None = None
) -> FileRender:
    """One scene file through the loop a scene branch runs before it would ask a model.

    Example:
        >>> outcome = await render_file(store, Path("scene.py").read_text(), "low")
        >>> outcome.ok, outcome.repairs
        (True, ['renamed ShowCreation → Create (line 11)'])
    """
    done = await render_repaired(
        repair_and_check(code, scene_name),
        store,
        RenderSettings(quality=quality),
        asyncio.Semaphore(1),
        scene_name=scene_name,
    )
    result = done.result
    if isinstance(result, RenderError):
        return FileRender(ok=False, error=result, repairs=done.repairs)
    return FileRender(
        ok=True,
        video=store.artifacts.describe(result.video),
        duration=result.duration,
        layout_issues=result.layout.issues,
        repairs=done.repairs,
        cached=result.cached,
    )
