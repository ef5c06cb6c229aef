"""Admin API keys: `api_keys.admin` marks a key that may run operations on the whole
server (`POST /api/v1/system/cleanup`).

The column has a server default, so SQLite's batch mode adds it in place with
`ALTER TABLE ADD COLUMN` (no table is rebuilt) and existing keys are not admins.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-13
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(
            sa.Column("admin", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    op.drop_column("api_keys", "admin")
