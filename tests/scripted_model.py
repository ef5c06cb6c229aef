"""A scripted chat model for tests: answers from a list and records every prompt it saw."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import Field


class ScriptedChatModel(BaseChatModel):
    """Returns `answers` in order (fenced code, or tool-call args when a tool is bound)."""

    answers: list[str | dict[str, Any]]
    prompts: list[str] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted-test-model"

    def bind_tools(
        self, tools: Sequence[Any], *, tool_choice: str | None = None, **kwargs: Any
    ) -> Runnable[LanguageModelInput, AIMessage]:
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.prompts.append(messages[-1].text)
        if not self.answers:
            raise AssertionError("the scripted model ran out of answers")
        answer = self.answers.pop(0)
        if isinstance(answer, dict):
            name = kwargs["tools"][0]["function"]["name"]
            message = AIMessage(
                "", tool_calls=[{"name": name, "args": answer, "id": f"call_{len(self.prompts)}"}]
            )
        else:
            message = AIMessage(f"```python\n{answer}\n```")
        return ChatResult(generations=[ChatGeneration(message=message)])
