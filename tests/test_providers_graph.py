"""Whole jobs over the fake provider servers: budgets, and frames for a fixer that reads images."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agents.calls import ProviderError
from agents.models import ModelFactory, ModelSpec
from agents.usage import Budget
from graphs.context import VideoContext
from graphs.jobs import JobOutcome
from graphs.limits import Limits
from graphs.requests import GenerateRequest, JobSpec
from tests.conftest import GOOD_SCENE
from tests.fakes import AnthropicServer, Fault, Item, OpenAIServer, RecordedRequest, Reply
from tests.jobs_helpers import room_for, run_job
from tests.offline_responder import offline_reply, structured_name
from tools.store import Store

OVERFLOWING = GOOD_SCENE.replace('Text("Circles"', 'Text("Circles " * 12')


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    yield


def spec(server: OpenAIServer | AnthropicServer, name: str) -> ModelSpec:
    provider = "openai" if isinstance(server, OpenAIServer) else "anthropic"
    return ModelSpec.parse(f"{provider}:{name}", base_url=server.base_url)


@pytest.mark.slow
async def test_at_the_budget_failing_scenes_take_the_fallback(
    store: Store, openai_server: OpenAIServer
) -> None:
    openai_server.respond_with(offline_reply)
    gpt = spec(openai_server, "gpt-4o-mini")
    ctx = VideoContext(
        models=ModelFactory(default=gpt), store=store, limits=Limits(budget=Budget(max_calls=3))
    )

    summary = await run_job(
        GenerateRequest(prompt="Explain the Pythagorean theorem", scene_count=3), ctx
    )

    reasons = [scene.fallback_reason for scene in summary.scenes]
    assert len(openai_server.requests) == 3  # the planner and two coders; nothing after
    assert sum(1 for r in reasons if r and r.startswith("budget_exhausted")) == 1
    assert sum(1 for r in reasons if r is None) == 2
    assert summary.usage is not None and summary.usage.budget_exhausted
    assert summary.usage.total.calls == 3
    assert store.artifacts.path(summary.video).is_file()


def coder_answers(request: RecordedRequest) -> Reply:
    """The coder always writes a scene whose title runs off the screen."""
    return Reply.text(f"```python\n{OVERFLOWING}```")


@pytest.mark.slow
@pytest.mark.parametrize(("fixer", "sees_frames"), [("gpt-4o-mini", True), ("llama3.1", False)])
async def test_the_fixer_gets_frames_only_when_its_model_reads_images(
    store: Store,
    openai_server: OpenAIServer,
    anthropic_server: AnthropicServer,
    fixer: str,
    sees_frames: bool,
) -> None:
    openai_server.respond_with(offline_reply)
    anthropic_server.respond_with(coder_answers)
    gpt = spec(openai_server, "gpt-4o-mini")
    models = ModelFactory(
        {"coder": spec(anthropic_server, "claude-haiku-4-5"), "fixer": spec(openai_server, fixer)},
        default=gpt,
    )
    ctx = VideoContext(models=models, store=store, limits=Limits(max_fix_rounds=1, repairs=False))

    await run_job(GenerateRequest(prompt="Explain circles", scene_count=1), ctx)

    reviews = [r for r in openai_server.requests if structured_name(r) == "FixReview"]
    assert len(reviews) == 1
    chat = reviews[0].chat
    assert chat is not None and chat.model == fixer
    assert "out_of_frame" in chat.last_user_text
    images = chat.images
    assert bool(images) == sees_frames
    assert all(url.startswith("data:image/png;base64,") for url in images)
    assert len(images) <= 4


@pytest.mark.slow
async def test_a_resumed_job_keeps_counting_what_it_spent(
    store: Store, openai_server: OpenAIServer
) -> None:
    refused: list[bool] = []

    def first_coder_call_fails(request: RecordedRequest) -> Item:
        if structured_name(request) is None and not refused:
            refused.append(True)
            return Fault(401)
        return offline_reply(request)

    openai_server.respond_with(first_coder_call_fails)
    ctx = VideoContext(models=ModelFactory(default=spec(openai_server, "gpt-4o-mini")), store=store)
    room = room_for(ctx)
    job = await room.submit(
        JobSpec(request=GenerateRequest(prompt="Explain circles", scene_count=1))
    )

    with pytest.raises(ProviderError, match="API key was rejected"):
        await room.run(job.id, factory=ctx.models)
    failed = await room.resume(job.id)
    assert JobOutcome.of(failed).usage.total.calls == 2  # the plan, and the refused code
    summary = await room.run(job.id, factory=ctx.models)

    assert summary.usage is not None
    assert summary.usage.by_agent["planner"].calls == 1  # not planned again, still counted
    assert summary.usage.total.calls == len(openai_server.requests)
