"""Per-job caps: how often a scene may go back to a model, and how renders are bounded."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from agents.usage_report import Budget
from tools.render.models import RenderSettings

__all__ = ["Limits"]


class Limits(BaseModel):
    """Loop caps and render limits of a job."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_retries: int = Field(default=2, ge=0, le=10)
    max_fix_rounds: int = Field(default=1, ge=0, le=5)
    render: RenderSettings = Field(default_factory=RenderSettings)
    repairs: bool = Field(
        default=True,
        description="Model-free repairs (static, error-driven, layout); off measures them.",
    )
    budget: Budget = Field(default_factory=Budget)
