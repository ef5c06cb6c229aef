"""Signed webhook delivery for finished jobs.

When a job submitted with a ``callback_url`` ends, the server POSTs the job's result JSON to
that URL. Receivers must be able to trust the call and to reject a replayed one, so every
delivery is signed:

* ``X-Manimgraph-Timestamp``: Unix seconds at which this attempt was signed.
* ``X-Manimgraph-Signature``: ``sha256=<hex>``, the HMAC-SHA256 under the shared secret of
  ``f"{timestamp}.".encode() + body``. Signing the timestamp with the body means an old
  request cannot be replayed with a fresh timestamp; receivers refuse timestamps outside a
  tolerance window (``verify`` does both checks).
* ``X-Manimgraph-Event``: what happened, e.g. ``job.finished``.
* ``X-Manimgraph-Delivery``: one id per delivery, the same on every retry, so a receiver can
  drop the duplicate when it handled a request whose answer we never saw.

Delivery never raises for a receiver's failure: the job's outcome must not depend on it.
Transient failures (connection errors, timeouts, 408, 429, 5xx) are retried with exponential
backoff and jitter; 429/503 ``Retry-After`` is honoured up to a cap. Other answers are final.

Example:
    >>> result = await deliver(job.callback_url, job_public.model_dump(mode="json"), secret)
    >>> result.delivered, result.attempts
    (True, 1)
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import httpx
from pydantic import AfterValidator, BaseModel, WithJsonSchema
from pydantic_core import to_json
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_result,
    stop_after_attempt,
    wait_exponential_jitter,
)

__all__ = [
    "DELIVERY_HEADER",
    "EVENT_HEADER",
    "SECRET_FILE",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "CallbackUrl",
    "DeliveryResult",
    "deliver",
    "sign",
    "signed_headers",
    "validate_callback_url",
    "verify",
    "webhook_secret",
]

SECRET_FILE = "webhook-secret"

SIGNATURE_HEADER = "X-Manimgraph-Signature"
TIMESTAMP_HEADER = "X-Manimgraph-Timestamp"
EVENT_HEADER = "X-Manimgraph-Event"
DELIVERY_HEADER = "X-Manimgraph-Delivery"

_SIGNATURE_PREFIX = "sha256="
_MAX_URL_LENGTH = 2048
_NO_SPACE = r"[^\s\x1c-\x1f]"
"""One non-whitespace character, to Python's `re` and to Rust's regex alike."""
_URL_SHAPE = (
    r"https?://"
    r"([A-Za-z0-9._~%!$&'()*+,;=:-]*@)?"  # user info
    r"[A-Za-z0-9._~-]+(:[0-9]{1,5})?"  # host name and port
    rf"([/?#]{_NO_SPACE}*)?"  # path, query and fragment
)
"""The accepted shape, matched whole; it implies the scheme and host checks."""
_RETRYABLE_STATUS = frozenset({408, 429})


def validate_callback_url(url: str) -> str:
    """Accept an absolute http(s) URL with a host; raise ``ValueError`` otherwise.

    Usable as a pydantic validator (see ``CallbackUrl``), so a bad URL is refused when the job
    is submitted instead of failing silently when it ends.
    """
    if len(url) > _MAX_URL_LENGTH:
        raise ValueError(f"callback URL is longer than {_MAX_URL_LENGTH} characters")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"callback URL must use http or https, not {parts.scheme!r}")
    if not parts.hostname:
        raise ValueError("callback URL must include a host, e.g. https://example.com/hook")
    if not re.fullmatch(_URL_SHAPE, url):
        raise ValueError("callback URL must be http(s)://[user@]host[:port][/path] with no spaces")
    return url


CallbackUrl = Annotated[
    str,
    AfterValidator(validate_callback_url),
    WithJsonSchema({"type": "string", "maxLength": _MAX_URL_LENGTH, "pattern": f"^{_URL_SHAPE}$"}),
]
"""A ``str`` field type that only accepts callback URLs ``deliver`` can POST to.

Its JSON Schema states exactly what the validator accepts (the shape check alone implies the
scheme and host checks), so API clients and schema-driven tests see the real rule."""


def sign(body: bytes, secret: str, timestamp: int) -> str:
    """The hex HMAC-SHA256 of ``f"{timestamp}.".encode() + body`` under ``secret``."""
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(body: bytes, secret: str, event: str, delivery_id: str) -> dict[str, str]:
    """The headers that authenticate one delivery attempt of ``body``, signed now."""
    timestamp = int(time.time())
    return {
        "Content-Type": "application/json",
        "User-Agent": "manimgraph-webhooks",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: _SIGNATURE_PREFIX + sign(body, secret, timestamp),
        EVENT_HEADER: event,
        DELIVERY_HEADER: delivery_id,
    }


def verify(
    body: bytes,
    headers: Mapping[str, str],
    secret: str,
    tolerance_s: int = 300,
    *,
    now: float | None = None,
) -> bool:
    """Whether ``body`` was signed with ``secret`` less than ``tolerance_s`` seconds from now.

    For receivers (and tests). Header names are matched case-insensitively; the signature is
    compared in constant time.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    signature = lowered.get(SIGNATURE_HEADER.lower(), "")
    try:
        timestamp = int(lowered.get(TIMESTAMP_HEADER.lower(), ""))
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_s or not signature.startswith(_SIGNATURE_PREFIX):
        return False
    provided = signature.removeprefix(_SIGNATURE_PREFIX).encode()
    return hmac.compare_digest(provided, sign(body, secret, timestamp).encode())


