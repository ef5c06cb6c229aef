"""The scene subgraph: narrate → code → repair + check → render, with bounded retry and
visual-fix loops.

    narrate → scene_coder → check ─┬─ ok → render ─┬─ ok → visual_fixer ─┬─ pass → save_scene
               ▲     (repair)    │     (repair ⟳) │                     └─ fixes → scene_coder
               └─ count_retry ◀──┴─ code error ───┴─ code / limit error (≤ max_retries)
                                  budget spent / timeout / security → fallback → save_scene

`narrate` speaks the plan's segments in the job's process (never in the sandbox, which
gets no key and no audio), re-using every segment already spoken, and hands the coder
each segment's measured duration; the render stays silent and the assembler lays the
voice-over under the joined video. An edit's instruction may change the narration first
(new words, a slower voice): only its changed segments are spoken again.

`check` and `render` run the render-and-repair loop of `graphs.render_loop`: the static
repairs (no model call) and the structural check, then the render, re-rendered after each
error-driven repair, so only what no rule fixes goes back to the model, with the failing
region of the file.
Environment errors (LaTeX, ffmpeg, fonts missing) never reach a model: they stop the job.
Security errors (the sandbox refused the code) are never retried.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from agents.narrator import edit_narration, may_change_narration
from agents.scene_coder import CoderMode, CoderRequest, NoCodeError, write_scene_code
from agents.schemas import ScenePlan
from agents.usage import BudgetExhausted, UsageTotals, scene_scope
from agents.visual_fixer import review_scene
from graphs.context import VideoContext
from graphs.errors import EnvironmentProblem, NarrationFailed, SceneFailed
from graphs.events import ProgressEvent, Stage
from graphs.frames import review_frames
from graphs.render_loop import Checked, render_repaired, repair_and_check
from graphs.state import SceneOutcome, SceneState, SceneTask
from tools import media
from tools.fallback import title_card_code
from tools.render.cache import RenderedScene, render_cached
from tools.render.models import RenderError, RenderSettings
from tools.repair.region import failing_region
from tools.speech import NarrationSettings, SceneNarration, SpeechError, speak_scene
from tools.speech.offline import offline_voice_installed
from tools.store import Store

__all__ = ["SCENE_NODES", "Node", "build_scene_graph", "format_error", "with_overrides"]

Node = Callable[..., Awaitable[Any]]

# Error kinds a rewrite of the scene can fix; the others give up at once.
RETRIED_KINDS = frozenset({"code", "limit"})


LIMIT_HINT = (
    "The scene must fit the render limits: fewer mobjects, shorter or fewer animations, "
    "lower surface resolution."
)


def format_error(error: RenderError, code: str | None = None) -> str:
    """The compact error text a model sees: kind, type, message, the line at fault and, given
    the code, the failing region around it (the line inside its function)."""
    where = f" at line {error.line}" if error.line else ""
    text = f"{error.kind} error{where}: {error.type}: {error.message}"
    if error.excerpt:
        text += f"\n    {error.excerpt.strip()}"
    if error.kind == "limit":
        text += f"\n{LIMIT_HINT}"
    region = failing_region(code, error.line) if code and error.line else None
    if region is not None:
        text += f"\n\nFailing region, {region}"
    return text


def _emit(
    runtime: Runtime[VideoContext], state: SceneState, stage: Stage, message: str, **fields: Any
) -> None:
    """Write one progress event of this scene to the graph's custom stream."""
    event = ProgressEvent(
        stage=stage,
        message=message,
        scene=state["task"].number,
        attempt=state.get("attempts"),
        title=state["task"].plan.title,
        repairs=len(state.get("repairs", [])),
        **fields,
    )
    runtime.stream_writer(event.model_dump())


