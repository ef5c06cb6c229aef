"""Percentile bootstrap confidence intervals, seeded so a report is reproducible.

Example:
    >>> bootstrap_mean([1, 0, 1, 1], seed=0).mean
    0.75
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel

__all__ = ["RESAMPLES", "Estimate", "bootstrap_diff", "bootstrap_mean"]

RESAMPLES = 2000


class Estimate(BaseModel):
    """A mean with its bootstrap confidence interval over `n` values (None when n is 0)."""

    mean: float | None
    low: float | None
    high: float | None
    n: int


def bootstrap_mean(
    values: Sequence[float], *, seed: int = 0, level: float = 0.95, resamples: int = RESAMPLES
) -> Estimate:
    """The mean of `values` and the percentile bootstrap interval at `level`."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return Estimate(mean=None, low=None, high=None, n=0)
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, data.size, size=(resamples, data.size))].mean(axis=1)
    return _estimate(float(data.mean()), means, level, data.size)


def bootstrap_diff(
    a: Sequence[float],
    b: Sequence[float],
    *,
    paired: bool,
    seed: int = 0,
    level: float = 0.95,
    resamples: int = RESAMPLES,
) -> Estimate:
    """mean(b) - mean(a) with its interval; `paired` resamples item pairs (same length)."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if paired:
        if x.size != y.size:
            raise ValueError("paired samples need the same length")
        return bootstrap_mean(y - x, seed=seed, level=level, resamples=resamples)
    if x.size == 0 or y.size == 0:
        return Estimate(mean=None, low=None, high=None, n=0)
    rng = np.random.default_rng(seed)
    mean_x = x[rng.integers(0, x.size, size=(resamples, x.size))].mean(axis=1)
    mean_y = y[rng.integers(0, y.size, size=(resamples, y.size))].mean(axis=1)
    return _estimate(float(y.mean() - x.mean()), mean_y - mean_x, level, min(x.size, y.size))


def _estimate(mean: float, samples: np.ndarray, level: float, n: int) -> Estimate:
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail])
    return Estimate(mean=mean, low=float(low), high=float(high), n=n)
