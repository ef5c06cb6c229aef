"""The FastAPI app: a lifespan owning the job room (store + checkpointer) and the runner.

Run it with `manimgraph serve`; build it in tests with `create_app(Settings(...))`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from importlib.metadata import version

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agents.config import load_model_config
from graphs.jobs import JobRoom
from server.errors import install_error_handlers
from server.jobs import JobManager
from server.metrics import Metrics
from server.queue import JobQueue
from server.ratelimit import RateLimiter
from server.routes import agents, assets, batches, jobs, projects, submit, system
from server.settings import Settings
from server.studio import mount_studio
from server.webhooks import webhook_secret
from tools.events import open_job_events
from tools.render.sandbox import current_sandbox, sandbox_warning

__all__ = ["create_app"]

log = logging.getLogger("manimgraph.server")


class RequestMetrics:
    """Counts each answer by route template, method and status, timed to its first byte.

    Plain ASGI rather than `@app.middleware("http")`: that wraps every request in a task
    group and memory streams, a large share of a status request's cost.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                path = getattr(scope.get("route"), "path", "unmatched")
                seconds = time.perf_counter() - started
                scope["app"].state.metrics.http(path, scope["method"], message["status"], seconds)
            await send(message)

        await self.app(scope, receive, counted)


def operation_id(route: APIRoute) -> str:
    """A stable operationId from the route's tag and function name (`jobs-generate`), so
    generated clients get short names that do not change when a path does."""
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; nothing is opened until the lifespan starts."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        models = load_model_config()
        if models.notice:
            log.info(models.notice)
        warning = sandbox_warning((await asyncio.to_thread(current_sandbox)).status)
        if warning is not None:
            log.warning(warning)
        events = open_job_events(settings.redis_url)
        async with JobRoom.open(
            settings.data_dir,
            database_url=settings.database_url,
            artifacts_url=settings.artifacts_url,
            models=models,
            render_slots=asyncio.Semaphore(settings.render_slots),
            lease=timedelta(seconds=settings.lease_seconds),
            events=events,
        ) as room:
            if not await room.store.has_api_keys():
                log.warning(
                    "no API keys exist: the API is open to anyone who can reach %s", settings.host
                )
            queue = JobQueue.from_url(settings.redis_url) if settings.redis_url else None
            metrics = Metrics()
            manager = JobManager(
                room,
                max_concurrent_jobs=settings.max_concurrent_jobs,
                max_jobs_per_key=settings.max_jobs_per_key,
                metrics=metrics,
                webhook_secret=await asyncio.to_thread(
                    webhook_secret, settings.webhook_secret, settings.data_dir
                ),
                webhook_attempts=settings.webhook_attempts,
                queue=queue,
            )
            limiter = RateLimiter(settings.rate_limit, settings.redis_url or "memory://")
            app.state.settings = settings
            app.state.store = room.store
            app.state.manager = manager
            app.state.metrics = metrics
            app.state.limiter = limiter
            app.state.queue = queue
            app.state.events = events
            await manager.start()
            try:
                yield
            finally:
                await manager.stop()
                await limiter.close()
                await events.close()
                if queue is not None:
                    await queue.close()

    app = FastAPI(
        title="manimgraph",
        version=version("manimgraph"),
        description="Prompt → rendered Manim explainer video, then edit one scene at a time.",
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    install_error_handlers(app)
    for module in (submit, jobs, projects, system, agents, batches, assets):
        app.include_router(module.router)

    app.add_middleware(RequestMetrics)
    mount_studio(app)
    return app