async def narrate(state: SceneState, runtime: Runtime[VideoContext]) -> dict:
    """Apply an edit's narration change, then speak the segments (cached ones cost nothing).

    A spent budget hands a paid voice's scene to the offline voice (silence without it).
    """
    task = await _narration_edit(state, runtime)
    if not task.narration.enabled:
        return {"task": task, "narration": None}
    _emit(runtime, state, "narrating", f"speaking {len(task.plan.segments)} segment(s)")
    try:
        narration = await _speak(runtime, state, task, task.narration)
    except BudgetExhausted:
        voice = "offline" if offline_voice_installed() else "none"
        _emit(runtime, state, "narrating", f"budget spent: the voice is now {voice}")
        cheaper = NarrationSettings(voice=voice, speed=task.narration.speed)
        task = task.model_copy(update={"narration": cheaper})
        narration = await _speak(runtime, state, task, cheaper) if cheaper.enabled else None
    return {"task": task, "narration": narration}


async def _speak(
    runtime: Runtime[VideoContext], state: SceneState, task: SceneTask, settings: NarrationSettings
) -> SceneNarration:
    """Speak the task's segments in `settings`' voice and meter it.

    Raises:
        BudgetExhausted: a paid voice was refused by the job's cost cap.
        NarrationFailed: the voice failed (no key, a rejected key, no offline voice).
    """
    ctx, voice = runtime.context, settings.voice_id()
    paid = ctx.usage is not None and voice.provider != "offline"
    admit = ctx.usage.admit_speech if ctx.usage is not None and paid else None
    try:
        narration, tally = await speak_scene(task.plan.segments, voice, ctx.store, admit=admit)
    except SpeechError as exc:
        raise NarrationFailed(f"scene {task.number}: {exc}") from exc
    if ctx.usage is not None:
        ctx.usage.record_speech(
            voice.provider,
            voice.model,
            syntheses=tally.calls,
            reused=tally.reused,
            characters=tally.characters,
            audio_seconds=tally.audio_seconds,
            seconds=tally.seconds,
        )
    message = f"{narration.duration:.1f} s: {tally.calls} spoken, {tally.reused} re-used"
    _emit(runtime, state, "narrating", message, status="done")
    return narration


async def _narration_edit(state: SceneState, runtime: Runtime[VideoContext]) -> SceneTask:
    """The task with the new words and speed an edit's instruction asks for, if any."""
    task = state["task"]
    if task.edit_prompt is None or not may_change_narration(task.edit_prompt):
        return task
    try:
        with scene_scope(task.number):
            change = await edit_narration(
                runtime.context.models.for_role("coder"),
                task.plan.segments,
                task.narration.speed,
                task.edit_prompt,
            )
    except BudgetExhausted:
        return task
    plan = task.plan
    if change.segments:
        plan = type(plan).model_validate({**plan.model_dump(), "segments": change.segments})
    settings = task.narration.model_copy(update={"speed": change.speed})
    return task.model_copy(update={"plan": plan, "narration": settings})


async def scene_coder(state: SceneState, runtime: Runtime[VideoContext]) -> dict:
    """Ask the coder for a file: fresh, after an error, as an edit, or with fix instructions."""
    task = state["task"]
    mode, extra = _coder_mode(state)
    attempts = state.get("attempts", 0) + 1
    _emit(runtime, {**state, "attempts": attempts}, "coding", f"{mode} (call {attempts})")
    request = CoderRequest(
        mode=mode,
        plan=task.plan,
        style=task.style,
        narration=state.get("narration"),
        frame=task.frame,
        keep_length=task.keep_length,
        **extra,
    )
    try:
        with scene_scope(task.number):
            code = await write_scene_code(runtime.context.models.for_role("coder"), request)
    except BudgetExhausted as exc:
        return {"attempts": attempts - 1, "budget_exhausted": str(exc)}
    except NoCodeError as exc:
        if task.edit_prompt is not None:
            raise SceneFailed(task.number, f"the scene coder returned no code: {exc}") from None
        error = RenderError(kind="code", type="NoCode", message=str(exc)[:500])
        return {"attempts": attempts, "error": error, "code": state.get("code", "")}
    return {"attempts": attempts, "code": code, "error": None}


