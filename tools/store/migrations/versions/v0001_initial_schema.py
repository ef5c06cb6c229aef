"""Initial schema: projects, scenes and their versions, jobs, render cache.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id(name: str, *, nullable: bool) -> sa.Column:
    return sa.Column(name, sa.String(length=32), nullable=nullable)


def _artifact(name: str, *, nullable: bool) -> sa.Column:
    return sa.Column(name, sa.String(length=80), nullable=nullable)


def _json(name: str, *, nullable: bool) -> sa.Column:
    return sa.Column(name, sa.JSON(none_as_null=True), nullable=nullable)


def _timestamp(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "projects",
        _id("id", nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("style", sa.String(length=64), nullable=False),
        sa.Column("quality", sa.String(length=16), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
    )
    op.create_index(op.f("ix_projects_updated_at"), "projects", ["updated_at"])

    op.create_table(
        "scenes",
        _id("id", nullable=False),
        _id("project_id", nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        _timestamp("created_at"),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_scenes_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenes")),
        sa.UniqueConstraint("project_id", "number", name=op.f("uq_scenes_project_id_number")),
    )

    op.create_table(
        "scene_versions",
        _id("id", nullable=False),
        _id("scene_id", nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        _json("plan", nullable=False),
        _artifact("video", nullable=False),
        _artifact("last_frame", nullable=True),
        sa.Column("duration", sa.Double(), nullable=False),
        _json("layout_report", nullable=True),
        sa.Column("render_log", sa.Text(), nullable=False),
        _id("parent_version_id", nullable=True),
        sa.Column("edit_prompt", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _json("repairs", nullable=False),
        sa.Column("fallback_used", sa.Boolean(), nullable=False),
        sa.Column("fallback_reason", sa.Text(), nullable=True),
        _json("usage", nullable=False),
        _timestamp("created_at"),
        sa.ForeignKeyConstraint(
            ["parent_version_id"],
            ["scene_versions.id"],
            name=op.f("fk_scene_versions_parent_version_id_scene_versions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["scene_id"],
            ["scenes.id"],
            name=op.f("fk_scene_versions_scene_id_scenes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scene_versions")),
        sa.UniqueConstraint("scene_id", "version", name=op.f("uq_scene_versions_scene_id_version")),
    )

    op.create_table(
        "project_versions",
        _id("id", nullable=False),
        _id("project_id", nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _artifact("video", nullable=False),
        _artifact("thumbnail", nullable=True),
        _artifact("subtitles", nullable=True),
        _artifact("manifest", nullable=True),
        sa.Column("duration", sa.Double(), nullable=False),
        _id("job_id", nullable=True),
        _timestamp("created_at"),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_versions_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_versions")),
        sa.UniqueConstraint("job_id", name=op.f("uq_project_versions_job_id")),
        sa.UniqueConstraint(
            "project_id", "version", name=op.f("uq_project_versions_project_id_version")
        ),
    )

    op.create_table(
        "project_version_slots",
        _id("project_version_id", nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        _id("scene_version_id", nullable=False),
        sa.ForeignKeyConstraint(
            ["project_version_id"],
            ["project_versions.id"],
            name=op.f("fk_project_version_slots_project_version_id_project_versions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["scene_version_id"],
            ["scene_versions.id"],
            name=op.f("fk_project_version_slots_scene_version_id_scene_versions"),
        ),
        sa.PrimaryKeyConstraint(
            "project_version_id", "number", name=op.f("pk_project_version_slots")
        ),
    )
    op.create_index(
        op.f("ix_project_version_slots_scene_version_id"),
        "project_version_slots",
        ["scene_version_id"],
    )

    op.create_table(
        "jobs",
        _id("id", nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        _id("project_id", nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.Text(), nullable=True),
        sa.Column("progress", sa.Double(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        _json("request", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        _json("result", nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.CheckConstraint("kind IN ('generate', 'edit')", name=op.f("ck_jobs_kind")),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'completed', 'failed', 'cancelled')",
            name=op.f("ck_jobs_status"),
        ),
        sa.CheckConstraint("progress >= 0 AND progress <= 1", name=op.f("ck_jobs_progress")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index(op.f("ix_jobs_created_at"), "jobs", ["created_at"])
    op.create_index(op.f("ix_jobs_project_id"), "jobs", ["project_id"])
    op.create_index(op.f("ix_jobs_status"), "jobs", ["status"])

    op.create_table(
        "render_cache",
        sa.Column("key", sa.String(length=128), nullable=False),
        _artifact("video", nullable=False),
        _artifact("last_frame", nullable=True),
        sa.Column("duration", sa.Double(), nullable=False),
        _json("layout_report", nullable=False),
        sa.Column("log", sa.Text(), nullable=False),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_render_cache")),
    )


def downgrade() -> None:
    op.drop_table("render_cache")
    op.drop_table("jobs")
    op.drop_table("project_version_slots")
    op.drop_table("project_versions")
    op.drop_table("scene_versions")
    op.drop_table("scenes")
    op.drop_table("projects")
