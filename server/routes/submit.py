"""POST /generate and /edit-scene: accept at once (202), run in the background."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, status

from agents.config import RenderConfig
from agents.models import ModelSpec, Role
from graphs.errors import NotFound
from graphs.jobs import ProjectBusy
from graphs.limits import Limits
from graphs.requests import EditRequest, GenerateRequest, JobSpec
from server.deps import Caller, CallerDep, ManagerDep, StoreDep
from server.errors import ApiError, error_responses
from server.jobs import IdempotencyKeyReused, JobManager, TooManyJobs
from server.routes.assets import job_assets
from server.schemas import (
    Accepted,
    BudgetOptions,
    EditSceneBody,
    GenerateBody,
    ModelSettings,
    RenderOptions,
)
from server.views import API
from tools.assets import JobAsset
from tools.render.models import RenderSettings
from tools.store import JobRecord

__all__ = ["router"]

router = APIRouter(prefix=API, tags=["jobs"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=128,
        description="Retries return the same job.",
    ),
]


def accepted(job: JobRecord) -> Accepted:
    """The 202 body pointing at the job's status and event stream."""
    return Accepted(
        job_id=job.id,
        project_id=job.project_id,
        status=job.status,
        status_url=f"{API}/jobs/{job.id}",
        events_url=f"{API}/jobs/{job.id}/events",
    )


def model_specs(settings: ModelSettings) -> dict[Role, ModelSpec]:
    """The models a request chose, by role; a 422 `invalid_model` for an unknown provider."""
    try:
        return settings.specs()
    except ValueError as exc:
        raise ApiError(422, "invalid_model", str(exc)) from exc


def job_limits(options: RenderOptions, budget: BudgetOptions) -> Limits:
    """The loop caps, render limits and budget a request's options ask for."""
    return Limits(
        max_retries=options.max_retries,
        max_fix_rounds=options.max_fix_rounds,
        render=RenderSettings(timeout_s=options.max_scene_seconds),
        budget=budget.budget(),
    )


async def _submit(
    manager: JobManager, spec: JobSpec, caller: Caller, idempotency_key: str | None
) -> Accepted:
    try:
        job = await manager.submit(spec, owner=caller.owner, idempotency_key=idempotency_key)
    except IdempotencyKeyReused as exc:
        raise ApiError(422, "idempotency_key_reused", str(exc)) from exc
    except TooManyJobs as exc:
        raise ApiError(429, "too_many_jobs", str(exc)) from exc
    except ProjectBusy as exc:
        raise ApiError(409, "project_busy", str(exc)) from exc
    except NotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    return accepted(job)


@router.post(
    "/generate",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses=error_responses(400, 401, 404, 409, 429),
)
async def generate(
    body: GenerateBody,
    caller: CallerDep,
    manager: ManagerDep,
    store: StoreDep,
    idempotency_key: IdempotencyKey = None,
) -> Accepted:
    """Start making a video from a prompt, with the caller's uploaded images and music."""
    assets = await job_assets(store, body.assets, caller.owner)
    spec = generate_spec(body, assets, manager.room.models.render)
    return await _submit(manager, spec, caller, idempotency_key)


def generate_spec(
    body: GenerateBody, assets: tuple[JobAsset, ...], defaults: RenderConfig
) -> JobSpec:
    """The job spec of a generate body whose `assets` were resolved (`job_assets`), its
    unset picture and length taken from the server's `[render]` config; a 422
    `invalid_model` for an unknown provider."""
    models = model_specs(body.models)
    render = body.render.over(defaults)
    request = GenerateRequest(
        prompt=body.prompt,
        scene_count=body.scene_count,
        style=body.style,
        quality=body.quality,
        fallback=body.fallback,
        burn_subtitles=body.burn_subtitles,
        frame=render.frame(),
        assets=assets,
        target_duration=render.duration_s,
    )
    return JobSpec(
        request=request,
        models=models,
        limits=job_limits(body.render, body.budget),
        callback_url=body.callback_url,
        narration=body.narration.settings() if body.narration else None,
    )


@router.post(
    "/edit-scene",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses=error_responses(400, 401, 404, 409, 429),
)
async def edit_scene(
    body: EditSceneBody,
    caller: CallerDep,
    manager: ManagerDep,
    store: StoreDep,
    idempotency_key: IdempotencyKey = None,
) -> Accepted:
    """Turn one scene into a new version and re-assemble the video."""
    project = await store.get_project(body.project_id)
    if project is None or project.owner != caller.owner:
        raise ApiError(404, "not_found", f"no project {body.project_id}")
    number = body.scene_number
    if body.scene_id is not None:
        number = next((s.number for s in project.scenes if s.id == body.scene_id), None)
    if number is None:
        raise ApiError(404, "not_found", f"project {project.id} has no scene {body.scene_id}")
    models = model_specs(body.models)
    request = EditRequest(
        project_id=project.id,
        scene_number=number,
        edit_prompt=body.edit_prompt,
        burn_subtitles=body.burn_subtitles,
        preserve_timing=body.preserve_timing,
    )
    spec = JobSpec(
        request=request,
        models=models,
        limits=job_limits(body.render, body.budget),
        callback_url=body.callback_url,
        narration=body.narration.settings() if body.narration else None,
    )
    return await _submit(manager, spec, caller, idempotency_key)
