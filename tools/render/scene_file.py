"""Repair, check and render one scene file the way the agents' scenes are: for
`manimgraph render`."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pydantic import BaseModel, Field

from tools.layout_models import LayoutIssue
from tools.render.models import Quality, RenderError, RenderSettings
from tools.repair.pipeline import render_repaired
from tools.store import Store

__all__ = ["FileRender", "render_file"]


class FileRender(BaseModel):
    """What `manimgraph render --json` prints."""

    ok: bool
    video: Path | None = None
    duration: float | None = None
    layout_issues: list[LayoutIssue] = Field(default_factory=list)
    error: RenderError | None = None
    repairs: list[str] = Field(default_factory=list)
    cached: bool = False


async def render_file(
    store: Store, code: str, quality: Quality, *, scene_name: str | None = None
) -> FileRender:
    """Static repairs, structural check, cached render and error-driven repairs, exactly as a
    scene branch does before it would ask a model."""
    done = await render_repaired(
        code, store, RenderSettings(quality=quality), asyncio.Semaphore(1), scene_name=scene_name
    )
    result = done.result
    if isinstance(result, RenderError):
        return FileRender(ok=False, error=result, repairs=done.repairs)
    return FileRender(
        ok=True,
        video=store.artifacts.path(result.video),
        duration=result.duration,
        layout_issues=result.layout.issues,
        repairs=done.repairs,
        cached=result.cached,
    )
