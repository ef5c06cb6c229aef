"""The contact sheet of layout repairs: before and after frames side by side, one row per
repaired scene, so a person can judge that the picture got better, not just the count."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw

from evals.results import ItemResult

__all__ = ["layout_contact_sheet"]

THUMB_WIDTH = 480
LABEL_HEIGHT = 22
GAP = 8


def layout_contact_sheet(out: Path, results: Sequence[ItemResult]) -> bytes | None:
    """A PNG: for each layout-repaired scene, its label, then before | after; None if none."""
    rows = [
        (f"{result.id} scene {scene.number}", scene.layout_frames)
        for result in results
        for scene in result.scenes
        if scene.layout_frames is not None and all((out / f).is_file() for f in scene.layout_frames)
    ]
    if not rows:
        return None
    thumbs = [(label, [_thumb(out / name) for name in frames]) for label, frames in rows if frames]
    height = sum(LABEL_HEIGHT + max(t.height for t in pair) + GAP for _, pair in thumbs)
    sheet = Image.new("RGB", (2 * THUMB_WIDTH + 3 * GAP, height + GAP), "white")
    draw = ImageDraw.Draw(sheet)
    y = GAP
    for label, pair in thumbs:
        draw.text((GAP, y + 4), f"{label}: before | after", fill="black")
        y += LABEL_HEIGHT
        for column, thumb in enumerate(pair):
            sheet.paste(thumb, (GAP + column * (THUMB_WIDTH + GAP), y))
        y += max(t.height for t in pair) + GAP
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG")
    return buffer.getvalue()


def _thumb(path: Path) -> Image.Image:
    with Image.open(path) as image:
        frame = image.convert("RGB")
    height = round(frame.height * THUMB_WIDTH / frame.width)
    return frame.resize((THUMB_WIDTH, height))
