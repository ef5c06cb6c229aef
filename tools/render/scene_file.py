"""Check and render one scene file the way the agents' scenes are: for `manimgraph render`."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pydantic import BaseModel, Field

from tools.check import check_code
from tools.layout_models import LayoutIssue
from tools.render.cache import render_cached
from tools.render.models import Quality, RenderError, RenderSettings
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
    """Structural check, then a cached render, exactly as a scene branch does."""
    error = check_code(code, scene_name)
    if error is not None:
        return FileRender(ok=False, error=error)
    result = await render_cached(
        code, store, RenderSettings(quality=quality), asyncio.Semaphore(1), scene_name=scene_name
    )
    if isinstance(result, RenderError):
        return FileRender(ok=False, error=result)
    return FileRender(
        ok=True,
        video=store.artifacts.path(result.video),
        duration=result.duration,
        layout_issues=result.layout.issues,
        cached=result.cached,
    )
