"""The report's plots as PNG bytes, drawn with matplotlib's Agg canvas (no display, no pyplot).

Example:
    >>> png = retries_histogram(results)
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Mapping, Sequence

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from evals.results import ItemResult
from evals.stats import Estimate

__all__ = ["CurvePoint", "chaos_curve", "retries_histogram", "success_by_group", "time_breakdown"]

_DIFFICULTY_ORDER = {"easy": 0, "medium": 1, "hard": 2}
_COLOURS = {"render": "#58C4DD", "model": "#F0AC5F", "other": "#BBBBBB"}


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def _error_bars(estimates: Sequence[Estimate]) -> list[list[float]]:
    """Distances from each mean down to its CI's low end and up to its high end."""
    low, high = [], []
    for e in estimates:
        mean = e.mean or 0.0
        low.append(mean - (e.low if e.low is not None else mean))
        high.append((e.high if e.high is not None else mean) - mean)
    return [low, high]


def _bars(axes: Axes, groups: Mapping[str, Estimate], title: str) -> None:
    estimates = list(groups.values())
    means = [e.mean or 0.0 for e in estimates]
    axes.bar(list(groups), means, yerr=_error_bars(estimates), capsize=4, color="#83C167")
    axes.set_ylim(0, 1.05)
    axes.set_title(title)
    axes.set_ylabel("success rate (95% CI)")
    axes.tick_params(axis="x", labelrotation=20)


def success_by_group(
    by_domain: Mapping[str, Mapping[str, Estimate]],
    by_difficulty: Mapping[str, Mapping[str, Estimate]],
) -> bytes:
    """Success rate with its CI, per domain and per difficulty."""
    figure = Figure(figsize=(10, 3.8))
    left, right = figure.subplots(1, 2)
    _bars(left, {name: g["success"] for name, g in by_domain.items()}, "by domain")
    ordered = sorted(by_difficulty, key=lambda d: (_DIFFICULTY_ORDER.get(d, 9), d))
    _bars(right, {name: by_difficulty[name]["success"] for name in ordered}, "by difficulty")
    return _png(figure)


def retries_histogram(results: Sequence[ItemResult]) -> bytes:
    """How many scenes needed 0, 1, 2... retries."""
    counts = Counter(scene.retries for r in results for scene in r.scenes)
    figure = Figure(figsize=(5, 3.4))
    axes = figure.subplots()
    top = max(counts, default=0)
    axes.bar(range(top + 1), [counts.get(k, 0) for k in range(top + 1)], color="#58C4DD")
    axes.set_xticks(range(top + 1))
    axes.set_xlabel("retries")
    axes.set_ylabel("scenes")
    axes.set_title("retries per scene")
    return _png(figure)


def time_breakdown(results: Sequence[ItemResult]) -> bytes:
    """Each item's wall time, stacked as render, model and other time, sorted by wall time."""
    ordered = sorted(results, key=lambda r: r.time.wall)
    figure = Figure(figsize=(10, 3.8))
    axes = figure.subplots()
    positions = range(len(ordered))
    bottom = [0.0] * len(ordered)
    for part in ("render", "model", "other"):
        heights = [getattr(r.time, part) for r in ordered]
        axes.bar(positions, heights, bottom=bottom, label=part, color=_COLOURS[part])
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    if len(ordered) <= 30:
        axes.set_xticks(list(positions), [r.id for r in ordered], rotation=60, ha="right")
    else:
        axes.set_xlabel("items, sorted by wall time")
    axes.set_ylabel("seconds")
    axes.set_title("time per video")
    axes.legend()
    return _png(figure)


class CurvePoint(Estimate):
    """The success rate of one (chaos rate, max_retries) run."""

    rate: float
    max_retries: int


def chaos_curve(points: Sequence[CurvePoint]) -> bytes:
    """Success rate against the chaos rate, one line per retry budget, with 95% CIs."""
    figure = Figure(figsize=(6, 4))
    axes = figure.subplots()
    for budget in sorted({p.max_retries for p in points}):
        line = sorted((p for p in points if p.max_retries == budget), key=lambda p: p.rate)
        axes.errorbar(
            [p.rate for p in line],
            [p.mean or 0.0 for p in line],
            yerr=_error_bars(line),
            marker="o",
            capsize=4,
            label=f"max_retries={budget}",
        )
    axes.set_xlabel("chaos rate (share of coder answers broken)")
    axes.set_ylabel("success rate (95% CI)")
    axes.set_ylim(-0.05, 1.05)
    axes.set_title("recovery from injected faults")
    if points:
        axes.legend()
    return _png(figure)
