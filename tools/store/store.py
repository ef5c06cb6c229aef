"""The store: a database of projects, versions, jobs and renders, plus the artifacts.

Every method is a coroutine on SQLAlchemy's async engine (aiosqlite for the embedded
SQLite file, psycopg 3 for PostgreSQL). Every read returns frozen records; every
write is one transaction, so a failed write leaves nothing behind. The SQL itself
lives in the sibling modules as plain functions on a sync `Session`, run inside the
transaction with `AsyncSession.run_sync`: one code path for both drivers, and the
records are built there too, while lazy attributes can still load.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar, Unpack

from pydantic import BaseModel
from sqlalchemy import URL, func, select
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlalchemy.orm import Session

from tools.assets import CheckedAsset
from tools.store import (
    api_keys,
    assets,
    batches,
    garbage,
    jobs,
    projects,
    scene_renders,
    stats,
    versions,
)
from tools.store.artifacts import ArtifactStore, LocalArtifacts, ensure_writable, file_digest
from tools.store.batches import BatchMember
from tools.store.database import async_url, make_engines, sqlite_url
from tools.store.errors import MissingArtifactError, StoreConflictError, StoreUnavailableError
from tools.store.inputs import (
    API_KEY_NAME,
    IDEMPOTENCY_KEY,
    PROJECT_STATUS,
    AssembledVideo,
    JobChanges,
    NewSceneVersion,
    ProjectFields,
    validate_changes,
)
from tools.store.migrate import upgrade_to_head
from tools.store.records import (
    ApiKeyRecord,
    AssetRecord,
    BatchRecord,
    CachedRender,
    CachedSpeech,
    CleanupReport,
    JobKind,
    JobProgress,
    JobRecord,
    JobStatus,
    ProjectInfo,
    ProjectRecord,
    ProjectStatus,
    ProjectSummary,
    ProjectVersionRecord,
    SceneRenderRecord,
    SceneVersionRecord,
)
from tools.store.render_cache import UPSERT_DIALECTS, upsert_render, upsert_speech
from tools.store.s3_artifacts import S3Artifacts
from tools.store.tables import Base, RenderCacheEntry, SpeechCacheEntry, utcnow
from tools.store.workdirs import sweep_work_dirs

__all__ = ["DATABASE_FILE", "GARBAGE_GRACE", "Store", "upgrade_database"]

DATABASE_FILE = "manimgraph.db"
GARBAGE_GRACE = timedelta(hours=1)
"""How long an unreferenced artifact is spared: longer than a job takes from storing
its files to committing the rows that name them."""

_DRIVER_PACKAGES = {"psycopg": "'manimgraph[postgres]'", "aiosqlite": "aiosqlite"}
"""The async drivers the store is tested with, and what to install to get each."""

T = TypeVar("T")
R = TypeVar("R", bound=BaseModel)


class Store:
    """Projects, scene versions, jobs, API keys and the render cache of one data directory.

    Reads taking `owner` show only rows created with that API key id; `owner=None`
    means no filter (the mode without keys). A store belongs to the event loop that
    opened it: its pooled connections cannot move to another loop.

    Example:
        >>> async with Store.connect(Path("~/.local/share/manimgraph")) as store:
        ...     job = await store.create_job("generate", None, {"prompt": "Bayes rule"})
        ...     await store.claim_job(job.id, "worker-1", timedelta(seconds=30))
    """

    def __init__(
        self, data_dir: Path, artifacts: ArtifactStore, engines: tuple[AsyncEngine, AsyncEngine]
    ) -> None:
        self.data_dir = data_dir
        self.artifacts = artifacts
        self._engine = engines[0]
        self._reader = async_sessionmaker(engines[0], expire_on_commit=False)
        self._writer = async_sessionmaker(engines[1], expire_on_commit=False)

    @classmethod
    async def open(
        cls, data_dir: Path, *, database_url: str | None = None, artifacts_url: str | None = None
    ) -> Self:
        """Create the directories if needed and migrate the database to head.

        `database_url` replaces the SQLite file `<data_dir>/manimgraph.db`, e.g. with
        `postgresql://user:password@host/db`; `artifacts_url` (`s3://bucket/prefix`, see
        `S3Artifacts`) replaces the artifact directory `<data_dir>/artifacts/`, and the
        data directory then holds only scratch files. Close the store with `close()`, or
        use `Store.connect`.

        Raises:
            StoreUnavailableError: one line saying what to fix (a directory that is not
                writable, a driver to install, a server or bucket that does not answer).
        """
        data_dir = Path(data_dir).expanduser().resolve()
        await asyncio.to_thread(ensure_writable, data_dir, "data directory")
        artifacts = (
            LocalArtifacts(data_dir / "artifacts")
            if artifacts_url is None
            else S3Artifacts.from_url(artifacts_url)
        )
        await artifacts.check()
        engines, _ = await _connect(database_url or sqlite_url(data_dir / DATABASE_FILE))
        return cls(data_dir, artifacts, engines)

    @classmethod
    @asynccontextmanager
    async def connect(
        cls, data_dir: Path, *, database_url: str | None = None, artifacts_url: str | None = None
    ) -> AsyncIterator[Self]:
        """`open` the store for the `async with` block and close it after."""
        store = await cls.open(data_dir, database_url=database_url, artifacts_url=artifacts_url)
        try:
            yield store
        finally:
            await store.close()

    async def close(self) -> None:
        """Close every pooled connection."""
        await self._engine.dispose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def _read(self, work: Callable[[Session], T]) -> T:
        """Run `work` in a read transaction (SQLite: one that takes no write lock)."""
        async with self._reader.begin() as session:
            return await session.run_sync(work)

    async def _write(self, work: Callable[[Session], T]) -> T:
        """Run `work` in a write transaction; a unique clash becomes StoreConflictError."""
        try:
            async with self._writer.begin() as session:
                return await session.run_sync(work)
        except IntegrityError as exc:
            raise StoreConflictError(
                f"the write clashes with an existing row: {_one_line(exc.orig or exc)}"
            ) from exc

    async def _require_artifacts(self, *keys: str | None) -> None:
        """Refuse a write naming an object that is not stored (e.g. a worker died while
        uploading it), before any row names it."""
        if missing := await self._missing_artifacts(keys):
            raise MissingArtifactError(f"artifacts not stored: {missing}")

    async def _missing_artifacts(self, keys: Sequence[str | None]) -> list[str]:
        wanted = [key for key in keys if key is not None]
        found = await asyncio.gather(*(self.artifacts.exists(key) for key in wanted))
        return [key for key, present in zip(wanted, found, strict=True) if not present]

    @asynccontextmanager
    async def scratch(self, prefix: str) -> AsyncIterator[Path]:
        """A fresh directory under `<data_dir>/work/` for local copies and tool output,
        removed afterwards (both in a thread); `cleanup` sweeps what a crash left."""
        work_root = self.data_dir / "work"

        def make() -> Path:
            work_root.mkdir(parents=True, exist_ok=True)
            return Path(tempfile.mkdtemp(prefix=prefix, dir=work_root))

        directory = await asyncio.to_thread(make)
        try:
            yield directory
        finally:
            await asyncio.to_thread(shutil.rmtree, directory, ignore_errors=True)

    # Render cache

    async def get_render(self, key: str) -> CachedRender | None:
        """The cached render of `key`; an entry whose files were deleted counts as a miss."""
        render = await self._read(lambda s: _record(CachedRender, s.get(RenderCacheEntry, key)))
        if render is None or await self._missing_artifacts((render.video, render.last_frame)):
            return None
        return render

    async def put_render(self, key: str, render: CachedRender) -> None:
        """Insert or replace the cache entry of `key` (its files must be stored already)."""
        await self._require_artifacts(render.video, render.last_frame)
        await self._write(lambda s: upsert_render(s, key, render))

    async def get_speech(self, key: str) -> CachedSpeech | None:
        """The spoken text of `key`; an entry whose audio was deleted counts as a miss."""
        speech = await self._read(lambda s: _record(CachedSpeech, s.get(SpeechCacheEntry, key)))
        if speech is None or await self._missing_artifacts((speech.audio,)):
            return None
        return speech

    async def put_speech(self, key: str, speech: CachedSpeech) -> None:
        """Insert or replace the spoken text of `key` (its audio must be stored already)."""
        await self._require_artifacts(speech.audio)
        await self._write(lambda s: upsert_speech(s, key, speech))

    # API keys

    async def create_api_key(self, name: str, *, admin: bool = False) -> tuple[ApiKeyRecord, str]:
        """A new key named `name` and its plaintext, which is not stored and shown only now;
        an `admin` key may also run server-wide operations.

        Raises:
            StoreConflictError: a key (even a revoked one) already has this name.
        """
        name = API_KEY_NAME.validate_python(name)

        def add(session: Session) -> tuple[ApiKeyRecord, str]:
            row, plaintext = api_keys.add_key(session, name, admin=admin)
            return ApiKeyRecord.model_validate(row), plaintext

        return await self._write(add)

    async def verify_api_key(self, plaintext: str) -> ApiKeyRecord | None:
        """The active key `plaintext` is, or None if it is unknown or revoked."""
        return await self._read(lambda s: _record(ApiKeyRecord, api_keys.find_key(s, plaintext)))

    async def list_api_keys(self) -> list[ApiKeyRecord]:
        """Every key, revoked ones included, oldest first."""
        return await self._read(lambda s: _records(ApiKeyRecord, api_keys.all_keys(s)))

    async def revoke_api_key(self, name: str) -> bool:
        """Revoke the key `name` for good; False if no active key has that name."""
        return await self._write(lambda s: api_keys.revoke_key(s, name))

    async def has_api_keys(self) -> bool:
        """Whether any key is active, i.e. whether the API must demand one."""
        return await self._read(lambda s: api_keys.active_key_count(s) > 0)

    # Assets

    async def add_asset(
        self,
        file: Path,
        found: CheckedAsset,
        *,
        filename: str,
        owner: str | None,
        quota_bytes: int,
    ) -> tuple[AssetRecord, bool]:
        """Store a checked upload content-addressed and record it for `owner`; the second
        value is False when `owner` already had these bytes (that asset is returned).

        The quota is checked before the bytes are stored, so a refused upload stores no
        object, and again in the write (a concurrent upload may have used the room).

        Raises:
            AssetQuotaExceeded: the owner's assets would take more than `quota_bytes`.
        """
        key = await asyncio.to_thread(file_digest, file) + found.suffix

        def room(session: Session) -> AssetRecord | None:
            have = assets.find_by_artifact(session, owner, key)
            if have is None:
                assets.check_quota(session, owner, found.size, quota_bytes)
            return _record(AssetRecord, have)

        if (have := await self._read(room)) is not None:
            return have, False
        stored = await self.artifacts.put_file(file, found.suffix)

        def add(session: Session) -> tuple[AssetRecord, bool]:
            row, added = assets.add_asset(
                session,
                owner,
                found,
                artifact=stored,
                filename=filename,
                quota_bytes=quota_bytes,
            )
            return AssetRecord.model_validate(row), added

        return await self._write(add)

    async def get_asset(self, asset_id: str, *, owner: str | None) -> AssetRecord | None:
        """The asset, if `owner` uploaded it (None: only assets uploaded without keys)."""
        return await self._read(
            lambda s: _record(AssetRecord, assets.find_asset(s, asset_id, owner))
        )

    async def list_assets(
        self, *, owner: str | None, limit: int = 50, offset: int = 0
    ) -> list[AssetRecord]:
        """The owner's assets, newest first."""
        return await self._read(
            lambda s: _records(AssetRecord, assets.page_assets(s, owner, limit, offset))
        )

    async def count_assets(self, *, owner: str | None) -> int:
        """How many assets `list_assets` pages through."""
        return await self._read(lambda s: assets.count_assets(s, owner))

    async def delete_asset(self, asset_id: str, *, owner: str | None) -> bool:
        """Delete the owner's asset, then the artifacts nothing references any more (see
        `collect_garbage`); False if the owner has no such asset."""
        deleted = await self._write(lambda s: assets.delete_asset(s, asset_id, owner))
        if deleted:
            await self.collect_garbage()
        return deleted

    # Jobs

    async def create_job(
        self,
        kind: JobKind,
        project_id: str | None,
        request: Mapping[str, Any],
        *,
        job_id: str | None = None,
        owner: str | None = None,
        idempotency_key: str | None = None,
        project: ProjectFields | None = None,
    ) -> JobRecord:
        """Insert a queued job. A generate job may pass `project_id=None` to get a fresh id;
        an edit job must name an existing project that `owner` may see. `job_id` defaults
        to a new uuid4 hex.

        A generate job given `project` (its id is the job's project id) creates that
        project in the same transaction, "generating" and owned by `owner`, so lists
        show it at once; an existing project of that id is left as it is.

        Raises:
            StoreConflictError: `job_id` is taken, or `owner` already used `idempotency_key`
                (e.g. a concurrent request won): read it with `find_job_by_idempotency`.
            RecordNotFoundError: an edit names no visible project.
            ValueError: `project` names another project than `project_id`, or the job is
                an edit.
        """
        if idempotency_key is not None:
            idempotency_key = IDEMPOTENCY_KEY.validate_python(idempotency_key)

        def add(session: Session) -> JobRecord:
            row = jobs.add_job(
                session,
                kind,
                project_id,
                request,
                job_id=job_id,
                owner=owner,
                idempotency_key=idempotency_key,
                project=project,
            )
            return JobRecord.model_validate(row)

        return await self._write(add)

    async def find_job_by_idempotency(self, owner: str | None, key: str) -> JobRecord | None:
        """The job `owner` created with idempotency key `key`; `owner=None` here means the
        jobs created without an owner, not any owner."""
        return await self._read(
            lambda s: _record(JobRecord, jobs.find_by_idempotency(s, owner, key))
        )

    async def update_job(self, job_id: str, **changes: Unpack[JobChanges]) -> JobRecord:
        """Change a job's status, stage, progress, message, error or result.

        Raises:
            RecordNotFoundError: no such job.
            InvalidTransitionError: `records.TRANSITIONS` forbids the change of status
                (e.g. anything but a resume to queued of a failed or cancelled job).
        """
        valid = validate_changes(dict(changes))
        return await self._write(
            lambda s: JobRecord.model_validate(jobs.change_job(jobs.lock_job(s, job_id), valid))
        )

    async def transition_job(
        self,
        job_id: str,
        from_statuses: Collection[JobStatus],
        *,
        runner: str | None = None,
        **changes: Unpack[JobChanges],
    ) -> JobRecord | None:
        """Apply `changes` only if the job is in one of `from_statuses` (and, given a
        `runner`, that runner holds its lease), atomically; None if not (nothing changed),
        e.g. a progress update racing a cancellation. A change to queued or to a terminal
        status releases the lease.

        Raises the same errors as `update_job`.
        """
        valid = validate_changes(dict(changes))

        def transition(session: Session) -> JobRecord | None:
            job = jobs.lock_job(session, job_id)
            if job.status not in from_statuses or runner not in (None, job.lease_owner):
                return None
            return JobRecord.model_validate(jobs.change_job(job, valid))

        return await self._write(transition)

    async def claim_job(self, job_id: str, runner: str, lease: timedelta) -> JobRecord | None:
        """Make `runner` the job's one runner for `lease`, and mark it running.

        Succeeds when the job is queued or running and its lease is free, expired or
        already `runner`'s; of two runners claiming at once exactly one wins. None
        means someone else holds it, or it is finished.

        Raises:
            RecordNotFoundError: no such job.
            ValueError: `lease` is not positive.
        """
        _require_positive(lease)
        return await self._write(lambda s: _record(JobRecord, jobs.claim(s, job_id, runner, lease)))

    async def renew_lease(self, job_id: str, runner: str, lease: timedelta) -> bool:
        """Extend `runner`'s lease to now + `lease`; False if the job is no longer running
        or no longer `runner`'s (then stop working on it)."""
        _require_positive(lease)
        return await self._write(lambda s: jobs.renew(s, job_id, runner, lease))

    async def claimable_jobs(self, limit: int = 100) -> list[JobRecord]:
        """Queued or running jobs whose lease is free or expired, oldest first."""
        return await self._read(lambda s: _records(JobRecord, jobs.claimable(s, limit)))

    async def save_progress(self, job_id: str, runner: str | None, progress: JobProgress) -> bool:
        """Store the job's folded progress, and its stage, fraction and message columns, in
        one update; False (nothing written) unless the job is running and, given a
        `runner`, held by it."""
        return await self._write(lambda s: jobs.write_progress(s, job_id, runner, progress))

    async def get_job(self, job_id: str, *, owner: str | None = None) -> JobRecord | None:
        """The job, or None (also when `owner` is given and did not create it)."""
        return await self._read(lambda s: _record(JobRecord, jobs.get_job(s, job_id, owner)))

    async def list_jobs(
        self,
        status: JobStatus | None = None,
        *,
        project_id: str | None = None,
        owner: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[JobRecord]:
        """Jobs newest first, optionally of one status, project or owner."""
        return await self._read(
            lambda s: _records(
                JobRecord, jobs.find_jobs(s, status, project_id, owner, limit, offset)
            )
        )

    async def count_jobs(
        self,
        status: JobStatus | None = None,
        *,
        project_id: str | None = None,
        owner: str | None = None,
    ) -> int:
        """How many jobs `list_jobs` pages through with the same filters."""
        return await self._read(lambda s: jobs.count_jobs(s, status, project_id, owner))

    async def create_batch(
        self, members: Sequence[BatchMember], *, owner: str | None = None
    ) -> BatchRecord:
        """Insert a queued generate job and its project per member, and the batch naming
        them, in one transaction: all of them or, on any error, none.

        Raises:
            ValueError: no members.
        """
        return await self._write(lambda s: batches.add_batch(s, owner, members))

    async def get_batch(self, batch_id: str, *, owner: str | None = None) -> BatchRecord | None:
        """The batch with its member jobs, or None (also when `owner` is given and did not
        create it)."""
        return await self._read(lambda s: batches.find_batch(s, batch_id, owner))

    async def create_scene_render(
        self, code: str, quality: str, *, scene_name: str | None, owner: str | None = None
    ) -> SceneRenderRecord:
        """Record a scene file about to be rendered on its own, as running."""
        return await self._write(
            lambda s: scene_renders.add_render(s, owner, code, quality, scene_name)
        )

    async def end_scene_render(
        self,
        render_id: str,
        outcome: Mapping[str, Any] | None,
        *,
        files: Sequence[str | None] = (),
        error: str | None = None,
    ) -> SceneRenderRecord:
        """Mark a scene render completed with its `outcome` (JSON) and the artifact keys it
        names (`files`, which must be stored), or failed with `error` when it could not run.

        Raises:
            RecordNotFoundError: no such render.
            MissingArtifactError: one of `files` is not stored.
        """
        await self._require_artifacts(*files)
        return await self._write(lambda s: scene_renders.end_render(s, render_id, outcome, error))

    async def get_scene_render(
        self, render_id: str, *, owner: str | None = None
    ) -> SceneRenderRecord | None:
        """The scene render, or None (also when `owner` is given and did not ask for it)."""
        return await self._read(lambda s: scene_renders.find_render(s, render_id, owner))

    # Projects and versions

    async def commit_version(
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
        The project becomes "ready", titled `project.title` unless that is empty.
        Committing again with the same `job_id` returns the first result unchanged.
        """
        slots = dict(kept or {})
        versions.check_slots(scenes, slots)
        await self._require_artifacts(
            output.video,
            output.thumbnail,
            output.subtitles,
            output.manifest,
            *(key for scene in scenes for key in (scene.video, scene.last_frame)),
        )
        return await self._write(
            lambda s: ProjectVersionRecord.model_validate(
                versions.add_project_version(s, project, scenes, output, slots, carry_over, job_id)
            )
        )

    async def set_project_status(self, project_id: str, status: ProjectStatus) -> bool:
        """Mark the project generating, ready or failed (e.g. failed when its generate
        job gave up before any version); False if there is no such project."""
        status = PROJECT_STATUS.validate_python(status)
        return await self._write(lambda s: projects.change_status(s, project_id, status))

    async def get_project(
        self, project_id: str, *, owner: str | None = None
    ) -> ProjectRecord | None:
        """The project with its scenes (each with every version) and every project version;
        a project whose first job is still generating has none of either yet."""
        return await self._read(
            lambda s: _record(ProjectRecord, versions.load_project(s, project_id, owner))
        )

    async def list_projects(
        self, limit: int = 50, offset: int = 0, *, owner: str | None = None
    ) -> list[ProjectSummary]:
        """Projects, most recently updated first, each with its latest version (None while
        the first one is being generated)."""

        def page(session: Session) -> list[ProjectSummary]:
            rows = projects.page_projects(session, owner, limit, offset)
            latest = versions.latest_versions(session, [row.id for row in rows])
            return [
                ProjectSummary(
                    **ProjectInfo.model_validate(row).model_dump(),
                    current=_record(ProjectVersionRecord, latest.get(row.id)),
                )
                for row in rows
            ]

        return await self._read(page)

    async def count_projects(self, *, owner: str | None = None) -> int:
        """How many projects `list_projects` pages through."""
        return await self._read(lambda s: projects.count_projects(s, owner))

    async def current_version(
        self, project_id: str, *, owner: str | None = None
    ) -> ProjectVersionRecord | None:
        """The project's latest version, or None if it has none (or is not visible)."""

        def current(session: Session) -> ProjectVersionRecord | None:
            if projects.visible_project(session, project_id, owner) is None:
                return None
            return _record(ProjectVersionRecord, versions.latest_version(session, project_id))

        return await self._read(current)

    async def current_scenes(
        self, project_id: str, *, owner: str | None = None
    ) -> list[SceneVersionRecord]:
        """The scene versions the current project version plays, in slot order; empty if
        the project has no version yet (or is not visible)."""

        def current(session: Session) -> list[SceneVersionRecord]:
            if projects.visible_project(session, project_id, owner) is None:
                return []
            rows = versions.current_scene_versions(session, project_id)
            return _records(SceneVersionRecord, rows)

        return await self._read(current)

    async def scene_version(
        self, project_id: str, number: int, version: int | None = None, *, owner: str | None = None
    ) -> SceneVersionRecord | None:
        """Version `version` of scene `number`; None means the one the current video uses."""

        def find(session: Session) -> SceneVersionRecord | None:
            if projects.visible_project(session, project_id, owner) is None:
                return None
            row = versions.find_scene_version(session, project_id, number, version)
            return _record(SceneVersionRecord, row)

        return await self._read(find)

    async def delete_project(self, project_id: str, *, owner: str | None = None) -> bool:
        """Delete the project with its scenes and versions in one transaction, then the
        artifacts nothing references any more (see `collect_garbage`); False if there was
        no such (visible) project. Its jobs stay, as history naming a project now gone."""
        deleted = await self._write(lambda s: projects.delete_project_rows(s, project_id, owner))
        if deleted:
            await self.collect_garbage()
        return deleted

    # Housekeeping

    async def collect_garbage(self, grace: timedelta = GARBAGE_GRACE) -> int:
        """Delete artifacts no row references and not written within `grace` (a running
        job stores files before the rows naming them); returns how many."""
        return (await self._sweep_artifacts(grace, dry_run=False)).files

    async def cleanup(self, max_age: timedelta, *, dry_run: bool = False) -> CleanupReport:
        """Delete finished jobs last updated more than `max_age` ago, entries of
        `<data_dir>/work/` older than that, and unreferenced artifacts older than
        `max_age` or `GARBAGE_GRACE`, whichever is shorter. `dry_run` only counts."""
        if max_age < timedelta(0):
            raise ValueError(f"max_age must not be negative, got {max_age}")
        finished = await self._write(
            lambda s: jobs.delete_finished_jobs(s, utcnow() - max_age, dry_run)
        )
        work = await asyncio.to_thread(
            sweep_work_dirs, self.data_dir / "work", time.time() - max_age.total_seconds(), dry_run
        )
        artifacts = await self._sweep_artifacts(min(max_age, GARBAGE_GRACE), dry_run)
        return CleanupReport(
            jobs_deleted=finished,
            work_dirs_deleted=work.files,
            artifacts_deleted=artifacts.files,
            bytes_freed=work.bytes + artifacts.bytes,
        )

    async def _sweep_artifacts(self, grace: timedelta, dry_run: bool) -> garbage.Freed:
        modified_before = time.time() - grace.total_seconds()
        referenced = await self._read(garbage.referenced_keys)
        return await garbage.sweep(self.artifacts, referenced, modified_before, dry_run)

    async def stats(self) -> dict[str, Any]:
        """Operator counts, e.g. `{"jobs": {"generate": {"queued": 0, "running": 1, ...},
        "edit": {...}}, "active_jobs": 1, "active_jobs_by_stage": {"render": 1},
        "projects": 3, "project_versions": 4, "scene_versions": 14, "fallbacks": 1,
        "render_cache_entries": 12, "artifacts": 40, "artifact_bytes": 5242880}`."""
        rows = await self._read(stats.count_rows)
        return rows | await stats.count_artifacts(self.artifacts)

    async def ping(self) -> bool:
        """Whether the database answers a trivial query (for health checks)."""
        return await self._read(lambda s: s.scalar(select(1)) == 1)

    async def counts(self) -> dict[str, int]:
        """Rows per table, e.g. to show that a failed write left nothing behind."""
        return await self._read(
            lambda s: {
                table.name: s.scalar(select(func.count()).select_from(table)) or 0
                for table in Base.metadata.sorted_tables
            }
        )


async def upgrade_database(url: str) -> str | None:
    """Migrate the database at `url` to head and return the revision it is at, for an
    operator who upgrades before starting the servers (opening a store does it too).

    Example:
        >>> asyncio.run(upgrade_database("postgresql://manimgraph@db.internal/manimgraph"))
        '0003'

    Raises:
        StoreUnavailableError: as `Store.open`.
    """
    engines, revision = await _connect(url)
    await engines[0].dispose()
    return revision


async def _connect(url: str) -> tuple[tuple[AsyncEngine, AsyncEngine], str | None]:
    """Engines on a migrated database and its revision; every failure is one readable
    StoreUnavailableError, without the password."""
    try:
        parsed = async_url(url)
    except (ArgumentError, ValueError) as exc:
        raise StoreUnavailableError(f"not a database URL: {_one_line(exc)}") from exc
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() not in UPSERT_DIALECTS:
        raise StoreUnavailableError(f"unsupported database {shown}: use SQLite or PostgreSQL")
    if parsed.get_driver_name() not in _DRIVER_PACKAGES:
        raise StoreUnavailableError(
            f"cannot use the driver of {shown}: the store speaks aiosqlite or psycopg"
            " (leave the driver out of the URL)"
        )
    try:
        engines = make_engines(parsed)
    except ImportError as exc:
        raise StoreUnavailableError(_missing_driver(parsed, shown)) from exc
    try:
        revision = await upgrade_to_head(engines[1])
    except (SQLAlchemyError, OSError) as exc:
        await engines[0].dispose()
        raise StoreUnavailableError(_unreachable(parsed, shown, exc)) from exc
    return engines, revision


def _missing_driver(url: URL, shown: str) -> str:
    driver = url.get_driver_name()
    return (
        f"the {driver} driver for {shown} is not installed: pip install {_DRIVER_PACKAGES[driver]}"
    )


def _unreachable(url: URL, shown: str, exc: BaseException) -> str:
    """Why the database did not open, with what to check; the driver's message may span
    lines and, in theory, quote the password, so it is flattened and masked."""
    cause = _one_line(getattr(exc, "orig", None) or exc)
    if url.password:
        cause = cause.replace(str(url.password), "***")
    if url.get_backend_name() == "sqlite":
        return f"cannot open the database {shown}: {cause}"
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    return (
        f"cannot open the database {shown}: {cause} (check that PostgreSQL answers at"
        f" {where}, and the user, password and database name)"
    )


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _require_positive(lease: timedelta) -> None:
    if lease <= timedelta(0):
        raise ValueError(f"a lease must be positive, got {lease}")


def _record(kind: type[R], row: object | None) -> R | None:
    return kind.model_validate(row) if row is not None else None


def _records(kind: type[R], rows: Sequence[object]) -> list[R]:
    return [kind.model_validate(row) for row in rows]
