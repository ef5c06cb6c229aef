"""User assets: uploaded images and music beds, owned by an API key, their bytes stored
content-addressed as artifacts (`POST /api/v1/assets`).

A new table only, so SQLite rebuilds nothing.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assets",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=32), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("artifact", sa.String(length=80), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("duration", sa.Double(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('image', 'audio')", name=op.f("ck_assets_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assets")),
        sa.UniqueConstraint("owner", "artifact", name=op.f("uq_assets_owner_artifact")),
    )
    op.create_index(op.f("ix_assets_owner"), "assets", ["owner"])
    op.create_index(op.f("ix_assets_artifact"), "assets", ["artifact"])
    op.create_index(op.f("ix_assets_created_at"), "assets", ["created_at"])


def downgrade() -> None:
    op.drop_table("assets")
