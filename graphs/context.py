"""Run-scoped dependencies, passed with `context=` and never stored in state."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, Field

from agents.models import ModelFactory
from tools.render.models import RenderSettings
from tools.store import Store

__all__ = ["Limits", "VideoContext"]


class Limits(BaseModel):
    """Loop caps and render limits of a job."""

    max_retries: int = Field(default=2, ge=0, le=10)
    max_fix_rounds: int = Field(default=1, ge=0, le=5)
    render: RenderSettings = Field(default_factory=RenderSettings)


@dataclass(frozen=True)
class VideoContext:
    """What every node may use: models, store, limits, where renders work."""

    models: ModelFactory
    store: Store
    limits: Limits = field(default_factory=Limits)
    render_slots: asyncio.Semaphore = field(
        default_factory=lambda: asyncio.Semaphore(os.cpu_count() or 1)
    )

    @property
    def work_root(self) -> Path:
        """Parent of the per-render working directories."""
        return self.store.data_dir / "work"
