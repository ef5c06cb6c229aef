"""Per-API-key rate limits on a moving window.

A moving window (not a fixed one) so a client cannot double its rate by bursting on both
sides of a window edge. Counters live in ``limits`` storage: in memory for a single process,
``redis://host:port`` when several server processes must share one budget per key.

Example:
    >>> limiter = RateLimiter("60/minute")
    >>> state = limiter.hit(api_key)
    >>> if not state.allowed:
    ...     raise HTTPException(429, headers=RateLimiter.headers(state))
"""

from __future__ import annotations

import math
import time

from limits import parse
from limits.errors import ConfigurationError
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from pydantic import BaseModel

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
        """Parse ``rate`` and connect to ``storage_uri``; both raise ``ValueError`` if invalid.

        Only synchronous storages are supported (``memory://``, ``redis://``, not ``async+*``).
        """
        self._item = parse(rate)
        try:
            storage = storage_from_string(storage_uri)
        except ConfigurationError as exc:
            raise ValueError(f"invalid rate limit storage {storage_uri!r}: {exc}") from exc
        if not isinstance(storage, Storage):
            raise ValueError(f"rate limit storage must be synchronous, got {storage_uri!r}")
        self._limiter = MovingWindowRateLimiter(storage)

    def hit(self, key: str) -> RateLimitState:
        """Count one request for ``key`` (refused requests are not counted)."""
        allowed = self._limiter.hit(self._item, _NAMESPACE, key)
        stats = self._limiter.get_window_stats(self._item, _NAMESPACE, key)
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
