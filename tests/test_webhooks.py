"""Webhook delivery against a real HTTP receiver on loopback."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, ValidationError

from server.webhooks import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    CallbackUrl,
    DeliveryResult,
    deliver,
    sign,
    validate_callback_url,
    verify,
)

SECRET = "s3cret"
PAYLOAD = {"job_id": "j1", "status": "succeeded", "video": {"scenes": 2, "seconds": 12.5}}
FINISHED_AT = datetime(2026, 5, 1, 12, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


@dataclass
class Receiver:
    """A loopback HTTP server answering with scripted replies (the last one repeats)."""

    replies: list[Reply]
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(replies=[Reply()])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append((dict(self.headers.items()), body))
            index = min(len(state.requests), len(state.replies)) - 1
            reply = state.replies[index]
            time.sleep(reply.delay_s)
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """Keep the test output clean."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


async def deliver_fast(url: str, **options: Any) -> DeliveryResult:
    """``deliver`` with millisecond backoff, so retry tests stay fast."""
    return await deliver(url, PAYLOAD, SECRET, backoff_s=0.01, max_backoff_s=0.05, **options)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_delivers_signed_json_that_verifies(receiver: Receiver) -> None:
    result = await deliver(
        receiver.url, {**PAYLOAD, "finished_at": FINISHED_AT}, SECRET, event="job.finished"
    )

    assert result.model_dump() == {
        "delivered": True,
        "attempts": 1,
        "status_code": 200,
        "error": None,
    }
    [(headers, body)] = receiver.requests
    assert json.loads(body) == {**PAYLOAD, "finished_at": "2026-05-01T12:30:00Z"}
    assert headers["Content-Type"] == "application/json"
    assert headers[EVENT_HEADER] == "job.finished"
    timestamp = int(headers[TIMESTAMP_HEADER])
    assert abs(time.time() - timestamp) < 5
    assert headers[SIGNATURE_HEADER] == "sha256=" + sign(body, SECRET, timestamp)
    assert verify(body, headers, SECRET)
    assert not verify(body, headers, "other secret")
    assert not verify(body + b" ", headers, SECRET)


async def test_verify_refuses_replays_outside_the_tolerance(receiver: Receiver) -> None:
    await deliver(receiver.url, PAYLOAD, SECRET)
    [(headers, body)] = receiver.requests
    sent_at = int(headers[TIMESTAMP_HEADER])

    lowercase = {name.lower(): value for name, value in headers.items()}
    assert verify(body, lowercase, SECRET, now=sent_at + 299)
    assert not verify(body, headers, SECRET, now=sent_at + 301)
    assert not verify(body, headers, SECRET, tolerance_s=10, now=sent_at + 11)
    replayed = {**headers, TIMESTAMP_HEADER: str(sent_at + 3600)}
    assert not verify(body, replayed, SECRET, now=sent_at + 3600)
    assert not verify(body, {SIGNATURE_HEADER: headers[SIGNATURE_HEADER]}, SECRET)
    assert not verify(body, {**headers, SIGNATURE_HEADER: "sha256=\u00e9"}, SECRET, now=sent_at)
    assert not verify(body, {**headers, TIMESTAMP_HEADER: "soon"}, SECRET, now=sent_at)


async def test_server_errors_are_retried_until_delivered(receiver: Receiver) -> None:
    receiver.replies = [Reply(500), Reply(503), Reply(200)]

    async with httpx.AsyncClient() as shared_client:
        result = await deliver_fast(receiver.url, client=shared_client)
        assert not shared_client.is_closed

    assert (result.delivered, result.attempts, result.status_code) == (True, 3, 200)
    assert result.error is None
    bodies = {body for _, body in receiver.requests}
    deliveries = {headers[DELIVERY_HEADER] for headers, _ in receiver.requests}
    assert len(receiver.requests) == 3
    assert len(bodies) == 1
    assert len(deliveries) == 1
    assert all(verify(body, headers, SECRET) for headers, body in receiver.requests)


async def test_client_errors_are_final(receiver: Receiver) -> None:
    receiver.replies = [Reply(400)]

    result = await deliver_fast(receiver.url)

    assert result.model_dump() == {
        "delivered": False,
        "attempts": 1,
        "status_code": 400,
        "error": "HTTP 400",
    }
    assert len(receiver.requests) == 1


async def test_gives_up_after_the_last_attempt(receiver: Receiver) -> None:
    receiver.replies = [Reply(502)]

    result = await deliver_fast(receiver.url, attempts=3)

    assert (result.delivered, result.attempts, result.status_code) == (False, 3, 502)
    assert result.error == "HTTP 502"
    assert len(receiver.requests) == 3


async def test_unreachable_receiver_is_reported_not_raised() -> None:
    url = f"http://127.0.0.1:{free_port()}/hook"

    result = await deliver_fast(url, attempts=3)

    assert (result.delivered, result.attempts, result.status_code) == (False, 3, None)
    assert result.error is not None
    assert result.error.startswith("ConnectError")


async def test_a_slow_receiver_times_out_and_is_retried(receiver: Receiver) -> None:
    receiver.replies = [Reply(200, delay_s=1.0), Reply(200)]

    result = await deliver_fast(receiver.url, timeout_s=0.2)

    assert (result.delivered, result.attempts) == (True, 2)


@pytest.mark.parametrize(
    ("retry_after", "cap_s", "min_s", "max_s"),
    [("1", 5.0, 0.9, 3.0), ("3600", 0.2, 0.15, 1.5)],
    ids=["honoured", "capped"],
)
async def test_too_many_requests_waits_for_retry_after(
    receiver: Receiver, retry_after: str, cap_s: float, min_s: float, max_s: float
) -> None:
    receiver.replies = [Reply(429, {"Retry-After": retry_after}), Reply(204)]

    started = time.monotonic()
    result = await deliver_fast(receiver.url, max_retry_after_s=cap_s)
    elapsed = time.monotonic() - started

    assert (result.delivered, result.attempts, result.status_code) == (True, 2, 204)
    assert min_s <= elapsed <= max_s


async def test_invalid_url_is_not_attempted() -> None:
    result = await deliver("ftp://example.com/hook", PAYLOAD, SECRET)

    assert (result.delivered, result.attempts) == (False, 0)
    assert result.error is not None
    assert "http or https" in result.error


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/x", "must use http or https, not 'ftp'"),
        ("example.com/hook", "must use http or https, not ''"),
        ("https:///path-only", "must include a host"),
        ("https://example.com/" + "a" * 2100, "longer than 2048"),
    ],
)
def test_callback_url_validation(url: str, message: str) -> None:
    class JobCreate(BaseModel):
        callback_url: CallbackUrl | None = None

    with pytest.raises(ValueError, match=message):
        validate_callback_url(url)
    with pytest.raises(ValidationError, match=message):
        JobCreate(callback_url=url)
    assert JobCreate(callback_url="https://example.com/hook?x=1").callback_url == (
        "https://example.com/hook?x=1"
    )
