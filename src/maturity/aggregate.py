"""Scoring maths, once, for one territory or a million: weighted means, bounds and stages.

A factor's score is its level's score; an unassessed factor has no score, only bounds.
Pillar and overall scores are weighted means (arithmetic or geometric) over the assessed
factors (pillars); their bounds span the current score and every score the territory could
get once its unknowns are answered (the hull of the score and the means of the bounds).

Data availability (``aggregation.min_assessed`` of the ruleset, after COINr's data-availability
threshold): a pillar whose assessed share of factors (by the ruleset's weights, or by count) is
below the threshold has no score, and neither has the overall when the assessed share of all
factors is below it: "insufficient evidence", with bounds only. The overall mean runs over the
pillars that have a score. The shares are always taken with the ruleset's declared weights, so
that a robustness draw of the weights never changes what counts as sufficient.

A run ranks on a *rank measure* (:data:`RANK_MEASURES`): ``lower``, the overall score with every
unknown answer at its worst (what is established; answering a question can never lower it), or
``score``; territories with insufficient evidence have neither.

>>> import numpy as np
>>> weighted(np.array([[50.0, 100.0]]), np.array([1.0, 1.0]), np.array([[True, True]]), "arithmetic")
array([75.])
>>> weighted(np.array([[0.0, 100.0]]), np.array([1.0, 1.0]), np.array([[True, True]]), "geometric")
array([0.])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from .ruleset import Ruleset

__all__ = [
    "INSUFFICIENT",
    "RANK_MEASURES",
    "Aggregator",
    "Scores",
    "aggregate",
    "assessed_shares",
    "rank_measure",
    "stage_of",
    "weighted",
]

#: What a pillar or the overall shows instead of a score and a stage below the data-availability threshold.
INSUFFICIENT = "insufficient evidence"
#: The measures a run can rank on: ``lower`` (every unknown at its worst) and ``score``.
RANK_MEASURES = ("lower", "score")


@dataclass(frozen=True)
class Scores:
    """Scores of every row: factors (rows x factors), pillars (rows x pillars), overall (rows).

    ``factor_score`` is NaN where a factor is unassessed, ``pillar_score`` and ``overall``
    where the evidence under them is insufficient (``pillar_sufficient``, ``sufficient``: the
    assessed share, ``pillar_assessed_share`` and ``assessed_share``, reaches the ruleset's
    ``min_assessed``, and is above zero). Stages are indices into the ruleset's stages (-1: none).
    The factor scores are worked out from the levels when first read (a million rows: about
    450 MB that a run which never reads them does not hold).
    """

    pillar_score: np.ndarray
    pillar_lower: np.ndarray
    pillar_upper: np.ndarray
    overall: np.ndarray
    overall_lower: np.ndarray
    overall_upper: np.ndarray
    stage: np.ndarray
    stage_lower: np.ndarray
    stage_upper: np.ndarray
    pillar_assessed_share: np.ndarray
    pillar_sufficient: np.ndarray
    assessed_share: np.ndarray
    sufficient: np.ndarray
    lower_level: np.ndarray = field(repr=False)
    upper_level: np.ndarray = field(repr=False)
    assessed: np.ndarray = field(repr=False)
    score_of: np.ndarray = field(repr=False)  # the score of each level

    @cached_property
    def factor_lower(self) -> np.ndarray:
        return self.score_of[self.lower_level]

    @cached_property
    def factor_upper(self) -> np.ndarray:
        return self.score_of[self.upper_level]

    @cached_property
    def factor_score(self) -> np.ndarray:
        return np.where(self.assessed, self.factor_lower, np.nan)


def weighted(values: np.ndarray, weights: np.ndarray, mask: np.ndarray, method: str) -> np.ndarray:
    """Row-wise weighted mean over the columns where ``mask`` is true; NaN where none is.

    A geometric mean with any zero value is zero.
    """
    w = np.where(mask, weights, 0.0)
    total = w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "arithmetic":
            out = np.where(mask, values * w, 0.0).sum(axis=1) / total
        else:
            zero = (mask & (values <= 0)).any(axis=1)
            logs = np.where(mask & (values > 0), np.log(np.where(values > 0, values, 1.0)) * w, 0.0)
            out = np.where(zero, 0.0, np.exp(logs.sum(axis=1) / total))
    return np.where(total > 0, out, np.nan)


def _hull(score: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    known = ~np.isnan(score)
    return np.where(known, np.minimum(lower, score), lower), np.where(known, np.maximum(upper, score), upper)


def stage_of(ruleset: Ruleset, scores: np.ndarray) -> np.ndarray:
    """Index of the last stage whose ``min_score`` each score reaches; -1 for NaN.

    >>> from maturity import load_core_ruleset
    >>> stage_of(load_core_ruleset(), np.array([0.0, 65.0, np.nan])).tolist()
    [0, 2, -1]
    """
    thresholds = np.array([s.min_score for s in ruleset.aggregation.stages], dtype=float) - 1e-9
    index = np.searchsorted(thresholds, np.nan_to_num(scores), side="right") - 1
    return np.where(np.isnan(scores), -1, np.clip(index, 0, len(thresholds) - 1))


def assessed_shares(ruleset: Ruleset, assessed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Assessed share of each pillar's factors (rows x pillars) and of all factors (rows), as ``min_assessed`` counts.

    >>> from maturity import load_core_ruleset
    >>> rs = load_core_ruleset()
    >>> shares, overall = assessed_shares(rs, np.array([[f.pillar == "evidence" for f in rs.factors]]))
    >>> float(shares[0, 0]), round(float(overall[0]), 3)
    (1.0, 0.167)
    """
    by_count = ruleset.aggregation.min_assessed is not None and ruleset.aggregation.min_assessed.of == "factors"
    fw = np.array([1.0 if by_count else f.weight for f in ruleset.factors], dtype=float)
    pillars = [p.id for p in ruleset.pillars]
    member = np.array([[f.pillar == pid for pid in pillars] for f in ruleset.factors], dtype=float)  # factors x pillars
    within = fw[:, None] * member
    # row by row sums, not matrix products: a row's share must not depend on how many rows come with it
    # (BLAS blocks by shape), so a table scored whole, streamed or in Dask partitions gives the same bits
    a = assessed.astype(float)
    pillar_share = np.stack([(a * within[:, j]).sum(axis=1) for j in range(len(pillars))], axis=1) / within.sum(axis=0)
    if by_count:
        overall = (a * fw).sum(axis=1) / fw.sum()
    else:  # a factor's effective weight in the overall mean: its pillar's weight times its share of the pillar
        pw = np.array([p.weight for p in ruleset.pillars], dtype=float)
        effective = (within / within.sum(axis=0)) @ pw
        overall = (a * effective).sum(axis=1) / pw.sum()
    return pillar_share, overall


