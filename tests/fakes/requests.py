"""What a fake LLM server records of every request, for assertions and responders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["ChatRequest", "RecordedRequest", "Turn"]


@dataclass(frozen=True)
class Turn:
    """One message of a chat request, flattened to text and image URLs.

    `role` is the wire role (`system`, `developer`, `user`, `assistant`, `tool`; Anthropic's
    top-level `system` becomes a first `system` turn). `text` joins all text in the message,
    tool results included. `images` holds each image as a URL: `data:<type>;base64,...` for
    inline images, the plain URL otherwise.
    """

    role: str
    text: str
    images: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChatRequest:
    """The provider-neutral view of a chat request.

    `schema` is the JSON schema asked for (`{}` for OpenAI's schemaless JSON mode) or None
    for free text; `forced_tool` is the tool the request makes the model call, if any.
    """

    model: str
    messages: tuple[Turn, ...]
    tools: tuple[str, ...] = ()
    forced_tool: str | None = None
    schema: Mapping[str, Any] | None = None
    stream: bool = False
    max_tokens: int | None = None

    @property
    def system(self) -> str:
        """The system (or developer) instructions, joined."""
        return "\n".join(t.text for t in self.messages if t.role in ("system", "developer"))

    @property
    def last_user_text(self) -> str:
        """The text of the last user message: what a responder usually answers."""
        return next((t.text for t in reversed(self.messages) if t.role == "user"), "")

    @property
    def images(self) -> tuple[str, ...]:
        """Every image in the conversation, in order."""
        return tuple(url for turn in self.messages for url in turn.images)


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request as the server received it.

    `headers` has lower-case names; `body` is the parsed JSON (None when the body was
    empty or not JSON); `received_at` is on the `time.monotonic()` clock; `chat` is set
    for valid chat requests (`POST /v1/chat/completions`, `POST /v1/messages`).
    """

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    raw: bytes
    body: Any
    received_at: float
    chat: ChatRequest | None = None
