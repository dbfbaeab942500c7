"""Scoring maths: weighted means, bounds and stages, as pure functions.

>>> weighted_mean([50.0, 100.0], [1.0, 1.0])
75.0
>>> weighted_mean([0.0, 100.0], [1.0, 1.0], method="geometric")
0.0
"""

from __future__ import annotations

import math
from typing import Literal, Optional, Sequence

__all__ = ["weighted_mean", "mean_of_known", "hull", "stage_index"]

Method = Literal["arithmetic", "geometric"]


def weighted_mean(values: Sequence[float], weights: Sequence[float], method: Method = "arithmetic") -> float:
    """Weighted arithmetic or geometric mean; a geometric mean with any zero value is zero."""
    if len(values) != len(weights) or not values:
        raise ValueError("weighted_mean needs as many weights as values, and at least one value")
    total = float(sum(weights))
    if total <= 0:
        raise ValueError("weights must sum to more than zero")
    if method == "arithmetic":
        return sum(v * w for v, w in zip(values, weights)) / total
    if any(v <= 0 for v in values):
        return 0.0
    return math.exp(sum(w * math.log(v) for v, w in zip(values, weights)) / total)


def mean_of_known(values: Sequence[Optional[float]], weights: Sequence[float], method: Method = "arithmetic") -> Optional[float]:
    """Weighted mean over the values that are not None (None when all are None).

    Unknown values leave the denominator instead of counting as zero:

    >>> mean_of_known([None, 80.0, 40.0], [5.0, 1.0, 1.0])
    60.0
    """
    pairs = [(v, w) for v, w in zip(values, weights) if v is not None]
    if not pairs:
        return None
    return weighted_mean([v for v, _ in pairs], [w for _, w in pairs], method)


def hull(score: Optional[float], lower: float, upper: float) -> tuple[float, float]:
    """Bounds that hold the current score as well as every complete answer's score."""
    if score is None:
        return lower, upper
    return min(lower, score), max(upper, score)


def stage_index(score: float, thresholds: Sequence[float]) -> int:
    """Index of the last stage whose threshold ``score`` reaches (thresholds increasing, first 0).

    >>> stage_index(65, [0, 40, 60, 80])
    2
    """
    index = 0
    for i, threshold in enumerate(thresholds):
        if score + 1e-9 >= threshold:
            index = i
    return index
