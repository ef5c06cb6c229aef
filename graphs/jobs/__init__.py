"""Jobs live here: one status vocabulary, one context builder, one run path with a
checkpointer, one progress fold and ownership by lease. The CLI, the API server and the
eval harness are thin callers of `JobRoom`.

The status names and the transition table are defined by the store, which enforces them
(`tools.store.records`); import them from here.

Example:
    >>> async with JobRoom.open(data_dir) as room:
    ...     job = await room.submit(JobSpec(request=GenerateRequest(prompt="Bayes' rule")))
    ...     summary = await room.run(job.id)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tools.lazy import lazy_exports
from tools.store import (
    ACTIVE_STATUSES,
    CANCELLED,
    COMPLETED,
    FAILED,
    QUEUED,
    RESUMABLE_STATUSES,
    RUNNING,
    TERMINAL_STATUSES,
    TRANSITIONS,
    JobProgress,
    JobRecord,
    JobStatus,
    SceneProgress,
    StageTiming,
)

if TYPE_CHECKING:
    from graphs.jobs.checkpoints import open_checkpointer
    from graphs.jobs.context import build_context
    from graphs.jobs.progress import fold
    from graphs.jobs.room import (
        CANCELLED_ON_REQUEST,
        EventHandler,
        JobBusy,
        JobCancelled,
        JobRoom,
        NotResumable,
        ProjectBusy,
        default_lease,
    )
    from graphs.jobs.summary import JobOutcome, JobSummary, SceneSummary, project_summary

_HOMES = {
    "open_checkpointer": "graphs.jobs.checkpoints",
    "build_context": "graphs.jobs.context",
    "fold": "graphs.jobs.progress",
    **dict.fromkeys(
        (
            "CANCELLED_ON_REQUEST",
            "EventHandler",
            "JobBusy",
            "JobCancelled",
            "JobRoom",
            "NotResumable",
            "ProjectBusy",
            "default_lease",
        ),
        "graphs.jobs.room",
    ),
    **dict.fromkeys(
        ("JobOutcome", "JobSummary", "SceneSummary", "project_summary"), "graphs.jobs.summary"
    ),
}
"""Where each export lives: imported on first use, so that reading a job's summary does not
load LangGraph (the room and the checkpointer do)."""


__getattr__ = lazy_exports(__name__, _HOMES)


__all__ = [
    "ACTIVE_STATUSES",
    "CANCELLED",
    "CANCELLED_ON_REQUEST",
    "COMPLETED",
    "FAILED",
    "QUEUED",
    "RESUMABLE_STATUSES",
    "RUNNING",
    "TERMINAL_STATUSES",
    "TRANSITIONS",
    "EventHandler",
    "JobBusy",
    "JobCancelled",
    "JobOutcome",
    "JobProgress",
    "JobRecord",
    "JobRoom",
    "JobStatus",
    "JobSummary",
    "NotResumable",
    "ProjectBusy",
    "SceneProgress",
    "SceneSummary",
    "StageTiming",
    "build_context",
    "default_lease",
    "fold",
    "open_checkpointer",
    "project_summary",
]
