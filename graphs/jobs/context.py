"""The one way to build a run's context: job spec + model configuration + settings + store."""

from __future__ import annotations

import asyncio

from agents.config import ModelConfig
from agents.models import ModelFactory
from agents.usage import UsageMeter
from graphs.context import VideoContext
from graphs.requests import GenerateRequest, JobSpec
from tools.store import Store

__all__ = ["build_context"]


def build_context(
    spec: JobSpec,
    store: Store,
    config: ModelConfig,
    *,
    render_slots: asyncio.Semaphore,
    usage: UsageMeter | None = None,
    factory: ModelFactory | None = None,
) -> VideoContext:
    """The frozen context a job runs with.

    The spec's models and budget caps win over the configured ones, so a resume on any
    process runs with what the request asked for. `factory` replaces the model factory
    built from them (the eval harness wraps models to meter them or inject faults). A
    generate job without a voice of its own takes the configured one (the offline voice
    where it is installed); an edit without one keeps each scene's voice.
    """
    limits = spec.limits.model_copy(update={"budget": config.budget_with(spec.limits.budget)})
    models = factory or config.factory(spec.models)
    narration = spec.narration
    if narration is None and isinstance(spec.request, GenerateRequest):
        narration = config.narration
    return VideoContext(
        models=models,
        store=store,
        limits=limits,
        render_slots=render_slots,
        usage=usage,
        narration=narration,
    )
