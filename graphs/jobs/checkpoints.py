"""The LangGraph checkpointer of a store: beside the SQLite file, or in the same PostgreSQL.

The serializer names every type our graph state holds, so a resume deserialises them
as registered types (LangGraph will block unregistered ones in strict mode).
"""

from __future__ import annotations

import enum
import typing
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from pydantic import BaseModel
from sqlalchemy.engine import make_url

from graphs.state import SceneState, VideoState
from tools.store import StoreUnavailableError

__all__ = ["CHECKPOINT_FILE", "open_checkpointer", "state_serializer", "state_types"]

CHECKPOINT_FILE = "checkpoints.db"


def state_types() -> set[type]:
    """Every pydantic model and enum reachable from the graph states' annotations."""
    found: set[type] = set()
    pending: list[object] = [
        hint
        for state in (VideoState, SceneState)
        for hint in typing.get_type_hints(state, include_extras=True).values()
    ]
    while pending:
        hint = pending.pop()
        pending.extend(typing.get_args(hint))
        if not isinstance(hint, type) or hint in found:
            continue
        if issubclass(hint, BaseModel):
            found.add(hint)
            pending.extend(field.annotation for field in hint.model_fields.values())
        elif issubclass(hint, enum.Enum):
            found.add(hint)
    return found


def state_serializer() -> JsonPlusSerializer:
    """A serializer that allows exactly our state's types."""
    allowed = sorted((cls.__module__, cls.__qualname__) for cls in state_types())
    return JsonPlusSerializer(allowed_msgpack_modules=allowed)


@asynccontextmanager
async def open_checkpointer(
    data_dir: Path, database_url: str | None
) -> AsyncIterator[BaseCheckpointSaver]:
    """The saver for a store: `<data_dir>/checkpoints.db`, or the store's PostgreSQL database.

    Raises:
        StoreUnavailableError: the PostgreSQL driver is missing or the database is unreachable.
    """
    serde = state_serializer()
    if database_url is None or make_url(database_url).get_backend_name() == "sqlite":
        async with aiosqlite.connect(str(Path(data_dir) / CHECKPOINT_FILE)) as conn:
            saver = AsyncSqliteSaver(conn, serde=serde)
            await saver.setup()
            yield saver
        return
    async with _postgres_saver(database_url, serde) as saver:
        yield saver


@asynccontextmanager
async def _postgres_saver(
    url: str, serde: JsonPlusSerializer
) -> AsyncIterator[BaseCheckpointSaver]:
    """`AsyncPostgresSaver` on a psycopg pool of autocommit connections (its `setup()` needs it)."""
    try:
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
        from psycopg import OperationalError
        from psycopg.rows import dict_row
        from psycopg_pool import AsyncConnectionPool
    except ImportError as exc:
        raise StoreUnavailableError(
            f"PostgreSQL checkpoints need {exc.name}: pip install 'manimgraph[postgres]'"
        ) from exc
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    shown = make_url(url).render_as_string(hide_password=True)
    pool = AsyncConnectionPool(
        conninfo,
        kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
        min_size=1,
        max_size=4,
        open=False,
    )
    try:
        await pool.open(wait=True, timeout=10)
    except (OperationalError, TimeoutError) as exc:
        await pool.close()
        raise StoreUnavailableError(f"cannot open the checkpoints in {shown}: {exc}") from exc
    try:
        saver = AsyncPostgresSaver(conn=pool, serde=serde)  # type: ignore[arg-type]
        await saver.setup()
        yield saver
    finally:
        await pool.close()
