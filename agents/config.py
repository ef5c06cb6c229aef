"""Model settings from a config file, the environment and command-line flags, merged.

Later sources win: the TOML file (`--config`, else `$MANIMGRAPH_CONFIG`), then
`MANIMGRAPH_MODEL` / `MANIMGRAPH_<ROLE>_MODEL`, then flags. Unset roles use the default,
and with no default at all the provider follows the keys present (`default_spec`).

    # manimgraph.toml
    [models]
    default = "openai:gpt-4o-mini"

    [models.coder]
    model = "anthropic:claude-sonnet-4-6"
    temperature = 0.1
    max_tokens = 8000

    [budget]
    max_cost_usd = 0.50

    [narration]
    voice = "openai:alloy"   # or "offline", "none", "elevenlabs:<voice_id>"
    speed = 1.0

    [render]                 # defaults of `generate`; its flags win
    aspect = "9:16"          # 16:9 (default), 9:16 or 1:1
    resolution = "1080p"     # 480p, 720p, 1080p, 1440p, 2160p (default: the quality's)
    fps = 30                 # 15-60 (default: the quality's)
    duration_s = 60          # target length of the whole video

Without a `[narration]` table the offline voice narrates where it is installed, and
videos are silent where it is not.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agents.models import ROLES, ModelFactory, ModelSpec, Role, default_spec
from agents.usage import Budget
from tools.layout_models import Aspect, Fps, Frame, Resolution
from tools.speech import NarrationSettings, offline_voice_installed

__all__ = [
    "ConfigError",
    "ModelConfig",
    "RenderConfig",
    "default_narration",
    "first_problem",
    "load_model_config",
    "read_toml",
    "spec_from",
]


class ConfigError(ValueError):
    """The configuration is unreadable or invalid; the message names the place."""


class RenderConfig(BaseModel):
    """The `[render]` table: the picture and length a generated video has unless asked."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    aspect: Aspect | None = None
    resolution: Resolution | None = None
    fps: Fps | None = None
    duration_s: float | None = Field(default=None, gt=0, description="Whole video, seconds.")

    def merged(self, **flags: Any) -> RenderConfig:
        """These defaults with every flag that is set put over them."""
        return self.model_validate(
            {**self.model_dump(), **{k: v for k, v in flags.items() if v is not None}}
        )

    def frame(self) -> Frame:
        return Frame(aspect=self.aspect or "16:9", resolution=self.resolution, fps=self.fps)


class ModelConfig(BaseModel):
    """Which model serves each role, and the job budget, after merging every source."""

    model_config = ConfigDict(frozen=True)

    default: ModelSpec
    roles: dict[Role, ModelSpec] = Field(default_factory=dict)
    budget: Budget = Field(default_factory=Budget)
    narration: NarrationSettings = Field(default_factory=lambda: default_narration())
    render: RenderConfig = Field(default_factory=RenderConfig)
    notice: str = Field(default="", description="How the default was chosen, for the user.")

    def factory(self, models: Mapping[Role, ModelSpec] | None = None) -> ModelFactory:
        """The models a job runs with: its own choices (`models`) over the configured ones."""
        return ModelFactory({**self.roles, **(models or {})}, default=self.default)

    def budget_with(self, budget: Budget) -> Budget:
        """A job's caps over the configured ones: each cap the job sets wins."""
        caps = self.budget.model_dump(exclude_none=True)
        caps.update(budget.model_dump(exclude_none=True))
        return Budget(**caps)


def load_model_config(
    path: Path | None = None,
    *,
    flags: Mapping[Role | str, str | None] | None = None,
    env: Mapping[str, str] = os.environ,
) -> ModelConfig:
    """Merge file, environment and flags (`{"default"|role: "provider:model"}`)."""
    path = path or (Path(env["MANIMGRAPH_CONFIG"]) if env.get("MANIMGRAPH_CONFIG") else None)
    data = read_toml(path) if path else {}
    models: dict[str, Any] = dict(data.get("models", {}))
    for name in ("default", *ROLES):
        value = env.get(
            f"MANIMGRAPH_{name.upper()}_MODEL" if name != "default" else "MANIMGRAPH_MODEL"
        )
        if value:
            models[name] = _merged(models.get(name), value)
    for name, value in (flags or {}).items():
        if value:
            models[name] = _merged(models.get(name), value)
    where = str(path) if path else "the environment or flags"
    try:
        roles = {role: spec_from(models[role]) for role in ROLES if role in models}
        if "default" in models:
            default, notice = spec_from(models["default"]), ""
        else:
            default, notice = default_spec(env)
        budget = Budget.model_validate(data.get("budget", {}))
        render = RenderConfig.model_validate(data.get("render", {}))
        narration = (
            NarrationSettings.model_validate(data["narration"])
            if "narration" in data
            else default_narration()
        )
    except (ValidationError, ValueError, TypeError) as exc:
        raise ConfigError(f"invalid model settings in {where}: {first_problem(exc)}") from None
    return ModelConfig(
        default=default,
        roles=roles,
        budget=budget,
        narration=narration,
        render=render,
        notice=notice,
    )


def default_narration() -> NarrationSettings:
    """The offline voice where it is installed, else no narration (today's silent video)."""
    return NarrationSettings(voice="offline" if offline_voice_installed() else "none")


def _merged(base: object, model: str) -> dict[str, Any]:
    """A role's table with its `model` replaced, keeping its temperature and limits."""
    table = dict(base) if isinstance(base, Mapping) else {}
    return {**table, "model": model}


def spec_from(value: object) -> ModelSpec:
    """A spec from `"provider:model"` or a table `{model = "...", temperature = ...}`."""
    if isinstance(value, str):
        return ModelSpec.parse(value)
    if not isinstance(value, Mapping) or "model" not in value:
        raise ValueError(f'expected "provider:model" or a table with `model`, got {value!r}')
    options = {key: item for key, item in value.items() if key != "model"}
    return ModelSpec.parse(str(value["model"]), **options)


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file's data; ConfigError (one line) when unreadable or invalid."""
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None


def first_problem(exc: Exception) -> str:
    """The first problem of a validation error (or any error) as one short line."""
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        return f"{where}: {message}" if where else message
    return str(exc).splitlines()[0]
