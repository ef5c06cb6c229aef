"""An eval run's configuration: a TOML file, the environment and command-line options.

Models and the job budget are resolved exactly as `manimgraph generate` resolves them
(`agents.config.load_model_config`: the file's `[models]` and `[budget]` tables, then
`MANIMGRAPH_*MODEL` variables, then flags); the eval's own keys sit at the top level,
and `[models] judge` names the judge:

    dataset = "datasets/smoke.jsonl"   # relative to this file
    limit = 5
    max_retries = 1
    chaos = 0.3
    repairs = false                    # measure what the model-free repairs add
    seed = 7
    [models]
    default = "openai:gpt-4o-mini"
    judge = { model = "openai:gpt-4o", temperature = 0 }
    [budget]
    max_cost_usd = 0.50
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agents.config import ConfigError, first_problem, load_model_config, read_toml, spec_from
from agents.models import ROLES, ModelSpec, Role
from agents.usage import Budget
from graphs.limits import Limits
from graphs.requests import DEFAULT_DURATION_S, Seconds
from tools.render.models import Quality
from tools.speech import NarrationSettings

__all__ = ["ConfigError", "EvalConfig", "ResolvedConfig", "load_config"]

_LIMITS = Limits()


class EvalConfig(BaseModel):
    """Everything that decides what an eval run measures, models resolved for every role."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dataset: Path
    limit: int | None = Field(default=None, ge=1)
    sample: int | None = Field(default=None, ge=1)
    seed: int = 0
    models: dict[Role, ModelSpec]
    judge: ModelSpec | None = None
    budget: Budget = Field(default_factory=Budget)
    max_retries: int = Field(default=_LIMITS.max_retries, ge=0, le=10)
    max_fix_rounds: int = Field(default=_LIMITS.max_fix_rounds, ge=0, le=5)
    chaos: float = Field(default=0.0, ge=0, le=1, description="Share of coder answers broken.")
    repairs: bool = Field(
        default=_LIMITS.repairs, description="Model-free repairs; off measures what they add."
    )
    concurrency: int = Field(default=1, ge=1, le=32)
    quality: Quality = "low"
    style: str = "dark"
    target_duration: Seconds = DEFAULT_DURATION_S
    narration: NarrationSettings = Field(
        default_factory=lambda: NarrationSettings(voice="none"),
        description="The voice; silent by default, so a run measures the models and its "
        "videos keep their planned lengths.",
    )

    def limits(self) -> Limits:
        """The per-job caps every item runs with."""
        return Limits(
            max_retries=self.max_retries,
            max_fix_rounds=self.max_fix_rounds,
            budget=self.budget,
            repairs=self.repairs,
        )

    def fingerprint(self) -> dict[str, Any]:
        """The settings results depend on; a resumed run must keep them."""
        return self.model_dump(mode="json", exclude={"limit", "sample", "concurrency"})


class ResolvedConfig(BaseModel):
    """The configuration and how the default model was chosen (empty when all were named)."""

    config: EvalConfig
    notice: str = ""


def load_config(
    path: Path | None,
    overrides: Mapping[str, Any],
    *,
    models: Mapping[str, str | None] | None = None,
    env: Mapping[str, str] = os.environ,
) -> ResolvedConfig:
    """Read the TOML file (if any), then apply the non-None `overrides` and model flags.

    `models` maps `default`, a role or `judge` to `provider:model`.

    Raises:
        ConfigError: unreadable TOML, an unknown key, or an invalid value.
    """
    data = read_toml(path) if path is not None else {}
    flags = dict(models or {})
    judge = flags.pop("judge", None) or data.get("models", {}).get("judge")
    chosen = load_model_config(path, flags=flags, env=env)
    eval_keys = {k: v for k, v in data.items() if k not in ("models", "budget")}
    if path is not None and "dataset" in eval_keys:
        eval_keys["dataset"] = path.parent / eval_keys["dataset"]
    eval_keys.update({k: v for k, v in overrides.items() if v is not None})
    if "dataset" not in eval_keys:
        raise ConfigError("no dataset: pass --dataset FILE or set `dataset` in the config")
    eval_keys["dataset"] = Path(eval_keys["dataset"]).resolve()
    origin = f"{path}: " if path is not None else ""
    try:
        config = EvalConfig.model_validate(
            {
                **eval_keys,
                "models": {role: chosen.roles.get(role, chosen.default) for role in ROLES},
                "judge": None if judge is None else spec_from(judge),
                "budget": chosen.budget,
            }
        )
    except (ValidationError, ValueError) as exc:
        raise ConfigError(f"{origin}{first_problem(exc)}") from None
    explicit = all(role in chosen.roles for role in ROLES)
    return ResolvedConfig(config=config, notice="" if explicit else chosen.notice)
