"""Estimated cost of model calls from an editable price table (USD per million tokens).

The defaults ship in `agents/prices.toml`; `MANIMGRAPH_PRICES=/path/prices.toml` replaces
them. Names match with or without a dated suffix (`claude-sonnet-4-5-20250929` is priced
as `claude-sonnet-4-5`), so a new snapshot of a known model is still priced.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DEFAULT_PRICES", "ModelPrice", "PriceTable", "SpeechPrice", "TokenCounts"]

DEFAULT_PRICES = Path(__file__).with_name("prices.toml")
PER_TOKENS = 1_000_000


@dataclass(frozen=True)
class TokenCounts:
    """Tokens of one call; `input` includes the cached ones, as providers report it."""

    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0


class ModelPrice(BaseModel):
    """USD per million tokens."""

    model_config = ConfigDict(frozen=True)

    input: float
    output: float
    cache_read: float | None = None
    cache_write: float | None = None


class SpeechPrice(BaseModel):
    """USD per million characters spoken and per minute of audio (either may be absent)."""

    model_config = ConfigDict(frozen=True)

    per_million_characters: float = 0.0
    per_minute: float = 0.0


class PriceTable(BaseModel):
    """Prices by model name: chat models by tokens, speech models by characters or minutes."""

    version: str = "custom"
    models: dict[str, ModelPrice]
    speech: dict[str, SpeechPrice] = Field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None = None) -> PriceTable:
        """The table at `path`, else at `$MANIMGRAPH_PRICES`, else the shipped defaults."""
        path = path or Path(os.environ.get("MANIMGRAPH_PRICES") or DEFAULT_PRICES)
        with path.open("rb") as file:
            return cls.model_validate(tomllib.load(file))

    def price(self, model: str) -> ModelPrice | None:
        """The price of `model` (a bare name or `provider:name`), or None when unknown."""
        name = model.rpartition(":")[2]
        while name not in self.models:
            stem, _, suffix = name.rpartition("-")
            if not (stem and suffix.isdigit()):
                return None
            name = stem
        return self.models[name]

    def cost(self, model: str, tokens: TokenCounts) -> float:
        """Estimated USD of one call; 0 for an unknown model."""
        price = self.price(model)
        if price is None:
            return 0.0
        cache_read = tokens.cache_read * (
            price.cache_read if price.cache_read is not None else price.input
        )
        cache_write = tokens.cache_write * (
            price.cache_write if price.cache_write is not None else price.input
        )
        fresh = max(tokens.input - tokens.cache_read - tokens.cache_write, 0) * price.input
        return (fresh + cache_read + cache_write + tokens.output * price.output) / PER_TOKENS

    def speech_cost(self, model: str, characters: int, audio_seconds: float) -> float:
        """Estimated USD of speaking `characters` into `audio_seconds`; 0 for an unknown
        model (the offline voice)."""
        price = self.speech.get(model.rpartition(":")[2])
        if price is None:
            return 0.0
        return characters * price.per_million_characters / PER_TOKENS + (
            audio_seconds / 60 * price.per_minute
        )
