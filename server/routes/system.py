"""Presets, health, Prometheus metrics, and the operator's stats and cleanup."""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from graphs.requests import STYLES
from server.deps import AdminDep, CallerDep, StoreDep
from server.errors import error_responses
from server.health import HealthReport, check_health
from server.schemas import CleanupBody, CleanupResult, Presets, SystemStats
from server.views import API

__all__ = ["router"]

router = APIRouter(tags=["system"])

PRESETS = Presets(
    qualities={
        "low": "480p at 15 fps: drafts and previews",
        "medium": "720p at 30 fps",
        "high": "1080p at 60 fps: final videos",
    },
    styles=dict(STYLES),
)


@router.get(f"{API}/presets", response_model=Presets, responses=error_responses(401, 429))
async def presets(_: CallerDep) -> Presets:
    """The quality and style presets a request may name."""
    return PRESETS


@router.get(f"{API}/system/stats", response_model=SystemStats, responses=error_responses(401, 429))
async def system_stats(_: CallerDep, store: StoreDep) -> SystemStats:
    """Jobs by kind, status and stage, projects, versions, fallbacks and bytes stored."""
    return SystemStats.model_validate(await store.stats())


@router.post(
    f"{API}/system/cleanup",
    response_model=CleanupResult,
    responses=error_responses(400, 401, 403, 429),
)
async def system_cleanup(_: AdminDep, store: StoreDep, body: CleanupBody) -> CleanupResult:
    """Delete finished jobs, scratch directories and unused files older than
    `max_age_hours`, as `manimgraph cleanup` does; needs an admin key."""
    report = await store.cleanup(timedelta(hours=body.max_age_hours), dry_run=body.dry_run)
    return CleanupResult(dry_run=body.dry_run, **report.model_dump())


@router.get(
    "/health",
    response_model=HealthReport,
    responses={503: {"model": HealthReport, "description": "Unhealthy"}},
)
async def health(request: Request) -> Response:
    """Each dependency's state, the version and the time; 503 when the service cannot work."""
    store = request.app.state.store
    report = await check_health(store.data_dir, store.ping, queue=request.app.state.queue)
    code = 503 if report.status == "unhealthy" else 200
    return JSONResponse(report.model_dump(mode="json"), status_code=code)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus metrics."}},
)
async def metrics(request: Request) -> Response:
    """Prometheus exposition of jobs, renders, retries, fallbacks, queue and tokens."""
    manager = request.app.state.manager
    registry = request.app.state.metrics
    queue = request.app.state.queue
    if queue is None:
        registry.set_queue(*manager.queue_depth())
    else:
        with suppress(Exception):  # Redis is away: /health says so, /metrics still answers
            info = await queue.info()
            registry.set_queue(info.queued, info.active, workers=info.workers)
    body, content_type = registry.render()
    return Response(body, media_type=content_type)
