"""The video graph: one graph for both entries, generate and edit.

    START ─ route ─┬─ generate: planner ─ fan-out (Send, one per scene) ─┐
                   └─ edit:     load_scene (latest stored version) ──────┤
                                                                         ▼
                  scene subgraph (narrate → code → check → render → review)
                                                                         ▼
                            assembler (fan-in) → project version → END

`graph` below is compiled without a checkpointer for LangGraph Studio; the CLI,
server and tests compile `build_video_graph()` with their own saver.
"""

from collections.abc import Mapping
from typing import Any, Literal

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Command, Send

from agents.assembler import describe_video
from agents.planner import plan_video
from agents.schemas import ScenePlan, VideoPlan
from graphs.assembly import (
    Slot,
    commit_assembly,
    current_music,
    existing_project,
    slot_of,
    stored_slots,
)
from graphs.context import VideoContext
from graphs.errors import NotFound
from graphs.events import ProgressEvent
from graphs.requests import EditRequest, GenerateRequest
from graphs.scene import Node, build_scene_graph, with_overrides
from graphs.state import SceneOutcome, SceneTask, VersionSummary, VideoState
from tools.render.models import Frame
from tools.speech import NarrationSettings, SceneNarration
from tools.store import NewSceneVersion, ProjectFields, Store

__all__ = ["VIDEO_NODES", "build_video_graph", "graph"]


def route(state: VideoState) -> Literal["planner", "load_scene"]:
    """Generate requests go to the planner, edit requests to the stored scene."""
    return "planner" if state["request"].kind == "generate" else "load_scene"


async def planner(state: VideoState, runtime: Runtime[VideoContext]) -> dict:
    """Plan the video's scenes from the prompt."""
    request = state["request"]
    assert isinstance(request, GenerateRequest)
    runtime.stream_writer(ProgressEvent(stage="planning", message="planning scenes").model_dump())
    plan = await plan_video(
        runtime.context.models.for_role("planner"),
        request.prompt,
        scene_count=request.scene_count,
        style=request.style,
        target_duration=request.target_duration,
        images=[image.plan_image() for image in request.images],
    )
    event = ProgressEvent(
        stage="planning", message=plan.title, status="done", scenes_total=len(plan.scenes)
    )
    runtime.stream_writer(event.model_dump())
    return {"plan": plan}


def fan_out(state: VideoState, runtime: Runtime[VideoContext]) -> list[Send]:
    """One scene branch per planned scene, run in parallel."""
    request = state["request"]
    assert isinstance(request, GenerateRequest)
    narration = runtime.context.narration or NarrationSettings(voice="none")
    return [
        Send(
            "scene",
            {
                "task": SceneTask(
                    number=scene.number,
                    plan=scene,
                    style=request.style,
                    quality=request.quality,
                    frame=request.frame,
                    fallback=request.fallback,
                    narration=narration,
                )
            },
        )
        for scene in state["plan"].scenes
    ]


async def load_scene(
    state: VideoState, runtime: Runtime[VideoContext]
) -> Command[Literal["scene"]]:
    """Load the latest stored version of the scene to edit and send it down the scene branch."""
    request = state["request"]
    assert isinstance(request, EditRequest)
    store = runtime.context.store
    project = await store.get_project(request.project_id)
    stored = await store.scene_version(request.project_id, request.scene_number)
    if project is None or stored is None:
        raise NotFound(f"project {request.project_id} has no scene {request.scene_number}")
    runtime.stream_writer(
        ProgressEvent(
            stage="loading",
            message=f"scene {request.scene_number} v{stored.version}",
            status="done",
            scenes_total=1,
        ).model_dump()
    )
    task = SceneTask(
        number=request.scene_number,
        plan=ScenePlan.model_validate(stored.plan),
        style=project.style,
        quality=project.quality,
        frame=stored.layout_report.frame if stored.layout_report else Frame(),
        fallback=False,
        edit_prompt=request.edit_prompt,
        base_code=stored.code,
        base_version_id=stored.id,
        keep_length=stored.duration if request.preserve_timing else None,
        narration=runtime.context.narration or _spoken_with(stored.narration),
    )
    return Command(goto=Send("scene", {"task": task}))


