"""Apply the Alembic migrations shipped in `migrations/`, with no alembic.ini.

The store migrates at open, on its async engine: Alembic itself is synchronous, so
it runs on the sync face of an async connection (`AsyncConnection.run_sync`).

To write a new migration after changing `tables.py`:

    from alembic import command
    from tools.store.migrate import alembic_config
    command.revision(alembic_config(url="sqlite:///dev.db"), "add x", autogenerate=True,
                     rev_id="0004")

(upgrade `dev.db` to head first, so autogenerate compares against the current schema).

Alembic is imported only when a database is not at head: opening an up-to-date store (what
every CLI command does) reads the revision with one query and skips Alembic's import.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["MIGRATIONS_DIR", "alembic_config", "upgrade_to_head"]

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_MIGRATION_LOCK = 0x6D67_7374  # "mgst": any constant all our processes agree on


def alembic_config(*, connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic config for our scripts, bound to an open connection or to a sync URL."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "v%%(rev)s_%%(slug)s")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


async def upgrade_to_head(engine: AsyncEngine) -> str | None:
    """Bring the schema to head in one write transaction (a no-op when already there)
    and return the revision it is at.

    Two processes opening a new database at once migrate it once: the second waits,
    then finds it at head. On SQLite the write transaction's lock does that; on
    PostgreSQL, whose DDL takes no lock before the tables exist, an advisory lock.
    """
    async with engine.begin() as connection:
        return await connection.run_sync(_upgrade)


def _upgrade(connection: Connection) -> str | None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
    head = _head_revision()
    if head is not None and inspect(connection).has_table("alembic_version"):
        current = connection.scalars(text("SELECT version_num FROM alembic_version")).all()
        if current == [head]:
            return head
    from alembic import command
    from alembic.migration import MigrationContext

    command.upgrade(alembic_config(connection=connection), "head")
    return MigrationContext.configure(connection).get_current_revision()


_REVISION = re.compile(r'^(down_revision|revision): str(?: \| None)? = "(\w+)"', re.MULTILINE)


@cache
def _head_revision() -> str | None:
    """The one revision no script revises, read from the scripts' own lines; None (so
    Alembic decides) if that is not exactly one."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for script in (MIGRATIONS_DIR / "versions").glob("v*.py"):
        for field, value in _REVISION.findall(script.read_text()):
            (revisions if field == "revision" else revised).add(value)
    heads = revisions - revised
    return heads.pop() if len(heads) == 1 else None
