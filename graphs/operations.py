"""Single-agent operations for developers building on top of manimgraph (plan a video, code
one scene) and which model serves each agent of a job.

The single-agent operations run the graph's own agents, repairs and budgets, with the
models a job would get (`build_context`'s rule: the request's choices over the
configuration), outside any job: they store nothing, and each call is metered on its own.

Example:
    >>> outcome = await plan_only(GenerateRequest(prompt="Bayes' rule"), {}, config, Budget())
    >>> [scene.title for scene in outcome.plan.scenes]
    ['The question', 'The prior', ...]
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import partial
from typing import Any, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableLambda
from pydantic import BaseModel, Field

from agents.calls import ProviderError, StructuredOutputError
from agents.config import ModelConfig
from agents.models import AgentModels, ModelFactory, ModelSpec, Role
from agents.planner import plan_video
from agents.scene_coder import CoderRequest, NoCodeError, write_scene_code
from agents.schemas import ScenePlan, VideoPlan
from agents.usage import Budget, BudgetExhausted, UsageMeter, UsageReport
from graphs.errors import EnvironmentProblem, JobError
from graphs.limits import Limits
from graphs.requests import GenerateRequest, JobSpec, Style
from tools.layout_models import LayoutReport
from tools.render.models import RenderError, RenderSettings
from tools.speech import SceneNarration
from tools.store import Store
from tools.store.records import SceneRenderRecord

__all__ = [
    "BudgetSpent",
    "CodeOutcome",
    "ModelFailed",
    "ModelUnavailable",
    "PlanOutcome",
    "RenderOutcome",
    "ScenePlan",
    "VideoPlan",
    "agent_models",
    "code_only",
    "plan_only",
    "render_only",
    "run_scene_render",
]

T = TypeVar("T")


class ModelFailed(JobError):
    """The agent's model failed for good (provider error, unusable answers)."""


class BudgetSpent(JobError):
    """The budget refused the agent's model call."""


class ModelUnavailable(JobError):
    """The agent's model cannot be built here (e.g. its provider has no API key)."""


class PlanOutcome(BaseModel):
    """A plan made without rendering, and what it cost."""

    plan: VideoPlan
    model: str
    usage: UsageReport


class CodeOutcome(BaseModel):
    """A scene file from the coder, statically repaired and checked, and what it cost."""

    code: str = Field(description="The last file the coder wrote, after its repairs.")
    ok: bool = Field(description="The last file passed the structural check.")
    error: RenderError | None = Field(description="Why the last file failed the check.")
    attempts: int = Field(ge=1, description="Coder calls made (1 + retries).")
    repairs: list[str] = Field(description="Repairs made to the last file without a model.")
    model: str
    usage: UsageReport


class RenderOutcome(BaseModel):
    """What rendering one scene file through the render-and-repair loop gave; stored as the
    outcome of its scene render."""

    ok: bool = Field(description="The scene rendered.")
    code: str = Field(description="The code rendered last: the file after its repairs.")
    video: str | None = Field(default=None, description="Artifact key of the video.")
    last_frame: str | None = Field(default=None, description="Artifact key of the last frame.")
    duration: float | None = None
    layout: LayoutReport | None = Field(default=None, description="What was on screen.")
    error: RenderError | None = Field(default=None, description="Why it did not render.")
    repairs: list[str] = Field(default_factory=list, description="Repairs made without a model.")
    cached: bool = False

    @classmethod
    def of(cls, render: SceneRenderRecord) -> RenderOutcome | None:
        """The outcome stored on `render` (None while it runs, or if it failed)."""
        return cls.model_validate(render.outcome) if render.outcome is not None else None


def _model(factory: ModelFactory, role: Role) -> BaseChatModel:
    """The role's chat model, or ModelUnavailable saying why it cannot be built."""
    try:
        return factory.for_role(role)
    except Exception as exc:  # each provider's SDK raises its own kind
        label = factory.spec(role).label
        raise ModelUnavailable(f"{role} model {label}: {type(exc).__name__}: {exc}") from exc


async def _metered(agent: str, meter: UsageMeter, work: Callable[[], Awaitable[T]]) -> T:
    """Run `work` as the graph's node `agent` would be seen by the meter: its model calls
    are counted against the budget and booked to that agent."""

    async def run(_: Any) -> T:
        return await work()

    config: Any = {"callbacks": [meter], "metadata": {"langgraph_node": agent}}
    try:
        result: T = await RunnableLambda(run, name=agent).ainvoke(None, config)
    except BudgetExhausted as exc:
        raise BudgetSpent(str(exc)) from exc
    except (ProviderError, StructuredOutputError) as exc:
        raise ModelFailed(f"{agent}: {exc}") from exc
    return result


async def plan_only(
    request: GenerateRequest,
    models: Mapping[Role, ModelSpec],
    config: ModelConfig,
    budget: Budget,
) -> PlanOutcome:
    """The planner's `VideoPlan` for a generate request; nothing renders or is stored.

    Raises:
        ModelUnavailable: the planner's model cannot be built here.
        BudgetSpent: the budget refused the call.
        ModelFailed: the model failed, or planned another number of scenes than asked.
    """
    factory = config.factory(models)
    meter = UsageMeter(config.budget_with(budget))
    ask = partial(
        plan_video,
        _model(factory, "planner"),
        request.prompt,
        scene_count=request.scene_count,
        style=request.style,
        target_duration=request.target_duration,
    )
    try:
        plan = await _metered("planner", meter, ask)
    except ValueError as exc:  # e.g. another number of scenes than asked
        raise ModelFailed(f"planner: {exc}") from exc
    return PlanOutcome(plan=plan, model=factory.spec("planner").label, usage=meter.report())


