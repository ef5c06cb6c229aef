"""ORM tables. Portable types only (String ids, JSON, aware UTC datetimes), so the same
schema and migrations run on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, TypeVar, get_args

from pydantic import BaseModel
from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from tools.layout_models import LayoutReport
from tools.store.records import (
    AssetKind,
    JobKind,
    JobProgress,
    JobStatus,
    ProjectStatus,
    SceneRenderStatus,
)

__all__ = [
    "ApiKey",
    "Asset",
    "Base",
    "Batch",
    "Job",
    "Project",
    "ProjectVersion",
    "ProjectVersionSlot",
    "PydanticJSON",
    "RenderCacheEntry",
    "Scene",
    "SceneRender",
    "SceneVersion",
    "SpeechCacheEntry",
    "new_id",
    "utcnow",
]

ID = String(32)
IDEMPOTENCY_KEY = String(255)
ARTIFACT_KEY = String(80)
JSON_VALUE = JSON(none_as_null=True)


def new_id() -> str:
    """A fresh row id: uuid4 as 32 hex characters."""
    return uuid.uuid4().hex


def utcnow() -> datetime:
    """Timestamps are written by the application, not the server, for portable defaults."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Always hands back aware datetimes in UTC, whatever the driver returns."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        # SQLite hands back naive values; PostgreSQL, the session's time zone.
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


M = TypeVar("M", bound=BaseModel)