def _spoken_with(narration: dict[str, Any] | None) -> NarrationSettings:
    """The settings of the voice a stored scene was spoken in (`none` for a silent one)."""
    if narration is None:
        return NarrationSettings(voice="none")
    voice = SceneNarration.model_validate(narration).voice
    return NarrationSettings(
        voice=voice.label,
        speed=voice.speed,
        model=None if voice.provider == "offline" else voice.model,
        instructions=voice.instructions,
    )


async def assembler(state: VideoState, runtime: Runtime[VideoContext]) -> dict:
    """Join the current version of every slot and commit the new project version."""
    ctx = runtime.context
    runtime.stream_writer(ProgressEvent(stage="assembling", message="joining scenes").model_dump())
    project = await _project_fields(ctx.store, state)
    outcomes = sorted(state["scene_results"], key=lambda outcome: outcome.number)
    slots: dict[int, Slot] = {
        number: slot_of(version)
        for number, version in (await stored_slots(ctx.store, state["project_id"])).items()
    }
    for o in outcomes:
        slots[o.number] = Slot(o.code, o.render.video, o.render.duration, o.plan, o.narration)
    plan = VideoPlan(title=project.title, scenes=[slots[n].plan for n in sorted(slots)])
    description = await describe_video(ctx.models.for_role("assembler"), plan)
    record = await commit_assembly(
        ctx.store,
        project,
        description,
        slots,
        [_new_version(outcome) for outcome in outcomes],
        job_id=state["job_id"],
        burn_subtitles=state["request"].burn_subtitles,
        music=await _music(ctx.store, state),
    )
    summary = VersionSummary(
        project_id=record.project_id,
        version=record.version,
        video=record.video,
        duration=record.duration,
    )
    return {"version": summary}


async def _music(store: Store, state: VideoState) -> str | None:
    """The music bed: the one a generate request brought, or the one under the video an
    edit changes."""
    request = state["request"]
    if isinstance(request, GenerateRequest):
        return request.music.key if request.music is not None else None
    return await current_music(store, state["project_id"])


async def _project_fields(store: Store, state: VideoState) -> ProjectFields:
    request = state["request"]
    if isinstance(request, GenerateRequest):
        return ProjectFields(
            id=state["project_id"],
            title=state["plan"].title,
            prompt=request.prompt,
            style=request.style,
            quality=request.quality,
            owner=state.get("owner"),
        )
    return await existing_project(store, state["project_id"])


def _new_version(outcome: SceneOutcome) -> NewSceneVersion:
    rendered = outcome.render
    return NewSceneVersion(
        number=outcome.number,
        code=outcome.code,
        plan=outcome.plan.model_dump(mode="json"),
        video=rendered.video,
        last_frame=rendered.last_frame,
        duration=rendered.duration,
        layout_report=rendered.layout,
        render_log=rendered.log,
        parent_version_id=outcome.parent_version_id,
        edit_prompt=outcome.edit_prompt,
        attempts=outcome.attempts,
        repairs=outcome.repairs,
        usage=outcome.usage.model_dump(mode="json"),
        fallback_used=outcome.fallback_used,
        fallback_reason=outcome.fallback_reason,
        narration=outcome.narration.model_dump(mode="json") if outcome.narration else None,
        audio=outcome.narration.track if outcome.narration else None,
    )


VIDEO_NODES: dict[str, Node] = {
    "planner": planner,
    "load_scene": load_scene,
    "assembler": assembler,
}


def build_video_graph(
    scene_graph: StateGraph | None = None, overrides: Mapping[str, Node] | None = None
) -> StateGraph:
    """The video graph, uncompiled: compile it with the checkpointer you need.

    `scene_graph` replaces the scene subgraph; `overrides` swaps top-level nodes by name.

    Example:
        >>> from graphs import build_video_graph
        >>> app = build_video_graph().compile()
    """
    scene = (scene_graph or build_scene_graph()).compile(name="scene")
    graph = StateGraph(VideoState, context_schema=VideoContext)
    for name, node in with_overrides(VIDEO_NODES, overrides).items():
        graph.add_node(name, node)
    graph.add_node("scene", scene)
    graph.add_conditional_edges(START, route)
    graph.add_conditional_edges("planner", fan_out, ["scene"])
    graph.add_edge("scene", "assembler")
    graph.add_edge("assembler", END)
    return graph


graph = build_video_graph().compile(name="manimgraph")
