"""The offline model: a deterministic LangChain chat model for when no provider is set.

It is a template engine, not an LLM. It reads the same prompts a real model gets
(the `## Section` layout of `prompts/*.toml`), answers structured-output requests
through tool calls and code requests with a fenced block, so the agents, graph and
tools run exactly as they do with GPT or Claude.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel

from agents.offline import (
    UnsupportedEdit,
    apply_edit,
    apply_fixes,
    describe,
    plan_video,
    review,
    write_scene,
)
from agents.offline.narration import change_narration, narration_timing, without_narration
from agents.schemas import ScenePlan, VideoPlan
from tools.assets import PlanImage
from tools.layout_models import ASPECTS, Aspect

__all__ = ["OfflineChatModel", "sections"]

_SECTION = re.compile(r"^## (.+?)\s*$", re.MULTILINE)
_FENCE = re.compile(r"```[a-z]*\n(.*?)\n```", re.DOTALL)


def sections(text: str) -> dict[str, str]:
    """Split a prompt into its `## Heading` sections, fences removed."""
    parts = _SECTION.split(text)
    found: dict[str, str] = {}
    for heading, body in zip(parts[1::2], parts[2::2], strict=True):
        fenced = _FENCE.search(body)
        found[heading.strip().lower()] = (fenced.group(1) if fenced else body).strip()
    return found


class OfflineChatModel(BaseChatModel):
    """Answers manimgraph's agent prompts deterministically, with no network."""

    @property
    def _llm_type(self) -> str:
        return "manimgraph-offline"

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Accept tool schemas so `with_structured_output` works as with real providers."""
        schemas = [convert_to_openai_tool(tool) for tool in tools]
        return self.bind(tools=schemas, tool_choice=tool_choice, **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        prompt = sections(messages[-1].text)
        tools = [tool["function"]["name"] for tool in kwargs.get("tools", [])]
        message = self._answer_tool(tools[0], prompt) if tools else self._answer_code(prompt)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _answer_tool(self, tool: str, prompt: dict[str, str]) -> AIMessage:
        answer: BaseModel
        if tool == "VideoPlan":
            count = prompt.get("scene count", "")
            answer = plan_video(
                prompt["topic"],
                int(count) if count.isdigit() else None,
                prompt.get("style", "dark"),
                _images(prompt.get("images", "")),
            )
        elif tool == "FixReview":
            answer = review(json.loads(prompt["layout report"]))
        elif tool == "VideoDescription":
            answer = describe(VideoPlan.model_validate_json(prompt["video plan"]))
        elif tool == "NarrationChange":
            answer = change_narration(
                prompt["edit instruction"],
                json.loads(prompt["narration"]),
                float(prompt["voice speed"]),
                narrated=True,
            )
        else:
            return AIMessage(f"The offline model has no answer for the tool {tool!r}.")
        args = answer.model_dump(mode="json")
        call_id = "call_" + hashlib.sha256(json.dumps(args).encode()).hexdigest()[:16]
        return AIMessage("", tool_calls=[{"name": tool, "args": args, "id": call_id}])

    def _answer_code(self, prompt: dict[str, str]) -> AIMessage:
        style = prompt.get("style", "dark")
        durations = narration_timing(prompt.get("narration timing", ""))
        try:
            if "edit instruction" in prompt:
                instruction = without_narration(
                    prompt["edit instruction"], narrated=durations is not None
                )
                keep = _seconds(prompt.get("scene length", ""))
                code = apply_edit(prompt["current code"], instruction, durations, keep=keep)
            elif "fix instructions" in prompt:
                fixed = apply_fixes(prompt["current code"], prompt["fix instructions"].splitlines())
                if fixed is None:
                    return AIMessage(
                        "The offline model cannot fix this layout; a real model is needed."
                    )
                code = fixed
            else:
                plan = ScenePlan.model_validate_json(prompt["scene plan"])
                code = write_scene(plan, style, durations, _aspect(prompt.get("frame", "")))
        except UnsupportedEdit as exc:
            return AIMessage(str(exc))
        return AIMessage(f"```python\n{code}\n```")


_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_IMAGE = re.compile(r"^- (\w+): (.*) \(file: (\S+)\)$", re.MULTILINE)


def _images(text: str) -> list[PlanImage]:
    """The uploaded images an `## Images` section lists, one `- name: description (file:
    path)` line each (see `agents.planner.images_text`)."""
    return [
        PlanImage(name=name, description="" if about == "no description" else about, file=file)
        for name, about, file in _IMAGE.findall(text)
    ]


def _seconds(text: str) -> float | None:
    """The first number of a section such as `7.50 s: keep it`."""
    match = _NUMBER.search(text)
    return float(match.group()) if match else None


def _aspect(text: str) -> Aspect:
    """The aspect a `## Frame` section starts with (16:9 when there is none)."""
    named = text.split(" ", 1)[0]
    return next((aspect for aspect in ASPECTS if aspect == named), "16:9")
