"""Frames of a rendered scene for a visual fixer that reads images.

The layout report says after which animations problems appear; the frames from those
moments, plus the final frame, show the model what the numbers describe.
"""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

from tools import media
from tools.render.cache import RenderedScene
from tools.store import Store

__all__ = ["MAX_FRAMES", "review_frames"]

MAX_FRAMES = 4
# A frame a little before an animation's end is inside the video and shows its end state.
BEFORE_END_S = 0.05


async def review_frames(store: Store, rendered: RenderedScene) -> list[str]:
    """PNG data URLs: frames where layout issues first appear, then the last frame (≤ 4)."""
    times = rendered.layout.frame_times(MAX_FRAMES - 1)
    images: list[bytes] = []
    if times:
        async with store.scratch("frames-") as work:
            video = await store.artifacts.local_copy(rendered.video, work)
            images = await asyncio.to_thread(_grab, video, times, work)
    if rendered.last_frame is not None:
        images.append(await store.artifacts.read_bytes(rendered.last_frame))
    return [f"data:image/png;base64,{base64.b64encode(png).decode()}" for png in images]


def _grab(video: Path, times: list[float], work: Path) -> list[bytes]:
    """Blocking (ffmpeg and file reads): runs in a thread."""
    frames = []
    for index, at in enumerate(times):
        out = work / f"frame-{index}.png"
        media.thumbnail(video, out, max(at - BEFORE_END_S, 0.0))
        frames.append(out.read_bytes())
    return frames
