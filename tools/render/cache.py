"""Render through the content cache: an unchanged scene is never rendered twice.

The key is a hash of the code, the quality, the frame and the Manim version, so any change
to one of them renders again and nothing else does.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
from importlib.metadata import version

from pydantic import BaseModel, Field

from tools.layout_models import LayoutReport
from tools.render.models import RenderError, RenderSettings
from tools.render.runner import render_scene
from tools.store import CachedRender, Store

__all__ = ["RenderedScene", "cache_key", "render_cached"]

HARNESS_VERSION = "3"


class RenderedScene(BaseModel):
    """A successful render whose files are in the artifact store."""

    video: str
    last_frame: str | None
    duration: float
    layout: LayoutReport
    log: str
    cached: bool
    seconds: float = Field(default=0.0, description="Render wall time; 0 when served from cache.")
    before_frame: str | None = Field(
        default=None, description="Last frame of the render the layout repair rewrote."
    )


def cache_key(code: str, settings: RenderSettings, scene_name: str | None = None) -> str:
    """Content hash deciding whether a render can be reused."""
    parts = [
        code,
        settings.quality,
        settings.frame.model_dump_json(),
        scene_name or "",
        _manim_version(),
        HARNESS_VERSION,
    ]
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


async def render_cached(
    code: str,
    store: Store,
    settings: RenderSettings,
    slots: asyncio.Semaphore,
    *,
    scene_name: str | None = None,
) -> RenderedScene | RenderError:
    """The stored render of `code`, rendering it (within a CPU slot) on a cache miss."""
    key = cache_key(code, settings, scene_name)
    hit = await store.get_render(key)
    if hit is not None:
        return _rendered(hit, cached=True)
    async with store.scratch("render-") as workdir:
        async with slots:
            result = await render_scene(
                code, workdir=workdir, settings=settings, scene_name=scene_name
            )
        if not result.ok or result.video is None:
            return result.error or RenderError(
                kind="code", type="RenderError", message="the render produced no video"
            )
        artifacts = store.artifacts
        entry = CachedRender(
            video=await artifacts.put_file(result.video, ".mp4"),
            last_frame=(
                await artifacts.put_file(result.last_frame, ".png") if result.last_frame else None
            ),
            duration=result.duration or 0.0,
            layout_report=result.layout or LayoutReport(animations=0),
            log=result.log,
        )
        await store.put_render(key, entry)
        return _rendered(entry, cached=False).model_copy(update={"seconds": result.seconds})


@functools.cache
def _manim_version() -> str:
    """Read once: package metadata is a file read, and every cache lookup needs it."""
    return version("manim")


def _rendered(entry: CachedRender, *, cached: bool) -> RenderedScene:
    return RenderedScene(
        video=entry.video,
        last_frame=entry.last_frame,
        duration=entry.duration,
        layout=entry.layout_report,
        log=entry.log,
        cached=cached,
    )
