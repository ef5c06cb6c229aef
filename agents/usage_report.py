"""What a job's model calls and speech cost, and the caps on them: plain pydantic models.

They are read far from the meter that fills them (API schemas, stored results, the CLI
talking to a server), so they live apart from `agents.usage`'s LangChain callback.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Budget", "BudgetExhausted", "SpeechTotals", "UsageReport", "UsageTotals"]


class Budget(BaseModel):
    """Caps on a job's model use; None means no cap."""

    model_config = ConfigDict(frozen=True)

    max_calls: int | None = Field(default=None, ge=0, description="Model calls per job.")
    max_tokens: int | None = Field(default=None, ge=0, description="Input + output tokens.")
    max_cost_usd: float | None = Field(default=None, ge=0, description="Estimated cost.")


class BudgetExhausted(RuntimeError):
    """The job's budget is spent: no further model call is made."""


class UsageTotals(BaseModel):
    """Summed usage of some calls."""

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0
    seconds: float = Field(default=0.0, description="Wall time spent waiting for models.")

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def plus(self, other: UsageTotals) -> UsageTotals:
        return UsageTotals(
            calls=self.calls + other.calls,
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cache_read_tokens=self.cache_read_tokens + other.cache_read_tokens,
            cache_write_tokens=self.cache_write_tokens + other.cache_write_tokens,
            cost_usd=self.cost_usd + other.cost_usd,
            seconds=self.seconds + other.seconds,
        )


class SpeechTotals(BaseModel):
    """Narration spoken by one voice provider: what was synthesised, what the cache saved."""

    syntheses: int = Field(default=0, description="Provider calls.")
    reused: int = Field(default=0, description="Segments served from the speech cache.")
    characters: int = Field(default=0, description="Characters synthesised.")
    audio_seconds: float = Field(default=0.0, description="Seconds of audio synthesised.")
    cost_usd: float = 0.0
    seconds: float = Field(default=0.0, description="Wall time spent waiting for the voice.")

    def plus(self, other: SpeechTotals) -> SpeechTotals:
        return SpeechTotals(
            syntheses=self.syntheses + other.syntheses,
            reused=self.reused + other.reused,
            characters=self.characters + other.characters,
            audio_seconds=self.audio_seconds + other.audio_seconds,
            cost_usd=self.cost_usd + other.cost_usd,
            seconds=self.seconds + other.seconds,
        )


class UsageReport(BaseModel):
    """A job's usage: model calls by agent, by scene and in total; speech by provider."""

    by_agent: dict[str, UsageTotals] = Field(default_factory=dict)
    by_scene: dict[int, UsageTotals] = Field(default_factory=dict)
    total: UsageTotals = Field(default_factory=UsageTotals)
    speech: dict[str, SpeechTotals] = Field(
        default_factory=dict, description="Narration by voice provider (offline, openai, ...)."
    )
    budget_exhausted: bool = False

    @property
    def cost_usd(self) -> float:
        """Models and speech together: what the cost cap counts."""
        return self.total.cost_usd + sum(totals.cost_usd for totals in self.speech.values())