class PydanticJSON(TypeDecorator[M]):
    """A pydantic model stored as JSON and read back as the model, so a typed record
    (a layout report, a job's progress) never travels through the store as a loose dict.

    Binding also accepts a dict of the model's shape, which is validated first.
    """

    impl = JSON(none_as_null=True)
    cache_ok = True

    def __init__(self, model: type[M]) -> None:
        super().__init__()
        self.model = model

    def process_bind_param(self, value: M | dict[str, Any] | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return self.model.model_validate(value).model_dump(mode="json")

    def process_result_value(self, value: Any, dialect: Dialect) -> M | None:
        return None if value is None else self.model.model_validate(value)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    """A CHECK condition naming the Literal's values, so the table follows `records`."""
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class Base(DeclarativeBase):
    """Declarative base with named constraints, so later migrations can alter them."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        datetime: UTCDateTime(),
        dict[str, Any]: JSON_VALUE,
        list[Any]: JSON_VALUE,
    }


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    prompt: Mapped[str] = mapped_column(Text)
    style: Mapped[str] = mapped_column(String(64))
    quality: Mapped[str] = mapped_column(String(16))
    # A ProjectStatus; no CHECK, so SQLite can add and drop the column in place (rebuilding
    # this parent table would cascade-delete its children). Rows older than v0003 had a
    # version, hence the server default.
    status: Mapped[ProjectStatus] = mapped_column(String(16), server_default="ready")
    owner: Mapped[str | None] = mapped_column(ID, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    scenes: Mapped[list[Scene]] = relationship(
        back_populates="project", order_by="Scene.number", cascade="all, delete-orphan"
    )
    versions: Mapped[list[ProjectVersion]] = relationship(
        back_populates="project", order_by="ProjectVersion.version", cascade="all, delete-orphan"
    )


class Scene(Base):
    __tablename__ = "scenes"
    __table_args__ = (UniqueConstraint("project_id", "number"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    number: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    project: Mapped[Project] = relationship(back_populates="scenes")
    versions: Mapped[list[SceneVersion]] = relationship(
        back_populates="scene", order_by="SceneVersion.version", cascade="all, delete-orphan"
    )


class SceneVersion(Base):
    __tablename__ = "scene_versions"
    __table_args__ = (UniqueConstraint("scene_id", "version"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    scene_id: Mapped[str] = mapped_column(ForeignKey("scenes.id", ondelete="CASCADE"))
    version: Mapped[int]
    code: Mapped[str] = mapped_column(Text)
    plan: Mapped[dict[str, Any]]
    video: Mapped[str] = mapped_column(ARTIFACT_KEY)
    last_frame: Mapped[str | None] = mapped_column(ARTIFACT_KEY)
    duration: Mapped[float]
    layout_report: Mapped[LayoutReport | None] = mapped_column(PydanticJSON(LayoutReport))
    render_log: Mapped[str] = mapped_column(Text)
    parent_version_id: Mapped[str | None] = mapped_column(
        ForeignKey("scene_versions.id", ondelete="SET NULL")
    )
    edit_prompt: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int]
    repairs: Mapped[list[Any]]
    fallback_used: Mapped[bool]
    fallback_reason: Mapped[str | None] = mapped_column(Text)
    usage: Mapped[dict[str, Any]]
    narration: Mapped[dict[str, Any] | None]
    audio: Mapped[str | None] = mapped_column(ARTIFACT_KEY)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    scene: Mapped[Scene] = relationship(back_populates="versions")

    @property
    def number(self) -> int:
        """The scene's number, so a version read on its own says where it belongs."""
        return self.scene.number


class ProjectVersion(Base):
    __tablename__ = "project_versions"
    __table_args__ = (UniqueConstraint("project_id", "version"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    version: Mapped[int]
    video: Mapped[str] = mapped_column(ARTIFACT_KEY)
    thumbnail: Mapped[str | None] = mapped_column(ARTIFACT_KEY)
    subtitles: Mapped[str | None] = mapped_column(ARTIFACT_KEY)
    manifest: Mapped[str | None] = mapped_column(ARTIFACT_KEY)
    duration: Mapped[float]
    description: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[str | None] = mapped_column(ID, unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    project: Mapped[Project] = relationship(back_populates="versions")
    slots: Mapped[list[ProjectVersionSlot]] = relationship(
        order_by="ProjectVersionSlot.number", cascade="all, delete-orphan"
    )


class ProjectVersionSlot(Base):
    __tablename__ = "project_version_slots"

    project_version_id: Mapped[str] = mapped_column(
        ForeignKey("project_versions.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(primary_key=True)
    scene_version_id: Mapped[str] = mapped_column(ForeignKey("scene_versions.id"), index=True)


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(_one_of("kind", get_args(JobKind)), name="kind"),
        CheckConstraint(_one_of("status", get_args(JobStatus)), name="status"),
        CheckConstraint("progress >= 0 AND progress <= 1", name="progress"),
        # NULLs are distinct in a unique index, so keys of jobs without an owner need their own.
        Index("uq_jobs_owner_idempotency_key", "owner", "idempotency_key", unique=True),
        Index(
            "uq_jobs_idempotency_key_unowned",
            "idempotency_key",
            unique=True,
            sqlite_where=text("owner IS NULL"),
            postgresql_where=text("owner IS NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    kind: Mapped[JobKind] = mapped_column(String(16))
    project_id: Mapped[str] = mapped_column(ID, index=True)
    status: Mapped[JobStatus] = mapped_column(String(16), index=True)
    stage: Mapped[str | None] = mapped_column(Text)
    progress: Mapped[float]
    message: Mapped[str] = mapped_column(Text)
    progress_state: Mapped[JobProgress] = mapped_column(
        PydanticJSON(JobProgress), default=JobProgress, server_default="{}"
    )
    request: Mapped[dict[str, Any]]
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None]
    owner: Mapped[str | None] = mapped_column(ID, index=True)
    idempotency_key: Mapped[str | None] = mapped_column(IDEMPOTENCY_KEY)
    lease_owner: Mapped[str | None] = mapped_column(String(255))
    lease_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RenderCacheEntry(Base):
    __tablename__ = "render_cache"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    video: Mapped[str] = mapped_column(ARTIFACT_KEY)
    last_frame: Mapped[str | None] = mapped_column(ARTIFACT_KEY)
    duration: Mapped[float]
    layout_report: Mapped[LayoutReport] = mapped_column(PydanticJSON(LayoutReport))
    log: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SpeechCacheEntry(Base):
    """A text spoken in one voice, keyed by a hash of provider, model, voice, speed and text."""

    __tablename__ = "speech_cache"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    audio: Mapped[str] = mapped_column(ARTIFACT_KEY)
    seconds: Mapped[float]
    words: Mapped[list[Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    """An API key, stored only as the sha256 of the key; `prefix` lets a person tell keys apart."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(8), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    admin: Mapped[bool] = mapped_column(default=False, server_default=false())


class Batch(Base):
    """Jobs submitted together (`POST /api/v1/batches`), in the order they were given."""

    __tablename__ = "batches"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    owner: Mapped[str | None] = mapped_column(ID, index=True)
    job_ids: Mapped[list[Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Asset(Base):
    """An uploaded image or audio file, owned by an API key; the bytes are an artifact."""

    __tablename__ = "assets"
    __table_args__ = (
        CheckConstraint(_one_of("kind", get_args(AssetKind)), name="kind"),
        UniqueConstraint("owner", "artifact"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    owner: Mapped[str | None] = mapped_column(ID, index=True)
    kind: Mapped[AssetKind] = mapped_column(String(16))
    media_type: Mapped[str] = mapped_column(String(64))
    artifact: Mapped[str] = mapped_column(ARTIFACT_KEY, index=True)
    size: Mapped[int]
    width: Mapped[int | None]
    height: Mapped[int | None]
    duration: Mapped[float | None]
    filename: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class SceneRender(Base):
    """A scene file rendered on its own (`POST /api/v1/agents/render`) and its outcome."""

    __tablename__ = "scene_renders"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    owner: Mapped[str | None] = mapped_column(ID, index=True)
    status: Mapped[SceneRenderStatus] = mapped_column(String(16))
    quality: Mapped[str] = mapped_column(String(16))
    scene_name: Mapped[str | None] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(Text)
    outcome: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
