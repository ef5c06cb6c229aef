"""A fake OpenAI Chat Completions API on loopback, scripted per test.

Serves `POST /v1/chat/completions` (JSON, or SSE when the request says `stream: true`,
with a final usage chunk when `stream_options.include_usage` is set), `GET /v1/models`
and `GET /v1/models/{id}`. Errors have OpenAI's shape:
`{"error": {"message", "type", "param", "code"}}`.

Example:
    ```python
    with OpenAIServer() as server:
        server.script(
            Fault(429, retry_after=1),
            Reply.text("Hello", usage=Usage(input_tokens=20, output_tokens=2)),
        )
        model = ChatOpenAI(model="gpt-4o-mini", base_url=server.base_url, api_key="test")
        assert model.invoke("Hi").content == "Hello"
        assert server.chats[-1].last_user_text == "Hi"
    ```

Wire details a provider layer meets here as with the real API:
- `with_structured_output` defaults to `method="json_schema"` (a `response_format`, answered
  as JSON text); `method="function_calling"` forces a tool, and OpenAI then answers
  `finish_reason="stop"`, not `"tool_calls"`. `Reply.structured(...)` serves both.
- With a `response_format`, the SDK's `parse()` raises `LengthFinishReasonError` on
  `finish_reason="length"`.
- Requests are checked as OpenAI does: a model and messages, known roles, and every
  assistant `tool_calls` answered by `tool` messages (else a 400).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, ClassVar

from tests.fakes.base import (
    Answer,
    FakeLLMServer,
    InvalidRequest,
    Response,
    arguments_json,
    pieces,
)
from tests.fakes.requests import ChatRequest, RecordedRequest, Turn
from tests.fakes.script import Usage

__all__ = ["OpenAIServer"]

_ROLES = ("system", "developer", "user", "assistant", "tool", "function")

# status: (type, code, message) as OpenAI sends them
_ERRORS: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "Invalid request."),
    401: (
        "invalid_request_error",
        "invalid_api_key",
        "Incorrect API key provided. You can find your API key in your account settings.",
    ),
    403: ("invalid_request_error", None, "You are not allowed to access this resource."),
    404: (
        "invalid_request_error",
        "model_not_found",
        "The model does not exist or you do not have access to it.",
    ),
    429: (
        "requests",
        "rate_limit_exceeded",
        "Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1. "
        "Please try again in 1s.",
    ),
    500: (
        "server_error",
        None,
        "The server had an error while processing your request. Sorry about that!",
    ),
    503: ("server_error", None, "The engine is currently overloaded, please try again later."),
}


class OpenAIServer(FakeLLMServer):
    """Fake of OpenAI's Chat Completions API; `base_url` ends in `/v1`, as the SDK expects."""

    chat_path: ClassVar[str] = "/v1/chat/completions"
    api_root: ClassVar[str] = "/v1"
    default_models: ClassVar[tuple[str, ...]] = ("gpt-4o-mini", "gpt-4o", "gpt-4.1")

    def authorized(self, headers: Mapping[str, str]) -> bool:
        return self.api_key is None or headers.get("authorization") == f"Bearer {self.api_key}"

    def parse_chat(self, body: Any, headers: Mapping[str, str]) -> ChatRequest:
        if not isinstance(body, dict):
            raise InvalidRequest("We could not parse the JSON body of your request.")
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise InvalidRequest("you must provide a model parameter")
        if self.models and model not in self.models:
            raise InvalidRequest(
                f"The model `{model}` does not exist or you do not have access to it.",
                status=404,
                code="model_not_found",
            )
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise InvalidRequest("[] is too short - 'messages'")
        tools = tuple(
            tool["function"]["name"]
            for tool in body.get("tools") or []
            if isinstance(tool, dict) and tool.get("type") == "function"
        )
        return ChatRequest(
            model=model,
            messages=_turns(messages),
            tools=tools,
            forced_tool=_forced_tool(body.get("tool_choice"), tools),
            schema=_schema(body.get("response_format")),
            stream=bool(body.get("stream")),
            max_tokens=body.get("max_completion_tokens") or body.get("max_tokens"),
        )

    def render(self, answer: Answer, request: RecordedRequest) -> Response:
        chat = request.chat
        assert chat is not None
        calls = [
            {
                "id": call.id or self.new_id("call_"),
                "type": "function",
                "function": {"name": call.name, "arguments": arguments_json(call)},
            }
            for call in answer.tool_calls
        ]
        finish = answer.finish or ("stop" if not calls or chat.forced_tool else "tool_calls")
        head = {
            "id": self.new_id("chatcmpl-"),
            "created": int(time.time()),
            "model": answer.model,
            "service_tier": "default",
            "system_fingerprint": "fp_fake",
        }
        headers = {"x-request-id": self.new_id("req_")}
        if chat.stream:
            usage = (request.body.get("stream_options") or {}).get("include_usage")
            events = _chunks(head, answer, calls, finish, usage=bool(usage))
            return Response(200, headers=headers, events=events)
        message: dict[str, Any] = {
            "role": "assistant",
            "content": answer.content,
            "refusal": None,
            "annotations": [],
        }
        if calls:
            message["tool_calls"] = calls
        completion = {
            **head,
            "object": "chat.completion",
            "choices": [
                {"index": 0, "message": message, "logprobs": None, "finish_reason": finish}
            ],
            "usage": _usage(answer.usage),
        }
        return Response(200, completion, headers)

    def error(
        self,
        status: int,
        message: str | None = None,
        *,
        error_type: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        default_type, default_code, default_message = _ERRORS.get(
            status,
            ("server_error" if status >= 500 else "invalid_request_error", None, f"HTTP {status}"),
        )
        body = {
            "error": {
                "message": message or default_message,
                "type": error_type or default_type,
                "param": None,
                "code": code or (default_code if message is None else None),
            }
        }
        return Response(status, body, {"x-request-id": self.new_id("req_"), **(headers or {})})

    def route(self, request: RecordedRequest) -> Response:
        models = self.models or self.default_models
        if (request.method, request.path) == ("GET", "/v1/models"):
            return Response(200, {"object": "list", "data": [_model(m) for m in models]})
        name = request.path.removeprefix("/v1/models/")
        if request.method == "GET" and name != request.path:
            if name in models:
                return Response(200, _model(name))
            return self.error(404, f"The model '{name}' does not exist", code="model_not_found")
        return self.error(404, f"Invalid URL ({request.method} {request.path})")


def _turns(messages: list[Any]) -> tuple[Turn, ...]:
    """Flatten messages to turns, refusing what OpenAI refuses (roles, unanswered tool calls)."""
    turns: list[Turn] = []
    awaiting: set[str] = set()
    for i, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if role not in _ROLES:
            raise InvalidRequest(
                f"Invalid value: {role!r}. Supported values are: 'system', 'assistant', "
                f"'user', 'function', 'tool', and 'developer'. (messages[{i}].role)"
            )
        if role == "tool":
            if message.get("tool_call_id") not in awaiting:
                raise InvalidRequest(
                    "Invalid parameter: messages with role 'tool' must be a response to a "
                    "preceeding message with 'tool_calls'."
                )
            awaiting.discard(message["tool_call_id"])
        elif awaiting:
            raise _unanswered(awaiting)
        if role == "assistant":
            awaiting = {call.get("id") for call in message.get("tool_calls") or []}
        turns.append(_turn(role, message.get("content")))
    if awaiting:
        raise _unanswered(awaiting)
    return tuple(turns)


def _unanswered(ids: set[str]) -> InvalidRequest:
    return InvalidRequest(
        "An assistant message with 'tool_calls' must be followed by tool messages responding "
        "to each 'tool_call_id'. The following tool_call_ids did not have response messages: "
        + ", ".join(sorted(ids))
    )


def _turn(role: str, content: Any) -> Turn:
    if content is None or isinstance(content, str):
        return Turn(role, content or "")
    if not isinstance(content, list):
        raise InvalidRequest(f"Invalid type for 'content': expected a string or array: {content!r}")
    texts, images = [], []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            texts.append(str(part.get("text", "")))
        elif kind == "image_url":
            images.append(str(part["image_url"]["url"]))
        else:
            raise InvalidRequest(f"Invalid content part type: {kind!r}")
    return Turn(role, "\n".join(texts), tuple(images))


def _forced_tool(choice: Any, tools: tuple[str, ...]) -> str | None:
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        return name if isinstance(name, str) else None
    if choice == "required" and len(tools) == 1:
        return tools[0]
    return None


def _schema(response_format: Any) -> dict[str, Any] | None:
    if not isinstance(response_format, dict):
        return None
    if response_format.get("type") == "json_schema":
        return dict(response_format.get("json_schema", {}).get("schema") or {})
    if response_format.get("type") == "json_object":
        return {}
    return None


def _usage(usage: Usage) -> dict[str, Any]:
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.prompt_tokens + usage.output_tokens,
        "prompt_tokens_details": {"cached_tokens": usage.cache_read_tokens, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _chunks(
    head: dict[str, Any],
    answer: Answer,
    calls: list[dict[str, Any]],
    finish: str,
    *,
    usage: bool,
) -> list[tuple[str | None, Any]]:
    """The `chat.completion.chunk` stream of an answer, ending in `[DONE]`.

    With `usage` (the request's `stream_options.include_usage`) every chunk carries
    `"usage": null` and a last chunk without choices carries the counts, as OpenAI does.
    """
    head = {**head, "object": "chat.completion.chunk"}
    if usage:
        head["usage"] = None

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> tuple[str | None, Any]:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        return None, {**head, "choices": [choice]}

    events: list[tuple[str | None, Any]] = [
        chunk({"role": "assistant", "content": "", "refusal": None})
    ]
    events += [chunk({"content": piece}) for piece in pieces(answer.content or "")]
    for index, call in enumerate(calls):
        function = call["function"]
        start = {**call, "index": index, "function": {"name": function["name"], "arguments": ""}}
        events.append(chunk({"tool_calls": [start]}))
        events += [
            chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
            for piece in pieces(function["arguments"])
        ]
    events.append(chunk({}, finish))
    if usage:
        events.append((None, {**head, "choices": [], "usage": _usage(answer.usage)}))
    events.append((None, "[DONE]"))
    return events


def _model(name: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": 1_700_000_000, "owned_by": "system"}
