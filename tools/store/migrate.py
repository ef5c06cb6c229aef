"""Apply the Alembic migrations shipped in `migrations/`, with no alembic.ini.

To write a new migration after changing `tables.py`:

    from alembic import command
    from tools.store.migrate import alembic_config
    command.revision(alembic_config(url="sqlite:///dev.db"), "add x", autogenerate=True,
                     rev_id="0002")

(upgrade `dev.db` to head first, so autogenerate compares against the current schema).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine

__all__ = ["MIGRATIONS_DIR", "alembic_config", "upgrade_to_head"]

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(*, connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic config for our scripts, bound to an open connection or to a URL."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "v%%(rev)s_%%(slug)s")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Bring the schema to head in one write transaction (a no-op when already there).

    On SQLite the transaction holds the write lock, so two processes opening a new
    store at once migrate it once: the second waits, then finds it at head.
    """
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection=connection), "head")
