"""Persistent state of manimgraph: projects, scene versions, jobs, the render cache, artifacts.

Open it with `Store.open(data_dir)`; see `tools.store.store.Store` for the API.
Ids are uuid4 hex strings; the store generates them unless the caller passes one
(a project's id in `ProjectFields`, a job's id in `create_job(job_id=...)`).
"""

from tools.store.artifacts import ArtifactStore
from tools.store.errors import (
    InvalidCommitError,
    MissingArtifactError,
    RecordNotFoundError,
    StoreConflictError,
    StoreError,
    StoreUnavailableError,
)
from tools.store.inputs import AssembledVideo, JobChanges, NewSceneVersion, ProjectFields
from tools.store.records import (
    CachedRender,
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
from tools.store.store import Store
from tools.store.tables import new_id

__all__ = [
    "ArtifactStore",
    "AssembledVideo",
    "CachedRender",
    "InvalidCommitError",
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
