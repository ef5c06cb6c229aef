"""Engines for the store: SQLite tuned for several processes, or any SQLAlchemy URL.

SQLite gets WAL (readers never block the writer), foreign keys, a busy timeout,
and transactions begun by us rather than by the sqlite3 driver, so a read-then-write
transaction can take the write lock up front (`BEGIN IMMEDIATE`) instead of failing
to upgrade when another process wrote in between.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event

__all__ = ["make_engines", "sqlite_url"]

BUSY_TIMEOUT_MS = 15_000
_BEGIN_MODE = "manimgraph_sqlite_begin"


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


def make_engines(url: str) -> tuple[Engine, Engine]:
    """A reading engine and a writing engine sharing one connection pool.

    Only on SQLite do they differ: the writing one begins with `BEGIN IMMEDIATE`.
    """
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name != "sqlite":
        return engine, engine
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin_sqlite)
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
