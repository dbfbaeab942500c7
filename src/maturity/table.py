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
'emerging'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Literal, Mapping, Optional

import numpy as np
import pandas as pd

from .engine import EngineSession
from .errors import InvalidFileError, Problem
from .checks import value_problem
from .governance.derive import apply_governance
from .plan import Plan, compile_plan, encode_value
from .profile import Profile
from .ruleset import Ruleset

__all__ = ["answers_table", "DerivedLevels", "derive_levels", "TableScores", "aggregate_table", "assessed_factors"]

Engine = Literal["durable", "vectorised"]


def answers_table(profiles: Iterable[Profile], ruleset: Ruleset) -> pd.DataFrame:
    """One row per profile (indexed by territory id), one column per indicator; ``None`` is unknown."""
    ids = [i.id for i in ruleset.indicators]
    rows, index = [], []
    for p in (apply_governance(p, ruleset) for p in profiles):  # graph-derived answers, as in Scorer.score
        index.append(p.territory.id)
        rows.append([p.answer(i).value if p.answer(i).known else None for i in ids])
    return pd.DataFrame(rows, index=pd.Index(index, name="territory"), columns=ids, dtype=object)


@dataclass(frozen=True)
class DerivedLevels:
    """What the rules derive for each territory (rows) and factor, cap or finding (columns).

    ``lower_level`` is the level the known answers establish (every unknown at its worst) and
    ``upper_level`` the level with every unknown at its best. ``caps`` holds ``"applied"``,
    ``"possible"`` or ``""``; ``findings`` holds ``"raised"``, ``"possible"`` or ``""``.
    """

    lower_level: pd.DataFrame
    upper_level: pd.DataFrame
    assessed: pd.DataFrame
    caps: pd.DataFrame
    findings: pd.DataFrame
    answered: pd.Series

    @property
    def level(self) -> pd.DataFrame:
        """The level of each assessed factor; ``<NA>`` where the factor is unassessed."""
        return self.lower_level.astype("Int64").where(self.assessed)


def assessed_factors(plan: Plan, known: pd.DataFrame) -> pd.DataFrame:
    """Which factors the known answers can judge: every answer of one way to level 1 is known.

    ``known`` is a boolean table (territories x indicators).
    """
    out = {}
    for factor in plan.factors:
        judged = pd.Series(False, index=known.index)
        for clause in plan.clauses_for(factor, 1):
            cols = sorted({plan.atoms[a].indicator for a in clause.atoms})
            judged |= known[cols].all(axis=1) if cols else True
        out[factor] = judged
    return pd.DataFrame(out, index=known.index, columns=list(plan.factors))


def _check_columns(ruleset: Ruleset, table: pd.DataFrame) -> None:
    ids = {i.id for i in ruleset.indicators}
    problems = [Problem("unknown-indicator", f"ruleset '{ruleset.id}' has no indicator '{c}'", ("columns", str(c)))
                for c in table.columns if c not in ids]
    if problems:
        raise InvalidFileError(None, problems)


def _check_table(ruleset: Ruleset, table: pd.DataFrame) -> None:
    ids = {i.id for i in ruleset.indicators}
    problems = [Problem("unknown-indicator", f"ruleset '{ruleset.id}' has no indicator '{c}'", ("columns", str(c)))
                for c in table.columns if c not in ids]
    for col in table.columns:
        if col not in ids:
            continue
        ind = ruleset.indicator(col)
        for key, value in table[col].items():
            why = value_problem(ind, value) if value is not None and not _is_missing(value) else None
            if why:
                problems.append(Problem("bad-value", why, (str(key), str(col))))
    if problems:
        raise InvalidFileError(None, problems)


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA or value == "unknown"


def derive_levels(ruleset: Ruleset, table: pd.DataFrame, *, engine: Engine = "durable",
                  plan: Optional[Plan] = None) -> DerivedLevels:
    """Run the ruleset's rules for every row of ``table`` (see :func:`answers_table`)."""
    plan = plan or compile_plan(ruleset)
    if engine == "vectorised":  # checks, encodes and evaluates column-wise (see maturity.vectorised)
        from .vectorised import derive_table  # noqa: PLC0415 (optional second evaluator)

        _check_columns(ruleset, table)
        return derive_table(ruleset, table.reindex(columns=[i.id for i in ruleset.indicators]), plan=plan)
    _check_table(ruleset, table)
    table = table.reindex(columns=[i.id for i in ruleset.indicators])
    known = ~table.map(_is_missing).astype(bool)
    if engine == "durable":
        lo, hi, caps, findings = _derive_durable(ruleset, plan, table, known)
    elif engine == "vectorised":
        from .vectorised import derive_vectorised  # noqa: PLC0415 (optional second evaluator)

        lo, hi, caps, findings = derive_vectorised(ruleset, plan, table, known)
    else:
        raise ValueError(f"unknown engine {engine!r}; expected 'durable' or 'vectorised'")
    return DerivedLevels(lo, hi, assessed_factors(plan, known), caps, findings, known.sum(axis=1).astype(int))


