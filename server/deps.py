"""`Annotated` dependencies: the store, the job manager, and the authenticated caller."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request, Response

from server.errors import ApiError
from server.jobs import JobManager
from server.ratelimit import RateLimiter
from tools.events import JobEvents
from tools.store import Store

__all__ = ["AdminDep", "Caller", "CallerDep", "EventsDep", "ManagerDep", "StoreDep"]


async def _store(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


async def _manager(request: Request) -> JobManager:
    return request.app.state.manager  # type: ignore[no-any-return]


async def _events(request: Request) -> JobEvents:
    return request.app.state.events  # type: ignore[no-any-return]


StoreDep = Annotated[Store, Depends(_store)]
ManagerDep = Annotated[JobManager, Depends(_manager)]
EventsDep = Annotated[JobEvents, Depends(_events)]


@dataclass(frozen=True)
class Caller:
    """Who is asking: an API key's id, or None when the server runs without keys."""

    owner: str | None
    name: str
    admin: bool = False


async def _caller(
    request: Request,
    response: Response,
    store: StoreDep,
    x_api_key: Annotated[str | None, Header(description="Your API key.")] = None,
) -> Caller:
    """Authenticate by `X-API-Key` (when keys exist) and apply the caller's rate limit."""
    if await store.has_api_keys():
        if not x_api_key:
            raise ApiError(401, "missing_api_key", "send your API key in the X-API-Key header")
        key = await store.verify_api_key(x_api_key)
        if key is None:
            raise ApiError(401, "invalid_api_key", "the API key is unknown or revoked")
        caller = Caller(owner=key.id, name=key.name, admin=key.admin)
    else:
        caller = Caller(owner=None, name="open")
    limiter: RateLimiter = request.app.state.limiter
    client = request.client.host if request.client else "unknown"
    state = await limiter.hit(caller.owner or f"ip:{client}")
    headers = limiter.headers(state)
    if not state.allowed:
        raise ApiError(429, "rate_limited", "too many requests; retry later", headers)
    response.headers.update(headers)
    return caller


CallerDep = Annotated[Caller, Depends(_caller)]


async def _admin(caller: CallerDep) -> Caller:
    """The caller, if its key is an admin key (`manimgraph keys create NAME --admin`)."""
    if not caller.admin:
        raise ApiError(
            403,
            "admin_key_required",
            "this operation needs an admin key: `manimgraph keys create NAME --admin`",
        )
    return caller


AdminDep = Annotated[Caller, Depends(_admin)]
