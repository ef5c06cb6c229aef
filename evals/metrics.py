"""Per-item metrics, read from where the facts live: the store, the job's events, the meters.

The store holds each scene version (attempts, repairs, fallback, layout report, plan,
durations, artifact hashes); the progress events hold retries, fix rounds and render
times; the item's usage meter and call timer hold model calls, tokens and model time.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from agents.calls import ProviderError
from agents.usage import BudgetExhausted
from evals.dataset import EditStep, EvalItem, Expect
from evals.results import EditResult, ExpectResult, ItemResult, SceneResult, TimeSplit
from evals.trace import EventTrace, Interval, covered
from graphs.errors import EnvironmentProblem, JobError, SceneFailed
from tools.render.models import ErrorKind
from tools.store import ProjectRecord, SceneVersionRecord, Store

__all__ = [
    "GenerationFacts",
    "SlotState",
    "classify_failure",
    "classify_reason",
    "edit_result",
    "item_result",
    "slot_states",
    "time_split",
]

_KINDS: tuple[str, ...] = get_args(ErrorKind)


@dataclass(frozen=True)
class SlotState:
    """A slot of the current project version: which scene version, and its video's hash."""

    version_id: str
    version: int
    video_sha256: str


@dataclass(frozen=True)
class GenerationFacts:
    """What the runner observed while the generate job ran."""

    project_id: str
    failure: BaseException | None
    trace: EventTrace
    time: TimeSplit
    target_seconds: float | None


def classify_failure(exc: BaseException) -> str:
    """The error class of a failed job: environment, a scene's error kind, the model
    provider, the budget, or internal (an exception nobody classified)."""
    if isinstance(exc, EnvironmentProblem):
        return "environment"
    if isinstance(exc, SceneFailed):
        return classify_reason(exc.reason)
    if isinstance(exc, ProviderError):
        return "provider"
    if isinstance(exc, BudgetExhausted):
        return "budget"
    return "job" if isinstance(exc, JobError) else "internal"


def classify_reason(reason: str) -> str:
    """`code: NameError: ...` → `code`; reasons not in that shape count as code errors."""
    kind = reason.split(":", 1)[0].strip()
    return kind if kind in _KINDS else "code"


def time_split(wall: float, model: list[Interval], render: list[Interval]) -> TimeSplit:
    """Split a wall time so render, model-only and other time add up to it."""
    render_busy = covered(render)
    busy = covered(model + render)
    return TimeSplit(
        wall=wall,
        model=busy - render_busy,
        render=render_busy,
        other=max(0.0, wall - busy),
        model_total=sum(stop - start for start, stop in model),
        render_total=sum(stop - start for start, stop in render),
    )


async def slot_states(store: Store, project_id: str) -> dict[int, SlotState]:
    """Each slot of the project's current version with the hash of its video bytes."""
    states = {}
    for version in await store.current_scenes(project_id):
        digest = hashlib.sha256(await store.artifacts.read_bytes(version.video)).hexdigest()
        states[version.number] = SlotState(version.id, version.version, digest)
    return states


def edit_result(
    step: EditStep,
    before: dict[int, SlotState],
    after: dict[int, SlotState],
    *,
    error: str | None,
    seconds: float,
) -> EditResult:
    """Did the edit make a new version of its scene and leave every other scene as it was?"""
    number = step.scene_number
    old, new = before.get(number), after.get(number)
    if error is not None or old is None or new is None:
        error = error or f"the project has no scene {number} after the edit"
        return EditResult(
            scene_number=number,
            edit_prompt=step.edit_prompt,
            ok=False,
            error=error,
            seconds=seconds,
        )
    return EditResult(
        scene_number=number,
        edit_prompt=step.edit_prompt,
        ok=True,
        new_version=new.version == old.version + 1 and new.version_id != old.version_id,
        changed=new.video_sha256 != old.video_sha256,
        others_identical=all(after.get(n) == state for n, state in before.items() if n != number),
        seconds=seconds,
    )


