"""One agent at a time, for developers building on top: plan a prompt, code a scene,
render a scene file.

Plan and code run the graph's own agent with the models, repairs, budgets and limits a job
would get (`graphs.operations`) and store nothing. A render is accepted at once (202) and
runs in the background of this server, in the sandbox and through the render cache, with
the render slots jobs use; its record holds the video, the layout report and the repairs.
All of them sit behind the same API keys and rate limits.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from fastapi import APIRouter, Request, Response, status

from graphs.operations import (
    BudgetSpent,
    CodeOutcome,
    ModelFailed,
    ModelUnavailable,
    PlanOutcome,
    RenderOutcome,
    code_only,
    plan_only,
    run_scene_render,
)
from graphs.requests import GenerateRequest
from server.agent_schemas import CodeBody, PlanBody, RenderBody, RenderPublic
from server.deps import Caller, CallerDep, ManagerDep, StoreDep
from server.errors import ApiError, error_responses
from server.files import MEDIA, RangeHeader, artifact_response, file_responses
from server.routes.submit import job_limits, model_specs
from server.views import API
from tools.render.models import RenderSettings
from tools.store import Store
from tools.store.records import SceneRenderRecord

__all__ = ["router"]

router = APIRouter(prefix=f"{API}/agents", tags=["agents"])


@contextmanager
def _agent_errors() -> Iterator[None]:
    """An agent's failures as API errors: 409 for a model that cannot be built or a spent
    budget, 502 for a model that failed."""
    try:
        yield
    except ModelUnavailable as exc:
        raise ApiError(409, "model_unavailable", str(exc)) from exc
    except BudgetSpent as exc:
        raise ApiError(409, "budget_exhausted", str(exc)) from exc
    except ModelFailed as exc:
        raise ApiError(502, "model_failed", str(exc)) from exc


@router.post(
    "/plan", response_model=PlanOutcome, responses=error_responses(400, 401, 409, 429, 502)
)
async def plan(body: PlanBody, _: CallerDep, manager: ManagerDep) -> PlanOutcome:
    """The planner's plan for a prompt (title and scenes), without rendering anything."""
    request = GenerateRequest(
        prompt=body.prompt,
        scene_count=body.scene_count,
        style=body.style,
        target_duration=body.duration_s,
    )
    models = model_specs(body.models)
    with _agent_errors():
        return await plan_only(request, models, manager.room.models, body.budget.budget())


@router.post(
    "/code", response_model=CodeOutcome, responses=error_responses(400, 401, 409, 429, 502)
)
async def code(body: CodeBody, _: CallerDep, manager: ManagerDep) -> CodeOutcome:
    """The scene coder's file for one scene plan, repaired and checked without a render;
    a file failing the check goes back to the coder (`render.max_retries` times)."""
    limits = job_limits(body.render, body.budget)
    models = model_specs(body.models)
    with _agent_errors():
        return await code_only(body.scene, body.style, models, manager.room.models, limits)


@router.post(
    "/render",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RenderPublic,
    responses=error_responses(400, 401, 429),
)
async def render(
    body: RenderBody, caller: CallerDep, manager: ManagerDep, store: StoreDep
) -> RenderPublic:
    """Render one scene file in the sandbox through the graph's render-and-repair loop (no
    model): poll `status_url` for the video, the layout report and the repairs."""
    settings = RenderSettings(
        quality=body.quality,
        frame=body.render.over(manager.room.models.render).frame(),
        timeout_s=body.render.max_scene_seconds,
    )
    record = await store.create_scene_render(
        body.code, body.quality, scene_name=body.scene_name, owner=caller.owner
    )
    work = run_scene_render(store, record, settings, manager.room.render_slots)
    manager.spawn(work, name=f"render-{record.id}")
    return render_public(record)


@router.get(
    "/renders/{render_id}", response_model=RenderPublic, responses=error_responses(401, 404, 429)
)
async def get_render(render_id: str, caller: CallerDep, store: StoreDep) -> RenderPublic:
    """The scene render: running, or how it ended."""
    return render_public(await _owned_render(store, render_id, caller))


@router.get(
    "/renders/{render_id}/{kind}",
    response_class=Response,
    responses=file_responses(MEDIA["video"], MEDIA["thumbnail"]),
)
async def render_file(
    render_id: str,
    kind: Literal["video", "last_frame"],
    request: Request,
    caller: CallerDep,
    store: StoreDep,
    byte_range: RangeHeader = None,
) -> Response:
    """The rendered video, or its last frame (PNG)."""
    outcome = RenderOutcome.of(await _owned_render(store, render_id, caller))
    key = None if outcome is None else outcome.video if kind == "video" else outcome.last_frame
    if key is None:
        raise ApiError(404, "not_found", f"render {render_id} has no {kind}")
    media = MEDIA["video"] if kind == "video" else MEDIA["thumbnail"]
    return await artifact_response(request, store, key, media, byte_range)


async def _owned_render(store: Store, render_id: str, caller: Caller) -> SceneRenderRecord:
    found = await store.get_scene_render(render_id)
    if found is None or found.owner != caller.owner:
        raise ApiError(404, "not_found", f"no render {render_id}")
    return found


def render_public(record: SceneRenderRecord) -> RenderPublic:
    """A scene render's record with URLs instead of artifact keys."""
    base = f"{API}/agents/renders/{record.id}"
    outcome = RenderOutcome.of(record)
    return RenderPublic(
        render_id=record.id,
        status=record.status,
        created_at=record.created_at,
        updated_at=record.updated_at,
        status_url=base,
        ok=outcome.ok if outcome else None,
        code=outcome.code if outcome else None,
        repairs=outcome.repairs if outcome else [],
        video_url=f"{base}/video" if outcome and outcome.video else None,
        last_frame_url=f"{base}/last_frame" if outcome and outcome.last_frame else None,
        duration=outcome.duration if outcome else None,
        layout=outcome.layout if outcome else None,
        error=outcome.error if outcome else None,
        cached=outcome.cached if outcome else False,
        failure=record.error,
    )