class DeliveryResult(BaseModel):
    """How a delivery ended, for the job record and the logs."""

    delivered: bool
    attempts: int
    status_code: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class _Attempt:
    """One POST's outcome; ``retry_after_s`` is the receiver's own backoff request."""

    status_code: int | None
    error: str | None
    retryable: bool
    retry_after_s: float | None = None


def webhook_secret(configured: str | None, data_dir: Path) -> str:
    """The configured signing secret, else one generated once and kept in `data_dir`
    (several machines must share a configured one)."""
    if configured:
        return configured
    path = data_dir / SECRET_FILE
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


async def deliver(
    url: str,
    payload: dict[str, Any],
    secret: str,
    *,
    event: str = "job.finished",
    attempts: int = 5,
    timeout_s: float = 10,
    backoff_s: float = 1.0,
    max_backoff_s: float = 60.0,
    max_retry_after_s: float = 120.0,
    client: httpx.AsyncClient | None = None,
) -> DeliveryResult:
    """POST ``payload`` as signed JSON to ``url``, retrying transient failures.

    Args:
        url: The job's callback URL (validated again here; an invalid one is not attempted).
        payload: The job result; datetimes, UUIDs and pydantic models serialise as in the API.
        secret: Shared HMAC secret.
        event: Value of the ``X-Manimgraph-Event`` header.
        attempts: Total tries, first included.
        timeout_s: Per-attempt timeout.
        backoff_s: First backoff; doubles per attempt, plus up to ``backoff_s`` of jitter.
        max_backoff_s: Cap on the exponential backoff.
        max_retry_after_s: Cap on a receiver's ``Retry-After``.
        client: A shared client; a private one is opened and closed otherwise.

    Returns:
        The outcome; never raises for connection errors or error answers.
    """
    try:
        validate_callback_url(url)
    except ValueError as exc:
        return DeliveryResult(delivered=False, attempts=0, error=str(exc))
    body = to_json(payload)
    delivery_id = uuid.uuid4().hex
    backoff = wait_exponential_jitter(multiplier=backoff_s, max=max_backoff_s, jitter=backoff_s)

    def wait(state: RetryCallState) -> float:
        asked = _last_attempt(state).retry_after_s
        return backoff(state) if asked is None else min(asked, max_retry_after_s)

    retrying = AsyncRetrying(
        stop=stop_after_attempt(attempts),
        wait=wait,
        retry=retry_if_result(lambda outcome: outcome.retryable),
        retry_error_callback=_last_attempt,
    )

    async def post_once(http: httpx.AsyncClient) -> _Attempt:
        headers = signed_headers(body, secret, event, delivery_id)
        try:
            response = await http.post(url, content=body, headers=headers, timeout=timeout_s)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            transient = isinstance(exc, httpx.TransportError)
            return _Attempt(None, _describe(exc), transient)
        return _classify(response)

    last: _Attempt
    if client is None:
        async with httpx.AsyncClient() as own_client:
            last = await retrying(post_once, own_client)
    else:
        last = await retrying(post_once, client)
    return DeliveryResult(
        delivered=last.status_code is not None and 200 <= last.status_code < 300,
        attempts=retrying.statistics["attempt_number"],
        status_code=last.status_code,
        error=last.error,
    )


def _classify(response: httpx.Response) -> _Attempt:
    """Turn an answer into an attempt outcome: 2xx done, 408/429/5xx retryable, rest final."""
    status = response.status_code
    if 200 <= status < 300:
        return _Attempt(status, None, retryable=False)
    retryable = status in _RETRYABLE_STATUS or status >= 500
    retry_after = _retry_after_s(response.headers.get("Retry-After")) if retryable else None
    return _Attempt(status, f"HTTP {status}", retryable, retry_after)


def _retry_after_s(value: str | None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or HTTP date), if valid."""
    if value is None:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _describe(exc: Exception) -> str:
    """``"ConnectError: All connection attempts failed"``; just the class name if no message."""
    message = str(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _last_attempt(state: RetryCallState) -> _Attempt:
    """The outcome of the latest try (``post_once`` returns every failure, never raises it)."""
    assert state.outcome is not None
    outcome: _Attempt = state.outcome.result()
    return outcome
