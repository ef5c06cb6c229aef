"""The store: a database of projects, versions, jobs and renders, plus an artifact directory.

Every read returns frozen records; every write is one transaction, so a failed
write leaves nothing behind.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self, Unpack

from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from tools.store import jobs, versions
from tools.store.artifacts import ArtifactStore
from tools.store.database import make_engines, sqlite_url
from tools.store.errors import MissingArtifactError, StoreConflictError, StoreUnavailableError
from tools.store.inputs import (
    AssembledVideo,
    JobChanges,
    NewSceneVersion,
    ProjectFields,
    validate_changes,
)
from tools.store.migrate import upgrade_to_head
from tools.store.records import (
    CachedRender,
    JobKind,
    JobRecord,
    JobStatus,
    ProjectInfo,
    ProjectRecord,
    ProjectSummary,
    ProjectVersionRecord,
    SceneVersionRecord,
)
from tools.store.render_cache import UPSERT_DIALECTS, upsert_render
from tools.store.tables import Base, Job, ProjectVersion, RenderCacheEntry

__all__ = ["DATABASE_FILE", "Store"]

DATABASE_FILE = "manimgraph.db"


class Store:
    """Projects, scene versions, jobs and the render cache of one data directory.

    Example:
        >>> with Store.open(Path("~/.local/share/manimgraph")) as store:
        ...     job = store.create_job("generate", None, {"prompt": "Bayes rule"})
        ...     store.update_job(job.id, status="running", progress=0.1)
    """

    def __init__(self, data_dir: Path, artifacts: ArtifactStore, engines: tuple[Engine, Engine]):
        self.data_dir = data_dir
        self.artifacts = artifacts
        self._engine = engines[0]
        self._reader = sessionmaker(engines[0], expire_on_commit=False)
        self._writer = sessionmaker(engines[1], expire_on_commit=False)

    @classmethod
    def open(cls, data_dir: Path, *, database_url: str | None = None) -> Store:
        """Create the directories if needed and migrate the database to head.

        `database_url` replaces the SQLite file `<data_dir>/manimgraph.db`, e.g. with
        a PostgreSQL URL; artifacts stay in `<data_dir>/artifacts/` either way.
        """
        data_dir = Path(data_dir).expanduser()
        _ensure_writable(data_dir / "artifacts")
        engines = _connect(database_url or sqlite_url(data_dir / DATABASE_FILE))
        return cls(data_dir, ArtifactStore(data_dir / "artifacts"), engines)

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[Session]:
        try:
            with self._writer.begin() as session:
                yield session
        except IntegrityError as exc:
            raise StoreConflictError(f"the write clashes with an existing row: {exc.orig}") from exc

    def _require_artifacts(self, *keys: str | None) -> None:
        missing = [key for key in keys if key is not None and not self.artifacts.exists(key)]
        if missing:
            raise MissingArtifactError(f"artifacts not stored: {missing}")

    # Render cache

    def get_render(self, key: str) -> CachedRender | None:
        """The cached render of `key`; an entry whose files were deleted counts as a miss."""
        with self._reader.begin() as session:
            row = session.get(RenderCacheEntry, key)
            render = CachedRender.model_validate(row) if row is not None else None
        if render is None or not all(
            self.artifacts.exists(k) for k in (render.video, render.last_frame) if k is not None
        ):
            return None
        return render

    def put_render(self, key: str, render: CachedRender) -> None:
        """Insert or replace the cache entry of `key` (its files must be stored already)."""
        self._require_artifacts(render.video, render.last_frame)
        with self._write() as session:
            upsert_render(session, key, render)

    # Jobs

    def create_job(
        self,
        kind: JobKind,
        project_id: str | None,
        request: Mapping[str, Any],
        *,
        job_id: str | None = None,
    ) -> JobRecord:
        """Insert a queued job. A generate job may pass `project_id=None` to get a fresh id;
        an edit job must name an existing project. `job_id` defaults to a new uuid4 hex."""
        with self._write() as session:
            return JobRecord.model_validate(
                jobs.add_job(session, kind, project_id, request, job_id)
            )

    def update_job(self, job_id: str, **changes: Unpack[JobChanges]) -> JobRecord:
        """Change a job's status, stage, progress, message, error or result."""
        valid = validate_changes(dict(changes))
        with self._write() as session:
            return JobRecord.model_validate(jobs.change_job(session, job_id, valid))

    def get_job(self, job_id: str) -> JobRecord | None:
        """The job, or None."""
        with self._reader.begin() as session:
            row = session.get(Job, job_id)
            return JobRecord.model_validate(row) if row is not None else None

    def list_jobs(
        self,
        status: JobStatus | None = None,
        *,
        project_id: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[JobRecord]:
        """Jobs newest first, optionally of one status or one project."""
        with self._reader.begin() as session:
            rows = jobs.find_jobs(session, status, project_id, limit, offset)
            return [JobRecord.model_validate(row) for row in rows]

    # Versions

    def commit_version(
        self,
        project: ProjectFields,
        scenes: Sequence[NewSceneVersion],
        output: AssembledVideo,
        *,
        kept: Mapping[int, str] | None = None,
        carry_over: bool = False,
        job_id: str | None = None,
    ) -> ProjectVersionRecord:
        """Land a job's output atomically and return the new project version.

        Each new scene version fills the slot of its number; `kept` maps further slot
        numbers to existing scene version ids of this project; with `carry_over`, slots
        still empty take the scene version of the latest project version, read inside
        this transaction (so two concurrent edits of different scenes both survive).
        Committing again with the same `job_id` returns the first result unchanged.
        """
        kept = dict(kept or {})
        versions.check_slots(scenes, kept)
        self._require_artifacts(
            output.video,
            output.thumbnail,
            output.subtitles,
            output.manifest,
            *(key for scene in scenes for key in (scene.video, scene.last_frame)),
        )
        with self._write() as session:
            row = versions.add_project_version(
                session, project, scenes, output, kept, carry_over, job_id
            )
            return ProjectVersionRecord.model_validate(row)

    def get_project(self, project_id: str) -> ProjectRecord | None:
        """The project with its scenes (each with every version) and every project version."""
        with self._reader.begin() as session:
            row = versions.load_project(session, project_id)
            return ProjectRecord.model_validate(row) if row is not None else None

    def list_projects(self, limit: int = 50, offset: int = 0) -> list[ProjectSummary]:
        """Projects, most recently updated first, each with its latest version."""
        with self._reader.begin() as session:
            rows = versions.page_projects(session, limit, offset)
            latest = versions.latest_versions(session, [row.id for row in rows])
            return [
                ProjectSummary(
                    **ProjectInfo.model_validate(row).model_dump(),
                    current=_version_record(latest.get(row.id)),
                )
                for row in rows
            ]

    def current_version(self, project_id: str) -> ProjectVersionRecord | None:
        """The project's latest version, or None if it has none (or does not exist)."""
        with self._reader.begin() as session:
            return _version_record(versions.latest_version(session, project_id))

    def scene_version(
        self, project_id: str, number: int, version: int | None = None
    ) -> SceneVersionRecord | None:
        """Version `version` of scene `number`; None means the one the current video uses."""
        with self._reader.begin() as session:
            row = versions.find_scene_version(session, project_id, number, version)
            return SceneVersionRecord.model_validate(row) if row is not None else None

    def counts(self) -> dict[str, int]:
        """Rows per table, e.g. to show that a failed write left nothing behind."""
        with self._reader.begin() as session:
            return {
                table.name: session.scalar(select(func.count()).select_from(table)) or 0
                for table in Base.metadata.sorted_tables
            }


def _connect(url: str) -> tuple[Engine, Engine]:
    """Engines on a migrated database; every failure is one readable StoreUnavailableError."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreUnavailableError(f"not a database URL: {exc}") from exc
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() not in UPSERT_DIALECTS:
        raise StoreUnavailableError(f"unsupported database {shown}: use SQLite or PostgreSQL")
    try:
        engines = make_engines(url)
    except ImportError as exc:
        raise StoreUnavailableError(f"no driver for {shown}: {exc}") from exc
    try:
        upgrade_to_head(engines[1])
    except SQLAlchemyError as exc:
        engines[0].dispose()
        cause = getattr(exc, "orig", None) or exc
        raise StoreUnavailableError(f"cannot open the database {shown}: {cause}") from exc
    return engines


def _ensure_writable(directory: Path) -> None:
    """Create `directory` and prove a file can be written there (root ignores modes)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise StoreUnavailableError(
            f"data directory {directory.parent} is not writable: {reason}"
        ) from exc


def _version_record(row: ProjectVersion | None) -> ProjectVersionRecord | None:
    return ProjectVersionRecord.model_validate(row) if row is not None else None
