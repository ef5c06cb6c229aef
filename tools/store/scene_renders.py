"""Scene render rows: one scene file rendered on its own, from `running` to `completed`
(with its outcome) or `failed` (it could not be run)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from tools.store.errors import RecordNotFoundError
from tools.store.records import SceneRenderRecord
from tools.store.tables import SceneRender, new_id, utcnow

__all__ = ["add_render", "end_render", "find_render"]


def add_render(
    session: Session, owner: str | None, code: str, quality: str, scene_name: str | None
) -> SceneRenderRecord:
    """Insert a running scene render."""
    now = utcnow()
    row = SceneRender(
        id=new_id(),
        owner=owner,
        status="running",
        quality=quality,
        scene_name=scene_name,
        code=code,
        outcome=None,
        error=None,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return SceneRenderRecord.model_validate(row)


def end_render(
    session: Session, render_id: str, outcome: Mapping[str, Any] | None, error: str | None
) -> SceneRenderRecord:
    """Mark the render completed with its outcome, or failed with `error`."""
    row = session.get(SceneRender, render_id, with_for_update=True)
    if row is None:
        raise RecordNotFoundError(f"no scene render {render_id!r}")
    row.status = "completed" if outcome is not None else "failed"
    row.outcome = dict(outcome) if outcome is not None else None
    row.error, row.updated_at = error, utcnow()
    session.flush()
    return SceneRenderRecord.model_validate(row)


def find_render(session: Session, render_id: str, owner: str | None) -> SceneRenderRecord | None:
    """The render, or None (also when `owner` is given and did not ask for it)."""
    row = session.get(SceneRender, render_id)
    if row is None or owner not in (None, row.owner):
        return None
    return SceneRenderRecord.model_validate(row)
