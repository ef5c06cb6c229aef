"""The run record, `OUT/run.json`: how a run was configured and what it ran with."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from evals.config import EvalConfig
from evals.provenance import Provenance

__all__ = ["RUN_FILE", "EvalInputError", "RunRecord", "read_run"]

RUN_FILE = "run.json"


class EvalInputError(ValueError):
    """The run cannot start as asked; the message is one line for the user."""


class RunRecord(BaseModel):
    """What `run.json` holds."""

    config: EvalConfig
    models: dict[str, str] = Field(description="`provider:model` serving each role.")
    model_notice: str | None = None
    dataset_sha256: str
    items: list[str] = Field(description="Ids of the selected items, in dataset order.")
    provenance: Provenance
    started_at: datetime
    resumed_at: list[datetime] = Field(default_factory=list)
    finished_at: datetime | None = None


def read_run(out: Path) -> RunRecord | None:
    """The run record of `out`, or None if it has none.

    Raises:
        EvalInputError: `run.json` exists but is not a run record.
    """
    path = out / RUN_FILE
    if not path.exists():
        return None
    try:
        return RunRecord.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        raise EvalInputError(f"{path} is not a run record: {exc.errors()[0]['msg']}") from None
