"""Async engines for the store: SQLite tuned for several processes, or PostgreSQL.

SQLite (through aiosqlite) gets WAL (readers never block the writer), foreign keys,
a busy timeout, and transactions begun by us rather than by the sqlite3 driver, so
a read-then-write transaction can take the write lock up front (`BEGIN IMMEDIATE`)
instead of failing to upgrade when another process wrote in between. The listeners
sit on `engine.sync_engine`: the async engine drives the same sync events.

PostgreSQL goes through psycopg 3; a write that reads before it writes locks its
rows with `SELECT ... FOR UPDATE` instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

__all__ = ["async_url", "make_engines", "sqlite_url"]

BUSY_TIMEOUT_MS = 15_000
CONNECT_TIMEOUT_S = 10
_BEGIN_MODE = "manimgraph_sqlite_begin"
_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


def async_url(url: str | URL) -> URL:
    """`url` with the async driver we ship when it names none.

    `sqlite:///x.db` becomes `sqlite+aiosqlite:///x.db`, and `postgresql://...` (or
    the common `postgres://...`) becomes `postgresql+psycopg://...`; a driver the
    user spelled out is kept (and refused by the store unless it is one of these).

    Raises:
        sqlalchemy.exc.ArgumentError: `url` is not a URL.
    """
    parsed = make_url(url)
    backend = "postgresql" if parsed.drivername == "postgres" else parsed.drivername
    return parsed.set(drivername=_ASYNC_DRIVERS.get(backend, parsed.drivername))


def make_engines(url: URL) -> tuple[AsyncEngine, AsyncEngine]:
    """A reading engine and a writing engine sharing one connection pool.

    Only on SQLite do they differ: the writing one begins with `BEGIN IMMEDIATE`.

    Raises:
        ImportError: the driver is not installed.
    """
    if url.get_backend_name() != "sqlite":
        engine = create_async_engine(
            url, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT_S}
        )
        return engine, engine
    engine = create_async_engine(url)
    event.listen(engine.sync_engine, "connect", _configure_sqlite)
    event.listen(engine.sync_engine, "begin", _begin_sqlite)
    return engine, engine.execution_options(**{_BEGIN_MODE: "IMMEDIATE"})


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _begin_sqlite(connection: Connection) -> None:
    mode = connection.get_execution_options().get(_BEGIN_MODE, "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")
