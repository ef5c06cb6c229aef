"""The OpenAI and Anthropic paths, through the real SDKs over HTTP to the fake servers."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from langchain_core.messages import BaseMessage
from langchain_core.runnables import RunnableLambda

from agents.calls import ProviderError, ask_code, ask_structured
from agents.models import ModelSpec, build_model
from agents.planner import plan_video
from agents.scene_coder import CoderRequest, write_scene_code
from agents.schemas import ScenePlan, VideoPlan
from agents.usage import UsageMeter
from prompts import load_prompt
from tests.fakes import AnthropicServer, Delay, Fault, OpenAIServer, Reply, Usage
from tests.offline_responder import offline_reply
from tests.servers import free_port

SCENE = ScenePlan(
    number=1,
    title="Right triangles",
    goal="See that a^2 + b^2 = c^2",
    narration="A right triangle has two legs and a hypotenuse.",
    visual="A right triangle with its sides labelled.",
    archetype="construction",
    duration=6,
)
CODE = "from manim import *\n\n\nclass RightTriangles(Scene):\n    def construct(self):\n"
CODE_END = "        self.play(Create(Square()))\n        self.wait(1)\n"


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    yield


def openai_model(server: OpenAIServer, name: str = "gpt-4o-mini", **options: object):
    spec = ModelSpec.parse(f"openai:{name}", base_url=server.base_url, **options)
    return build_model(spec)


def anthropic_model(server: AnthropicServer, name: str = "claude-haiku-4-5", **options: object):
    spec = ModelSpec.parse(f"anthropic:{name}", base_url=server.base_url, **options)
    return build_model(spec)


def coder_messages():
    return load_prompt("scene_coder").render(
        "write", **CoderRequest(mode="write", plan=SCENE, style="dark").prompt_values()
    )


async def test_a_malformed_plan_is_asked_for_once_more(openai_server: OpenAIServer) -> None:
    valid = offline_plan()
    openai_server.script(Reply.structured({"title": "Pythagoras", "scenes": []}))
    openai_server.script(Reply.structured(valid))

    plan = await plan_video(
        openai_model(openai_server), "Pythagoras", scene_count=2, style="dark", target_duration=20
    )

    # The planner spreads the target over the scenes, whatever lengths the model gave them.
    lengths = {"scenes": {"__all__": {"duration"}}}
    assert plan.model_dump(exclude=lengths) == valid.model_dump(exclude=lengths)
    assert sum(scene.duration for scene in plan.scenes) == pytest.approx(20)
    first, second = openai_server.chats
    assert "could not be used: scenes" in second.last_user_text
    assert first.messages == second.messages[: len(first.messages)]


async def test_a_plan_that_fails_twice_is_an_error(anthropic_server: AnthropicServer) -> None:
    anthropic_server.script(Reply.structured({"title": ""}), Reply.structured({"title": ""}))

    with pytest.raises(ValueError, match="VideoPlan was unusable twice"):
        await plan_video(
            anthropic_model(anthropic_server), "x", scene_count=1, style="dark", target_duration=9
        )
    assert len(anthropic_server.chats) == 2


async def test_a_truncated_code_answer_is_continued(openai_server: OpenAIServer) -> None:
    openai_server.script(
        Reply.text(f"```python\n{CODE}", finish="length"), Reply.text(f"{CODE_END}```")
    )

    code = await write_scene_code(
        openai_model(openai_server), CoderRequest(mode="write", plan=SCENE, style="dark")
    )

    assert code == CODE + CODE_END.rstrip("\n") + "\n"
    assert "cut off by the length limit" in openai_server.chats[1].last_user_text


async def test_a_truncated_structured_answer_is_asked_again(
    anthropic_server: AnthropicServer,
) -> None:
    plan = offline_plan()
    anthropic_server.script(Reply.structured(plan, finish="length"), Reply.structured(plan))

    messages = load_prompt("planner").render(**plan_values())
    got = await ask_structured(anthropic_model(anthropic_server), messages, VideoPlan)

    assert got == plan
    assert "cut off by the length limit" in anthropic_server.chats[1].last_user_text


async def test_429_waits_for_retry_after(openai_server: OpenAIServer) -> None:
    openai_server.script(Fault(429, retry_after=1), Reply.text("```python\nx = 1\n```"))

    answer = await ask_code(openai_model(openai_server), coder_messages())

    first, second = openai_server.requests
    assert answer.startswith("```python")
    assert second.received_at - first.received_at >= 0.95


async def test_two_server_errors_then_success(anthropic_server: AnthropicServer) -> None:
    anthropic_server.script(Fault(500), Fault(529), Reply.text("fine"))

    answer = await ask_code(anthropic_model(anthropic_server), coder_messages())

    assert answer == "fine"
    assert len(anthropic_server.requests) == 3


async def test_a_call_that_outlives_its_timeout_fails_clearly(openai_server: OpenAIServer) -> None:
    openai_server.script(Delay(5), Delay(5))
    model = openai_model(openai_server, timeout_s=0.5, max_retries=1)

    started = time.monotonic()
    with pytest.raises(ProviderError, match="openai did not answer in time"):
        await ask_code(model, coder_messages())
    assert time.monotonic() - started < 4
    assert len(openai_server.requests) == 2


async def test_a_rejected_key_fails_at_once() -> None:
    with OpenAIServer(api_key="sk-right") as server:
        with pytest.raises(ProviderError, match="the API key was rejected by openai"):
            await ask_code(openai_model(server, max_retries=3), coder_messages())
        assert len(server.requests) == 1


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
async def test_a_connection_error_names_the_base_url(provider: str) -> None:
    base_url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    spec = ModelSpec.parse(f"{provider}:some-model", base_url=base_url, max_retries=0)

    with pytest.raises(ProviderError, match=f"cannot reach {provider} at {base_url}"):
        await ask_code(build_model(spec), coder_messages())


async def test_an_unknown_model_is_named() -> None:
    with AnthropicServer(models=["claude-haiku-4-5"]) as server:
        with pytest.raises(ProviderError, match="unknown model 'claude-nope' at anthropic"):
            await ask_code(anthropic_model(server, "claude-nope"), coder_messages())
        assert len(server.requests) == 1


async def test_the_anthropic_system_prompt_is_cached_and_priced(
    anthropic_server: AnthropicServer,
) -> None:
    usage = Usage(input_tokens=200, output_tokens=5, cache_read_tokens=1000)
    anthropic_server.script(Reply.text("ok", usage=usage))
    model = anthropic_model(anthropic_server)
    meter = UsageMeter()

    async def call(messages: list[BaseMessage]) -> str:
        return await ask_code(model, messages)

    await RunnableLambda(call).ainvoke(coder_messages(), {"callbacks": [meter]})

    system = anthropic_server.requests[0].body["system"]
    assert system[0]["cache_control"] == {"type": "ephemeral"}
    total = meter.report().total
    assert (total.calls, total.cache_read_tokens, total.output_tokens) == (1, 1000, 5)
    # claude-haiku-4-5: $1/M fresh input, $0.10/M cache reads, $5/M output.
    assert total.cost_usd == pytest.approx((200 * 1.0 + 1000 * 0.10 + 5 * 5.0) / 1e6)


async def test_an_openai_compatible_server_needs_no_key(
    openai_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    openai_server.respond_with(offline_reply)

    code = await write_scene_code(
        build_model(ModelSpec.parse("openai:llama3.1")),
        CoderRequest(mode="write", plan=SCENE, style="dark"),
    )

    request = openai_server.requests[0]
    assert "class " in code
    assert request.chat is not None and request.chat.model == "llama3.1"
    assert request.headers["authorization"] == "Bearer not-needed"


def plan_values() -> dict[str, str]:
    return {
        "mode": "plan",
        "topic": "Pythagoras",
        "scene_count": "2",
        "style": "dark",
        "target_duration": "20",
        "images": "None.",
    }


def offline_plan() -> VideoPlan:
    from agents.offline.model import OfflineChatModel

    messages = load_prompt("planner").render(**plan_values())
    plan = OfflineChatModel().with_structured_output(VideoPlan).invoke(messages)
    assert isinstance(plan, VideoPlan)
    return plan
