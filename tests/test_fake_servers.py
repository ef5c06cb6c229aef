"""The fake LLM servers speak the real wire protocols: real SDKs and LangChain models use them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import anthropic
import httpx
import openai
import pytest
from langchain_anthropic import ChatAnthropic
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessageChunk, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, SecretStr

from tests.fakes import (
    AnthropicServer,
    Delay,
    FakeLLMServer,
    Fault,
    OpenAIServer,
    RecordedRequest,
    Reply,
    Usage,
)

KEY = SecretStr("test")
OPENAI_MODEL = "gpt-4o-mini"
ANTHROPIC_MODEL = "claude-haiku-4-5"
# A 1x1 PNG.
PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9"
    "awAAAABJRU5ErkJggg=="
)


Method = Literal["function_calling", "json_schema"]


class Verdict(BaseModel):
    """A reviewer's verdict on one scene."""

    passed: bool
    issues: list[str]


VERDICT = Verdict(passed=False, issues=["title overlaps the circle"])


@tool
def count_objects(scene: int) -> int:
    """Count the objects on screen at the end of a scene."""
    return scene


@dataclass(frozen=True)
class Provider:
    """One provider's fake server and LangChain model, for behaviour both must share."""

    server: FakeLLMServer
    model: Callable[..., BaseChatModel]
    finish_key: str
    native: Mapping[str, str]
    """Neutral finish reason → the provider's own."""
    image_part: str


