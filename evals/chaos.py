"""Fault injection at the model layer: a chat model that breaks some of its inner model's code.

`ChaosChatModel(inner, rate, seed)` forwards every call to `inner`; a fraction `rate`
of the answers that carry a scene file come back broken the way model-written Manim
code breaks in practice (the patterns of the broken-scene corpus): names and keywords
of old Manim versions, LaTeX mistakes, a truncated answer, text too small to read.
The agents, the graph and the tools run unchanged, so an eval measures how well the
check, repair, retry and fallback machinery recovers.

Decisions are a hash of the seed, the prompt and how often that prompt was seen, so
a run is reproducible whatever order concurrent scenes call the model in.

Example:
    >>> coder = ChaosChatModel(inner=OfflineChatModel(), rate=0.5, seed=7)
    >>> factory = ModelFactory(default=ModelSpec(provider="offline")).with_model("coder", coder)
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LangSmithParams, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable, RunnableBinding
from langchain_core.tools import BaseTool
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from agents.scene_coder import NoCodeError, extract_code

__all__ = ["MUTATIONS", "ChaosChatModel", "Injection", "Mutation", "break_code"]


@dataclass(frozen=True)
class Mutation:
    """One way to break a scene file; `apply` returns None where the pattern does not fit."""

    name: str
    category: str
    apply: Callable[[str], str | None]
    truncates: bool = False


def _renamed(pattern: str, replacement: str) -> Callable[[str], str | None]:
    """Every call of a current name written with its old one."""
    compiled = re.compile(pattern)

    def apply(code: str) -> str | None:
        changed = compiled.sub(replacement, code)
        return changed if changed != code else None

    return apply


def _axes_old_kwargs(code: str) -> str | None:
    """`Axes(x_range=[a, b])` written as pre-0.8 `Axes(x_min=a, x_max=b)`."""
    start = code.find("Axes(")
    if start < 0:
        return None
    end = _closing_paren(code, start + len("Axes"))
    call = code[start:end]

    def old(match: re.Match[str]) -> str:
        axis, value = match.group(1), match.group(2)
        if value.startswith("["):
            low, high = (part.strip() for part in value[1:-1].split(",")[:2])
            return f"{axis}_min={low}, {axis}_max={high}"
        return f"{axis}_min={value}[0], {axis}_max={value}[1]"

    changed = re.sub(r"\b([xy])_range=(\[[^\]]*\]|[\w.]+)", old, call)
    return code[:start] + changed + code[end:] if changed != call else None


def _closing_paren(code: str, opening: int) -> int:
    depth = 0
    for index in range(opening, len(code)):
        depth += {"(": 1, ")": -1}.get(code[index], 0)
        if depth == 0:
            return index + 1
    return len(code)


_RAW_WITH_EATEN_ESCAPE = re.compile(r'\br"([^"\n]*\\[fbtavn][^"\n]*)"')
_RAW_MATH = re.compile(r'\br"([^"\n$]*[\\^_=][^"\n$]*)"')


def _non_raw_latex(code: str) -> str | None:
    """Raw TeX strings written without `r`, so `\\frac` loses its `\\f` to a form feed."""
    changed = _RAW_WITH_EATEN_ESCAPE.sub(r'"\1"', code)
    return changed if changed != code else None


def _dollars_in_mathtex(code: str) -> str | None:
    """TeX math wrapped in `$...$` although MathTex is in math mode already."""
    changed = _RAW_MATH.sub(r'r"$\1$"', code)
    return changed if changed != code else None


def _tiny_text(code: str) -> str | None:
    """Every font size shrunk to 10 "to make room": it renders, but nobody can read it."""
    changed = re.sub(r"""(\bfont_size["']?\s*[:=]\s*)\d+(\.\d+)?""", r"\g<1>10", code)
    return changed if changed != code else None


def _truncated(code: str, fraction: float = 0.7) -> str | None:
    """The answer cut off mid-line, as when a model hits its token limit."""
    lines = code.splitlines(keepends=True)
    start = max(1, int(len(lines) * fraction))
    for index in range(start, len(lines)):
        line = lines[index]
        if len(line.strip()) < 8:
            continue
        cut = "".join(lines[:index]) + line[: len(line) // 2]
        try:
            ast.parse(cut)
        except SyntaxError:
            return cut
    return None


MUTATIONS: tuple[Mutation, ...] = (
    Mutation("show_creation", "api-migration", _renamed(r"\bCreate\(", "ShowCreation(")),
    Mutation("text_mobject", "api-migration", _renamed(r"\bText\(", "TextMobject(")),
    Mutation("tex_mobject", "api-migration", _renamed(r"\bMathTex\(", "TexMobject(")),
    Mutation(
        "fade_in_from",
        "api-migration",
        _renamed(r"\bFadeIn\(([^,()]+), shift=([^()]+?)\)", r"FadeInFrom(\1, \2)"),
    ),
    Mutation("axes_old_kwargs", "api-migration", _axes_old_kwargs),
    Mutation("non_raw_latex", "latex", _non_raw_latex),
    Mutation("dollars_in_mathtex", "latex", _dollars_in_mathtex),
    Mutation("tiny_text", "layout", _tiny_text),
    Mutation("truncated", "syntax", _truncated, truncates=True),
)


def break_code(code: str, choice: int) -> tuple[Mutation, str] | None:
    """Break `code` with the applicable mutation `choice` picks (modulo), or None if none fits."""
    fitting = [(m, broken) for m in MUTATIONS if (broken := m.apply(code)) is not None]
    return fitting[choice % len(fitting)] if fitting else None


class Injection(BaseModel):
    """A fault the chaos model put into an answer."""

    model_config = ConfigDict(frozen=True)

    mutation: str
    category: str


class ChaosChatModel(BaseChatModel):
    """Wraps a chat model and breaks a seeded fraction of the code answers it gives."""

    inner: BaseChatModel
    rate: float = Field(ge=0, le=1)
    seed: int = 0
    _seen: dict[str, int] = PrivateAttr(default_factory=dict)
    _injections: list[Injection] = PrivateAttr(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return f"chaos({self.inner._llm_type})"

    @property
    def injections(self) -> list[Injection]:
        """Every fault injected so far, in call order."""
        return list(self._injections)

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Tools in the inner model's own format, bound here so the call still runs (and is
        metered) as this model's; a tool call carries no scene file, so it is never broken."""
        bound = self.inner.bind_tools(tools, **kwargs)
        return self.bind(**bound.kwargs) if isinstance(bound, RunnableBinding) else bound

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        """The inner model's provider and name, so meters price the calls as the inner's."""
        return self.inner._get_ls_params(stop=stop, **kwargs)

    # The inner model's `_generate` runs inside this model's own run: callbacks (usage
    # meters, tracers) see each call once, with the inner model's token usage.

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        result = self.inner._generate(messages, stop=stop, run_manager=run_manager, **kwargs)
        return self._maybe_broken(messages, result)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        result = await self.inner._agenerate(messages, stop=stop, run_manager=run_manager, **kwargs)
        return self._maybe_broken(messages, result)

    def _maybe_broken(self, messages: list[BaseMessage], result: ChatResult) -> ChatResult:
        draw, choice = self._draw(messages)
        generation = result.generations[0] if result.generations else None
        if draw >= self.rate or generation is None or not isinstance(generation.message, AIMessage):
            return result
        broken = self._broken(generation.message, choice)
        if broken is None:
            return result
        first = ChatGeneration(message=broken, generation_info=generation.generation_info)
        return result.model_copy(update={"generations": [first, *result.generations[1:]]})

    def _draw(self, messages: list[BaseMessage]) -> tuple[float, int]:
        """A uniform number in [0, 1) and a mutation choice, fixed by seed, prompt and repeat."""
        prompt = "\x00".join(message.text for message in messages)
        key = hashlib.sha256(prompt.encode()).hexdigest()
        seen = self._seen.get(key, 0)
        self._seen[key] = seen + 1
        digest = hashlib.sha256(f"{self.seed}\x00{seen}\x00{key}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64, int.from_bytes(digest[8:12], "big")

    def _broken(self, message: AIMessage, choice: int) -> AIMessage | None:
        try:
            code = extract_code(message.text)
        except NoCodeError:
            return None
        found = break_code(code, choice)
        if found is None:
            return None
        mutation, broken = found
        self._injections.append(Injection(mutation=mutation.name, category=mutation.category))
        fence = "" if mutation.truncates else "\n```"
        return message.model_copy(update={"content": f"```python\n{broken}{fence}"})