def rank_measure(scores: Scores, by: str) -> np.ndarray:
    """The value a run ranks on: ``lower`` or ``score`` where the evidence suffices, NaN elsewhere.

    >>> from maturity import load_core_ruleset
    >>> rs = load_core_ruleset()
    >>> n = len(rs.factors)
    >>> s = aggregate(rs, np.full((2, n), 1), np.full((2, n), 3), np.array([[True] * n, [True] + [False] * (n - 1)]))
    >>> rank_measure(s, "lower").round(1).tolist(), rank_measure(s, "score").round(1).tolist()
    ([25.0, nan], [25.0, nan])
    """
    if by not in RANK_MEASURES:
        raise ValueError(f"unknown rank measure {by!r}; choose one of: {', '.join(RANK_MEASURES)}")
    value = scores.overall_lower if by == "lower" else scores.overall
    return np.where(scores.sufficient, value, np.nan)


class Aggregator:
    """The scoring maths of one ruleset, its constants worked out once (robustness draws call it thousands of times).

    >>> from maturity import load_core_ruleset
    >>> rs = load_core_ruleset()
    >>> n = len(rs.factors)
    >>> agg = Aggregator(rs)
    >>> lower, upper, assessed = np.full((1, n), 1), np.full((1, n), 3), np.full((1, n), True)
    >>> full = rank_measure(agg.scores(lower, upper, assessed), "lower")
    >>> agg.rank_values(lower, upper, assessed, "lower").tolist() == full.tolist()
    True
    """

    def __init__(self, ruleset: Ruleset) -> None:
        self.ruleset = ruleset
        self.method = ruleset.aggregation.method
        self.score_of = np.array([lv.score for lv in sorted(ruleset.levels, key=lambda lv: lv.level)], dtype=float)
        self.factor_ids = [f.id for f in ruleset.factors]
        self.pillar_ids = [p.id for p in ruleset.pillars]
        self.pillar_columns = [[i for i, f in enumerate(ruleset.factors) if f.pillar == pid] for pid in self.pillar_ids]
        self.factor_weights = {f.id: f.weight for f in ruleset.factors}
        self.pillar_weights = {p.id: p.weight for p in ruleset.pillars}
        self.threshold = ruleset.aggregation.min_assessed.share if ruleset.aggregation.min_assessed is not None else 0.0

    def shares(self, assessed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Assessed shares of the pillars and overall (:func:`assessed_shares`), and whether each suffices."""
        p_share, o_share = assessed_shares(self.ruleset, assessed)
        return p_share, o_share, (p_share > 0) & (p_share >= self.threshold - 1e-9), (o_share > 0) & (o_share >= self.threshold - 1e-9)

    def scores(self, lower_level: np.ndarray, upper_level: np.ndarray, assessed: np.ndarray, *,
               factor_weights: Mapping[str, float] | None = None, pillar_weights: Mapping[str, float] | None = None,
               shares: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None) -> Scores:
        """Every score of every row; ``shares``: :meth:`shares` of ``assessed``, when already known."""
        p_share, o_share, p_sufficient, o_sufficient = shares if shares is not None else self.shares(assessed)
        p_score, p_lower, p_upper, o_score, o_lower, o_upper = self._means(
            self.score_of[lower_level], self.score_of[upper_level], assessed, factor_weights, pillar_weights,
            p_sufficient, o_sufficient, bounds=("lower", "upper"))
        assert p_lower is not None and p_upper is not None and o_lower is not None and o_upper is not None
        stages = (stage_of(self.ruleset, o_score), stage_of(self.ruleset, o_lower), stage_of(self.ruleset, o_upper))
        return Scores(p_score, p_lower, p_upper, o_score, o_lower, o_upper, *stages,
                      p_share, p_sufficient, o_share, o_sufficient & ~np.isnan(o_score),
                      lower_level, upper_level, assessed, self.score_of)

    def rank_values(self, lower_level: np.ndarray, upper_level: np.ndarray, assessed: np.ndarray, by: str, *,
                    factor_weights: Mapping[str, float] | None = None, pillar_weights: Mapping[str, float] | None = None,
                    shares: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """``rank_measure(self.scores(...), by)``, computing only what it needs."""
        if by not in RANK_MEASURES:
            raise ValueError(f"unknown rank measure {by!r}; choose one of: {', '.join(RANK_MEASURES)}")
        _, _, p_sufficient, o_sufficient = shares if shares is not None else self.shares(assessed)
        f_lower = self.score_of[lower_level]
        _, _, _, o_score, o_lower, _ = self._means(f_lower, None, assessed, factor_weights, pillar_weights,
                                                   p_sufficient, o_sufficient, bounds=("lower",) if by == "lower" else ())
        value = o_lower if by == "lower" else o_score
        assert value is not None
        return np.where(o_sufficient & ~np.isnan(o_score), value, np.nan)

    def _means(self, f_lower: np.ndarray, f_upper: np.ndarray | None, assessed: np.ndarray,
               factor_weights: Mapping[str, float] | None, pillar_weights: Mapping[str, float] | None,
               p_sufficient: np.ndarray, o_sufficient: np.ndarray, bounds: tuple[str, ...]) -> tuple[Any, ...]:
        """Pillar and overall scores, and the ``bounds`` asked for (``lower``, ``upper``); None for the others."""
        method = self.method
        fw = self.factor_weights | dict(factor_weights or {})
        pw = self.pillar_weights | dict(pillar_weights or {})
        n, k = f_lower.shape[0], len(self.pillar_ids)
        p_score = np.full((n, k), np.nan)
        p_bounds = {b: np.full((n, k), np.nan) for b in bounds}
        everywhere = np.ones_like(assessed, dtype=bool)
        for j, cols in enumerate(self.pillar_columns):
            w = np.array([fw[self.factor_ids[i]] for i in cols], dtype=float)
            p_score[:, j] = weighted(f_lower[:, cols], w, assessed[:, cols], method)
            for b in bounds:
                values = f_lower if b == "lower" else f_upper
                assert values is not None
                p_bounds[b][:, j] = weighted(values[:, cols], w, everywhere[:, cols], method)
        p_score = np.where(p_sufficient, p_score, np.nan)
        if bounds:
            hull = _hull(p_score, p_bounds.get("lower", p_score), p_bounds.get("upper", p_score))
            p_bounds = {b: hull[0 if b == "lower" else 1] for b in bounds}

        w = np.array([pw[p] for p in self.pillar_ids], dtype=float)
        o_score = weighted(np.nan_to_num(p_score), w, ~np.isnan(p_score), method)
        o_score = np.where(o_sufficient, o_score, np.nan)
        o_bounds = {b: weighted(p_bounds[b], w, np.ones_like(p_bounds[b], dtype=bool), method) for b in bounds}
        if bounds:
            hull = _hull(o_score, o_bounds.get("lower", o_score), o_bounds.get("upper", o_score))
            o_bounds = {b: hull[0 if b == "lower" else 1] for b in bounds}
        return (p_score, p_bounds.get("lower"), p_bounds.get("upper"), o_score, o_bounds.get("lower"), o_bounds.get("upper"))


def aggregate(ruleset: Ruleset, lower_level: np.ndarray, upper_level: np.ndarray, assessed: np.ndarray, *,
              factor_weights: Mapping[str, float] | None = None,
              pillar_weights: Mapping[str, float] | None = None) -> Scores:
    """Factor, pillar and overall scores from levels (rows x ``ruleset.factors``); weights default to the ruleset's."""
    return Aggregator(ruleset).scores(lower_level, upper_level, assessed, factor_weights=factor_weights,
                                      pillar_weights=pillar_weights)
