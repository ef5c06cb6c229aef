"""The render-and-repair loop, the one place it is written: static repair → check → render,
then one error-driven repair → check → re-render while a rule applies; once it renders, the
layout repair rewrites what the layout report flags, validating each rewrite (no pixels) and
keeping it only when the scene still runs with fewer issues, then renders the result.

The scene subgraph runs it in two nodes (`check` calls `repair_and_check`, `render` calls
`render_repaired`), so a check failure goes back to the coder without a render; `manimgraph
render FILE` runs both stages through `render_file`. Only what no rule fixes reaches a model.
`repair=False` turns every repair off, to measure what they add.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from tools.check import check_code
from tools.layout_models import LayoutIssue, LayoutReport
from tools.render.cache import RenderedScene, render_cached
from tools.render.models import Quality, RenderError, RenderSettings
from tools.render.runner import render_scene
from tools.repair import explain_error, layout_candidates, repair_after_error, repair_source
from tools.store import Store

__all__ = [
    "MAX_LAYOUT_ROUNDS",
    "MAX_LAYOUT_VALIDATIONS",
    "MAX_REPAIR_STEPS",
    "Checked",
    "FileRender",
    "RepairedRender",
    "render_file",
    "render_repaired",
    "repair_and_check",
    "repair_layout",
]

MAX_REPAIR_STEPS = 3
MAX_LAYOUT_ROUNDS = 6
"""Layout rewrites built on one another at most."""
MAX_LAYOUT_VALIDATIONS = 10
"""Validation passes the layout repair may spend on one scene."""


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


def repair_and_check(code: str, scene_name: str | None = None, *, repair: bool = True) -> Checked:
    """Static repairs (unless `repair` is off), then the structural check; never renders.

    Example:
        >>> repair_and_check(code).repairs
        ['renamed ShowCreation → Create (line 11)']
    """
    if not repair:
        return Checked(code, [], check_code(code, scene_name))
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
    repair: bool = True,
) -> RepairedRender:
    """Render checked code through the cache; on a `code` error apply one error-driven repair,
    check and render again, at most `max_steps` times; then repair its layout
    (`repair_layout`). The static pass is not repeated. `repair=False` only renders.

    Example:
        >>> done = await render_repaired(
        ...     repair_and_check(code), store, RenderSettings(), asyncio.Semaphore(1)
        ... )
        >>> done.repairs, done.error
        (['renamed ShowCreation → Create (line 11)'], None)
    """
    code, repairs, error, steps = checked.code, list(checked.repairs), checked.error, 0
    max_steps = max_steps if repair else 0
    seen: set[tuple[str, str, int | None]] = set()
    while True:
        result = error or await render_cached(code, store, settings, slots, scene_name=scene_name)
        if isinstance(result, RenderedScene):
            done = RepairedRender(code=code, result=result, repairs=repairs)
            if not repair or not result.layout.issues:
                return done
            return await repair_layout(done, store, settings, slots, scene_name=scene_name)
        failed = RepairedRender(
            code=code, result=explain_error(code, result) if repair else result, repairs=repairs
        )
        # A chain that meets an error it has already met makes no progress: stop it.
        signature = (result.type, result.message, result.line)
        if result.kind != "code" or steps >= max_steps or signature in seen:
            return failed
        seen.add(signature)
        after = repair_after_error(code, result)
        if after is None:
            return failed
        code, repairs, steps = after.code, repairs + after.repairs, steps + 1
        error = check_code(code, scene_name)


async def repair_layout(
    done: RepairedRender,
    store: Store,
    settings: RenderSettings,
    slots: asyncio.Semaphore,
    *,
    scene_name: str | None = None,
) -> RepairedRender:
    """Rewrite a rendered scene's code from its layout report, with no model call.

    Each round tries the rewrites `layout_candidates` proposes (all fixes at once, then one
    at a time) in the validation pass, which draws nothing, and keeps the first that runs
    with fewer issues (or as many, fewer of them severe); a rewrite that fails or does not
    reduce them is dropped. The kept code is then rendered for real, so the stored source
    reproduces the video; should that render fail, the original render stands.

    Example:
        >>> done = await repair_layout(done, store, RenderSettings(), asyncio.Semaphore(1))
        >>> done.repairs[-1]
        'layout: scaled MathTex(...) to fit the frame width (before line 12) (line 9)'
    """
    assert isinstance(done.result, RenderedScene)
    code, layout, added, validations = done.code, done.result.layout, [], 0
    for _ in range(MAX_LAYOUT_ROUNDS):
        kept = None
        for candidate in layout_candidates(code, layout):
            if validations >= MAX_LAYOUT_VALIDATIONS:
                break
            validations += 1
            checked = await _validated_layout(candidate.code, store, settings, slots, scene_name)
            if checked is not None and _weight(checked) < _weight(layout):
                kept = candidate.code, checked, candidate.repairs
                break
        if kept is None:
            break
        code, layout = kept[0], kept[1]
        added += kept[2]
        if not layout.issues:
            break
    if not added:
        return done
    final = await render_cached(code, store, settings, slots, scene_name=scene_name)
    if isinstance(final, RenderError):
        return done
    shown = final.model_copy(update={"before_frame": done.result.last_frame})
    return RepairedRender(code=code, result=shown, repairs=[*done.repairs, *added])


def _weight(report: LayoutReport) -> tuple[int, int]:
    """Fewer issues first, then fewer severe ones."""
    return len(report.issues), sum(issue.severe for issue in report.issues)


async def _validated_layout(
    code: str,
    store: Store,
    settings: RenderSettings,
    slots: asyncio.Semaphore,
    scene_name: str | None,
) -> LayoutReport | None:
    """The layout report of `code` from the validation pass, or None when it fails."""
    if check_code(code, scene_name) is not None:
        return None
    async with store.scratch("layout-") as workdir, slots:
        result = await render_scene(
            code, workdir=workdir, settings=settings, mode="validate", scene_name=scene_name
        )
    return result.layout if result.ok else None


class FileRender(BaseModel):
    """What `manimgraph render --json` prints."""

    ok: bool
    code: str = Field(description="The code rendered last: the file after its repairs.")
    video: str | None = Field(default=None, description="A path or an s3:// URL.")
    duration: float | None = None
    layout_issues: list[LayoutIssue] = Field(default_factory=list)
    error: RenderError | None = None
    repairs: list[str] = Field(default_factory=list)
    cached: bool = False


async def render_file(
    store: Store,
    code: str,
    quality: Quality,
    *,
    scene_name: str | None = None,
    repair: bool = True,
) -> FileRender:
    """One scene file through the loop a scene branch runs before it would ask a model;
    `repair=False` renders the code as it is and reports its raw error.

    Example:
        >>> outcome = await render_file(store, Path("scene.py").read_text(), "low")
        >>> outcome.ok, outcome.repairs
        (True, ['renamed ShowCreation → Create (line 11)'])
    """
    done = await render_repaired(
        repair_and_check(code, scene_name, repair=repair),
        store,
        RenderSettings(quality=quality),
        asyncio.Semaphore(1),
        scene_name=scene_name,
        repair=repair,
    )
    result = done.result
    if isinstance(result, RenderError):
        return FileRender(ok=False, code=done.code, error=result, repairs=done.repairs)
    return FileRender(
        ok=True,
        code=done.code,
        video=store.artifacts.describe(result.video),
        duration=result.duration,
        layout_issues=result.layout.issues,
        repairs=done.repairs,
        cached=result.cached,
    )
