"""A fake Anthropic Messages API on loopback, scripted per test.

Serves `POST /v1/messages` (a `message` object, or the SSE event stream when the request
says `stream: true`), `POST /v1/messages/count_tokens`, `GET /v1/models` and
`GET /v1/models/{id}`. Errors have Anthropic's shape:
`{"type": "error", "error": {"type", "message"}, "request_id"}`.

Example:
    ```python
    with AnthropicServer() as server:
        server.script(Reply.text("Hello", usage=Usage(input_tokens=5, cache_read_tokens=100)))
        model = ChatAnthropic(model="claude-sonnet-4-6", base_url=server.base_url, api_key="t")
        message = model.invoke("Hi")
        assert message.usage_metadata["input_token_details"]["cache_read"] == 100
    ```

Wire details a provider layer meets here as with the real API:
- `base_url` is the bare origin: the SDK appends `/v1/messages` itself.
- The SDK warns (`DeprecationWarning`, an error under our pytest config) on deprecated
  model names such as `claude-sonnet-4-5`: tests name a current one.
- `usage` carries `cache_creation: {ephemeral_5m_input_tokens, ...}` like the live API, so
  LangChain reports cache writes as `input_token_details["ephemeral_5m_input_tokens"]` and
  sets `input_token_details["cache_creation"]` to 0.
- `with_structured_output` defaults to a forced tool (`tool_use`, `stop_reason="tool_use"`);
  `method="json_schema"` sends `output_config.format` and gets JSON text. `Reply.structured`
  serves both.
- Requests are checked as Anthropic does: the `anthropic-version` header, `model`,
  `max_tokens`, only `user`/`assistant` roles, no empty text blocks or messages, and each
  `tool_use` answered by a `tool_result` in the next message (else a 400).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from tests.fakes.base import (
    Answer,
    FakeLLMServer,
    InvalidRequest,
    Response,
    ScriptError,
    pieces,
)
from tests.fakes.requests import ChatRequest, RecordedRequest, Turn
from tests.fakes.script import ToolCall, Usage

__all__ = ["AnthropicServer"]

_STOP = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use"}

# status: (type, message) as Anthropic sends them
_ERRORS: dict[int, tuple[str, str]] = {
    400: ("invalid_request_error", "Invalid request."),
    401: ("authentication_error", "invalid x-api-key"),
    402: ("billing_error", "Your credit balance is too low to access the Anthropic API."),
    403: ("permission_error", "Your API key does not have permission to use this resource."),
    404: ("not_found_error", "Not found."),
    413: ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
    429: (
        "rate_limit_error",
        "This request would exceed the rate limit for your organization of 50 requests "
        "per minute. Please try again later.",
    ),
    500: ("api_error", "Internal server error"),
    504: ("timeout_error", "Request timed out"),
    529: ("overloaded_error", "Overloaded"),
}


class AnthropicServer(FakeLLMServer):
    """Fake of Anthropic's Messages API; `base_url` is the origin, as the SDK expects."""

    chat_path: ClassVar[str] = "/v1/messages"
    api_root: ClassVar[str] = ""
    default_models: ClassVar[tuple[str, ...]] = (
        "claude-sonnet-4-6",
        "claude-haiku-4-5",
        "claude-opus-4-6",
    )

    def authorized(self, headers: Mapping[str, str]) -> bool:
        return self.api_key is None or self.api_key in (
            headers.get("x-api-key"),
            headers.get("authorization", "").removeprefix("Bearer "),
        )

    def parse_chat(self, body: Any, headers: Mapping[str, str]) -> ChatRequest:
        if "anthropic-version" not in headers:
            raise InvalidRequest("anthropic-version: header is required")
        if not isinstance(body, dict):
            raise InvalidRequest("Request body is not valid JSON.")
        for name in ("model", "max_tokens", "messages"):
            if name not in body:
                raise InvalidRequest(f"{name}: Field required")
        model, max_tokens, messages = body["model"], body["max_tokens"], body["messages"]
        if self.models and model not in self.models:
            raise InvalidRequest(f"model: {model}", status=404)
        if not isinstance(max_tokens, int) or max_tokens < 1:
            raise InvalidRequest("max_tokens: Input should be greater than or equal to 1")
        if not isinstance(messages, list) or not messages:
            raise InvalidRequest("messages: at least one message is required")
        tools = tuple(
            str(tool["name"]) for tool in body.get("tools") or [] if isinstance(tool, dict)
        )
        system = body.get("system")
        turns = (Turn("system", _collect(system)[0]),) if system else ()
        return ChatRequest(
            model=str(model),
            messages=turns + _turns(messages),
            tools=tools,
            forced_tool=_forced_tool(body.get("tool_choice"), tools),
            schema=_schema(body),
            stream=bool(body.get("stream")),
            max_tokens=max_tokens,
        )

    def render(self, answer: Answer, request: RecordedRequest) -> Response:
        assert request.chat is not None
        blocks: list[dict[str, Any]] = []
        if answer.content:
            blocks.append({"type": "text", "text": answer.content})
        blocks += [
            {
                "type": "tool_use",
                "id": call.id or self.new_id("toolu_"),
                "name": call.name,
                "input": _input(call),
            }
            for call in answer.tool_calls
        ]
        default = "tool_use" if answer.tool_calls else "end_turn"
        message = {
            "id": self.new_id("msg_"),
            "type": "message",
            "role": "assistant",
            "model": answer.model,
            "content": blocks,
            "stop_reason": _STOP.get(answer.finish, answer.finish) if answer.finish else default,
            "stop_sequence": None,
            "usage": _usage(answer.usage),
        }
        headers = {"request-id": self.new_id("req_")}
        if request.chat.stream:
            return Response(200, headers=headers, events=_events(message))
        return Response(200, message, headers)

    def error(
        self,
        status: int,
        message: str | None = None,
        *,
        error_type: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        default_type, default_message = _ERRORS.get(
            status, ("api_error" if status >= 500 else "invalid_request_error", f"HTTP {status}")
        )
        request_id = self.new_id("req_")
        body = {
            "type": "error",
            "error": {"type": error_type or default_type, "message": message or default_message},
            "request_id": request_id,
        }
        return Response(status, body, {"request-id": request_id, **(headers or {})})

    def route(self, request: RecordedRequest) -> Response:
        models = self.models or self.default_models
        if (request.method, request.path) == ("POST", "/v1/messages/count_tokens"):
            return Response(200, {"input_tokens": max(1, len(request.raw) // 4)})
        if (request.method, request.path) == ("GET", "/v1/models"):
            data = [_model(m) for m in models]
            return Response(
                200,
                {"data": data, "has_more": False, "first_id": models[0], "last_id": models[-1]},
            )
        name = request.path.removeprefix("/v1/models/")
        if request.method == "GET" and name != request.path:
            if name in models:
                return Response(200, _model(name))
            return self.error(404, f"model: {name}")
        return self.error(404, "Not Found")


def _turns(messages: list[Any]) -> tuple[Turn, ...]:
    """Flatten messages to turns, refusing what Anthropic refuses."""
    turns: list[Turn] = []
    expected: set[str] = set()
    last = len(messages) - 1
    for i, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if role == "system":
            raise InvalidRequest(
                'messages: Unexpected role "system". The Messages API accepts a top-level '
                '`system` parameter, not "system" as an input message role.'
            )
        if role not in ("user", "assistant"):
            raise InvalidRequest(f"messages.{i}.role: Input should be 'user' or 'assistant'")
        content = message.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        if not isinstance(blocks, list):
            raise InvalidRequest(f"messages.{i}.content: Input should be a valid list")
        if not content and not (role == "assistant" and i == last):
            raise InvalidRequest(
                f"messages.{i}: all messages must have non-empty content except for the "
                "optional final assistant message"
            )
        for j, block in enumerate(blocks):
            if block.get("type") == "text" and not str(block.get("text", "")).strip() and content:
                raise InvalidRequest(
                    f"messages.{i}.content.{j}.text: text content blocks must contain "
                    "non-whitespace text"
                )
        results = {b.get("tool_use_id") for b in blocks if b.get("type") == "tool_result"}
        if unexpected := results - expected:
            raise InvalidRequest(
                f"messages.{i}.content: unexpected `tool_use_id` found in `tool_result` blocks: "
                f"{', '.join(map(str, sorted(unexpected)))}. Each `tool_result` block must have "
                "a corresponding `tool_use` block in the previous message."
            )
        if missing := expected - results:
            raise _unanswered(i - 1, missing)
        expected = {str(b.get("id")) for b in blocks if b.get("type") == "tool_use"}
        text, images = _collect(blocks)
        turns.append(Turn(role, text, images))
    if expected:
        raise _unanswered(last, expected)
    return tuple(turns)


def _unanswered(index: int, ids: set[str]) -> InvalidRequest:
    return InvalidRequest(
        f"messages.{index}: `tool_use` ids were found without `tool_result` blocks immediately "
        f"after: {', '.join(sorted(ids))}. Each `tool_use` block must have a corresponding "
        "`tool_result` block in the next message."
    )


def _collect(content: Any) -> tuple[str, tuple[str, ...]]:
    """All text and image URLs in a content string or block list, tool results included."""
    if isinstance(content, str):
        return content, ()
    texts: list[str] = []
    images: list[str] = []
    for block in content or []:
        kind = block.get("type")
        if kind == "text":
            texts.append(str(block.get("text", "")))
        elif kind == "image":
            images.append(_image_url(block.get("source") or {}))
        elif kind == "tool_result":
            text, inner = _collect(block.get("content"))
            texts.append(text)
            images += inner
    return "\n".join(texts), tuple(images)


def _image_url(source: Mapping[str, Any]) -> str:
    if source.get("type") == "base64":
        return f"data:{source.get('media_type')};base64,{source.get('data')}"
    if source.get("type") == "url":
        return str(source.get("url"))
    return f"file:{source.get('file_id')}"


def _forced_tool(choice: Any, tools: tuple[str, ...]) -> str | None:
    if not isinstance(choice, dict):
        return None
    if choice.get("type") == "tool":
        return str(choice.get("name"))
    if choice.get("type") == "any" and len(tools) == 1:
        return tools[0]
    return None


def _schema(body: Mapping[str, Any]) -> dict[str, Any] | None:
    output_format = (body.get("output_config") or {}).get("format") or body.get("output_format")
    if isinstance(output_format, dict) and output_format.get("type") == "json_schema":
        return dict(output_format.get("schema") or {})
    return None


def _input(call: ToolCall) -> Any:
    if not isinstance(call.arguments, str):
        return dict(call.arguments)
    try:
        return json.loads(call.arguments)
    except ValueError as exc:
        problem = f"Anthropic sends tool input as an object, not {call.arguments!r}"
        raise ScriptError(problem) from exc


def _usage(usage: Usage) -> dict[str, Any]:
    return {
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cache_creation_input_tokens": usage.cache_write_tokens,
        "cache_read_input_tokens": usage.cache_read_tokens,
        "cache_creation": {
            "ephemeral_5m_input_tokens": usage.cache_write_tokens,
            "ephemeral_1h_input_tokens": 0,
        },
        "service_tier": "standard",
    }


def _events(message: dict[str, Any]) -> list[tuple[str | None, Any]]:
    """The SSE events that stream `message`, as the Messages API sends them."""
    usage = message["usage"]
    start = {**message, "content": [], "stop_reason": None, "usage": {**usage, "output_tokens": 1}}
    events: list[tuple[str | None, Any]] = [
        ("message_start", {"type": "message_start", "message": start}),
        ("ping", {"type": "ping"}),
    ]
    for index, block in enumerate(message["content"]):
        if block["type"] == "text":
            first, kind, key, body = {**block, "text": ""}, "text_delta", "text", block["text"]
        else:
            first, kind, key = {**block, "input": {}}, "input_json_delta", "partial_json"
            body = json.dumps(block["input"])
        events.append(
            (
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": first},
            )
        )
        events += [
            (
                "content_block_delta",
                {"type": "content_block_delta", "index": index, "delta": {"type": kind, key: p}},
            )
            for p in pieces(body)
        ]
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    delta_usage = {
        key: usage[key]
        for key in (
            "input_tokens",
            "cache_creation_input_tokens",
            "cache_read_input_tokens",
            "output_tokens",
        )
    }
    delta = {"stop_reason": message["stop_reason"], "stop_sequence": None}
    end = {"type": "message_delta", "delta": delta, "usage": delta_usage}
    events.append(("message_delta", end))
    events.append(("message_stop", {"type": "message_stop"}))
    return events


def _model(name: str) -> dict[str, Any]:
    return {
        "type": "model",
        "id": name,
        "display_name": name.replace("-", " ").title(),
        "created_at": "2025-09-29T00:00:00Z",
    }
