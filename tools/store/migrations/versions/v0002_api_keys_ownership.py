"""API keys, owners of jobs and projects, idempotency keys of jobs.

Every new column is nullable, so existing rows upgrade in place as "created
without keys" and SQLite needs no table rebuild (the downgrade's DROP COLUMN
needs SQLite 3.35+).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNOWNED = sa.text("owner IS NULL")


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
        sa.UniqueConstraint("name", name=op.f("uq_api_keys_name")),
    )
    op.create_index(op.f("ix_api_keys_prefix"), "api_keys", ["prefix"])

    op.add_column("projects", sa.Column("owner", sa.String(length=32), nullable=True))
    op.create_index(op.f("ix_projects_owner"), "projects", ["owner"])

    op.add_column("jobs", sa.Column("owner", sa.String(length=32), nullable=True))
    op.add_column("jobs", sa.Column("idempotency_key", sa.String(length=255), nullable=True))
    op.create_index(op.f("ix_jobs_owner"), "jobs", ["owner"])
    op.create_index(
        "uq_jobs_owner_idempotency_key", "jobs", ["owner", "idempotency_key"], unique=True
    )
    op.create_index(
        "uq_jobs_idempotency_key_unowned",
        "jobs",
        ["idempotency_key"],
        unique=True,
        sqlite_where=UNOWNED,
        postgresql_where=UNOWNED,
    )


def downgrade() -> None:
    op.drop_index("uq_jobs_idempotency_key_unowned", table_name="jobs")
    op.drop_index("uq_jobs_owner_idempotency_key", table_name="jobs")
    op.drop_index(op.f("ix_jobs_owner"), table_name="jobs")
    op.drop_column("jobs", "idempotency_key")
    op.drop_column("jobs", "owner")
    op.drop_index(op.f("ix_projects_owner"), table_name="projects")
    op.drop_column("projects", "owner")
    op.drop_index(op.f("ix_api_keys_prefix"), table_name="api_keys")
    op.drop_table("api_keys")
