"""Rate limits per API key, in memory and on a real Redis server."""

from __future__ import annotations

import time

import pytest

from server.ratelimit import RateLimiter


async def test_allows_the_rate_then_refuses_with_retry_after() -> None:
    limiter = RateLimiter("3/minute")

    states = [await limiter.hit("key-a") for _ in range(4)]

    assert [s.allowed for s in states] == [True, True, True, False]
    assert [s.remaining for s in states] == [2, 1, 0, 0]
    assert {s.limit for s in states} == {3}
    assert [s.retry_after for s in states[:3]] == [0, 0, 0]
    refused = states[3]
    assert 55 <= refused.retry_after <= 60
    assert abs(refused.reset_at - (time.time() + 60)) <= 2


async def test_keys_have_independent_budgets() -> None:
    limiter = RateLimiter("2/minute")

    assert [(await limiter.hit("key-a")).allowed for _ in range(3)] == [True, True, False]
    assert [(await limiter.hit("key-b")).allowed for _ in range(2)] == [True, True]
    assert (await RateLimiter("2/minute").hit("key-a")).allowed, "each limiter has its own memory"


async def test_the_window_moves() -> None:
    limiter = RateLimiter("2/second")
    assert [(await limiter.hit("k")).allowed for _ in range(3)] == [True, True, False]

    time.sleep(1.05)

    assert (await limiter.hit("k")).allowed


async def test_headers() -> None:
    limiter = RateLimiter("1/hour")
    allowed, refused = await limiter.hit("k"), await limiter.hit("k")

    assert RateLimiter.headers(allowed) == {
        "X-RateLimit-Limit": "1",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": str(allowed.reset_at),
    }
    assert limiter.headers(refused) == {
        "X-RateLimit-Limit": "1",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": str(refused.reset_at),
        "Retry-After": str(refused.retry_after),
    }
    assert 3590 <= refused.retry_after <= 3600


@pytest.mark.parametrize(
    ("rate", "storage_uri", "message"),
    [
        ("sixty a minute", "memory://", "couldn't parse rate limit string"),
        ("60/minute", "nosuch://localhost", "invalid rate limit storage"),
        ("60/minute", "async+memory://", "invalid rate limit storage"),
    ],
)
def test_bad_configuration_is_a_value_error(rate: str, storage_uri: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RateLimiter(rate, storage_uri)


async def test_redis_storage_shares_one_budget_between_limiters(redis_uri: str) -> None:
    first, second = RateLimiter("3/minute", redis_uri), RateLimiter("3/minute", redis_uri)

    outcomes = [
        (await first.hit("k")).allowed,
        (await second.hit("k")).allowed,
        (await first.hit("k")).allowed,
    ]
    refused = await second.hit("k")

    assert outcomes == [True, True, True]
    assert not refused.allowed
    assert refused.retry_after > 0
    assert (await first.hit("other")).allowed
    await first.close()
    await second.close()
