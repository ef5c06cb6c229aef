"""Eval datasets: JSONL files of prompts, one object per line, checked line by line.

Each line needs `id` and `prompt`; `domain`, `difficulty`, `scene_count`, `edits`
and `expect` are optional, and any other field is kept and copied into the results
(so a dataset can carry its own tags, e.g. `subfield`).

Example:
    >>> items = load_dataset(Path("evals/datasets/smoke.jsonl"))
    >>> select(items, limit=3)[0].id
    'smoke-01'
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from graphs.requests import MAX_SCENES, PromptText

__all__ = ["DatasetError", "EditStep", "EvalItem", "Expect", "load_dataset", "select"]


class DatasetError(ValueError):
    """A dataset line is malformed; the message starts with `file:line:`."""


class EditStep(BaseModel):
    """An edit applied to the generated project, in order, after generation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scene_number: int = Field(ge=1, le=MAX_SCENES)
    edit_prompt: PromptText


class Expect(BaseModel):
    """What the video must contain: words of the plan, and kinds of visual element."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    terms: list[str] = Field(
        default_factory=list, description="Words the plan (titles, narration, visuals) must use."
    )
    kinds: list[str] = Field(
        default_factory=list,
        description="Scene archetypes (equation, plot...) or Manim classes (Axes, MathTex) "
        "that must appear in the plan or the code.",
    )


class EvalItem(BaseModel):
    """One prompt of a dataset; unknown fields are kept and passed through to results."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    prompt: PromptText
    domain: str | None = None
    difficulty: str | None = None
    scene_count: int | None = Field(default=None, ge=1, le=MAX_SCENES)
    edits: list[EditStep] = Field(default_factory=list)
    expect: Expect | None = None

    @property
    def extra(self) -> dict[str, Any]:
        """The fields the schema does not know, as they were in the file."""
        return dict(self.model_extra or {})


def load_dataset(path: Path) -> list[EvalItem]:
    """Read and check every line of a JSONL dataset.

    Raises:
        DatasetError: the file is missing or empty, or a line is not a valid item
            (the message names the file and line).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read the dataset: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise DatasetError(f"{path}: the dataset is not UTF-8 text") from None
    items: list[EvalItem] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        item = _parse_line(line, f"{path}:{number}")
        if item.id in first_line:
            raise DatasetError(
                f"{path}:{number}: duplicate id {item.id!r} (first on line {first_line[item.id]})"
            )
        first_line[item.id] = number
        items.append(item)
    if not items:
        raise DatasetError(f"{path}: the dataset has no items")
    return items


def _parse_line(line: str, where: str) -> EvalItem:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{where}: invalid JSON: {exc.msg} (column {exc.colno})") from None
    if not isinstance(data, dict):
        raise DatasetError(f"{where}: expected a JSON object, got {type(data).__name__}")
    try:
        item = EvalItem.model_validate(data)
    except ValidationError as exc:
        raise DatasetError(f"{where}: {_first_error(exc)}") from None
    if item.scene_count is not None:
        beyond = [e.scene_number for e in item.edits if e.scene_number > item.scene_count]
        if beyond:
            raise DatasetError(
                f"{where}: edits name scene {beyond[0]} but scene_count is {item.scene_count}"
            )
    return item


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    field = ".".join(str(part) for part in error["loc"])
    if error["type"] == "missing":
        return f"missing field {field!r}"
    return f"{field}: {error['msg']}" if field else str(error["msg"])


def select(
    items: list[EvalItem],
    *,
    limit: int | None = None,
    sample: int | None = None,
    seed: int = 0,
) -> list[EvalItem]:
    """A seeded random sample (kept in file order), then the first `limit` items."""
    chosen = items
    if sample is not None and sample < len(items):
        picked = set(random.Random(seed).sample(range(len(items)), sample))
        chosen = [item for index, item in enumerate(items) if index in picked]
    return chosen[:limit] if limit is not None else chosen
