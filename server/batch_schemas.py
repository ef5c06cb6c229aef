"""Request and response bodies of `/api/v1/batches`: many generate jobs submitted at once."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from server.schemas import GenerateBody
from tools.store import JobStatus

__all__ = ["MAX_BATCH_JOBS", "BatchBody", "BatchMemberPublic", "BatchPublic", "BatchStatus"]

MAX_BATCH_JOBS = 20
"""Jobs one batch may hold; each still counts against the key's cap of active jobs."""

BatchStatus = Literal["queued", "running", "completed", "failed"]


class BatchBody(BaseModel):
    """POST /api/v1/batches: generate requests, each the body of POST /api/v1/generate."""

    model_config = ConfigDict(extra="forbid")

    jobs: list[GenerateBody] = Field(
        min_length=1,
        max_length=MAX_BATCH_JOBS,
        description=f"1-{MAX_BATCH_JOBS} generate requests; one bad request refuses them all.",
    )


class BatchMemberPublic(BaseModel):
    """One job of a batch, as it is now."""

    job_id: str
    project_id: str
    status: JobStatus
    progress: float = Field(ge=0, le=1)
    status_url: str


class BatchPublic(BaseModel):
    """A batch and its member jobs' statuses, aggregated."""

    batch_id: str
    created_at: datetime
    status: BatchStatus = Field(
        description="queued until a job runs; running while any is queued or running; then "
        "completed if every job completed, else failed."
    )
    progress: float = Field(ge=0, le=1, description="The member jobs' mean progress.")
    counts: dict[JobStatus, int] = Field(description="Member jobs by status, zeros included.")
    jobs: list[BatchMemberPublic] = Field(description="In the order they were submitted.")
    status_url: str
