"""Persistent state of manimgraph: projects, scene versions, jobs, the render cache, artifacts.

Open it with `Store.open(data_dir)`; see `tools.store.store.Store` for the API.
Ids are uuid4 hex strings; the store generates them unless the caller passes one
(a project's id in `ProjectFields`, a job's id in `create_job(job_id=...)`).
Projects and jobs carry the id of the API key that created them as `owner`.
"""

from tools.store.artifacts import ArtifactStore
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
    TERMINAL_STATUSES,
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
    SceneRecord,
    SceneVersionRecord,
    SlotRecord,
)
from tools.store.store import GARBAGE_GRACE, Store
from tools.store.tables import new_id

__all__ = [
    "GARBAGE_GRACE",
    "TERMINAL_STATUSES",
    "ApiKeyRecord",
    "ArtifactStore",
    "AssembledVideo",
    "CachedRender",
    "CleanupReport",
    "InvalidCommitError",
    "InvalidTransitionError",
    "JobChanges",
    "JobKind",
    "JobRecord",
    "JobStatus",
    "MissingArtifactError",
    "NewSceneVersion",
    "ProjectFields",
    "ProjectInfo",
    "ProjectRecord",
    "ProjectSummary",
    "ProjectVersionRecord",
    "RecordNotFoundError",
    "SceneRecord",
    "SceneVersionRecord",
    "SlotRecord",
    "Store",
    "StoreConflictError",
    "StoreError",
    "StoreUnavailableError",
    "new_id",
]
