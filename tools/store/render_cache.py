"""The render cache table: one row per hash of code + quality + Manim version."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tools.store.records import CachedRender
from tools.store.tables import RenderCacheEntry, utcnow

__all__ = ["UPSERT_DIALECTS", "upsert_render"]

UPSERT_DIALECTS: dict[str, Callable[..., Any]] = {
    "sqlite": sqlite.insert,
    "postgresql": postgresql.insert,
}


def upsert_render(session: Session, key: str, render: CachedRender) -> None:
    """Insert or replace the entry for `key` in one statement, safe against a racing writer."""
    values = render.model_dump()
    insert = UPSERT_DIALECTS[session.get_bind().dialect.name]
    statement = insert(RenderCacheEntry).values(key=key, created_at=utcnow(), **values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[RenderCacheEntry.key],
            set_={name: statement.excluded[name] for name in values},
        )
    )
