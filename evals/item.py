"""One dataset item through the real graph: generate, apply its edits, judge, measure.

Jobs go through the job room (`JobRoom.submit` and `run`) exactly as `manimgraph
generate` and `edit` run them, each item in its own project of the run's store; the item's
models (metered, maybe with injected faults) replace the configured ones.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from agents.models import ModelFactory, ModelSpec, Role
from agents.usage import UsageReport
from evals.config import EvalConfig
from evals.dataset import EditStep, EvalItem
from evals.factory import Meters, item_models, item_seed, metered_model
from evals.judges import gather_evidence, geometric_mean, judge_video
from evals.metrics import (
    GenerationFacts,
    edit_result,
    item_result,
    slot_states,
    time_split,
)
from evals.results import EditResult, ItemResult, JudgeResult
from evals.trace import EventTrace
from graphs.errors import JobError
from graphs.jobs import JobRecord, JobRoom
from graphs.limits import Limits
from graphs.requests import EditRequest, GenerateRequest, JobSpec
from tools.store import Store

__all__ = ["FRAMES", "ItemEnv", "run_item"]

FRAMES = 3
"""Frames of the video a vision judge sees."""


@dataclass(frozen=True)
class ItemEnv:
    """What every item of a run shares: settings, the job room (store, render slots), output."""

    config: EvalConfig
    room: JobRoom
    out_dir: Path


async def run_item(item: EvalItem, env: ItemEnv) -> ItemResult:
    """Generate the item's video, apply its edits, judge it; failures become results."""
    config, room, store = env.config, env.room, env.room.store
    models = item_models(
        config.models, chaos=config.chaos, seed=item_seed(config.seed, item.id), item=item.id
    )
    limits = config.limits()
    request = GenerateRequest(
        prompt=item.prompt,
        scene_count=item.scene_count,
        style=config.style,
        quality=config.quality,
        target_duration=config.target_duration,
    )
    spec = JobSpec(request=request, models=config.models, limits=limits, narration=config.narration)
    job = await room.submit(spec)
    trace = EventTrace()
    started = time.perf_counter()
    failure = await _execute(room, job, models.factory, trace)
    ended = time.perf_counter()
    facts = GenerationFacts(
        project_id=job.project_id,
        failure=failure,
        trace=trace,
        time=time_split(
            ended - started, list(models.meters.timer.intervals), trace.render_intervals(ended)
        ),
        target_seconds=config.target_duration,
    )
    result = await item_result(item, store, env.out_dir, facts)
    result = await _with_layout_frames(result, trace, store, env.out_dir)
    edits = (
        [
            await _edit(step, job.project_id, room, models.factory, config.models, limits)
            for step in item.edits
        ]
        if failure is None
        else []
    )
    injected = Counter(i.mutation for i in models.chaos.injections) if models.chaos else Counter()
    update: dict[str, object] = {
        "usage": models.meters.usage.report(),
        "edits": edits,
        "injected": dict(injected),
    }
    if config.judge is not None and failure is None:
        update.update(await _judged(config.judge, store, job.project_id))
    return result.model_copy(update=update)


async def _with_layout_frames(
    result: ItemResult, trace: EventTrace, store: Store, out_dir: Path
) -> ItemResult:
    """Copy each layout-repaired scene's before and after frames into `OUT/frames/`, for the
    report's contact sheet."""
    found = trace.layout_frames()
    scenes = []
    for scene in result.scenes:
        keys = found.get(scene.number)
        if keys is None or not any(r.startswith("layout: ") for r in scene.repairs):
            scenes.append(scene)
            continue
        names = []
        for key, when in zip(keys, ("before", "after"), strict=True):
            name = f"frames/{result.id}-{scene.number}-{when}.png"
            (out_dir / name).parent.mkdir(parents=True, exist_ok=True)
            (out_dir / name).write_bytes(await store.artifacts.read_bytes(key))
            names.append(name)
        scenes.append(scene.model_copy(update={"layout_frames": (names[0], names[1])}))
    return result.model_copy(update={"scenes": scenes})


async def _execute(
    room: JobRoom, job: JobRecord, factory: ModelFactory, trace: EventTrace
) -> Exception | None:
    """Run a submitted job; its failure is returned (the job row records it), not raised."""
    try:
        await room.run(job.id, on_event=trace.record, factory=factory)
    except Exception as exc:
        return exc
    return None


async def _edit(
    step: EditStep,
    project_id: str,
    room: JobRoom,
    factory: ModelFactory,
    models: Mapping[Role, ModelSpec],
    limits: Limits,
) -> EditResult:
    """Apply one edit; compare every slot's version and video bytes before and after."""
    before = await slot_states(room.store, project_id)
    request = EditRequest(
        project_id=project_id, scene_number=step.scene_number, edit_prompt=step.edit_prompt
    )
    started = time.perf_counter()
    try:
        job = await room.submit(JobSpec(request=request, models=dict(models), limits=limits))
    except JobError as exc:
        return edit_result(step, before, before, error=str(exc), seconds=0.0)
    failure = await _execute(room, job, factory, EventTrace())
    error = None if failure is None else (str(failure) or type(failure).__name__)
    after = await slot_states(room.store, project_id)
    seconds = time.perf_counter() - started
    return edit_result(step, before, after, error=error, seconds=seconds)


async def _judged(judge: ModelSpec, store: Store, project_id: str) -> dict[str, object]:
    """Judge scores of the project's final video, or the reason the judge failed."""
    meters = Meters()
    model = metered_model(judge, meters)
    try:
        frames = FRAMES if judge.accepts_images else 0
        evidence = await gather_evidence(store, project_id, frames=frames)
        scores = await judge_video(model, evidence)
    except Exception as exc:
        return {"judge_error": f"{type(exc).__name__}: {exc}"[:500]}
    judged = JudgeResult(
        model=judge.label,
        scores=scores,
        overall=geometric_mean(scores),
        frames=len(evidence.frames),
        usage=_as_judge(meters.usage.report()),
    )
    return {"judge": judged}


def _as_judge(report: UsageReport) -> UsageReport:
    """The judge calls run outside the graph (agent "other"): book them as the judge's."""
    return report.model_copy(update={"by_agent": {"judge": report.total}})
