"""One factory hands every agent its LangChain chat model, keyed by `provider:model`.

Users swap a model per role (planner, coder, fixer, assembler) with a spec string
or by passing any `BaseChatModel` instance; the agents never know which it is.

- `openai:<model>` is `ChatOpenAI`; `base_url` (or `OPENAI_BASE_URL`) points it at any
  OpenAI-compatible server (Ollama, vLLM, llama.cpp, LM Studio, OpenRouter).
- `anthropic:<model>` is `ChatAnthropic`, keyed by `ANTHROPIC_API_KEY`.
- `offline` is the project's deterministic model (not an LLM).
- `replay:<file.jsonl>` plays recorded coder answers back (`agents.replay`; not an LLM),
  with `then` naming the model that answers what the recordings do not.

Transient failures (429 honouring Retry-After, 5xx, timeouts, dropped connections) are
retried by the provider SDK with exponential backoff and jitter, `max_retries` times;
that is the only retry layer for model calls.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

__all__ = [
    "ROLES",
    "AgentModels",
    "ModelFactory",
    "ModelSpec",
    "Provider",
    "Role",
    "default_spec",
]

Role = Literal["planner", "coder", "fixer", "assembler"]
ROLES: tuple[Role, ...] = ("planner", "coder", "fixer", "assembler")
Provider = Literal["openai", "anthropic", "offline", "replay"]
# Families known to read images; anything else gets the layout report alone unless the
# spec says `vision = true` (e.g. a local llava behind an OpenAI-compatible server).
VISION_MODELS: dict[str, tuple[str, ...]] = {
    "openai": ("gpt-4o", "gpt-4.1", "gpt-5", "o1", "o3", "o4", "chatgpt-4o"),
    "anthropic": ("claude-3", "claude-sonnet-4", "claude-opus-4", "claude-haiku-4"),
}


class ModelSpec(BaseModel):
    """Which model serves a role, and how it samples."""

    model_config = ConfigDict(frozen=True)

    provider: Provider
    model: str = ""
    temperature: float = Field(default=0.2, ge=0, le=2)
    max_tokens: int = Field(default=4096, gt=0)
    base_url: str | None = None
    timeout_s: float = Field(default=120.0, gt=0, description="Per call, per attempt.")
    max_retries: int = Field(default=3, ge=0, le=10, description="SDK retries of a call.")
    vision: bool | None = Field(
        default=None, description="Whether the model reads images; None guesses by name."
    )
    then: str | None = Field(
        default=None,
        description="replay only: the provider:model answering what the recordings do not.",
    )

    @classmethod
    def parse(cls, text: str, **options: object) -> ModelSpec:
        """Parse `openai:gpt-4o-mini`, `anthropic:claude-sonnet-4-6`, `offline` or
        `replay:answers.jsonl`."""
        provider, _, model = text.strip().partition(":")
        if provider not in ("openai", "anthropic", "offline", "replay"):
            raise ValueError(
                f"unknown model provider {provider!r} in {text!r}: "
                "use provider:model, e.g. openai:gpt-4o-mini"
            )
        if provider != "offline" and not model:
            raise ValueError(f"{text!r} names no model: write {provider}:<model>")
        return cls.model_validate({"provider": provider, "model": model, **options})

    @property
    def label(self) -> str:
        """The `provider:model` string recorded with results."""
        return self.provider if self.provider == "offline" else f"{self.provider}:{self.model}"

    @property
    def accepts_images(self) -> bool:
        """Whether frames may be sent to this model."""
        if self.vision is not None:
            return self.vision
        prefixes = VISION_MODELS.get(self.provider, ())
        return self.model.startswith(prefixes)


class AgentModels(BaseModel):
    """What served each agent of a job: `provider:model` labels, and the voice."""

    model_config = ConfigDict(frozen=True)

    planner: str
    scene_coder: str
    visual_fixer: str
    assembler: str = Field(description="Titles and describes the video.")
    narrator: str = Field(description="Rewrites narration an edit asks to change.")
    voice: str = Field(description="The voice that spoke the narration: provider:voice or none.")


def default_spec(env: Mapping[str, str] = os.environ) -> tuple[ModelSpec, str]:
    """Choose a provider from the keys present, with the one-line notice to show."""
    if env.get("OPENAI_API_KEY"):
        spec = ModelSpec(
            provider="openai", model="gpt-4o-mini", base_url=env.get("OPENAI_BASE_URL")
        )
        return spec, "models: OPENAI_API_KEY is set, using openai:gpt-4o-mini"
    if env.get("ANTHROPIC_API_KEY"):
        spec = ModelSpec(provider="anthropic", model="claude-sonnet-4-6")
        return spec, "models: ANTHROPIC_API_KEY is set, using anthropic:claude-sonnet-4-6"
    notice = (
        "models: no provider configured (no OPENAI_API_KEY or ANTHROPIC_API_KEY); "
        "using the offline model, a deterministic template engine, not an LLM"
    )
    return ModelSpec(provider="offline"), notice


class ModelFactory:
    """Builds (once) and hands out the chat model of each role."""

    def __init__(
        self,
        specs: Mapping[Role, ModelSpec] | None = None,
        *,
        default: ModelSpec | None = None,
        overrides: Mapping[Role, BaseChatModel] | None = None,
    ) -> None:
        self._default = default or default_spec()[0]
        self._specs: dict[Role, ModelSpec] = dict(specs or {})
        self._models: dict[Role, BaseChatModel] = dict(overrides or {})

    def spec(self, role: Role) -> ModelSpec:
        """The spec serving `role` (the default where none was set)."""
        return self._specs.get(role, self._default)

    def label(self, role: Role) -> str:
        """What serves `role`, for logs and results."""
        model = self._models.get(role)
        if model is not None and role not in self._specs:
            return type(model).__name__
        return self.spec(role).label

    def accepts_images(self, role: Role) -> bool:
        """Whether `role`'s model reads images (an injected model only when its spec says so)."""
        if role in self._models and role not in self._specs:
            return False
        return self.spec(role).accepts_images

    def with_model(self, role: Role, model: BaseChatModel) -> ModelFactory:
        """A copy of this factory with `role` served by `model`."""
        return ModelFactory(
            self._specs, default=self._default, overrides={**self._models, role: model}
        )

    def for_role(self, role: Role) -> BaseChatModel:
        """The chat model of `role`, built on first use."""
        if role not in self._models:
            self._models[role] = build_model(self.spec(role))
        return self._models[role]