async def item_result(
    item: EvalItem,
    store: Store,
    out_dir: Path,
    facts: GenerationFacts,
) -> ItemResult:
    """The generation metrics of one item, read before any edit changes the project.

    Usage, edits, injected faults and judge scores are added by the item runner.
    """
    project = await store.get_project(facts.project_id) if facts.failure is None else None
    retries, fix_rounds = facts.trace.retries(), facts.trace.fix_rounds()
    scenes = _scenes(project, retries, fix_rounds) if project else []
    errors: Counter[str] = Counter()
    types: Counter[str] = Counter()
    for (kind, name), count in facts.trace.retry_errors().items():
        errors[kind] += count
        types[name] += count
    errors.update(classify_reason(s.fallback_reason) for s in scenes if s.fallback_reason)
    error_class = classify_failure(facts.failure) if facts.failure else None
    if error_class:
        errors[error_class] += 1
    layout = Counter(kind for scene in scenes for kind in scene.layout_issues)
    fallbacks = [s.fallback_reason for s in scenes if s.fallback_reason]
    current = project.current if project else None
    return ItemResult(
        id=item.id,
        prompt=item.prompt,
        domain=item.domain,
        difficulty=item.difficulty,
        fields=item.extra,
        status="failed" if current is None else "completed",
        success=current is not None and not fallbacks,
        error=_failure_text(facts.failure),
        error_class=error_class,
        project_id=facts.project_id,
        version=current.version if current else None,
        video=_video_link(store, current.video, out_dir) if current else None,
        scenes_planned=len(scenes),
        scenes_rendered=len(scenes) - len(fallbacks),
        first_attempt_ok=sum(s.first_attempt_ok for s in scenes),
        attempts=sum(s.attempts for s in scenes),
        retries=sum(s.retries for s in scenes),
        repairs=sum(len(s.repairs) for s in scenes),
        fix_rounds=sum(s.fix_rounds for s in scenes),
        fallbacks=len(fallbacks),
        fallback_reasons=fallbacks,
        layout_issues=dict(layout),
        layout_clean=current is not None and not layout,
        video_seconds=current.duration if current else None,
        planned_seconds=_planned(scenes),
        target_seconds=facts.target_seconds,
        time=facts.time,
        errors=dict(errors),
        error_types=dict(types),
        expect=_expectation(item.expect, project) if item.expect and project else None,
        scenes=scenes,
    )


def _scenes(
    project: ProjectRecord, retries: Counter[int], fix_rounds: Counter[int]
) -> list[SceneResult]:
    return [
        _scene(version, retries[version.number], fix_rounds[version.number])
        for version in project.scene_versions()
    ]


def _scene(version: SceneVersionRecord, retries: int, fix_rounds: int) -> SceneResult:
    planned = version.plan.get("duration")
    return SceneResult(
        number=version.number,
        archetype=version.plan.get("archetype"),
        version=version.version,
        attempts=version.attempts,
        retries=retries,
        fix_rounds=fix_rounds,
        repairs=[str(repair) for repair in version.repairs],
        fallback_reason=version.fallback_reason if version.fallback_used else None,
        layout_issues=[issue.kind for issue in version.layout_issues],
        duration=version.duration,
        planned_duration=float(planned) if planned is not None else None,
    )


def _video_link(store: Store, key: str, out_dir: Path) -> str:
    """Where the final video is: relative to the run directory when it is a local file,
    else as the artifact store names it (an s3:// URL)."""
    where = store.artifacts.describe(key)
    return os.path.relpath(where, out_dir) if Path(where).is_absolute() else where


def _planned(scenes: list[SceneResult]) -> float | None:
    planned = [s.planned_duration for s in scenes]
    return sum(p for p in planned if p is not None) if planned and None not in planned else None


def _expectation(expect: Expect, project: ProjectRecord) -> ExpectResult:
    """Terms must occur in the plan or code; kinds must be a planned archetype or a class used."""
    versions = [scene.versions[-1] for scene in project.scenes if scene.versions]
    text = " ".join(_plan_text(v.plan) + " " + v.code for v in versions).lower()
    archetypes = {v.plan.get("archetype") for v in versions}
    code = "\n".join(v.code for v in versions)
    missing = [term for term in expect.terms if term.lower() not in text]
    missing += [
        kind
        for kind in expect.kinds
        if kind not in archetypes and not re.search(rf"\b{re.escape(kind)}\(", code)
    ]
    return ExpectResult(met=not missing, missing=missing)


def _plan_text(plan: dict[str, Any]) -> str:
    return " ".join(str(plan.get(key, "")) for key in ("title", "goal", "narration", "visual"))


def _failure_text(exc: BaseException | None) -> str | None:
    """The job row's wording: clear messages as they are, others with their type."""
    if exc is None:
        return None
    clear = isinstance(exc, JobError | ProviderError)
    return str(exc) if clear else f"{type(exc).__name__}: {exc}"