@pytest.fixture(params=["openai", "anthropic"])
def provider(request: pytest.FixtureRequest) -> Provider:
    """Each provider in turn, on a fresh fake server."""
    if request.param == "openai":
        server = request.getfixturevalue("openai_server")
        return Provider(
            server,
            lambda **options: ChatOpenAI(
                model=OPENAI_MODEL, base_url=server.base_url, api_key=KEY, **options
            ),
            "finish_reason",
            {"stop": "stop", "length": "length", "tool_calls": "tool_calls"},
            "image_url",
        )
    server = request.getfixturevalue("anthropic_server")
    return Provider(
        server,
        lambda **options: ChatAnthropic(  # type: ignore[call-arg]
            model=ANTHROPIC_MODEL, base_url=server.base_url, api_key=KEY, **options
        ),
        "stop_reason",
        {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use"},
        "image",
    )


def test_openai_sdk_text_answer(openai_server: OpenAIServer) -> None:
    usage = Usage(input_tokens=80, output_tokens=4, cache_read_tokens=20)
    openai_server.script(Reply.text("A blue circle.", usage=usage))
    with openai.OpenAI(base_url=openai_server.base_url, api_key="test") as client:
        completion = client.chat.completions.create(
            model=OPENAI_MODEL,
            messages=[
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Describe scene 1."},
            ],
        )
    assert completion.object == "chat.completion"
    assert completion.model == OPENAI_MODEL
    assert completion.choices[0].message.content == "A blue circle."
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == 100
    assert completion.usage.completion_tokens == 4
    assert completion.usage.total_tokens == 104
    assert completion.usage.prompt_tokens_details is not None
    assert completion.usage.prompt_tokens_details.cached_tokens == 20
    [request] = openai_server.requests
    assert (request.method, request.path) == ("POST", "/v1/chat/completions")
    assert request.headers["authorization"] == "Bearer test"
    assert request.body["messages"][1] == {"role": "user", "content": "Describe scene 1."}
    assert request.chat is not None
    assert request.chat.system == "Be brief."
    assert request.chat.last_user_text == "Describe scene 1."


def test_anthropic_sdk_text_answer(anthropic_server: AnthropicServer) -> None:
    usage = Usage(input_tokens=10, output_tokens=5, cache_read_tokens=90, cache_write_tokens=30)
    anthropic_server.script(Reply.text("A blue circle.", usage=usage))
    with anthropic.Anthropic(base_url=anthropic_server.base_url, api_key="test") as client:
        message = client.messages.create(
            model=ANTHROPIC_MODEL,
            max_tokens=200,
            system="Be brief.",
            messages=[{"role": "user", "content": "Describe scene 1."}],
        )
    assert message.type == "message"
    assert message.content[0].type == "text"
    assert message.content[0].text == "A blue circle."
    assert message.stop_reason == "end_turn"
    assert message.usage.input_tokens == 10
    assert message.usage.output_tokens == 5
    assert message.usage.cache_read_input_tokens == 90
    assert message.usage.cache_creation_input_tokens == 30
    [request] = anthropic_server.requests
    assert (request.method, request.path) == ("POST", "/v1/messages")
    # The SDK sends the key as `x-api-key` or (2.x) as a bearer token: the fake takes both.
    key = request.headers.get("x-api-key") or request.headers["authorization"]
    assert key.removeprefix("Bearer ") == "test"
    assert "anthropic-version" in request.headers
    assert request.chat is not None
    assert request.chat.system == "Be brief."
    assert request.chat.max_tokens == 200


async def test_chat_openai_usage_metadata(openai_server: OpenAIServer) -> None:
    usage = Usage(input_tokens=80, output_tokens=4, cache_read_tokens=20)
    openai_server.script(Reply.text("A blue circle.", usage=usage))
    model = ChatOpenAI(model=OPENAI_MODEL, base_url=openai_server.base_url, api_key=KEY)
    message = await model.ainvoke([SystemMessage("Be brief."), HumanMessage("Describe it.")])
    assert message.text == "A blue circle."
    assert message.usage_metadata is not None
    assert message.usage_metadata["input_tokens"] == 100
    assert message.usage_metadata["output_tokens"] == 4
    assert message.usage_metadata["total_tokens"] == 104
    assert message.usage_metadata.get("input_token_details", {}).get("cache_read") == 20
    assert message.response_metadata["model_name"] == OPENAI_MODEL
    assert openai_server.chats[0].system == "Be brief."


async def test_chat_anthropic_usage_metadata(anthropic_server: AnthropicServer) -> None:
    usage = Usage(input_tokens=10, output_tokens=7, cache_read_tokens=90, cache_write_tokens=30)
    anthropic_server.script(Reply.text("A blue circle.", usage=usage))
    model = ChatAnthropic(  # type: ignore[call-arg]
        model=ANTHROPIC_MODEL, base_url=anthropic_server.base_url, api_key=KEY
    )
    message = await model.ainvoke([SystemMessage("Be brief."), HumanMessage("Describe it.")])
    assert message.text == "A blue circle."
    assert message.usage_metadata is not None
    assert message.usage_metadata["input_tokens"] == 130
    assert message.usage_metadata["output_tokens"] == 7
    details = message.usage_metadata.get("input_token_details", {})
    assert details.get("cache_read") == 90
    assert details.get("ephemeral_5m_input_tokens") == 30
    assert anthropic_server.chats[0].system == "Be brief."


@pytest.mark.parametrize("method", ["function_calling", "json_schema"])
async def test_chat_openai_structured_output(openai_server: OpenAIServer, method: Method) -> None:
    openai_server.script(Reply.structured(VERDICT))
    model = ChatOpenAI(model=OPENAI_MODEL, base_url=openai_server.base_url, api_key=KEY)
    verdict = await model.with_structured_output(Verdict, method=method).ainvoke("Review it.")
    assert verdict == VERDICT
    [request] = openai_server.requests
    assert request.chat is not None
    if method == "function_calling":
        assert request.chat.forced_tool == "Verdict"
        assert request.chat.schema is None
    else:
        assert request.body["response_format"]["type"] == "json_schema"
        assert request.chat.schema is not None
        assert set(request.chat.schema["properties"]) == {"passed", "issues"}


@pytest.mark.parametrize("method", ["function_calling", "json_schema"])
async def test_chat_anthropic_structured_output(
    anthropic_server: AnthropicServer, method: Method
) -> None:
    anthropic_server.script(Reply.structured(VERDICT))
    model = ChatAnthropic(  # type: ignore[call-arg]
        model=ANTHROPIC_MODEL, base_url=anthropic_server.base_url, api_key=KEY
    )
    verdict = await model.with_structured_output(Verdict, method=method).ainvoke("Review it.")
    assert verdict == VERDICT
    [request] = anthropic_server.requests
    assert request.chat is not None
    if method == "function_calling":
        assert request.body["tool_choice"] == {"type": "tool", "name": "Verdict"}
        assert request.chat.forced_tool == "Verdict"
    else:
        assert request.body["output_config"]["format"]["type"] == "json_schema"
        assert request.chat.schema is not None
        assert set(request.chat.schema["properties"]) == {"passed", "issues"}


async def test_tool_call_round_trip(provider: Provider) -> None:
    provider.server.script(
        Reply.tool("count_objects", {"scene": 2}), Reply.text("Scene 2 ends with 3 objects.")
    )
    model = provider.model().bind_tools([count_objects])
    question = HumanMessage("How many objects are left in scene 2?")
    call = await model.ainvoke([question])
    assert [(c["name"], c["args"]) for c in call.tool_calls] == [("count_objects", {"scene": 2})]
    assert call.response_metadata[provider.finish_key] == provider.native["tool_calls"]
    result = ToolMessage("3", tool_call_id=call.tool_calls[0]["id"])
    answer = await model.ainvoke([question, call, result])
    assert answer.text == "Scene 2 ends with 3 objects."
    first, second = provider.server.chats
    assert first.tools == ("count_objects",)
    assert second.messages[-1].text == "3"


async def test_unanswered_tool_call_is_refused(provider: Provider) -> None:
    provider.server.script(Reply.tool("count_objects", {"scene": 1}))
    model = provider.model(max_retries=0).bind_tools([count_objects])
    question = HumanMessage("How many objects?")
    call = await model.ainvoke([question])
    with pytest.raises((openai.BadRequestError, anthropic.BadRequestError), match="tool"):
        await model.ainvoke([question, call])
    assert provider.server.pending == 0


async def test_length_finish_is_visible(provider: Provider) -> None:
    provider.server.script(Reply.text("The proof begins with", finish="length"))
    message = await provider.model(max_tokens=5).ainvoke("Prove it.")
    assert message.text == "The proof begins with"
    assert message.response_metadata[provider.finish_key] == provider.native["length"]
    assert provider.server.chats[0].max_tokens == 5


async def test_images_in_a_request_are_recorded(provider: Provider) -> None:
    provider.server.script(Reply.text("The title overlaps the circle."))
    frame = HumanMessage(
        content=[
            {"type": "text", "text": "What is wrong with this frame?"},
            {"type": "image", "base64": PNG, "mime_type": "image/png"},
        ]
    )
    await provider.model().ainvoke([frame])
    [request] = provider.server.requests
    assert request.chat is not None
    assert request.chat.images == (f"data:image/png;base64,{PNG}",)
    assert request.chat.last_user_text == "What is wrong with this frame?"
    parts = request.body["messages"][-1]["content"]
    assert [part["type"] for part in parts] == ["text", provider.image_part]


async def test_responder_answers_concurrent_requests(provider: Provider) -> None:
    def shout(request: RecordedRequest) -> Reply:
        assert request.chat is not None
        return Reply.text(request.chat.last_user_text.upper())

    provider.server.respond_with(shout)
    model = provider.model()
    prompts = [f"scene {n}" for n in range(1, 5)]
    answers = await asyncio.gather(*(model.ainvoke(prompt) for prompt in prompts))
    assert [answer.text for answer in answers] == [prompt.upper() for prompt in prompts]
    assert sorted(chat.last_user_text for chat in provider.server.chats) == prompts


async def test_streaming(provider: Provider) -> None:
    usage = Usage(input_tokens=12, output_tokens=9)
    provider.server.script(Reply.text("A circle grows, then a square fades in.", usage=usage))
    chunks = [chunk async for chunk in provider.model(stream_usage=True).astream("Describe.")]
    assert len(chunks) > 3
    full = chunks[0]
    for chunk in chunks[1:]:
        full += chunk
    assert isinstance(full, AIMessageChunk)
    assert full.text == "A circle grows, then a square fades in."
    assert full.usage_metadata is not None
    assert (full.usage_metadata["input_tokens"], full.usage_metadata["output_tokens"]) == (12, 9)
    assert provider.server.chats[0].stream


def test_openai_retry_after_is_honoured(openai_server: OpenAIServer) -> None:
    openai_server.script(Fault(429, retry_after=1), Reply.text("ok"))
    with openai.OpenAI(base_url=openai_server.base_url, api_key="test", max_retries=2) as client:
        completion = client.chat.completions.create(
            model=OPENAI_MODEL, messages=[{"role": "user", "content": "Hi"}]
        )
    assert completion.choices[0].message.content == "ok"
    first, second = openai_server.requests
    assert 0.95 <= second.received_at - first.received_at < 2.5
    assert second.headers["x-stainless-retry-count"] == "1"


def test_anthropic_retry_after_is_honoured(anthropic_server: AnthropicServer) -> None:
    anthropic_server.script(Fault(429, retry_after=1), Reply.text("ok"))
    with anthropic.Anthropic(
        base_url=anthropic_server.base_url, api_key="test", max_retries=2
    ) as client:
        message = client.messages.create(
            model=ANTHROPIC_MODEL, max_tokens=10, messages=[{"role": "user", "content": "Hi"}]
        )
    assert message.content[0].type == "text"
    assert message.content[0].text == "ok"
    first, second = anthropic_server.requests
    assert 0.95 <= second.received_at - first.received_at < 2.5
    assert second.headers["x-stainless-retry-count"] == "1"


def test_openai_auth_error(openai_server: OpenAIServer) -> None:
    openai_server.script(Fault(401))
    with (
        openai.OpenAI(base_url=openai_server.base_url, api_key="test") as client,
        pytest.raises(openai.AuthenticationError) as caught,
    ):
        client.chat.completions.create(
            model=OPENAI_MODEL, messages=[{"role": "user", "content": "Hi"}]
        )
    assert caught.value.status_code == 401
    assert caught.value.code == "invalid_api_key"
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["message"].startswith("Incorrect API key provided.")
    assert caught.value.body["type"] == "invalid_request_error"
    assert len(openai_server.requests) == 1


def test_anthropic_auth_error(anthropic_server: AnthropicServer) -> None:
    anthropic_server.script(Fault(401))
    with (
        anthropic.Anthropic(base_url=anthropic_server.base_url, api_key="test") as client,
        pytest.raises(anthropic.AuthenticationError) as caught,
    ):
        client.messages.create(
            model=ANTHROPIC_MODEL, max_tokens=10, messages=[{"role": "user", "content": "Hi"}]
        )
    assert caught.value.status_code == 401
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["type"] == "error"
    assert caught.value.body["error"] == {
        "type": "authentication_error",
        "message": "invalid x-api-key",
    }
    assert len(anthropic_server.requests) == 1


async def test_api_key_and_models_are_checked() -> None:
    with OpenAIServer(api_key="sk-right", models=[OPENAI_MODEL]) as server:
        wrong_key = ChatOpenAI(
            model=OPENAI_MODEL, base_url=server.base_url, api_key=SecretStr("sk-wrong")
        )
        with pytest.raises(openai.AuthenticationError):
            await wrong_key.ainvoke("Hi")
        other_model = ChatOpenAI(
            model="gpt-9", base_url=server.base_url, api_key=SecretStr("sk-right")
        )
        with pytest.raises(openai.NotFoundError, match="gpt-9"):
            await other_model.ainvoke("Hi")
        with openai.OpenAI(base_url=server.base_url, api_key="sk-right") as client:
            assert [m.id for m in client.models.list()] == [OPENAI_MODEL]
        assert server.pending == 0
    with AnthropicServer(api_key="sk-right") as server:
        with (
            anthropic.Anthropic(base_url=server.base_url, api_key="sk-wrong") as client,
            pytest.raises(anthropic.AuthenticationError),
        ):
            client.models.list()
        with anthropic.Anthropic(base_url=server.base_url, api_key="sk-right") as client:
            assert ANTHROPIC_MODEL in [m.id for m in client.models.list()]


def test_delay_beyond_the_client_timeout(openai_server: OpenAIServer) -> None:
    openai_server.script(Delay(5, then=Reply.text("too late")), Reply.text("ok"))
    started = time.monotonic()
    with openai.OpenAI(
        base_url=openai_server.base_url, api_key="test", timeout=0.5, max_retries=1
    ) as client:
        completion = client.chat.completions.create(
            model=OPENAI_MODEL, messages=[{"role": "user", "content": "Hi"}]
        )
    assert completion.choices[0].message.content == "ok"
    assert time.monotonic() - started < 3
    assert len(openai_server.requests) == 2
    closing = time.monotonic()
    openai_server.close()
    assert time.monotonic() - closing < 1


def test_requests_the_real_api_refuses(anthropic_server: AnthropicServer) -> None:
    anthropic_server.script(Reply.text("never sent"))
    response = httpx.post(
        anthropic_server.url + "/v1/messages",
        headers={"x-api-key": "test", "anthropic-version": "2023-06-01"},
        json={"model": ANTHROPIC_MODEL, "messages": [{"role": "user", "content": "Hi"}]},
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "type": "invalid_request_error",
        "message": "max_tokens: Field required",
    }
    assert response.headers["request-id"] == response.json()["request_id"]
    assert anthropic_server.pending == 1
    missing = httpx.get(anthropic_server.url + "/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["error"]["type"] == "not_found_error"
    assert anthropic_server.take_errors() == []
    assert anthropic_server.requests[0].chat is None


def test_a_script_problem_fails_the_test_even_if_the_caller_swallows_it() -> None:
    problem = "nothing scripted for POST /v1/chat/completions"
    with (
        pytest.raises(AssertionError, match=problem),
        OpenAIServer() as server,
        openai.OpenAI(base_url=server.base_url, api_key="test") as client,
    ):
        with pytest.raises(openai.InternalServerError, match=problem):
            client.chat.completions.create(
                model=OPENAI_MODEL, messages=[{"role": "user", "content": "Hi"}]
            )
        assert len(server.requests) == 1  # the SDK was told not to retry
