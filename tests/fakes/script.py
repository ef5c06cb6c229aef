"""What a test scripts a fake LLM server to do: replies, faults and delays.

The types are provider-neutral: the OpenAI and Anthropic fakes render the same `Reply`
in their own wire format, so one script can drive either provider.

Finish reasons are written in neutral form and mapped per provider:

| neutral      | OpenAI `finish_reason` | Anthropic `stop_reason` |
| ------------ | ---------------------- | ----------------------- |
| `stop`       | `stop`                 | `end_turn`              |
| `length`     | `length`               | `max_tokens`            |
| `tool_calls` | `tool_calls`           | `tool_use`              |

Any other string (`content_filter`, `refusal`, `stop_sequence`, ...) is sent verbatim.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from pydantic import BaseModel

if TYPE_CHECKING:
    from tests.fakes.requests import RecordedRequest

__all__ = ["Delay", "Fault", "Item", "Reply", "Responder", "ToolCall", "Usage"]


@dataclass(frozen=True)
class Usage:
    """Token counts of one answer.

    `input_tokens` are the fresh (uncached) prompt tokens. OpenAI reports
    `prompt_tokens = input + cache_read + cache_write` with `cached_tokens = cache_read`;
    Anthropic reports the four numbers as they are. LangChain's `usage_metadata` then
    shows the same `input_tokens` total for both providers.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0

    @property
    def prompt_tokens(self) -> int:
        """All prompt tokens, cached or not."""
        return self.input_tokens + self.cache_read_tokens + self.cache_write_tokens


@dataclass(frozen=True)
class ToolCall:
    """One function call of the model; `arguments` as a str is sent verbatim (may be bad JSON)."""

    name: str
    arguments: Mapping[str, Any] | str
    id: str | None = None


@dataclass(frozen=True)
class Reply:
    """One successful answer.

    `data` is a structured answer placed the way the request asked for it: as JSON text
    when the request carries a JSON schema (OpenAI `response_format`, Anthropic
    `output_config.format`), else as a call of the forced (or only) tool. This is what
    `with_structured_output(Model)` receives, whatever its `method`.

    `finish=None` means `tool_calls` when the answer calls a tool, else `stop`; `usage=None`
    estimates tokens from the sizes of request and answer; `model=None` echoes the request.
    """

    content: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    data: Mapping[str, Any] | None = None
    finish: str | None = None
    usage: Usage | None = None
    model: str | None = None

    @classmethod
    def text(cls, content: str, *, finish: str | None = None, usage: Usage | None = None) -> Reply:
        """A plain text answer."""
        return cls(content=content, finish=finish, usage=usage)

    @classmethod
    def tool(
        cls,
        name: str,
        arguments: Mapping[str, Any] | str,
        *,
        content: str | None = None,
        finish: str | None = None,
        usage: Usage | None = None,
    ) -> Reply:
        """An answer calling one tool, optionally with some text before the call."""
        call = ToolCall(name=name, arguments=arguments)
        return cls(content=content, tool_calls=(call,), finish=finish, usage=usage)

    @classmethod
    def structured(
        cls,
        data: BaseModel | Mapping[str, Any],
        *,
        finish: str | None = None,
        usage: Usage | None = None,
    ) -> Reply:
        """A structured answer (see the class docstring for where it lands)."""
        if isinstance(data, BaseModel):
            data = data.model_dump(mode="json")
        return cls(data=data, finish=finish, usage=usage)


@dataclass(frozen=True)
class Fault:
    """An HTTP error answer.

    The body is the provider's error object with a realistic message and error type for
    `status` unless `message`/`error_type` are given; `body` replaces it whole (a dict is
    sent as JSON, a str as plain text, e.g. a proxy's HTML page). `retry_after` sets the
    `Retry-After` header in seconds.
    """

    status: int
    message: str | None = None
    error_type: str | None = None
    retry_after: float | None = None
    body: Mapping[str, Any] | str | None = None
    headers: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Delay:
    """Hold the request for `seconds`, then answer with `then`, or hang up when it is None.

    A delay longer than the client's timeout makes the SDK time out (and retry).
    Closing the server ends every pending delay at once.
    """

    seconds: float
    then: Reply | Fault | None = None


Item: TypeAlias = Reply | Fault | Delay
Responder: TypeAlias = Callable[["RecordedRequest"], Item]
"""Computes the answer to a chat request, used once the scripted queue is empty."""
