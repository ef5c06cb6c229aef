"""The cache tables: a render per hash of code + quality + Manim version, and a spoken
text per hash of provider + model + voice + speed + text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tools.store.records import CachedRender, CachedSpeech
from tools.store.tables import RenderCacheEntry, SpeechCacheEntry, utcnow

__all__ = ["UPSERT_DIALECTS", "upsert_render", "upsert_speech"]

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


def upsert_speech(session: Session, key: str, speech: CachedSpeech) -> None:
    """Insert or replace the spoken text of `key` in one statement."""
    values = speech.model_dump()
    insert = UPSERT_DIALECTS[session.get_bind().dialect.name]
    statement = insert(SpeechCacheEntry).values(key=key, created_at=utcnow(), **values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[SpeechCacheEntry.key],
            set_={name: statement.excluded[name] for name in values},
        )
    )
