"""Persistent state of manimgraph: projects, scene versions, jobs, the render cache, artifacts.

Open it with `await Store.open(data_dir)` (or `async with Store.connect(data_dir)`);
see `tools.store.store.Store` for the API, every method of which is a coroutine.
Ids are uuid4 hex strings; the store generates them unless the caller passes one
(a project's id in `ProjectFields`, a job's id in `create_job(job_id=...)`).
Projects and jobs carry the id of the API key that created them as `owner`.
The job status vocabulary and its transition table live in `tools.store.records`.

The records, inputs, errors and the artifact interface load at once; the database (SQLAlchemy)
and the S3 client load on first use of `Store`, `S3Artifacts`, `new_id` and friends, so a
process that only reads records (the CLI talking to a server) stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tools.lazy import lazy_exports
from tools.store.artifacts import (
    ArtifactStore,
    ArtifactStream,
    LocalArtifacts,
    RangeNotSatisfiableError,
    StoredObject,
)
from tools.store.errors import (
    InvalidCommitError,
    InvalidTransitionError,
    MissingArtifactError,
    RecordNotFoundError,
    StoreConflictError,
    StoreError,
    StoreUnavailableError,
)
from tools.store.inputs import AssembledVideo, JobChanges, NewSceneVersion, ProjectFields
from tools.store.records import (
    ACTIVE_STATUSES,
    CANCELLED,
    COMPLETED,
    FAILED,
    QUEUED,
    RESUMABLE_STATUSES,
    RUNNING,
    TERMINAL_STATUSES,
    TRANSITIONS,
    ApiKeyRecord,
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
    SceneProgress,
    SceneRecord,
    SceneVersionRecord,
    SlotRecord,
    StageTiming,
    can_transition,
)

if TYPE_CHECKING:
    from tools.store.s3_artifacts import S3Artifacts
    from tools.store.store import GARBAGE_GRACE, Store, upgrade_database
    from tools.store.tables import new_id

_HOMES = {
    "S3Artifacts": "tools.store.s3_artifacts",
    "GARBAGE_GRACE": "tools.store.store",
    "Store": "tools.store.store",
    "upgrade_database": "tools.store.store",
    "new_id": "tools.store.tables",
}

__all__ = [
    "ACTIVE_STATUSES",
    "CANCELLED",
    "COMPLETED",
    "FAILED",
    "GARBAGE_GRACE",
    "QUEUED",
    "RESUMABLE_STATUSES",
    "RUNNING",
    "TERMINAL_STATUSES",
    "TRANSITIONS",
    "ApiKeyRecord",
    "ArtifactStore",
    "ArtifactStream",
    "AssembledVideo",
    "CachedRender",
    "CachedSpeech",
    "CleanupReport",
    "InvalidCommitError",
    "InvalidTransitionError",
    "JobChanges",
    "JobKind",
    "JobProgress",
    "JobRecord",
    "JobStatus",
    "LocalArtifacts",
    "MissingArtifactError",
    "NewSceneVersion",
    "ProjectFields",
    "ProjectInfo",
    "ProjectRecord",
    "ProjectStatus",
    "ProjectSummary",
    "ProjectVersionRecord",
    "RangeNotSatisfiableError",
    "RecordNotFoundError",
    "S3Artifacts",
    "SceneProgress",
    "SceneRecord",
    "SceneVersionRecord",
    "SlotRecord",
    "StageTiming",
    "Store",
    "StoreConflictError",
    "StoreError",
    "StoreUnavailableError",
    "StoredObject",
    "can_transition",
    "new_id",
    "upgrade_database",
]


__getattr__ = lazy_exports(__name__, _HOMES)