def _coder_mode(state: SceneState) -> tuple[CoderMode, dict[str, Any]]:
    task = state["task"]
    error, instructions, rendered = (
        state.get("error"),
        state.get("instructions"),
        state.get("rendered"),
    )
    if error is not None:
        code = state.get("code", "")
        return "retry", {"code": code, "error": format_error(error, code)}
    if instructions and rendered is not None:
        report = rendered.layout.model_dump_json(indent=2)
        return "fix", {"code": state["code"], "layout_report": report, "instructions": instructions}
    if task.edit_prompt is not None and "code" not in state:
        return "edit", {"code": task.base_code, "edit_prompt": task.edit_prompt}
    return "write", {}


def after_coding(state: SceneState) -> Literal["check", "give_up", "save_scene"]:
    """A new candidate is checked; with the budget spent, keep the last render or give up."""
    if not state.get("budget_exhausted"):
        return "check"
    kept = state.get("rendered") is not None and state.get("error") is None
    return "save_scene" if kept else "give_up"


async def check(state: SceneState, runtime: Runtime[VideoContext]) -> dict:
    """Static repairs, then the structural check of the candidate; never costs a render."""
    if state.get("error") is not None:
        return {}
    _emit(runtime, state, "checking", "repairing and checking the code")
    checked = repair_and_check(state["code"], repair=runtime.context.limits.repairs)
    if checked.repairs:
        _emit(runtime, state, "checking", f"{len(checked.repairs)} repair(s) without a model")
    return {"code": checked.code, "repairs": checked.repairs, "error": checked.error}


async def render(state: SceneState, runtime: Runtime[VideoContext]) -> dict:
    """Render the checked code through the cache, repairing and re-rendering while a rule
    fixes the error; classify what is left."""
    task, ctx = state["task"], runtime.context
    _emit(runtime, state, "rendering", f"rendering at {task.quality} quality")
    settings = _render_settings(ctx, task)
    checked = Checked(state["code"], state.get("repairs", []))
    async with with_images(ctx.store, settings, task.plan) as settings:
        done = await render_repaired(
            checked, ctx.store, settings, ctx.render_slots, repair=ctx.limits.repairs
        )
    update: dict[str, Any] = {"code": done.code, "repairs": done.repairs}
    result = done.result
    if isinstance(result, RenderError):
        if result.kind == "environment":
            raise EnvironmentProblem(result.message)
        return {**update, "error": result, "rendered": None}
    how = "cached" if result.cached else f"rendered in {result.seconds:.1f}s"
    before, after = result.before_frame, result.last_frame
    frames = [before, after] if before and after else None
    _emit(
        runtime,
        state,
        "rendering",
        how,
        cached=result.cached,
        seconds=result.seconds,
        frames=frames,
    )
    return {**update, "error": None, "rendered": result, "instructions": []}


@asynccontextmanager
async def with_images(
    store: Store, settings: RenderSettings, plan: ScenePlan
) -> AsyncIterator[RenderSettings]:
    """`settings` with the images the plan shows as local files, for the render to copy in
    read-only: the local artifact store's own files, or downloads into a scratch folder
    that lives as long as the block. An image whose file is gone is left out (the scene
    then fails to load it, like any broken scene)."""
    keys = [image.key for image in plan.images]
    if not keys:
        yield settings
        return
    async with store.scratch("images-") as work:
        files: dict[str, Path] = {}
        for key in keys:
            try:
                files[key] = await store.artifacts.local_copy(key, work)
            except (FileNotFoundError, ValueError):
                continue
        yield settings.model_copy(update={"assets": files})


def after_check(
    state: SceneState, runtime: Runtime[VideoContext]
) -> Literal["render", "scene_coder", "give_up"]:
    """A clean candidate goes to render; a code error loops back while the budget lasts."""
    if state.get("error") is None:
        return "render"
    return _retry_or_give_up(state, runtime)


def after_render(
    state: SceneState, runtime: Runtime[VideoContext]
) -> Literal["visual_fixer", "scene_coder", "give_up"]:
    """Rendered scenes go to review; code and limit errors loop back (the model can make the
    scene lighter); timeouts and security refusals give up."""
    error = state.get("error")
    if error is None:
        return "visual_fixer"
    if error.kind not in RETRIED_KINDS:
        return "give_up"
    return _retry_or_give_up(state, runtime)


