"""The HTTP machinery shared by the fake LLM servers: threads, script queue, records.

A `FakeLLMServer` listens on a free loopback port in a background thread (stdlib
`ThreadingHTTPServer`, HTTP/1.1 with keep-alive and chunked SSE). Each chat request
is recorded, validated as the real API would, then answered by the next scripted item,
or by the responder once the queue is empty. A subclass supplies the wire format only:
how to parse a chat request, render an answer, shape an error and serve other routes.

Problems on the fake's side (nothing scripted, a responder that raised, a structured
reply that fits no request) are answered with a 500 that carries `x-should-retry: false`
(so the SDK does not retry it) and are kept; leaving the `with` block raises them (unless
`take_errors()` took them first), so a pipeline that swallows model errors cannot hide a
broken script.
"""

from __future__ import annotations

import itertools
import json
import socket
import sys
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Protocol, Self
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.requests import ChatRequest, RecordedRequest
from tests.fakes.script import Delay, Fault, Item, Reply, Responder, ToolCall, Usage

__all__ = [
    "Answer",
    "FakeLLMServer",
    "InvalidRequest",
    "Response",
    "ScriptError",
    "arguments_json",
    "fresh_port_server",
    "pieces",
    "write_response",
]


class InvalidRequest(Exception):
    """A request the real API refuses; carries the status and error the API would send."""

    def __init__(
        self,
        message: str,
        status: int = 400,
        error_type: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_type = error_type
        self.code = code


class ScriptError(Exception):
    """The script cannot answer this request: a test bug, reported at the end of the test."""


@dataclass(frozen=True)
class Response:
    """What the handler writes: a JSON (dict), text (str) or binary (bytes) body, or
    server-sent events."""

    status: int
    payload: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    events: Sequence[tuple[str | None, Any]] | None = None


@dataclass(frozen=True)
class Answer:
    """A `Reply` resolved against its request: structured data placed, usage and model set.

    `finish` stays None when the script left it open: each provider has its own default.
    """

    content: str | None
    tool_calls: tuple[ToolCall, ...]
    finish: str | None
    usage: Usage
    model: str


def arguments_json(call: ToolCall) -> str:
    """The call's arguments as the JSON string OpenAI sends (a str is sent verbatim)."""
    if isinstance(call.arguments, str):
        return call.arguments
    return json.dumps(call.arguments, separators=(",", ":"))


def pieces(text: str, size: int = 12) -> list[str]:
    """Split text into the small deltas a streaming API sends."""
    return [text[i : i + size] for i in range(0, len(text), size)]


class FakeLLMServer(ABC):
    """A scripted fake of one LLM provider's HTTP API, for tests.

    Args:
        api_key: when set, requests without this key get the provider's 401.
        models: when set, chat requests naming another model get the provider's 404,
            and the models endpoint lists these (else `default_models`).
    """

    chat_path: ClassVar[str]
    """The chat endpoint, e.g. `/v1/chat/completions`."""
    api_root: ClassVar[str]
    """What the SDK's `base_url` adds to the origin (`/v1` for OpenAI, nothing for Anthropic)."""
    default_models: ClassVar[tuple[str, ...]]

    def __init__(self, *, api_key: str | None = None, models: Sequence[str] | None = None) -> None:
        self.api_key = api_key
        self.models = tuple(models) if models else None
        self._lock = threading.Lock()
        self._queue: deque[Item] = deque()
        self._responder: Responder | None = None
        self._requests: list[RecordedRequest] = []
        self._errors: list[str] = []
        self._ids = itertools.count(1)
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> Self:
        """Listen on a free loopback port (idempotent)."""
        if self._httpd is None:
            self._stopping.clear()
            self._httpd = fresh_port_server(self)
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=type(self).__name__,
                daemon=True,
            )
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving: end pending delays, hang up open connections, join the thread."""
        if self._httpd is None:
            return
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.hang_up_all()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
        errors = self.take_errors()
        if errors and exc_type is None:
            raise AssertionError("fake LLM server problems:\n" + "\n".join(errors))

    @property
    def url(self) -> str:
        """The origin, e.g. `http://127.0.0.1:41234`."""
        if self._httpd is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        """What to pass as `base_url` to the provider's SDK or LangChain model."""
        return self.url + self.api_root

    # -- script ----------------------------------------------------------------------

    def script(self, *items: Item) -> Self:
        """Queue answers for the next chat requests, in order."""
        with self._lock:
            self._queue.extend(items)
        return self

    def respond_with(self, responder: Responder | None) -> Self:
        """Answer chat requests with `responder(request)` whenever the queue is empty.

        The responder only sees valid chat requests, so `request.chat` is always set.
        """
        self._responder = responder
        return self

    @property
    def pending(self) -> int:
        """How many scripted items no request has used yet."""
        with self._lock:
            return len(self._queue)

    # -- records ---------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, in order (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def chats(self) -> list[ChatRequest]:
        """The parsed chat requests among `requests`."""
        return [r.chat for r in self.requests if r.chat is not None]

    def take_errors(self) -> list[str]:
        """Return and forget the fake's own problems (for tests that provoke one)."""
        with self._lock:
            errors, self._errors = self._errors, []
        return errors

    def new_id(self, prefix: str) -> str:
        """A fresh id in the provider's style, e.g. `chatcmpl-…`, `toolu_…`."""
        return f"{prefix}{next(self._ids):024d}"

    # -- the provider's wire format ----------------------------------------------------

    @abstractmethod
    def authorized(self, headers: Mapping[str, str]) -> bool:
        """Whether the request carries `api_key` the way the provider expects it."""

    @abstractmethod
    def parse_chat(self, body: Any, headers: Mapping[str, str]) -> ChatRequest:
        """Validate a chat request as the real API does; raise `InvalidRequest` if it would not."""

    @abstractmethod
    def render(self, answer: Answer, request: RecordedRequest) -> Response:
        """The provider's success response (JSON, or SSE when the request streams)."""

    @abstractmethod
    def error(
        self,
        status: int,
        message: str | None = None,
        *,
        error_type: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """The provider's error response, with realistic defaults for `status`."""

    @abstractmethod
    def route(self, request: RecordedRequest) -> Response:
        """Every endpoint but the chat one (models, token counting, 404)."""

    # -- serving -----------------------------------------------------------------------

    def _serve(self, handler: _Handler) -> None:
        request, invalid = self._receive(handler)
        try:
            response = self._answer(request, invalid)
        except ScriptError as exc:
            response = self._broken(str(exc))
        except Exception as exc:  # a bug in the fake itself: report it, keep serving
            response = self._broken(f"{type(exc).__name__}: {exc}")
        write_response(handler, response)

    def _receive(self, handler: _Handler) -> tuple[RecordedRequest, InvalidRequest | None]:
        received_at = time.monotonic()
        raw = handler.rfile.read(int(handler.headers.get("content-length") or 0))
        headers = {name.lower(): value for name, value in handler.headers.items()}
        split = urlsplit(handler.path)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        chat, invalid = None, None
        if (handler.command, split.path) == ("POST", self.chat_path):
            try:
                chat = self.parse_chat(body, headers)
            except InvalidRequest as exc:
                invalid = exc
            except (AttributeError, KeyError, TypeError) as exc:  # a malformed body
                invalid = InvalidRequest(f"Invalid request body: {exc!r}")
        request = RecordedRequest(
            method=handler.command,
            path=split.path,
            query=dict(parse_qsl(split.query)),
            headers=headers,
            raw=raw,
            body=body,
            received_at=received_at,
            chat=chat,
        )
        with self._lock:
            self._requests.append(request)
        return request, invalid

    def _answer(self, request: RecordedRequest, invalid: InvalidRequest | None) -> Response | None:
        if not self.authorized(request.headers):
            return self.error(401)
        if invalid is not None:
            return self.error(
                invalid.status, invalid.message, error_type=invalid.error_type, code=invalid.code
            )
        if request.chat is None:
            return self.route(request)
        item = self._next_item(request)
        if isinstance(item, Delay):
            if self._stopping.wait(item.seconds) or item.then is None:
                return None
            item = item.then
        if isinstance(item, Fault):
            return self._fault(item)
        return self.render(self._resolve(item, request), request)

    def _next_item(self, request: RecordedRequest) -> Item:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        if self._responder is None:
            raise ScriptError(f"nothing scripted for {request.method} {request.path}")
        try:
            return self._responder(request)
        except Exception as exc:
            raise ScriptError(f"the responder raised {type(exc).__name__}: {exc}") from exc

    def _resolve(self, reply: Reply, request: RecordedRequest) -> Answer:
        chat = request.chat
        assert chat is not None
        content, calls = reply.content, reply.tool_calls
        if reply.data is not None:
            tool = chat.forced_tool or (chat.tools[0] if len(chat.tools) == 1 else None)
            if chat.schema is None and tool is not None:
                calls = (*calls, ToolCall(name=tool, arguments=reply.data))
            elif chat.schema is None and chat.tools:
                raise ScriptError(
                    f"a structured reply fits no request offering tools {list(chat.tools)} "
                    "without forcing one: script Reply.tool(name, arguments) instead"
                )
            else:
                content = json.dumps(reply.data)
        answer_size = len(content or "") + sum(len(arguments_json(c)) for c in calls)
        usage = reply.usage or Usage(
            input_tokens=max(1, len(request.raw) // 4), output_tokens=max(1, answer_size // 4)
        )
        return Answer(content, calls, reply.finish, usage, reply.model or chat.model)

    def _fault(self, fault: Fault) -> Response:
        headers = dict(fault.headers or {})
        if fault.retry_after is not None:
            headers["retry-after"] = f"{fault.retry_after:g}"
        if fault.body is not None:
            return Response(fault.status, fault.body, headers)
        return self.error(fault.status, fault.message, error_type=fault.error_type, headers=headers)

    def _broken(self, problem: str) -> Response:
        self._record_error(problem)
        response = self.error(500, f"fake server: {problem}")
        return replace(response, headers={**response.headers, "x-should-retry": "false"})

    def _record_error(self, problem: str) -> None:
        with self._lock:
            self._errors.append(problem)


def write_response(handler: BaseHTTPRequestHandler, response: Response | None) -> None:
    """Send a response; None hangs up without one (what a dead upstream looks like)."""
    if response is None:
        handler.close_connection = True
        return
    handler.send_response(response.status)
    for name, value in response.headers.items():
        handler.send_header(name, value)
    if response.events is None:
        if isinstance(response.payload, bytes):
            body, kind = response.payload, "application/octet-stream"
        elif isinstance(response.payload, str):
            body, kind = response.payload.encode(), "text/plain; charset=utf-8"
        else:
            body, kind = json.dumps(response.payload).encode(), "application/json"
        if "content-type" not in {name.lower() for name in response.headers}:
            handler.send_header("content-type", kind)
        handler.send_header("content-length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
        return
    handler.send_header("content-type", "text/event-stream; charset=utf-8")
    handler.send_header("cache-control", "no-cache")
    handler.send_header("transfer-encoding", "chunked")
    handler.end_headers()
    for event, data in response.events:
        text = data if isinstance(data, str) else json.dumps(data)
        frame = (f"event: {event}\n" if event else "") + f"data: {text}\n\n"
        encoded = frame.encode()
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(encoded), encoded))
    handler.wfile.write(b"0\r\n\r\n")


_used_ports: set[int] = set()
_used_ports_lock = threading.Lock()


def fresh_port_server(fake: Served) -> _HTTPServer:
    """A server on a port no earlier fake in this process had.

    LangChain caches its async HTTP clients by base URL: a later test on a reused port
    would get a client whose pooled connections belong to a closed event loop.
    """
    for _ in range(100):
        httpd = _HTTPServer(fake)
        port = httpd.server_address[1]
        with _used_ports_lock:
            if port not in _used_ports:
                _used_ports.add(port)
                return httpd
        httpd.server_close()
    raise RuntimeError("no fresh loopback port after 100 tries")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def do_GET(self) -> None:
        self.server.fake._serve(self)

    do_POST = do_GET
    do_PUT = do_GET
    do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests read `requests`, not an access log."""


class Served(Protocol):
    """What the threaded server serves: a fake that answers a handler and keeps problems."""

    def _serve(self, handler: Any) -> None: ...

    def _record_error(self, problem: str) -> None: ...


class _HTTPServer(ThreadingHTTPServer):
    """A threading server that can hang up its keep-alive connections when closed."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, fake: Served) -> None:
        self.fake = fake
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def hang_up_all(self) -> None:
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                continue

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exception()
        if not isinstance(exc, OSError):  # a client hanging up is no problem
            self.fake._record_error(f"HTTP handler failed: {exc!r}")