async def code_only(
    plan: ScenePlan,
    style: Style,
    models: Mapping[Role, ModelSpec],
    config: ModelConfig,
    limits: Limits,
) -> CodeOutcome:
    """The scene coder's file for one scene plan, through the graph's static repairs and
    structural check; a failing file goes back to the coder with its error, at most
    `limits.max_retries` times. Nothing renders (`POST /agents/render` does).

    Raises:
        ModelUnavailable: the coder's model cannot be built here.
        BudgetSpent: the budget refused the first call.
        ModelFailed: the model failed.
    """
    # The render loop's modules load the render tools: imported here, so the API's schemas,
    # which import `AgentModels`, stay light for the CLI.
    from graphs.render_loop import repair_and_check
    from graphs.scene import format_error

    factory = config.factory(models)
    meter = UsageMeter(config.budget_with(limits.budget))
    model = _model(factory, "coder")
    request = CoderRequest(mode="write", plan=plan, style=style)
    attempts = 0
    while True:
        attempts += 1
        ask = partial(write_scene_code, model, request)
        try:
            code = await _metered("scene_coder", meter, ask)
        except NoCodeError as exc:
            code, repairs = "", []
            error: RenderError | None = RenderError(
                kind="code", type="NoCode", message=str(exc)[:500]
            )
        else:
            checked = repair_and_check(code, repair=limits.repairs)
            code, repairs, error = checked.code, checked.repairs, checked.error
        if error is None or attempts > limits.max_retries or meter.exhausted() is not None:
            break
        request = CoderRequest(
            mode="retry", plan=plan, style=style, code=code, error=format_error(error, code)
        )
    return CodeOutcome(
        code=code,
        ok=error is None,
        error=error,
        attempts=attempts,
        repairs=repairs,
        model=factory.spec("coder").label,
        usage=meter.report(),
    )


async def render_only(
    store: Store,
    code: str,
    settings: RenderSettings,
    slots: asyncio.Semaphore,
    *,
    scene_name: str | None = None,
    repair: bool = True,
) -> RenderOutcome:
    """One scene file through the graph's render-and-repair loop, in the sandbox, as a scene
    branch runs it before it would ask a model: static repairs, check, render (through the
    render cache), error-driven and layout repairs. No model is called.

    Raises:
        EnvironmentProblem: the machine cannot render (LaTeX, ffmpeg, fonts missing).
    """
    from graphs.render_loop import render_repaired, repair_and_check

    done = await render_repaired(
        repair_and_check(code, scene_name, repair=repair),
        store,
        settings,
        slots,
        scene_name=scene_name,
        repair=repair,
    )
    result = done.result
    if isinstance(result, RenderError):
        if result.kind == "environment":
            raise EnvironmentProblem(result.message)
        return RenderOutcome(ok=False, code=done.code, error=result, repairs=done.repairs)
    return RenderOutcome(
        ok=True,
        code=done.code,
        video=result.video,
        last_frame=result.last_frame,
        duration=result.duration,
        layout=result.layout,
        repairs=done.repairs,
        cached=result.cached,
    )


async def run_scene_render(
    store: Store, render: SceneRenderRecord, settings: RenderSettings, slots: asyncio.Semaphore
) -> None:
    """Render a recorded scene render (`render_only`) and record how it ended: completed
    with its outcome, or failed with the reason it could not run (an environment problem,
    the server stopping)."""
    try:
        outcome = await render_only(
            store, render.code, settings, slots, scene_name=render.scene_name
        )
    except asyncio.CancelledError:
        stopped = store.end_scene_render(render.id, None, error="the server stopped")
        await asyncio.shield(stopped)
        raise
    except Exception as exc:  # the record must say why, whatever stopped the render
        reason = str(exc) if isinstance(exc, JobError) else f"{type(exc).__name__}: {exc}"
        await store.end_scene_render(render.id, None, error=reason)
        return
    files = (outcome.video, outcome.last_frame)
    await store.end_scene_render(render.id, outcome.model_dump(mode="json"), files=files)


def agent_models(
    spec: JobSpec, config: ModelConfig, narration: Sequence[dict[str, Any] | None]
) -> AgentModels:
    """What served each agent of a job with this spec under this configuration, and the
    voice of the scene versions it made (`narration`, as stored; None for a silent one)."""
    factory = config.factory(spec.models)
    spoken = [SceneNarration.model_validate(n).voice for n in narration if n is not None]
    return AgentModels(
        planner=factory.spec("planner").label,
        scene_coder=factory.spec("coder").label,
        visual_fixer=factory.spec("fixer").label,
        assembler=factory.spec("assembler").label,
        narrator=factory.spec("coder").label,
        voice=spoken[0].label if spoken else "none",
    )
