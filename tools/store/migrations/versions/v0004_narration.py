"""Narration: each scene version's voice-over (timed segments and track), and the speech
cache (a text spoken in one voice, keyed by provider, model, voice, speed and text).

Only nullable columns are added to `scene_versions`, so SQLite adds them in place: old
scene versions are silent ones.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-12
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("scene_versions") as batch:
        batch.add_column(sa.Column("narration", sa.JSON(none_as_null=True), nullable=True))
        batch.add_column(sa.Column("audio", sa.String(length=80), nullable=True))
    op.create_table(
        "speech_cache",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("audio", sa.String(length=80), nullable=False),
        sa.Column("seconds", sa.Double(), nullable=False),
        sa.Column("words", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_speech_cache")),
    )


def downgrade() -> None:
    op.drop_table("speech_cache")
    op.drop_column("scene_versions", "audio")
    op.drop_column("scene_versions", "narration")