def _retry_or_give_up(
    state: SceneState, runtime: Runtime[VideoContext]
) -> Literal["scene_coder", "give_up"]:
    if state.get("retries", 0) < runtime.context.limits.max_retries:
        return "scene_coder"
    return "give_up"


async def count_retry(state: SceneState, runtime: Runtime[VideoContext]) -> dict:
    """Book one retry before the error goes back to the coder."""
    error = state["error"]
    assert error is not None
    retries = state.get("retries", 0) + 1
    _emit(
        runtime,
        state,
        "coding",
        f"retry {retries}: {error.kind}: {error.type}: {error.message[:80]}",
        status="retry",
    )
    return {"retries": retries}


async def give_up(state: SceneState, runtime: Runtime[VideoContext]) -> dict:
    """The budget is spent: record why, or fail the job when fallback is off."""
    task, error = state["task"], state.get("error")
    reason = f"{error.kind}: {error.type}: {error.message[:200]}" if error else "unknown error"
    if error is not None and error.kind == "security":
        reason = f"security: the sandbox refused the code ({error.type}): {error.message[:200]}"
    if state.get("budget_exhausted"):
        reason = f"budget_exhausted: {state['budget_exhausted']}"
    if not task.fallback or task.edit_prompt is not None:
        raise SceneFailed(task.number, reason)
    return {"failure": reason}


async def visual_fixer(state: SceneState, runtime: Runtime[VideoContext]) -> dict:
    """Read the layout report; ask the fixer for concrete fixes while fix rounds remain."""
    rendered, ctx = state["rendered"], runtime.context
    assert rendered is not None
    rounds = state.get("fix_rounds", 0)
    if not rendered.layout.issues or rounds >= ctx.limits.max_fix_rounds:
        return {"instructions": []}
    _emit(runtime, state, "reviewing", f"{len(rendered.layout.issues)} layout issue(s)")
    frames = await review_frames(ctx.store, rendered) if ctx.models.accepts_images("fixer") else []
    try:
        with scene_scope(state["task"].number):
            review = await review_scene(
                ctx.models.for_role("fixer"),
                state["task"].plan,
                state["code"],
                rendered.layout,
                frames,
            )
    except BudgetExhausted:
        return {"instructions": []}  # the scene renders: keep it as it is
    if review.passes or not review.instructions:
        return {"instructions": []}
    _emit(runtime, state, "reviewing", f"fix round {rounds + 1}", status="fixing")
    return {"instructions": review.instructions, "fix_rounds": rounds + 1}


def after_review(state: SceneState) -> Literal["scene_coder", "save_scene"]:
    """Fix instructions send the code back; otherwise the scene is kept."""
    return "scene_coder" if state.get("instructions") else "save_scene"


async def fallback(state: SceneState, runtime: Runtime[VideoContext]) -> dict:
    """Render the title card that stands in for a failed scene."""
    task, ctx = state["task"], runtime.context
    _emit(runtime, state, "fallback", f"using a title card: {state.get('failure')}")
    narration = state.get("narration")
    spoken = narration.duration + 0.5 if narration is not None else 0.0
    code = title_card_code(task.plan.title, task.plan.narration, max(task.plan.duration, spoken))
    settings = _render_settings(ctx, task)
    result = await render_cached(code, ctx.store, settings, ctx.render_slots)
    if isinstance(result, RenderError):
        raise EnvironmentProblem(f"even the fallback title card failed: {result.message}")
    return {"code": code, "rendered": result, "repairs": []}


