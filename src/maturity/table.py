"""Many territories at once: answers as a table in, levels and scores as tables out.

Scoring splits in two steps so that each can be swapped or repeated on its own:

1. :func:`derive_levels` runs the ruleset's conditions, caps and findings for every row of an
   answers table (one row per territory, one column per indicator, ``None`` for unknown) and
   returns the levels at worst and at best, the caps and the findings (:class:`DerivedLevels`).
   ``engine="durable"`` runs the durable_rules engine, one session per territory.
2. :func:`aggregate_table` turns levels into factor, pillar and overall scores with bounds and
   stages, with the same maths as a single :class:`~maturity.Assessment`; weights can be
   overridden, which is what a robustness analysis over weights repeats.

>>> from maturity import bundled_profiles_dir, load_core_ruleset, load_profile
>>> rs = load_core_ruleset()
>>> table = answers_table([load_profile(bundled_profiles_dir() / "cr-upala.yaml")], rs)
>>> derived = derive_levels(rs, table)
>>> int(derived.lower_level.loc["cr-upala", "vertical_coherence"]), int(derived.upper_level.loc["cr-upala", "vertical_coherence"])
(1, 4)
>>> aggregate_table(rs, derived).overall.loc["cr-upala", "stage"]
'insufficient evidence'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from . import aggregate
from .engines import EngineName, Outcome, get_evaluator
from .plan import Plan
from .prepare import answers_frame, as_index, prepare
from .ruleset import Ruleset

__all__ = ["DerivedLevels", "TableScores", "aggregate_table", "answers_table", "derive_levels"]

answers_table = answers_frame


@dataclass(frozen=True)
class DerivedLevels:
    """What the rules derive for each territory (rows) and factor, cap, finding or gate (columns).

    ``lower_level`` is the level the known answers establish (every unknown at its worst) and
    ``upper_level`` the level with every unknown at its best. ``caps`` holds ``"applied"``,
    ``"possible"`` or ``""``; ``findings`` ``"raised"``, ``"possible"`` or ``""``; ``gates``
    ``"passed"``, ``"possible"`` or ``"failed"`` (see :mod:`maturity.engines.outcome`).
    """

    outcome: Outcome

    @property
    def lower_level(self) -> pd.DataFrame:
        return self.outcome.frame("lower")

    @property
    def upper_level(self) -> pd.DataFrame:
        return self.outcome.frame("upper")

    @property
    def assessed(self) -> pd.DataFrame:
        return self.outcome.frame("assessed")

    @property
    def caps(self) -> pd.DataFrame:
        return self.outcome.frame("caps")

    @property
    def findings(self) -> pd.DataFrame:
        return self.outcome.frame("findings")

    @property
    def gates(self) -> pd.DataFrame:
        return self.outcome.frame("gates")

    @property
    def answered(self) -> pd.Series:
        return pd.Series(self.outcome.answered, index=as_index(self.outcome.index))

    @property
    def level(self) -> pd.DataFrame:
        """The level of each assessed factor; ``<NA>`` where the factor is unassessed."""
        return self.lower_level.astype("Int64").where(self.assessed)


def derive_levels(ruleset: Ruleset, table: pd.DataFrame, *, engine: EngineName = "durable",
                  plan: Plan | None = None) -> DerivedLevels:
    """Run the ruleset's rules for every row of ``table`` (see :func:`answers_table`).

    Every cell is read by :func:`maturity.prepare.prepare`; bad cells raise
    :class:`~maturity.errors.InvalidFileError` with every problem.
    """
    prepared = prepare(ruleset, table, plan=plan).raise_problems()
    return DerivedLevels(get_evaluator(engine).evaluate(prepared))


@dataclass(frozen=True)
class TableScores:
    """Scores for every territory: factor, pillar and overall, each with bounds.

    The factor frames are built when first read, from ``raw`` (:class:`maturity.aggregate.Scores`).
    """

    pillar_score: pd.DataFrame
    pillar_lower: pd.DataFrame
    pillar_upper: pd.DataFrame
    overall: pd.DataFrame  # columns: score, lower, upper, stage, stage_lower, stage_upper, assessed_share, sufficient
    pillar_sufficient: pd.DataFrame
    raw: aggregate.Scores  # the arrays these frames show (for aggregate.rank_measure)
    factor_ids: tuple[str, ...]

    @cached_property
    def factor_score(self) -> pd.DataFrame:
        return self._factor_frame(self.raw.factor_score)

    @cached_property
    def factor_lower(self) -> pd.DataFrame:
        return self._factor_frame(self.raw.factor_lower)

    @cached_property
    def factor_upper(self) -> pd.DataFrame:
        return self._factor_frame(self.raw.factor_upper)

    def _factor_frame(self, values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(values, index=self.overall.index, columns=list(self.factor_ids), copy=False)


def aggregate_table(ruleset: Ruleset, derived: DerivedLevels, *,
                    factor_weights: Mapping[str, float] | None = None,
                    pillar_weights: Mapping[str, float] | None = None) -> TableScores:
    """Factor, pillar and overall scores from derived levels (:func:`maturity.aggregate.aggregate`)."""
    o = derived.outcome
    s = aggregate.aggregate(ruleset, o.lower, o.upper, o.assessed,
                            factor_weights=factor_weights, pillar_weights=pillar_weights)
    idx, factors, pillars = as_index(o.index), [f.id for f in ruleset.factors], [p.id for p in ruleset.pillars]
    stage_ids = pd.array([st.id for st in ruleset.aggregation.stages] + [None], dtype="string")

    def stage(index):  # -1 picks the trailing None
        return stage_ids[index]

    # no stage below the data-availability threshold: "insufficient evidence" instead
    headline = pd.array(stage(s.stage), dtype="string")
    headline[~s.sufficient] = aggregate.INSUFFICIENT
    overall = pd.DataFrame({"score": s.overall, "lower": s.overall_lower, "upper": s.overall_upper,
                            "stage": headline, "stage_lower": stage(s.stage_lower),
                            "stage_upper": stage(s.stage_upper), "assessed_share": s.assessed_share,
                            "sufficient": s.sufficient}, index=idx)

    def frame(a, cols):
        return pd.DataFrame(a, index=idx, columns=cols, copy=False)

    return TableScores(frame(s.pillar_score, pillars), frame(s.pillar_lower, pillars), frame(s.pillar_upper, pillars),
                       overall, frame(s.pillar_sufficient, pillars), s, tuple(factors))
