"""The job queue on Redis (SAQ): the API enqueues, `manimgraph worker` processes run.

The queue only carries job ids; the job room (database) holds the truth. The first
delivery of a job is keyed by its id, so a double submit runs once. A worker proves it is
alive by heartbeat; when it dies, SAQ's sweep hands the job to another worker, which
resumes it from its checkpoint once the dead runner's lease has expired.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from pydantic import BaseModel
from saq import Queue
from saq.job import Job

__all__ = ["HEARTBEAT_S", "QUEUE_NAME", "RUN_JOB", "JobQueue", "QueueInfo"]

QUEUE_NAME = "manimgraph"
RUN_JOB = "run_job"
HEARTBEAT_S = 15
"""A running job unheard from for this long is swept and delivered again."""
DELIVERIES = 5
"""How often one job may be delivered (a worker that dies each time is a bug to see)."""
ABORT_TTL_S = 30


class QueueInfo(BaseModel):
    """What `/health` and `/metrics` report of the queue."""

    queued: int
    active: int
    workers: int


@dataclass
class JobQueue:
    """The API's and the workers' view of one SAQ queue."""

    queue: Queue

    @classmethod
    def from_url(cls, url: str) -> JobQueue:
        """A queue on the Redis at `url`; nothing connects until first use."""
        return cls(Queue.from_url(url, name=QUEUE_NAME))

    async def enqueue(self, job_id: str, *, again: bool = False) -> bool:
        """Deliver the job to a worker; False if a delivery of it is already pending.

        `again` (a resume, or a job the queue lost) gets a key of its own, since the
        job's first delivery may still be remembered as finished or aborted.
        """
        key = f"{job_id}.{uuid.uuid4().hex[:8]}" if again else job_id
        job = await self.queue.enqueue(
            RUN_JOB,
            key=key,
            job_id=job_id,
            timeout=0,
            heartbeat=HEARTBEAT_S,
            retries=DELIVERIES,
        )
        return job is not None

    async def abort(self, job_id: str, reason: str) -> None:
        """Stop the job's running delivery, if a worker holds it; its renders are killed."""
        for job in await self._deliveries(job_id):
            await self.queue.abort(job, reason, ttl=ABORT_TTL_S)

    async def info(self) -> QueueInfo:
        """Queued and active deliveries, and the workers seen in the last few seconds."""
        info = await self.queue.info()
        return QueueInfo(queued=info["queued"], active=info["active"], workers=len(info["workers"]))

    async def close(self) -> None:
        await self.queue.disconnect()

    async def _deliveries(self, job_id: str) -> list[Job]:
        """The SAQ jobs of `job_id` still incomplete (first delivery and any later one)."""
        info = await self.queue.info(jobs=True, limit=1000)
        keys = [j["key"] for j in info["jobs"] if j["key"].split(".", 1)[0] == job_id]
        return [job for job in await self.queue.jobs(keys) if job is not None]
