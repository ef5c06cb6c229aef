"""Per-API-key rate limits on a moving window.

A moving window (not a fixed one) so a client cannot double its rate by bursting on both
sides of a window edge. Counters live in ``limits``' async storage: in memory for a single
process, ``redis://host:port`` when several server processes must share one budget per key.

Example:
    >>> limiter = RateLimiter("60/minute")
    >>> state = await limiter.hit(api_key)
    >>> if not state.allowed:
    ...     raise HTTPException(429, headers=RateLimiter.headers(state))
"""

from __future__ import annotations

import math
import time

from limits import parse
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import ConfigurationError
from limits.storage import storage_from_string
from pydantic import BaseModel
from redis.asyncio import ConnectionPool

__all__ = ["RateLimitState", "RateLimiter"]

_NAMESPACE = "manimgraph-api-key"


class RateLimitState(BaseModel):
    """The outcome of one request against a key's budget, enough to answer with headers."""

    allowed: bool
    limit: int
    remaining: int
    reset_at: int
    """Epoch seconds when the oldest counted request leaves the window."""
    retry_after: int
    """Seconds to wait before retrying; 0 when allowed."""


class RateLimiter:
    """Counts requests per key against one rate, e.g. ``"60/minute"`` or ``"5/second"``."""

    def __init__(self, rate: str = "60/minute", storage_uri: str = "memory://") -> None:
        """Parse ``rate`` and connect to ``storage_uri`` (``memory://`` or ``redis://…``, used
        through their async clients); both raise ``ValueError`` if invalid."""
        self._item = parse(rate)
        self._pool = (
            ConnectionPool.from_url(storage_uri) if storage_uri.startswith("redis") else None
        )
        options = {"implementation": "redispy", "connection_pool": self._pool} if self._pool else {}
        try:
            storage = storage_from_string(f"async+{storage_uri}", **options)
        except ConfigurationError as exc:
            raise ValueError(f"invalid rate limit storage {storage_uri!r}: {exc}") from exc
        if not isinstance(storage, Storage):
            raise ValueError(f"unsupported rate limit storage {storage_uri!r}")
        self._limiter = MovingWindowRateLimiter(storage)

    async def close(self) -> None:
        """Close the connections to Redis, if any."""
        if self._pool is not None:
            await self._pool.aclose()

    async def hit(self, key: str) -> RateLimitState:
        """Count one request for ``key`` (refused requests are not counted)."""
        allowed = await self._limiter.hit(self._item, _NAMESPACE, key)
        stats = await self._limiter.get_window_stats(self._item, _NAMESPACE, key)
        wait_s = stats.reset_time - time.time()
        return RateLimitState(
            allowed=allowed,
            limit=self._item.amount,
            remaining=stats.remaining,
            reset_at=math.ceil(stats.reset_time),
            retry_after=0 if allowed else max(1, math.ceil(wait_s)),
        )

    @staticmethod
    def headers(state: RateLimitState) -> dict[str, str]:
        """The ``X-RateLimit-*`` headers for a response, plus ``Retry-After`` when refused."""
        headers = {
            "X-RateLimit-Limit": str(state.limit),
            "X-RateLimit-Remaining": str(state.remaining),
            "X-RateLimit-Reset": str(state.reset_at),
        }
        if not state.allowed:
            headers["Retry-After"] = str(state.retry_after)
        return headers
