"""Finding artifacts no row references any more, and deleting them.

A job stores its files first and the rows naming them last, so a file is only
garbage once it is unreferenced *and* older than a grace period; storing the same
content again refreshes the file's age (see `ArtifactStore`).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from tools.store.artifacts import ArtifactStore
from tools.store.tables import ProjectVersion, RenderCacheEntry, SceneVersion

__all__ = ["Freed", "referenced_keys", "sweep"]

_ARTIFACT_COLUMNS: tuple[InstrumentedAttribute[Any], ...] = (
    SceneVersion.video,
    SceneVersion.last_frame,
    ProjectVersion.video,
    ProjectVersion.thumbnail,
    ProjectVersion.subtitles,
    ProjectVersion.manifest,
    RenderCacheEntry.video,
    RenderCacheEntry.last_frame,
)


class Freed(NamedTuple):
    """Files deleted (or that a dry run would delete) and their bytes."""

    files: int
    bytes: int


def referenced_keys(session: Session) -> set[str]:
    """Every artifact key some row names."""
    keys: set[str] = set()
    for column in _ARTIFACT_COLUMNS:
        keys.update(session.scalars(select(column).where(column.is_not(None)).distinct()))
    return keys


def sweep(
    artifacts: ArtifactStore, referenced: set[str], modified_before: float, dry_run: bool
) -> Freed:
    """Delete unreferenced files (and leftovers of crashed writes) last written before
    `modified_before` (a Unix time)."""
    files = size = 0
    for found in artifacts.scan():
        if found.key in referenced or found.modified >= modified_before:
            continue
        if not dry_run:
            found.path.unlink(missing_ok=True)
        files += 1
        size += found.size
    return Freed(files, size)
