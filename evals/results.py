"""The records an eval writes: one `ItemResult` per dataset item, a line of `results.jsonl`.

Lines are appended whole, one write each, so an interrupted run leaves only complete
lines (a torn last line is dropped on `--resume`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from agents.usage import UsageReport

__all__ = [
    "RESULTS_FILE",
    "EditResult",
    "ExpectResult",
    "ItemResult",
    "JudgeResult",
    "JudgeScore",
    "ResultsError",
    "SceneResult",
    "TimeSplit",
    "append_result",
    "read_results",
]

RESULTS_FILE = "results.jsonl"


class ResultsError(ValueError):
    """A results file cannot be read; the message names the file and line."""


class SceneResult(BaseModel):
    """One scene of the generated version, as stored."""

    number: int
    archetype: str | None
    version: int
    attempts: int
    retries: int
    fix_rounds: int
    repairs: list[str] = Field(default_factory=list)
    fallback_reason: str | None = None
    layout_issues: list[str] = Field(default_factory=list, description="Issue kinds, one each.")
    duration: float
    planned_duration: float | None
    layout_frames: tuple[str, str] | None = Field(
        default=None,
        description="PNGs before and after the layout repair, relative to the run directory.",
    )

    @property
    def first_attempt_ok(self) -> bool:
        """The coder's first answer rendered as written: no repair, retry or fallback."""
        return self.retries == 0 and not self.repairs and self.fallback_reason is None


class TimeSplit(BaseModel):
    """Wall time of the generate job, split so the parts add up to the wall time.

    `render` is the time at least one render ran; `model` the time a model call ran and
    no render did; `other` the rest (checks, assembly, the store). The `*_total` fields
    sum the individual calls and renders, so they can exceed the wall time when scenes
    run in parallel.
    """

    wall: float
    model: float
    render: float
    other: float
    model_total: float
    render_total: float


class EditResult(BaseModel):
    """What one edit of the item did to the project."""

    scene_number: int
    edit_prompt: str
    ok: bool
    error: str | None = None
    new_version: bool = Field(default=False, description="The scene got version n+1.")
    changed: bool = Field(default=False, description="The edited scene's video bytes changed.")
    others_identical: bool = Field(
        default=False, description="Every other scene kept its version and identical bytes."
    )
    seconds: float = 0.0


class ExpectResult(BaseModel):
    """Whether the plan and code contain what the dataset item expects."""

    met: bool
    missing: list[str] = Field(default_factory=list)


class JudgeScore(BaseModel):
    """One judged dimension: the judge's reasoning, then its 1-5 score."""

    reasoning: str
    score: int = Field(ge=1, le=5)
    mode: Literal["text", "vision"]


class JudgeResult(BaseModel):
    """The five TheoremExplainBench dimensions and their geometric mean."""

    model: str
    scores: dict[str, JudgeScore]
    overall: float
    frames: int
    usage: UsageReport


class ItemResult(BaseModel):
    """Everything measured for one dataset item."""

    id: str
    prompt: str
    domain: str | None = None
    difficulty: str | None = None
    fields: dict[str, Any] = Field(
        default_factory=dict, description="The dataset line's extra fields, passed through."
    )
    status: Literal["completed", "failed"]
    success: bool = Field(description="A final video with no fallback scene.")
    error: str | None = None
    error_class: str | None = None
    project_id: str | None = None
    version: int | None = None
    video: str | None = Field(default=None, description="Final video, relative to the run dir.")
    scenes_planned: int = 0
    scenes_rendered: int = 0
    first_attempt_ok: int = 0
    attempts: int = 0
    retries: int = 0
    repairs: int = 0
    fix_rounds: int = 0
    fallbacks: int = 0
    fallback_reasons: list[str] = Field(default_factory=list)
    layout_issues: dict[str, int] = Field(default_factory=dict)
    layout_clean: bool = False
    video_seconds: float | None = None
    planned_seconds: float | None = None
    target_seconds: float | None = None
    time: TimeSplit
    usage: UsageReport = Field(
        default_factory=UsageReport, description="Model calls of the item's jobs, by agent."
    )
    errors: dict[str, int] = Field(default_factory=dict, description="Errors by class.")
    error_types: dict[str, int] = Field(default_factory=dict)
    injected: dict[str, int] = Field(
        default_factory=dict, description="Faults the chaos model injected, by mutation."
    )
    edits: list[EditResult] = Field(default_factory=list)
    expect: ExpectResult | None = None
    judge: JudgeResult | None = None
    judge_error: str | None = None
    scenes: list[SceneResult] = Field(default_factory=list)

    @property
    def duration_ratio(self) -> float | None:
        """Video length over planned length (1.0 = on target)."""
        if not self.video_seconds or not self.planned_seconds:
            return None
        return self.video_seconds / self.planned_seconds


def append_result(path: Path, result: ItemResult) -> None:
    """Append one result as a single complete line."""
    with path.open("a", encoding="utf-8") as out:
        out.write(result.model_dump_json() + "\n")
        out.flush()


def read_results(path: Path, *, drop_torn_tail: bool = False) -> list[ItemResult]:
    """Every result of a results file, in order.

    With `drop_torn_tail`, a last line cut off by a crash (no newline, not valid) is
    removed from the file instead of being an error.

    Raises:
        ResultsError: the file cannot be read or a line is not a result.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ResultsError(f"{path}: cannot read results: {exc.strerror or exc}") from None
    lines = text.splitlines()
    results: list[ItemResult] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            results.append(ItemResult.model_validate_json(line))
        except ValidationError as exc:
            torn = number == len(lines) and not text.endswith("\n")
            if drop_torn_tail and torn:
                path.write_text("".join(f"{kept}\n" for kept in lines[:-1]), encoding="utf-8")
                break
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ResultsError(f"{path}:{number}: not a result: {where} {first['msg']}") from None
    return results