async def save_scene(state: SceneState, runtime: Runtime[VideoContext]) -> dict:
    """Hand the finished scene to the assembler, which stores it with the project version.

    A clip shorter than its voice-over (a coder that ignored the timing) holds its last
    frame until the voice ends, so no word is cut; an edit that keeps its scene's length
    holds it to that length.
    """
    task, rendered, ctx = state["task"], state["rendered"], runtime.context
    assert rendered is not None
    narration = state.get("narration")
    if narration is not None and rendered.duration < narration.duration:
        _emit(runtime, state, "saving", "holding the last frame for the voice-over")
        rendered = await _held(ctx, rendered, narration.duration + 0.1)
    if task.keep_length is not None and rendered.duration < task.keep_length - 0.01:
        _emit(runtime, state, "saving", "holding the last frame to keep the scene's length")
        rendered = await _held(ctx, rendered, task.keep_length)
    outcome = SceneOutcome(
        number=task.number,
        plan=task.plan,
        code=state["code"],
        render=rendered,
        attempts=state.get("attempts", 0),
        retries=state.get("retries", 0),
        fix_rounds=state.get("fix_rounds", 0),
        repairs=state.get("repairs", []),
        fallback_reason=state.get("failure"),
        edit_prompt=task.edit_prompt,
        parent_version_id=task.base_version_id,
        usage=ctx.usage.scene_usage(task.number) if ctx.usage else UsageTotals(),
        narration=narration,
    )
    _emit(
        runtime,
        state,
        "saving",
        "fallback" if outcome.fallback_used else "done",
        status="done",
        fallback_reason=outcome.fallback_reason,
        video=rendered.video,
    )
    return {"scene_results": [outcome]}


def _render_settings(ctx: VideoContext, task: SceneTask) -> RenderSettings:
    """The run's render limits at the scene's quality and in its project's frame."""
    return ctx.limits.render.model_copy(update={"quality": task.quality, "frame": task.frame})


async def _held(ctx: VideoContext, rendered: RenderedScene, seconds: float) -> RenderedScene:
    """The render with its last frame held until it lasts `seconds`."""
    async with ctx.store.scratch("hold-") as work:
        clip = await ctx.store.artifacts.local_copy(rendered.video, work)
        held = await asyncio.to_thread(media.hold_last_frame, clip, seconds, work / "held.mp4")
        info = await asyncio.to_thread(media.probe, held)
        video = await ctx.store.artifacts.put_file(held, ".mp4")
    return rendered.model_copy(update={"video": video, "duration": info.duration or 0.0})


SCENE_NODES: dict[str, Node] = {
    "narrate": narrate,
    "scene_coder": scene_coder,
    "check": check,
    "render": render,
    "count_retry": count_retry,
    "give_up": give_up,
    "visual_fixer": visual_fixer,
    "fallback": fallback,
    "save_scene": save_scene,
}


def build_scene_graph(
    overrides: Mapping[str, Node] | None = None,
) -> StateGraph[SceneState, VideoContext, SceneState, SceneState]:
    """The scene subgraph, uncompiled; `overrides` swaps nodes by name (same state contract).

    Example:
        >>> async def strict_fixer(state, runtime): ...
        >>> scene = build_scene_graph({"visual_fixer": strict_fixer})
    """
    nodes = with_overrides(SCENE_NODES, overrides)
    graph = StateGraph(SceneState, context_schema=VideoContext)
    for name, node in nodes.items():
        graph.add_node(name, node)
    graph.add_edge(START, "narrate")
    graph.add_edge("narrate", "scene_coder")
    graph.add_conditional_edges("scene_coder", after_coding)
    graph.add_conditional_edges(
        "check",
        after_check,
        {"render": "render", "scene_coder": "count_retry", "give_up": "give_up"},
    )
    graph.add_conditional_edges(
        "render",
        after_render,
        {"visual_fixer": "visual_fixer", "scene_coder": "count_retry", "give_up": "give_up"},
    )
    graph.add_edge("count_retry", "scene_coder")
    graph.add_edge("give_up", "fallback")
    graph.add_conditional_edges("visual_fixer", after_review)
    graph.add_edge("fallback", "save_scene")
    graph.add_edge("save_scene", END)
    return graph


def with_overrides(
    nodes: Mapping[str, Node], overrides: Mapping[str, Node] | None
) -> dict[str, Node]:
    unknown = set(overrides or {}) - set(nodes)
    if unknown:
        raise ValueError(f"unknown nodes {sorted(unknown)}; known: {sorted(nodes)}")
    return {**nodes, **(overrides or {})}
