"""Job leases and folded progress, project status, project version descriptions.

Only nullable columns or columns with a server default are added, so SQLite's batch
mode adds them in place with `ALTER TABLE ADD COLUMN`: no table is rebuilt. That
matters for `projects`: with foreign keys on, dropping a rebuilt parent table would
cascade-delete its scenes and versions. The downgrade uses SQLite's native DROP
COLUMN (3.35+) for the same reason, which is why `projects.status` has no CHECK
constraint (SQLite refuses to drop a column a CHECK names).

Existing projects become "ready" (before this revision a project row only existed
once a version was committed); existing jobs get an empty progress.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(
            sa.Column(
                "progress_state", sa.JSON(none_as_null=True), server_default="{}", nullable=False
            )
        )
        batch.add_column(sa.Column("lease_owner", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("projects") as batch:
        batch.add_column(
            sa.Column("status", sa.String(length=16), server_default="ready", nullable=False)
        )
    with op.batch_alter_table("project_versions") as batch:
        batch.add_column(sa.Column("description", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("project_versions", "description")
    op.drop_column("projects", "status")
    op.drop_column("jobs", "lease_expires_at")
    op.drop_column("jobs", "lease_owner")
    op.drop_column("jobs", "progress_state")
