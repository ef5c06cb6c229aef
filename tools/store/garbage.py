"""Finding artifacts no row references any more, and deleting them.

A job stores its files first and the rows naming them last, so an object is only
garbage once no row names it *and* it is older than a grace period; storing the same
content again makes the object young again (see `ArtifactStore`). The references come
from the database, never from the objects alone, on every back end.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from tools.assets.models import PlanImage
from tools.store.artifacts import ArtifactStore
from tools.store.tables import (
    Asset,
    ProjectVersion,
    RenderCacheEntry,
    SceneVersion,
    SpeechCacheEntry,
)

__all__ = ["Freed", "referenced_keys", "sweep"]

_ARTIFACT_COLUMNS: tuple[InstrumentedAttribute[Any], ...] = (
    SceneVersion.video,
    SceneVersion.last_frame,
    SceneVersion.audio,
    ProjectVersion.video,
    ProjectVersion.thumbnail,
    ProjectVersion.subtitles,
    ProjectVersion.manifest,
    RenderCacheEntry.video,
    RenderCacheEntry.last_frame,
    SpeechCacheEntry.audio,
    Asset.artifact,
)


_PLAN_IMAGES = TypeAdapter(list[PlanImage])


class Freed(NamedTuple):
    """Objects or files deleted (or that a dry run would delete) and their bytes."""

    files: int
    bytes: int


def referenced_keys(session: Session) -> set[str]:
    """Every artifact key some row names, the images scene plans show included (an edit
    renders them again, even once their asset was deleted)."""
    keys: set[str] = set()
    for column in _ARTIFACT_COLUMNS:
        keys.update(session.scalars(select(column).where(column.is_not(None)).distinct()))
    for plan in session.scalars(select(SceneVersion.plan)):
        images = plan.get("images") if isinstance(plan, dict) else None
        for image in _PLAN_IMAGES.validate_python(images or []):
            keys.add(image.key)
    return keys


async def sweep(
    artifacts: ArtifactStore, referenced: set[str], modified_before: float, dry_run: bool
) -> Freed:
    """Delete unreferenced objects (and leftovers of crashed writes) last written before
    `modified_before` (a Unix time); `referenced` must be read before the scan starts."""
    doomed = [
        found
        async for found in artifacts.scan()
        if found.key not in referenced and found.modified < modified_before
    ]
    if not dry_run:
        await artifacts.delete([found.name for found in doomed])
    return Freed(len(doomed), sum(found.size for found in doomed))
