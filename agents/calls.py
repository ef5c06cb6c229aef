"""The one place agents call a chat model: truncation, structured output, provider errors.

- A code answer cut off at the length limit is continued (twice at most), never rendered
  as it is.
- A structured answer that does not validate (or was cut off) is asked for once more,
  with the validation error; then it fails.
- Transient provider failures (429 with Retry-After, 5xx, timeouts, dropped connections)
  are retried by the provider SDK itself, configured in `agents.models`; what is left
  arrives here and becomes a `ProviderError` with a sentence a user can act on.
- Large static system prompts are marked for Anthropic's prompt cache.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import Runnable
from pydantic import BaseModel, ValidationError

__all__ = [
    "MAX_CONTINUATIONS",
    "ProviderError",
    "StructuredOutputError",
    "TruncatedAnswer",
    "ask_code",
    "ask_structured",
    "with_images",
]

MAX_CONTINUATIONS = 2
T = TypeVar("T", bound=BaseModel)

CONTINUE = (
    "Your answer was cut off by the length limit. Continue exactly where it stopped: "
    "no repetition, no preamble, no new code fence."
)
REASK = (
    "Your previous answer could not be used: {problem}\n"
    "Answer again with the complete structured output, and keep it shorter."
)
LENGTH_STOPS = frozenset({"length", "max_tokens"})
CLIENT_ERRORS = {
    400: "{provider} rejected the request (HTTP 400): {message}",
    401: "the API key was rejected by {provider} (HTTP 401): check {key_env}",
    403: "{provider} refused access (HTTP 403): {message}",
    404: "unknown model {model!r} at {provider} (HTTP 404): {message}",
}
KEY_ENV = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}


class ProviderError(RuntimeError):
    """A model provider failed in a way no retry fixes; the job stops with this message."""


class TruncatedAnswer(ValueError):
    """The answer was still cut off after the allowed continuations."""


class StructuredOutputError(ValueError):
    """The structured answer did not validate, even after one corrective re-ask."""


async def ask_code(model: BaseChatModel, messages: Sequence[BaseMessage]) -> str:
    """The model's text answer, continued while it stops at the length limit."""
    messages = _cacheable(model, messages)
    parts: list[str] = []
    for _ in range(MAX_CONTINUATIONS + 1):
        answer = await _invoke(model, messages)
        parts.append(answer.text)
        if not _truncated(answer):
            return "".join(parts)
        messages = [*messages, AIMessage(content=answer.text), HumanMessage(content=CONTINUE)]
    raise TruncatedAnswer(
        f"the answer was still cut off after {MAX_CONTINUATIONS} continuations; "
        "raise max_tokens for this model"
    )


async def ask_structured(
    model: BaseChatModel, messages: Sequence[BaseMessage], schema: type[T]
) -> T:
    """A validated `schema` instance: tool calling / JSON schema, one corrective re-ask."""
    messages = _cacheable(model, messages)
    runnable = model.with_structured_output(schema, include_raw=True)
    problem = "no answer"
    for _ in range(2):
        try:
            result: Any = await _call(model, runnable, messages)
        except ValidationError as exc:  # an SDK that validates the schema itself
            problem = _describe(exc, None, schema)
        except Exception as exc:
            if type(exc).__name__ != "LengthFinishReasonError":
                raise
            problem = "it was cut off by the length limit."
        else:
            raw, parsed = result["raw"], result["parsed"]
            if isinstance(raw, AIMessage) and _truncated(raw):
                problem = "it was cut off by the length limit."
            elif isinstance(parsed, schema):
                return parsed
            else:
                problem = _describe(result.get("parsing_error"), parsed, schema)
        messages = [*messages, HumanMessage(content=REASK.format(problem=problem))]
    raise StructuredOutputError(f"the model's {schema.__name__} was unusable twice: {problem}")


