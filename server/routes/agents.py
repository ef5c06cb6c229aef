"""One agent at a time, for developers building on top: plan a prompt, code a scene.

Each call runs the graph's own agent with the models, repairs, budgets and limits a job
would get (`graphs.operations`), behind the same API keys and rate limits; nothing is
rendered or stored.
"""

from __future__ import annotations

from fastapi import APIRouter

from agents.models import ModelSpec, Role
from graphs.operations import (
    BudgetSpent,
    CodeOutcome,
    ModelFailed,
    ModelUnavailable,
    PlanOutcome,
    code_only,
    plan_only,
)
from graphs.requests import GenerateRequest
from server.agent_schemas import CodeBody, PlanBody
from server.deps import CallerDep, ManagerDep
from server.errors import ApiError, error_responses
from server.routes.submit import job_limits
from server.schemas import ModelSettings
from server.views import API

__all__ = ["router"]

router = APIRouter(prefix=f"{API}/agents", tags=["agents"])


def _models(settings: ModelSettings) -> dict[Role, ModelSpec]:
    try:
        return settings.specs()
    except ValueError as exc:
        raise ApiError(422, "invalid_model", str(exc)) from exc


@router.post(
    "/plan", response_model=PlanOutcome, responses=error_responses(400, 401, 409, 429, 502)
)
async def plan(body: PlanBody, _: CallerDep, manager: ManagerDep) -> PlanOutcome:
    """The planner's plan for a prompt (title and scenes), without rendering anything."""
    duration = {} if body.duration_s is None else {"target_duration": body.duration_s}
    request = GenerateRequest(
        prompt=body.prompt, scene_count=body.scene_count, style=body.style, **duration
    )
    try:
        return await plan_only(
            request, _models(body.models), manager.room.models, body.budget.budget()
        )
    except ModelUnavailable as exc:
        raise ApiError(409, "model_unavailable", str(exc)) from exc
    except BudgetSpent as exc:
        raise ApiError(409, "budget_exhausted", str(exc)) from exc
    except ModelFailed as exc:
        raise ApiError(502, "model_failed", str(exc)) from exc


@router.post(
    "/code", response_model=CodeOutcome, responses=error_responses(400, 401, 409, 429, 502)
)
async def code(body: CodeBody, _: CallerDep, manager: ManagerDep) -> CodeOutcome:
    """The scene coder's file for one scene plan, repaired and checked without a render;
    a file failing the check goes back to the coder (`render.max_retries` times)."""
    limits = job_limits(body.render, body.budget)
    try:
        return await code_only(
            body.scene, body.style, _models(body.models), manager.room.models, limits
        )
    except ModelUnavailable as exc:
        raise ApiError(409, "model_unavailable", str(exc)) from exc
    except BudgetSpent as exc:
        raise ApiError(409, "budget_exhausted", str(exc)) from exc
    except ModelFailed as exc:
        raise ApiError(502, "model_failed", str(exc)) from exc
