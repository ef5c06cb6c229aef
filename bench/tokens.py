"""Tokens and estimated cost of a typical 4-scene job, by agent, over the real SDKs.

The planner and fixer speak to a local OpenAI-protocol server, the coder to a local
Anthropic-protocol server; both answer with the offline model's content and report usage
from the request and answer sizes, as the real APIs do. No key or network is needed.

    .venv/bin/python -m bench.tokens
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from agents.config import ModelConfig
from agents.models import ModelSpec
from agents.usage import UsageTotals
from bench.common import local_room, report
from graphs.requests import GenerateRequest
from tests.fakes import AnthropicServer, OpenAIServer
from tests.offline_responder import offline_reply

PROMPT = "Explain the Pythagorean theorem with a right triangle and its squares"


async def main() -> None:
    os.environ.setdefault("ANTHROPIC_API_KEY", "fake-server-needs-no-key")
    with OpenAIServer() as openai, AnthropicServer() as anthropic:
        openai.respond_with(offline_reply)
        anthropic.respond_with(offline_reply)
        gpt = ModelSpec.parse("openai:gpt-4o-mini", base_url=openai.base_url)
        claude = ModelSpec.parse("anthropic:claude-haiku-4-5", base_url=anthropic.base_url)
        models = ModelConfig(default=gpt, roles={"planner": gpt, "coder": claude, "fixer": gpt})
        with tempfile.TemporaryDirectory() as tmp:
            async with local_room(Path(tmp), models) as room:
                summary = await room.run_request(GenerateRequest(prompt=PROMPT, scene_count=4))
    assert summary.usage is not None
    rows = [_row(agent, totals) for agent, totals in summary.usage.by_agent.items()]
    rows.append(_row("total", summary.usage.total))
    report("tokens", "Model use of a 4-scene job (fake servers, realistic sizes)", rows)


def _row(agent: str, totals: UsageTotals) -> dict[str, object]:
    return {
        "agent": agent,
        "calls": totals.calls,
        "input_tokens": totals.input_tokens,
        "output_tokens": totals.output_tokens,
        "cost_usd": f"{totals.cost_usd:.5f}",
    }


if __name__ == "__main__":
    asyncio.run(main())
