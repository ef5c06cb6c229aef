"""Service settings from the environment (`MANIMGRAPH_*`) or a `.env` file."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from graphs.jobs import default_lease

__all__ = ["LOOPBACK_HOSTS", "Settings"]

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class Settings(BaseSettings):
    """Everything the server reads at start-up; one instance per app."""

    model_config = SettingsConfigDict(env_prefix="MANIMGRAPH_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default_factory=lambda: Path(user_data_dir("manimgraph")))
    database_url: str | None = Field(default=None, description="Default: SQLite in data_dir.")
    artifacts_url: str | None = Field(
        default=None,
        description="s3://bucket/prefix: artifacts in S3-compatible storage, reached as the"
        " AWS_* variables say. Default: data_dir/artifacts.",
    )
    presigned_downloads: bool = Field(
        default=False,
        description="Answer file downloads with a redirect (307) to a short-lived presigned URL"
        " where the artifact store signs one (S3), instead of streaming them through the API.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Set: the API enqueues jobs for `manimgraph worker` processes and shares"
        " rate limits through this Redis. Unset: the API runs the jobs itself.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    max_concurrent_jobs: int = Field(default=2, ge=1, le=64)
    render_slots: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1)
    rate_limit: str = Field(default="120/minute", description="Per API key, `limits` notation.")
    max_jobs_per_key: int = Field(default=4, ge=1, description="Queued + running jobs per key.")
    webhook_secret: str | None = Field(
        default=None,
        description="HMAC key of webhook signatures; generated into data_dir if unset.",
    )
    webhook_attempts: int = Field(default=5, ge=1, le=20)
    asset_quota_mb: float = Field(
        default=200,
        gt=0,
        description="Bytes of uploaded assets (images, music) each API key may keep, in MB.",
    )
    lease_seconds: float = Field(
        default_factory=lambda: default_lease().total_seconds(),
        gt=0,
        description="How long a job's claim lasts unrenewed; a dead server's jobs wait this long.",
    )
