"""What travels on a job's event channel: the job's whole state after one change."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from tools.store import RUNNING, TERMINAL_STATUSES, JobProgress, JobRecord, JobStatus

__all__ = ["JobEvent", "StreamedEvent"]


class JobEvent(BaseModel):
    """A job as the process that changed it left it: status, summary columns and folded
    progress. Always a whole state, never a delta, so a reader that missed some events
    is right again after the next one."""

    model_config = ConfigDict(frozen=True)

    job_id: str
    status: JobStatus
    stage: str | None = None
    fraction: float = Field(ge=0, le=1)
    message: str = ""
    progress: JobProgress
    error: str | None = None
    at: datetime = Field(description="When the change was made, by the changer's clock.")

    @classmethod
    def of(cls, job: JobRecord) -> JobEvent:
        """The event of a job record just written (a claim, a transition)."""
        return cls(
            job_id=job.id,
            status=job.status,
            stage=job.stage,
            fraction=job.progress,
            message=job.message,
            progress=job.progress_state,
            error=job.error,
            at=job.updated_at,
        )

    @classmethod
    def running(cls, job_id: str, progress: JobProgress) -> JobEvent:
        """The event of a running job's folded progress, just saved on its row."""
        return cls(
            job_id=job_id,
            status=RUNNING,
            stage=progress.stage,
            fraction=progress.fraction,
            message=progress.message,
            progress=progress,
            at=datetime.now(UTC),
        )

    @property
    def terminal(self) -> bool:
        """Whether the job ended with this event (completed, failed or cancelled)."""
        return self.status in TERMINAL_STATUSES

    def apply(self, job: JobRecord) -> JobRecord:
        """`job` (an earlier read of its row) as this event leaves it."""
        return job.model_copy(
            update={
                "status": self.status,
                "stage": self.stage,
                "progress": self.fraction,
                "message": self.message,
                "progress_state": self.progress,
                "error": self.error,
                "updated_at": self.at,
            }
        )


class StreamedEvent(BaseModel):
    """An event with its position in the job's channel (what SSE sends as its `id`)."""

    model_config = ConfigDict(frozen=True)

    id: str
    event: JobEvent
