"""Scene renders: scene files rendered on their own (`POST /api/v1/agents/render`), with
their outcome (video, layout report, repairs) once they end.

A new table only, so SQLite rebuilds nothing.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scene_renders",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("quality", sa.String(length=16), nullable=False),
        sa.Column("scene_name", sa.String(length=100), nullable=True),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("outcome", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scene_renders")),
    )
    op.create_index(op.f("ix_scene_renders_owner"), "scene_renders", ["owner"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_scene_renders_owner"), table_name="scene_renders")
    op.drop_table("scene_renders")
