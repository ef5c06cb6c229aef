"""Compare two runs metric by metric: the difference B - A with a bootstrap CI, and regressions.

Items both runs share are compared pairwise (each item against itself), which cuts
the noise of item difficulty; otherwise the two runs are resampled independently.
A metric regresses when its whole CI lies on the worse side of zero and the change
is at least `tolerance` (points for rates, a fraction of A's mean otherwise).

Example:
    >>> comparison = compare_runs(Path("runs/base"), Path("runs/new"))
    >>> comparison.regressions
    ['success']
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from evals.results import RESULTS_FILE, ItemResult, ResultsError, read_results
from evals.stats import Estimate, bootstrap_diff, bootstrap_mean
from evals.summary import METRICS, Metric, values

__all__ = ["Comparison", "MetricDiff", "compare_runs"]

MIN_PAIRS = 2


class MetricDiff(BaseModel):
    """One metric in both runs and the difference B - A."""

    name: str
    label: str
    unit: str
    better: str
    a: Estimate
    b: Estimate
    diff: Estimate
    paired: bool
    regression: bool
    improvement: bool


class Comparison(BaseModel):
    """What `compare.json` holds."""

    run_a: str
    run_b: str
    items_a: int
    items_b: int
    shared_items: int
    tolerance: float
    metrics: list[MetricDiff]

    @property
    def regressions(self) -> list[str]:
        """Names of the metrics that got worse."""
        return [m.name for m in self.metrics if m.regression]


def compare_runs(run_a: Path, run_b: Path, *, seed: int = 0, tolerance: float = 0.05) -> Comparison:
    """Compare the results of two run directories.

    Raises:
        ResultsError: a run has no readable results.
    """
    a, b = _results(run_a), _results(run_b)
    shared = sorted({r.id for r in a} & {r.id for r in b})
    diffs = [_diff(m, a, b, shared, seed=seed, tolerance=tolerance) for m in METRICS]
    return Comparison(
        run_a=str(run_a),
        run_b=str(run_b),
        items_a=len(a),
        items_b=len(b),
        shared_items=len(shared),
        tolerance=tolerance,
        metrics=[d for d in diffs if d.a.n and d.b.n],
    )


def _results(run: Path) -> list[ItemResult]:
    path = run / RESULTS_FILE
    if not path.is_file():
        raise ResultsError(f"{run} has no {RESULTS_FILE}: is it an eval run directory?")
    results = read_results(path)
    if not results:
        raise ResultsError(f"{path} holds no results")
    return results


def _diff(
    m: Metric,
    a: list[ItemResult],
    b: list[ItemResult],
    shared: list[str],
    *,
    seed: int,
    tolerance: float,
) -> MetricDiff:
    by_id_a, by_id_b = {r.id: m.value(r) for r in a}, {r.id: m.value(r) for r in b}
    pairs = [
        (x, y)
        for item in shared
        if (x := by_id_a[item]) is not None and (y := by_id_b[item]) is not None
    ]
    paired = len(pairs) >= MIN_PAIRS
    if paired:
        diff = bootstrap_diff([x for x, _ in pairs], [y for _, y in pairs], paired=True, seed=seed)
    else:
        diff = bootstrap_diff(values(a, m), values(b, m), paired=False, seed=seed)
    estimate_a = bootstrap_mean(values(a, m), seed=seed)
    threshold = tolerance if m.unit == "rate" else tolerance * abs(estimate_a.mean or 0.0)
    sign = 1 if m.better == "higher" else -1
    worse = _beyond(diff, -sign, threshold)
    better = _beyond(diff, sign, threshold)
    return MetricDiff(
        name=m.name,
        label=m.label,
        unit=m.unit,
        better=m.better,
        a=estimate_a,
        b=bootstrap_mean(values(b, m), seed=seed),
        diff=diff,
        paired=paired,
        regression=worse,
        improvement=better,
    )


def _beyond(diff: Estimate, direction: int, threshold: float) -> bool:
    """Whether the whole CI lies past zero in `direction` and the mean moved ≥ threshold.

    One value per run has no spread to judge by, so it never counts.
    """
    if diff.mean is None or diff.low is None or diff.high is None or diff.n < MIN_PAIRS:
        return False
    if direction > 0:
        return diff.low > 0 and diff.mean >= threshold
    return diff.high < 0 and -diff.mean >= threshold
