"""Run-scoped dependencies, passed with `context=` and never stored in state."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field

from agents.models import ModelFactory
from agents.usage import UsageMeter
from graphs.limits import Limits
from tools.speech import NarrationSettings
from tools.store import Store

__all__ = ["Limits", "VideoContext"]


@dataclass(frozen=True)
class VideoContext:
    """What every node may use: models, store, limits, and the CPU slots renders share."""

    models: ModelFactory
    store: Store
    limits: Limits = field(default_factory=Limits)
    render_slots: asyncio.Semaphore = field(
        default_factory=lambda: asyncio.Semaphore(os.cpu_count() or 1)
    )
    usage: UsageMeter | None = None
    """The job's meter (set by the runner, which also puts it in the run's callbacks)."""
    narration: NarrationSettings | None = None
    """The voice asked for; None on an edit keeps the voice the scene was spoken in."""
