"""Token usage, cost and budgets of a job's model calls, metered by one LangChain callback.

Speech is metered here too (`record_speech`): characters and seconds of audio per voice
provider, priced from the same table, and counted against the job's cost cap.

The meter rides along in the graph's `callbacks`, so every chat model call of the job
passes through it whichever agent, provider or custom node makes it: it counts calls and
tokens per agent and per scene, prices them, and refuses a call once the job's budget is
spent (`BudgetExhausted`), so a failing scene stops costing money.

Example:
    meter = UsageMeter(Budget(max_cost_usd=0.50), PriceTable.load())
    await graph.ainvoke(state, {"callbacks": [meter]}, context=ctx)
    meter.report().total.cost_usd
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from uuid import UUID

from langchain_core.callbacks import AsyncCallbackHandler
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGeneration, LLMResult

from agents.prices import PriceTable, TokenCounts
from agents.usage_report import (
    Budget,
    BudgetExhausted,
    SpeechTotals,
    UsageReport,
    UsageTotals,
)

__all__ = [
    "Budget",
    "BudgetExhausted",
    "SpeechTotals",
    "UsageMeter",
    "UsageReport",
    "UsageTotals",
    "scene_scope",
]

# LangGraph names each node in the run metadata; agents are known by their node.
NODE_ROLES = {
    "planner": "planner",
    "scene_coder": "coder",
    "visual_fixer": "fixer",
    "assembler": "assembler",
    "narrate": "narrator",
}
_current_scene: ContextVar[int | None] = ContextVar("manimgraph_scene", default=None)


@contextmanager
def scene_scope(number: int) -> Iterator[None]:
    """Attribute the model calls made inside the block to scene `number`."""
    token = _current_scene.set(number)
    try:
        yield
    finally:
        _current_scene.reset(token)


class UsageMeter(AsyncCallbackHandler):
    """Counts and prices every chat model call of one job, and enforces its budget."""

    raise_error = True  # a BudgetExhausted raised at the start of a call aborts the call

    def __init__(
        self,
        budget: Budget | None = None,
        prices: PriceTable | None = None,
        *,
        spent: UsageReport | None = None,
    ) -> None:
        """`spent` is what the job used before (a resumed job keeps counting from it)."""
        self.budget = budget or Budget()
        self.prices = prices or PriceTable.load()
        self._report = spent.model_copy(deep=True) if spent is not None else UsageReport()
        self._started: dict[UUID, tuple[float, str, int | None]] = {}
        # Counted at the start of a call, so concurrent calls cannot overshoot the cap.
        self._calls_made = self._report.total.calls

    def report(self) -> UsageReport:
        """A copy of the usage so far."""
        return self._report.model_copy(deep=True)

    def scene_usage(self, number: int) -> UsageTotals:
        return self._report.by_scene.get(number, UsageTotals())

    def exhausted(self) -> str | None:
        """Which cap is reached, or None while calls may still be made."""
        total, budget = self._report.total, self.budget
        if budget.max_calls is not None and self._calls_made >= budget.max_calls:
            return f"{self._calls_made} of {budget.max_calls} model calls made"
        if budget.max_tokens is not None and total.tokens >= budget.max_tokens:
            return f"{total.tokens} of {budget.max_tokens} tokens used"
        cost = self._report.cost_usd
        if budget.max_cost_usd is not None and cost >= budget.max_cost_usd:
            return f"${cost:.4f} of ${budget.max_cost_usd:.4f} spent"
        return None

    def admit_speech(self) -> None:
        """Refuse a paid synthesis once the cost cap is reached (speech is no model call,
        so the call and token caps do not apply to it).

        Raises:
            BudgetExhausted: the job's cost cap is spent.
        """
        cap = self.budget.max_cost_usd
        if cap is not None and self._report.cost_usd >= cap:
            self._report.budget_exhausted = True
            raise BudgetExhausted(
                f"the job's budget is spent (${self._report.cost_usd:.4f} of ${cap:.4f})"
            )

    def record_speech(
        self,
        provider: str,
        model: str,
        *,
        syntheses: int,
        reused: int,
        characters: int,
        audio_seconds: float,
        seconds: float,
    ) -> SpeechTotals:
        """Count one scene's narration, priced by `model`; returns what it added."""
        added = SpeechTotals(
            syntheses=syntheses,
            reused=reused,
            characters=characters,
            audio_seconds=audio_seconds,
            cost_usd=self.prices.speech_cost(model, characters, audio_seconds),
            seconds=seconds,
        )
        speech = self._report.speech
        speech[provider] = speech.get(provider, SpeechTotals()).plus(added)
        return added

    async def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        reason = self.exhausted()
        if reason is not None:
            self._report.budget_exhausted = True
            raise BudgetExhausted(f"the job's model budget is spent ({reason})")
        node = str((metadata or {}).get("langgraph_node", ""))
        model = str((metadata or {}).get("ls_model_name") or serialized.get("name") or "")
        role = NODE_ROLES.get(node, node or "other")
        self._calls_made += 1
        self._started[run_id] = (time.monotonic(), f"{role}\x00{model}", _current_scene.get())

    async def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        self._finish(run_id, _counts(response))

    async def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._finish(run_id, TokenCounts())

    def _finish(self, run_id: UUID, counts: TokenCounts) -> None:
        started = self._started.pop(run_id, None)
        if started is None:
            return
        began, key, scene = started
        role, model = key.split("\x00")
        call = UsageTotals(
            calls=1,
            input_tokens=counts.input,
            output_tokens=counts.output,
            cache_read_tokens=counts.cache_read,
            cache_write_tokens=counts.cache_write,
            cost_usd=self.prices.cost(model, counts),
            seconds=time.monotonic() - began,
        )
        report = self._report
        report.total = report.total.plus(call)
        report.by_agent[role] = report.by_agent.get(role, UsageTotals()).plus(call)
        if scene is not None:
            report.by_scene[scene] = report.by_scene.get(scene, UsageTotals()).plus(call)


def _counts(response: LLMResult) -> TokenCounts:
    """Tokens of a call from the message's `usage_metadata` (same shape for every provider)."""
    for generations in response.generations:
        for generation in generations:
            if not isinstance(generation, ChatGeneration):
                continue
            usage = getattr(generation.message, "usage_metadata", None)
            if usage:
                details: dict[str, int] = dict(usage.get("input_token_details") or {})
                # Anthropic's cache writes may arrive split by lifetime (ephemeral_5m_...).
                writes = details.get("cache_creation") or sum(
                    count for key, count in details.items() if key.startswith("ephemeral_")
                )
                return TokenCounts(
                    input=usage.get("input_tokens", 0),
                    output=usage.get("output_tokens", 0),
                    cache_read=details.get("cache_read", 0) or 0,
                    cache_write=writes,
                )
    return TokenCounts()
