"""When each chat-model call ran: the intervals the time split counts as model time.

A `CallTimer` sits on every model of an eval item (beside the item's usage meter), so
it sees every call whatever the provider, the agent or whether the job succeeded.
"""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import BaseMessage
from langchain_core.outputs import LLMResult

__all__ = ["CallTimer"]


class CallTimer(BaseCallbackHandler):
    """Collects `(start, end)` on the `time.perf_counter()` clock for each finished call."""

    run_inline = True  # record in the event loop's thread, at the moment of the event

    def __init__(self) -> None:
        self.intervals: list[tuple[float, float]] = []
        self._started: dict[UUID, float] = {}

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        **kwargs: Any,
    ) -> None:
        self._started[run_id] = time.perf_counter()

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        self._finish(run_id)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._finish(run_id)

    def _finish(self, run_id: UUID) -> None:
        start = self._started.pop(run_id, None)
        if start is not None:
            self.intervals.append((start, time.perf_counter()))
