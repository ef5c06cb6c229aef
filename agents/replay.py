"""The replay model: recorded coder answers played back into the coder's first attempt.

It is not an LLM and writes nothing itself. `replay:FILE.jsonl` names a file of recorded
answers, one JSON object a line: `id` (which video), `scene` (its number, default 1) and
`answer` (the model's whole reply, prose and code fence included); other fields (`prompt`,
`scene_count`, `origin`...) are kept, so the same file serves as an eval dataset. The first
"write this scene" request for a scene gets its recorded answer; everything else (retries,
fix rounds, edits, other agents' prompts) goes to the `then` model, or fails with a clear
message when there is none, so a run with retries off measures the recordings alone.

Example:
    >>> coder = ReplayChatModel(recordings=load_recordings(Path("answers.jsonl")), item="l01")
    >>> factory = ModelFactory(default=ModelSpec(provider="offline")).with_model("coder", coder)
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from prompts import load_prompt

__all__ = ["Recording", "ReplayChatModel", "ReplayError", "load_recordings"]

_PLAN_JSON = re.compile(r"## Scene plan\s*```json\s*(\{.*?\})\s*```", re.DOTALL)


class ReplayError(ValueError):
    """The replay file is unreadable, or a request has no recorded answer and no model to
    go on with."""


class Recording(BaseModel):
    """One recorded coder answer."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str = Field(min_length=1, description="The video (eval item) it answers.")
    scene: int = Field(default=1, ge=1, description="The scene number it answers.")
    answer: str = Field(description="The model's whole reply, as it came.")


def load_recordings(path: Path) -> list[Recording]:
    """Read a JSONL file of recordings.

    Raises:
        ReplayError: the file is missing, or a line is not a recording.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ReplayError(f"cannot read the replay file {path}: {exc.strerror}") from None
    recordings = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            recordings.append(Recording.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise ReplayError(f"{path}:{number}: not a recording ({exc})") from None
    if not recordings:
        raise ReplayError(f"{path} holds no recordings")
    return recordings


class ReplayChatModel(BaseChatModel):
    """Answers the coder's first request for each scene from a recording (not an LLM).

    `item` picks the recordings of one video (the eval harness sets it to the item's id);
    without it the file must hold one recording per scene number.
    """

    recordings: list[Recording]
    item: str | None = None
    then: BaseChatModel | None = None
    """Answers whatever the recordings do not (retries, fixes, edits); None refuses."""
    _answered: set[int] = PrivateAttr(default_factory=set)

    @property
    def _llm_type(self) -> str:
        return "manimgraph-replay"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        recorded = self._recorded(messages)
        if recorded is not None:
            return recorded
        assert self.then is not None
        return self.then._generate(messages, stop=stop, run_manager=run_manager, **kwargs)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        recorded = self._recorded(messages)
        if recorded is not None:
            return recorded
        assert self.then is not None
        return await self.then._agenerate(messages, stop=stop, run_manager=run_manager, **kwargs)

    def _recorded(self, messages: list[BaseMessage]) -> ChatResult | None:
        """The recorded answer of a first write request; None when `then` should answer."""
        scene = _written_scene(messages)
        if scene is not None and scene not in self._answered:
            recording = self._recording(scene)
            self._answered.add(scene)
            message = AIMessage(content=recording.answer, response_metadata={"replayed": True})
            return ChatResult(generations=[ChatGeneration(message=message)])
        if self.then is None:
            what = f"another request for scene {scene}" if scene else "a request it did not record"
            raise ReplayError(
                f"the replay model got {what}: it replays recorded answers and is not an LLM; "
                "turn retries and fix rounds off, or name a model to go on with (`then`)"
            )
        return None

    def _recording(self, scene: int) -> Recording:
        found = [
            r
            for r in self.recordings
            if r.scene == scene and (self.item is None or r.id == self.item)
        ]
        if len(found) != 1:
            whose = f"item {self.item!r}" if self.item is not None else "the file"
            count = "no recording" if not found else f"{len(found)} recordings"
            raise ReplayError(f"{count} for scene {scene} of {whose}")
        return found[0]


def _written_scene(messages: list[BaseMessage]) -> int | None:
    """The scene number of a coder "write" request (the first attempt), else None."""
    marker = load_prompt("scene_coder").modes["write"].strip().splitlines()[0]
    human = next((m for m in messages if isinstance(m, HumanMessage)), None)
    if human is None or not human.text.strip().startswith(marker):
        return None
    plan = _PLAN_JSON.search(human.text)
    if plan is None:
        return None
    try:
        number = json.loads(plan.group(1)).get("number", 1)
    except json.JSONDecodeError:
        return None
    return number if isinstance(number, int) else None