def _derive_durable(ruleset: Ruleset, plan: Plan, table: pd.DataFrame, known: pd.DataFrame):
    factors, cap_ids, finding_ids = list(plan.factors), [c.id for c in ruleset.caps], [f.id for f in ruleset.findings]
    lo = np.zeros((len(table), len(factors)), dtype=np.int64)
    hi = np.zeros_like(lo)
    caps = np.full((len(table), len(cap_ids)), "", dtype=object)
    findings = np.full((len(table), len(finding_ids)), "", dtype=object)
    indicators = {i: ruleset.indicator(i) for i in plan.indicators}
    for r, (_key, row) in enumerate(table.iterrows()):
        encoded = {i: (encode_value(indicators[i], row[i]) if known.iat[r, known.columns.get_loc(i)] else None)
                   for i in plan.indicators}
        session = EngineSession(plan, encoded)
        try:
            d = session.run()
            for c, f in enumerate(factors):
                lo[r, c], hi[r, c] = d.level(f, "lo"), d.level(f, "hi")
            for c, cap in enumerate(cap_ids):
                caps[r, c] = "applied" if d.cap_applied(cap, "lo") else "possible" if d.cap_applied(cap, "hi") else ""
            for c, fd in enumerate(finding_ids):
                findings[r, c] = "raised" if d.finding(fd, "lo") else "possible" if d.finding(fd, "hi") else ""
        finally:
            session.close()
    idx = table.index
    return (pd.DataFrame(lo, index=idx, columns=factors), pd.DataFrame(hi, index=idx, columns=factors),
            pd.DataFrame(caps, index=idx, columns=cap_ids), pd.DataFrame(findings, index=idx, columns=finding_ids))


@dataclass(frozen=True)
class TableScores:
    """Scores for every territory: factor, pillar and overall, each with bounds."""

    factor_score: pd.DataFrame
    factor_lower: pd.DataFrame
    factor_upper: pd.DataFrame
    pillar_score: pd.DataFrame
    pillar_lower: pd.DataFrame
    pillar_upper: pd.DataFrame
    overall: pd.DataFrame  # columns: score, lower, upper, stage, stage_lower, stage_upper


def _weighted(values: np.ndarray, weights: np.ndarray, mask: np.ndarray, method: str) -> np.ndarray:
    """Row-wise weighted mean over the columns where ``mask`` is true; NaN where none is."""
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


def aggregate_table(ruleset: Ruleset, derived: DerivedLevels, *,
                    factor_weights: Optional[Mapping[str, float]] = None,
                    pillar_weights: Optional[Mapping[str, float]] = None) -> TableScores:
    """Factor, pillar and overall scores from derived levels; weights default to the ruleset's."""
    method = ruleset.aggregation.method
    score_of = np.array([lv.score for lv in sorted(ruleset.levels, key=lambda lv: lv.level)], dtype=float)
    factors = [f.id for f in ruleset.factors]
    idx = derived.lower_level.index
    lo_lv = derived.lower_level[factors].to_numpy()
    hi_lv = derived.upper_level[factors].to_numpy()
    assessed = derived.assessed[factors].to_numpy(dtype=bool)
    f_lower, f_upper = score_of[lo_lv], score_of[hi_lv]
    f_score = np.where(assessed, f_lower, np.nan)
    fw = {f.id: f.weight for f in ruleset.factors} | dict(factor_weights or {})
    pw = {p.id: p.weight for p in ruleset.pillars} | dict(pillar_weights or {})

    pillars = [p.id for p in ruleset.pillars]
    p_score, p_lower, p_upper = (np.full((len(idx), len(pillars)), np.nan) for _ in range(3))
    everywhere = np.ones_like(assessed)
    for j, pid in enumerate(pillars):
        cols = [i for i, f in enumerate(ruleset.factors) if f.pillar == pid]
        w = np.array([fw[factors[i]] for i in cols], dtype=float)
        p_score[:, j] = _weighted(f_lower[:, cols], w, assessed[:, cols], method)
        p_lower[:, j] = _weighted(f_lower[:, cols], w, everywhere[:, cols], method)
        p_upper[:, j] = _weighted(f_upper[:, cols], w, everywhere[:, cols], method)
    p_lower, p_upper = _hull(p_score, p_lower, p_upper)

    w = np.array([pw[p] for p in pillars], dtype=float)
    o_score = _weighted(np.nan_to_num(p_score), w, ~np.isnan(p_score), method)
    o_lower = _weighted(p_lower, w, np.ones_like(p_lower, dtype=bool), method)
    o_upper = _weighted(p_upper, w, np.ones_like(p_upper, dtype=bool), method)
    o_lower, o_upper = _hull(o_score, o_lower, o_upper)

    stages = ruleset.aggregation.stages
    thresholds = np.array([s.min_score for s in stages]) - 1e-9
    stage_ids = np.array([s.id for s in stages], dtype=object)

    def stage(values: np.ndarray) -> np.ndarray:
        i = np.searchsorted(thresholds, np.nan_to_num(values), side="right") - 1
        return pd.array(np.where(np.isnan(values), None, stage_ids[np.clip(i, 0, len(stages) - 1)]), dtype="string")

    overall = pd.DataFrame({"score": o_score, "lower": o_lower, "upper": o_upper, "stage": stage(o_score),
                            "stage_lower": stage(o_lower), "stage_upper": stage(o_upper)}, index=idx)
    frame = lambda a, cols: pd.DataFrame(a, index=idx, columns=cols)  # noqa: E731
    return TableScores(frame(f_score, factors), frame(f_lower, factors), frame(f_upper, factors),
                       frame(p_score, pillars), frame(p_lower, pillars), frame(p_upper, pillars), overall)


def _hull(score: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    known = ~np.isnan(score)
    return np.where(known, np.minimum(lower, score), lower), np.where(known, np.maximum(upper, score), upper)
