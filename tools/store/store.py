"""The store: a database of projects, versions, jobs and renders, plus an artifact directory.

Every read returns frozen records; every write is one transaction, so a failed
write leaves nothing behind.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Self, Unpack

from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from tools.store import api_keys, garbage, jobs, projects, versions
from tools.store.artifacts import ArtifactStore
from tools.store.database import make_engines, sqlite_url
from tools.store.errors import MissingArtifactError, StoreConflictError, StoreUnavailableError
from tools.store.inputs import (
    API_KEY_NAME,
    IDEMPOTENCY_KEY,
    AssembledVideo,
    JobChanges,
    NewSceneVersion,
    ProjectFields,
    validate_changes,
)
from tools.store.migrate import upgrade_to_head
from tools.store.records import (
    ApiKeyRecord,
    CachedRender,
    CleanupReport,
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
from tools.store.stats import gather_stats
from tools.store.tables import Base, ProjectVersion, RenderCacheEntry, utcnow
from tools.store.workdirs import sweep_work_dirs

__all__ = ["DATABASE_FILE", "GARBAGE_GRACE", "Store"]

DATABASE_FILE = "manimgraph.db"
GARBAGE_GRACE = timedelta(hours=1)
"""How long an unreferenced artifact is spared: longer than a job takes from storing
its files to committing the rows that name them."""


class Store:
    """Projects, scene versions, jobs, API keys and the render cache of one data directory.

    Reads taking `owner` show only rows created with that API key id; `owner=None`
    means no filter (the mode without keys).

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
        data_dir = Path(data_dir).expanduser().resolve()
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

    # API keys

    def create_api_key(self, name: str) -> tuple[ApiKeyRecord, str]:
        """A new key named `name` and its plaintext, which is not stored and shown only now.

        Raises:
            StoreConflictError: a key (even a revoked one) already has this name.
        """
        name = API_KEY_NAME.validate_python(name)
        with self._write() as session:
            row, plaintext = api_keys.add_key(session, name)
            return ApiKeyRecord.model_validate(row), plaintext

    def verify_api_key(self, plaintext: str) -> ApiKeyRecord | None:
        """The active key `plaintext` is, or None if it is unknown or revoked."""
        with self._reader.begin() as session:
            row = api_keys.find_key(session, plaintext)
            return ApiKeyRecord.model_validate(row) if row is not None else None

    def list_api_keys(self) -> list[ApiKeyRecord]:
        """Every key, revoked ones included, oldest first."""
        with self._reader.begin() as session:
            return [ApiKeyRecord.model_validate(row) for row in api_keys.all_keys(session)]

    def revoke_api_key(self, name: str) -> bool:
        """Revoke the key `name` for good; False if no active key has that name."""
        with self._write() as session:
            return api_keys.revoke_key(session, name)

    def has_api_keys(self) -> bool:
        """Whether any key is active, i.e. whether the API must demand one."""
        with self._reader.begin() as session:
            return api_keys.active_key_count(session) > 0

    # Jobs

    def create_job(
        self,
        kind: JobKind,
        project_id: str | None,
        request: Mapping[str, Any],
        *,
        job_id: str | None = None,
        owner: str | None = None,
        idempotency_key: str | None = None,
    ) -> JobRecord:
        """Insert a queued job. A generate job may pass `project_id=None` to get a fresh id;
        an edit job must name an existing project that `owner` may see. `job_id` defaults
        to a new uuid4 hex.

        Raises:
            StoreConflictError: `job_id` is taken, or `owner` already used `idempotency_key`
                (e.g. a concurrent request won): read it with `find_job_by_idempotency`.
            RecordNotFoundError: an edit names no visible project.
        """
        if idempotency_key is not None:
            idempotency_key = IDEMPOTENCY_KEY.validate_python(idempotency_key)
        with self._write() as session:
            row = jobs.add_job(
                session,
                kind,
                project_id,
                request,
                job_id=job_id,
                owner=owner,
                idempotency_key=idempotency_key,
            )
            return JobRecord.model_validate(row)

    def find_job_by_idempotency(self, owner: str | None, key: str) -> JobRecord | None:
        """The job `owner` created with idempotency key `key`; `owner=None` here means the
        jobs created without an owner, not any owner."""
        with self._reader.begin() as session:
            row = jobs.find_by_idempotency(session, owner, key)
            return JobRecord.model_validate(row) if row is not None else None

    def update_job(self, job_id: str, **changes: Unpack[JobChanges]) -> JobRecord:
        """Change a job's status, stage, progress, message, error or result.

        Raises:
            RecordNotFoundError: no such job.
            InvalidTransitionError: the job is finished and this is not a resume
                (failed or cancelled to queued or running).
        """
        valid = validate_changes(dict(changes))
        with self._write() as session:
            job = jobs.change_job(jobs.lock_job(session, job_id), valid)
            return JobRecord.model_validate(job)

    def transition_job(
        self, job_id: str, from_statuses: Collection[JobStatus], **changes: Unpack[JobChanges]
    ) -> JobRecord | None:
        """Apply `changes` only if the job is in one of `from_statuses`, atomically; None if
        it was not (nothing changed), e.g. a progress update racing a cancellation.

        Raises the same errors as `update_job`.
        """
        valid = validate_changes(dict(changes))
        with self._write() as session:
            job = jobs.lock_job(session, job_id)
            if job.status not in from_statuses:
                return None
            return JobRecord.model_validate(jobs.change_job(job, valid))

    def get_job(self, job_id: str, *, owner: str | None = None) -> JobRecord | None:
        """The job, or None (also when `owner` is given and did not create it)."""
        with self._reader.begin() as session:
            row = jobs.get_job(session, job_id, owner)
            return JobRecord.model_validate(row) if row is not None else None

    def list_jobs(
        self,
        status: JobStatus | None = None,
        *,
        project_id: str | None = None,
        owner: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[JobRecord]:
        """Jobs newest first, optionally of one status, project or owner."""
        with self._reader.begin() as session:
            rows = jobs.find_jobs(session, status, project_id, owner, limit, offset)
            return [JobRecord.model_validate(row) for row in rows]

    def count_jobs(
        self,
        status: JobStatus | None = None,
        *,
        project_id: str | None = None,
        owner: str | None = None,
    ) -> int:
        """How many jobs `list_jobs` pages through with the same filters."""
        with self._reader.begin() as session:
            return jobs.count_jobs(session, status, project_id, owner)

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

    def get_project(self, project_id: str, *, owner: str | None = None) -> ProjectRecord | None:
        """The project with its scenes (each with every version) and every project version."""
        with self._reader.begin() as session:
            row = versions.load_project(session, project_id, owner)
            return ProjectRecord.model_validate(row) if row is not None else None

    def list_projects(
        self, limit: int = 50, offset: int = 0, *, owner: str | None = None
    ) -> list[ProjectSummary]:
        """Projects, most recently updated first, each with its latest version."""
        with self._reader.begin() as session:
            rows = projects.page_projects(session, owner, limit, offset)
            latest = versions.latest_versions(session, [row.id for row in rows])
            return [
                ProjectSummary(
                    **ProjectInfo.model_validate(row).model_dump(),
                    current=_version_record(latest.get(row.id)),
                )
                for row in rows
            ]

    def count_projects(self, *, owner: str | None = None) -> int:
        """How many projects `list_projects` pages through."""
        with self._reader.begin() as session:
            return projects.count_projects(session, owner)

    def current_version(
        self, project_id: str, *, owner: str | None = None
    ) -> ProjectVersionRecord | None:
        """The project's latest version, or None if it has none (or is not visible)."""
        with self._reader.begin() as session:
            if projects.visible_project(session, project_id, owner) is None:
                return None
            return _version_record(versions.latest_version(session, project_id))

    def scene_version(
        self, project_id: str, number: int, version: int | None = None, *, owner: str | None = None
    ) -> SceneVersionRecord | None:
        """Version `version` of scene `number`; None means the one the current video uses."""
        with self._reader.begin() as session:
            if projects.visible_project(session, project_id, owner) is None:
                return None
            row = versions.find_scene_version(session, project_id, number, version)
            return SceneVersionRecord.model_validate(row) if row is not None else None

    def delete_project(self, project_id: str, *, owner: str | None = None) -> bool:
        """Delete the project with its scenes and versions in one transaction, then the
        artifacts nothing references any more (see `collect_garbage`); False if there was
        no such (visible) project. Its jobs stay, as history naming a project now gone."""
        with self._write() as session:
            deleted = projects.delete_project_rows(session, project_id, owner)
        if deleted:
            self.collect_garbage()
        return deleted

    # Housekeeping

    def collect_garbage(self, grace: timedelta = GARBAGE_GRACE) -> int:
        """Delete artifacts no row references and not written within `grace` (a running
        job stores files before the rows naming them); returns how many."""
        return self._sweep_artifacts(grace, dry_run=False).files

    def cleanup(self, max_age: timedelta, *, dry_run: bool = False) -> CleanupReport:
        """Delete finished jobs last updated more than `max_age` ago, entries of
        `<data_dir>/work/` older than that, and unreferenced artifacts older than
        `max_age` or `GARBAGE_GRACE`, whichever is shorter. `dry_run` only counts."""
        if max_age < timedelta(0):
            raise ValueError(f"max_age must not be negative, got {max_age}")
        with self._write() as session:
            finished = jobs.delete_finished_jobs(session, utcnow() - max_age, dry_run)
        work = sweep_work_dirs(
            self.data_dir / "work", time.time() - max_age.total_seconds(), dry_run
        )
        artifacts = self._sweep_artifacts(min(max_age, GARBAGE_GRACE), dry_run)
        return CleanupReport(
            jobs_deleted=finished,
            work_dirs_deleted=work.files,
            artifacts_deleted=artifacts.files,
            bytes_freed=work.bytes + artifacts.bytes,
        )

    def _sweep_artifacts(self, grace: timedelta, dry_run: bool) -> garbage.Freed:
        modified_before = time.time() - grace.total_seconds()
        with self._reader.begin() as session:
            referenced = garbage.referenced_keys(session)
        return garbage.sweep(self.artifacts, referenced, modified_before, dry_run)

    def stats(self) -> dict[str, Any]:
        """Operator counts, e.g. `{"jobs": {"generate": {"queued": 0, "running": 1, ...},
        "edit": {...}}, "projects": 3, "scene_versions": 14, "fallbacks": 1,
        "render_cache_entries": 12, "artifacts": 40, "artifact_bytes": 5242880}`."""
        with self._reader.begin() as session:
            return gather_stats(session, self.artifacts)

    def ping(self) -> bool:
        """Whether the database answers a trivial query (for health checks)."""
        with self._reader.begin() as session:
            return session.scalar(select(1)) == 1

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
