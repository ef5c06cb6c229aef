"""Aggregates of a run: each metric's mean with a bootstrap CI, overall and per group.

`METRICS` is the one list of what is aggregated; `summary.json`, the reports and
`eval compare` all read it, so a metric is defined once.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from agents.usage import UsageTotals
from evals.metrics import classify_reason
from evals.results import ItemResult
from evals.stats import Estimate, bootstrap_mean

__all__ = ["GROUP_METRICS", "METRICS", "Metric", "Summary", "metric", "summarize", "values"]


@dataclass(frozen=True)
class Metric:
    """A per-item number (None where it does not apply) and which direction is better."""

    name: str
    label: str
    better: Literal["higher", "lower"]
    unit: Literal["rate", "seconds", "usd", "count", "ratio", "score"]
    value: Callable[[ItemResult], float | None]


def _per_scene(count: Callable[[ItemResult], int]) -> Callable[[ItemResult], float | None]:
    return lambda r: count(r) / r.scenes_planned if r.scenes_planned else None


def _edits_ok(result: ItemResult) -> float | None:
    """Share of edits that made a new version and left the other scenes byte-identical."""
    if not result.edits:
        return None
    good = [e.ok and e.new_version and e.others_identical for e in result.edits]
    return sum(good) / len(good)


METRICS: tuple[Metric, ...] = (
    Metric("success", "success rate", "higher", "rate", lambda r: float(r.success)),
    Metric("layout_clean", "layout-clean rate", "higher", "rate", lambda r: float(r.layout_clean)),
    Metric(
        "first_attempt",
        "first-attempt scenes",
        "higher",
        "rate",
        _per_scene(lambda r: r.first_attempt_ok),
    ),
    Metric("retries", "retries per scene", "lower", "ratio", _per_scene(lambda r: r.retries)),
    Metric("repairs", "repairs per scene", "lower", "ratio", _per_scene(lambda r: r.repairs)),
    Metric(
        "fix_rounds", "fix rounds per scene", "lower", "ratio", _per_scene(lambda r: r.fix_rounds)
    ),
    Metric("fallbacks", "fallback scenes", "lower", "rate", _per_scene(lambda r: r.fallbacks)),
    Metric("wall_seconds", "wall time per video", "lower", "seconds", lambda r: r.time.wall),
    Metric("model_seconds", "model time per video", "lower", "seconds", lambda r: r.time.model),
    Metric("render_seconds", "render time per video", "lower", "seconds", lambda r: r.time.render),
    Metric("cost_usd", "cost per video", "lower", "usd", lambda r: r.usage.cost_usd),
    Metric(
        "speech_characters",
        "characters spoken per video",
        "lower",
        "count",
        lambda r: float(sum(spoken.characters for spoken in r.usage.speech.values())),
    ),
    Metric(
        "tokens",
        "tokens per video",
        "lower",
        "count",
        lambda r: float(r.usage.total.tokens),
    ),
    Metric(
        "duration_ratio", "video / planned length", "higher", "ratio", lambda r: r.duration_ratio
    ),
    Metric("edits_ok", "clean edits", "higher", "rate", _edits_ok),
    Metric(
        "expect_met",
        "expectations met",
        "higher",
        "rate",
        lambda r: float(r.expect.met) if r.expect else None,
    ),
    Metric(
        "judge_overall",
        "judge score (geo. mean)",
        "higher",
        "score",
        lambda r: r.judge.overall if r.judge else None,
    ),
)
GROUP_METRICS = ("success", "layout_clean", "wall_seconds")
_LINE = re.compile(r"\s*\(line \d+\)$")  # "renamed X → Y (line 12)" tallies as one rule


def metric(name: str) -> Metric:
    """The metric called `name`."""
    return next(m for m in METRICS if m.name == name)


class Summary(BaseModel):
    """What `summary.json` holds."""

    items: int
    completed: int
    metrics: dict[str, Estimate]
    by_domain: dict[str, dict[str, Estimate]] = Field(default_factory=dict)
    by_difficulty: dict[str, dict[str, Estimate]] = Field(default_factory=dict)
    errors_by_class: dict[str, int] = Field(default_factory=dict)
    error_types: dict[str, int] = Field(default_factory=dict)
    fallbacks_by_class: dict[str, int] = Field(default_factory=dict)
    layout_issues: dict[str, int] = Field(default_factory=dict)
    repairs: dict[str, int] = Field(
        default_factory=dict, description="Repairs made without a model, by rule."
    )
    usage_by_agent: dict[str, UsageTotals] = Field(default_factory=dict)
    injected: dict[str, int] = Field(default_factory=dict)
    judge: dict[str, Estimate] = Field(default_factory=dict)


def values(results: Iterable[ItemResult], m: Metric) -> list[float]:
    """The metric's values over the items where it applies."""
    return [v for v in (m.value(r) for r in results) if v is not None]


def summarize(results: Sequence[ItemResult], *, seed: int = 0) -> Summary:
    """Every metric's mean and 95% CI, per domain and difficulty too, plus tallies."""
    usage: dict[str, UsageTotals] = {}
    for result in results:
        for agent, tally in result.usage.by_agent.items():
            usage[agent] = usage.get(agent, UsageTotals()).plus(tally)
    dimensions = sorted({name for r in results if r.judge for name in r.judge.scores})
    return Summary(
        items=len(results),
        completed=sum(r.status == "completed" for r in results),
        metrics={m.name: bootstrap_mean(values(results, m), seed=seed) for m in METRICS},
        by_domain=_groups(results, lambda r: r.domain, seed),
        by_difficulty=_groups(results, lambda r: r.difficulty, seed),
        errors_by_class=_tally(r.errors for r in results),
        error_types=_tally(r.error_types for r in results),
        fallbacks_by_class=dict(
            Counter(classify_reason(reason) for r in results for reason in r.fallback_reasons)
        ),
        layout_issues=_tally(r.layout_issues for r in results),
        repairs=_tally(
            Counter(_LINE.sub("", repair) for s in r.scenes for repair in s.repairs)
            for r in results
        ),
        usage_by_agent=usage,
        injected=_tally(r.injected for r in results),
        judge={
            name: bootstrap_mean(
                [r.judge.scores[name].score for r in results if r.judge and name in r.judge.scores],
                seed=seed,
            )
            for name in dimensions
        },
    )


def _groups(
    results: Sequence[ItemResult], key: Callable[[ItemResult], str | None], seed: int
) -> dict[str, dict[str, Estimate]]:
    groups: dict[str, list[ItemResult]] = {}
    for result in results:
        groups.setdefault(key(result) or "unknown", []).append(result)
    return {
        name: {m: bootstrap_mean(values(members, metric(m)), seed=seed) for m in GROUP_METRICS}
        for name, members in sorted(groups.items())
    }


def _tally(counts: Iterable[dict[str, int]]) -> dict[str, int]:
    total: Counter[str] = Counter()
    for count in counts:
        total.update(count)
    return dict(total.most_common())