def with_images(messages: Sequence[BaseMessage], images: Sequence[str]) -> list[BaseMessage]:
    """The last human message with `images` (data URLs) attached beside its text."""
    if not images:
        return list(messages)
    *head, last = messages
    blocks: list[str | dict[str, Any]] = [{"type": "text", "text": last.text}]
    blocks += [{"type": "image_url", "image_url": {"url": url}} for url in images]
    return [*head, HumanMessage(content=blocks)]


async def _invoke(model: BaseChatModel, messages: Sequence[BaseMessage]) -> AIMessage:
    answer = await _call(model, model, messages)
    assert isinstance(answer, AIMessage)
    return answer


async def _call(model: BaseChatModel, runnable: Runnable, messages: Sequence[BaseMessage]) -> Any:
    """`runnable.ainvoke(messages)`, with provider failures turned into `ProviderError`."""
    try:
        return await runnable.ainvoke(list(messages))
    except Exception as exc:
        error = _provider_error(model, exc)
        if error is None:
            raise
        raise error from exc


def _truncated(answer: AIMessage) -> bool:
    metadata = answer.response_metadata
    return (metadata.get("finish_reason") or metadata.get("stop_reason")) in LENGTH_STOPS


def _describe(error: object, parsed: object, schema: type[BaseModel]) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or schema.__name__
        return f"{where}: {first['msg']} ({error.error_count()} error(s))."
    if error is not None:
        return f"{str(error)[:300]}"
    return f"no {schema.__name__} came back (got {type(parsed).__name__})."


def _cacheable(model: BaseChatModel, messages: Sequence[BaseMessage]) -> list[BaseMessage]:
    """Mark the system prompt for Anthropic's prompt cache; other providers cache by prefix."""
    if _provider(model) != "anthropic":
        return list(messages)
    return [
        SystemMessage(
            content=[{"type": "text", "text": m.text, "cache_control": {"type": "ephemeral"}}]
        )
        if isinstance(m, SystemMessage) and isinstance(m.content, str)
        else m
        for m in messages
    ]


def _provider(model: BaseChatModel) -> str:
    params = model._get_ls_params()
    return str(params.get("ls_provider") or type(model).__name__)


def _provider_error(model: BaseChatModel, exc: Exception) -> ProviderError | None:
    """A clear message for an SDK error that retries did not (or must not) fix."""
    provider = _provider(model)
    names = {cls.__name__ for cls in type(exc).__mro__}
    status = getattr(exc, "status_code", None)
    message = _api_message(exc)
    if isinstance(status, int) and status in CLIENT_ERRORS:
        text = CLIENT_ERRORS[status].format(
            provider=provider,
            message=message,
            model=model._get_ls_params().get("ls_model_name", ""),
            key_env=KEY_ENV.get(provider, "the API key"),
        )
        return ProviderError(text)
    if status == 429:
        return ProviderError(f"{provider} kept rate-limiting (HTTP 429) after retries: {message}")
    if isinstance(status, int) and status >= 500:
        return ProviderError(f"{provider} failed (HTTP {status}) after retries: {message}")
    if isinstance(exc, TimeoutError) or names & {"APITimeoutError", "TimeoutException"}:
        return ProviderError(f"{provider} did not answer in time, after retries")
    if "APIConnectionError" in names:
        return ProviderError(f"cannot reach {provider} at {_base_url(model, exc)}: {exc}")
    return None


DEFAULT_BASE_URLS = {
    "openai": "https://api.openai.com/v1",
    "anthropic": "https://api.anthropic.com",
}


def _base_url(model: BaseChatModel, exc: Exception) -> str:
    """The base URL the model was calling: the configured one, else the failed request's
    origin, else the provider's default."""
    for attribute in ("openai_api_base", "anthropic_api_url", "base_url"):
        configured = getattr(model, attribute, None)
        if isinstance(configured, str) and configured:
            return configured
    url = getattr(getattr(exc, "request", None), "url", None)
    if url is not None:
        return f"{url.scheme}://{url.netloc.decode()}"
    return DEFAULT_BASE_URLS.get(_provider(model), "its default URL")


def _api_message(exc: Exception) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])[:300]
    return str(exc)[:300]