def build_model(spec: ModelSpec) -> BaseChatModel:
    """Instantiate the LangChain model a spec describes."""
    if spec.provider == "offline":
        from agents.offline.model import OfflineChatModel

        return OfflineChatModel()
    if spec.provider == "replay":
        from agents.replay import ReplayChatModel, load_recordings

        then = build_model(ModelSpec.parse(spec.then)) if spec.then else None
        return ReplayChatModel(recordings=load_recordings(Path(spec.model)), then=then)
    if spec.provider == "openai":
        from langchain_openai import ChatOpenAI

        base_url = spec.base_url or os.environ.get("OPENAI_BASE_URL")
        # A local OpenAI-compatible server needs no key, but the SDK insists on one.
        key = os.environ.get("OPENAI_API_KEY") or ("not-needed" if base_url else None)
        return ChatOpenAI(
            model=spec.model,
            api_key=key,  # type: ignore[arg-type]
            temperature=spec.temperature,
            max_completion_tokens=spec.max_tokens,
            base_url=base_url,
            timeout=spec.timeout_s,
            max_retries=spec.max_retries,
            stream_usage=True,
        )
    from langchain_anthropic import ChatAnthropic

    return ChatAnthropic(  # type: ignore[call-arg]
        model=spec.model,
        temperature=spec.temperature,
        max_tokens=spec.max_tokens,
        base_url=spec.base_url or os.environ.get("ANTHROPIC_BASE_URL"),
        timeout=spec.timeout_s,
        max_retries=spec.max_retries,
    )
