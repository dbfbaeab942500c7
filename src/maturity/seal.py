"""Seals in the style of the Philippines' Seal of Good Local Governance (``kind: seal``).

A seal is a list of gates, each a condition on factor levels in the ruleset's condition
language. A territory passes when every gate holds. Gates are compiled into the seal's own
section of the plan (:func:`maturity.plan.compile_seal`), so every evaluator runs them with
the same treatment of unknown answers: a gate that holds with every unknown at its worst is
*passed*; one that holds only at best is *possible*; otherwise it *failed*. The first gate
that is not passed is the binding gate.

Shorthands expand into gates: ``all_core`` (every core factor at ``min_level``) and
``essential`` (at least ``at_least`` of a list of factors at ``min_level``), which express
the SGLG's "all-in", "3+1" and "4+1" rules. ``pillars`` sets minimum pillar scores: a
pillar score is a weighted mean, not a rule, so these gates are evaluated over the score
table (passed when the pillar's lower bound reaches the threshold, possible when its upper
bound does), not in the rules engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Mapping, Optional

from pydantic import BaseModel, ConfigDict, Field, model_validator

import numpy as np
import pandas as pd

from .bundled import bundled_seals_dir
from .citations import Citation, SourceDoc
from .conditions import NEGATE, Condition, LevelCheck, atoms, fold
from .errors import ClauseBudgetError, InvalidFileError, Problem, suggest
from .messages import _
from .ruleset import Ruleset

__all__ = ["Seal", "Gate", "PillarThreshold", "load_seal", "parse_seal", "bundled_seals_dir", "seal_results",
           "shortfalls"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Gate(_Model):
    """One requirement of a seal: a condition on factor levels."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    when: Condition
    sources: list[Citation] = Field(default_factory=list)


class AllCore(_Model):
    min_level: int = Field(ge=1)


class Essential(_Model):
    factors: list[str] = Field(min_length=1)
    at_least: int = Field(ge=1)
    min_level: int = Field(ge=1)

    @model_validator(mode="after")
    def _enough_factors(self) -> "Essential":
        if self.at_least > len(self.factors):
            raise ValueError(f"at_least is larger than the number of essential factors ({len(self.factors)})")
        return self


class PillarThreshold(_Model):
    """A minimum pillar score (0-100), e.g. ``{pillar: institutions, min_score: 50}``."""

    pillar: str
    min_score: float = Field(ge=0)


class Seal(_Model):
    kind: Literal["seal"]
    format_version: Literal[1]
    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    version: str
    year: Optional[int] = Field(default=None, ge=1900, le=2200)
    title: str
    ruleset: str = Field(description="id of the ruleset whose factors the gates name")
    sources: list[SourceDoc] = Field(default_factory=list)
    all_core: Optional[AllCore] = None
    essential: Optional[Essential] = None
    gates: list[Gate] = Field(default_factory=list)
    pillars: list[PillarThreshold] = Field(default_factory=list)

    def gate_ids(self, ruleset: Ruleset) -> list[str]:
        """Every gate id in the order gates are checked: rule gates, then pillar thresholds."""
        return [g.id for g in self.all_gates(ruleset)] + [f"pillar_{t.pillar}" for t in self.pillars]

    def all_gates(self, ruleset: Ruleset) -> list[Gate]:
        """The gates, shorthands first, in the order they are checked."""
        out: list[Gate] = []
        if self.all_core is not None:
            core = [f.id for f in ruleset.factors if f.core]
            n = self.all_core.min_level
            out.append(Gate.model_validate({
                "id": "all_core", "name": _("every core factor at level %(level)s or more") % {"level": n},
                "when": {"all": [{"factor": f, "at_least": n} for f in core]}}))
        if self.essential is not None:
            e = self.essential
            out.append(Gate.model_validate({
                "id": "essential", "name": _("at least %(k)s of %(n)s essential factors at level %(level)s or more") % {
                    "k": e.at_least, "n": len(e.factors), "level": e.min_level},
                "when": {"at_least": e.at_least, "of": [{"factor": f, "at_least": e.min_level} for f in e.factors]}}))
        return out + list(self.gates)


def _check(seal: Seal, ruleset: Ruleset, doc: Any) -> list[Problem]:
    problems = []
    if seal.ruleset != ruleset.id:
        problems.append(Problem("wrong-ruleset", f"the seal is written for ruleset '{seal.ruleset}', not '{ruleset.id}'", ("ruleset",)))
    factor_ids = [f.id for f in ruleset.factors]
    if seal.essential is not None:
        for i, f in enumerate(seal.essential.factors):
            if f not in factor_ids:
                problems.append(Problem("unknown-factor", f"unknown factor '{f}'", ("essential", "factors", i), hint=suggest(f, factor_ids)))
    pillar_ids = [p.id for p in ruleset.pillars]
    for i, t in enumerate(seal.pillars):
        if t.pillar not in pillar_ids:
            problems.append(Problem("unknown-pillar", f"unknown pillar '{t.pillar}'", ("pillars", i, "pillar"),
                                    hint=suggest(t.pillar, pillar_ids)))
        if t.min_score > 100:
            problems.append(Problem("bad-threshold", "min_score is a score from 0 to 100", ("pillars", i, "min_score")))
    if not seal.all_gates(ruleset) and not seal.pillars:
        problems.append(Problem("no-gates", "a seal needs at least one gate (all_core, essential, gates or pillars)", ()))
    ids = [g.id for g in seal.all_gates(ruleset)]
    for i, g in enumerate(seal.gates):
        if ids.count(g.id) > 1:
            problems.append(Problem("duplicate-id", f"duplicate gate id '{g.id}'", ("gates", i, "id")))
    if doc is not None:
        problems = [doc.problem(p) for p in problems]
    return problems


def parse_seal(text: str, ruleset: Ruleset, file: str | None = None) -> Seal:
    from ._yamlio import parse_yaml  # noqa: PLC0415
    from .loading import validation_problems  # noqa: PLC0415
    from .plan import compile_seal  # noqa: PLC0415
    from pydantic import ValidationError  # noqa: PLC0415

    doc = parse_yaml(text, file)
    try:
        seal = Seal.model_validate(doc.data)
    except ValidationError as exc:
        raise InvalidFileError(file, validation_problems(exc, doc, "seal")) from None
    problems = _check(seal, ruleset, doc)
    if problems:
        raise InvalidFileError(file, problems)
    try:
        compile_seal(ruleset, seal)
    except ClauseBudgetError as exc:
        raise InvalidFileError(file, [doc.problem(Problem("too-complex", str(exc), ("gates",)))]) from None
    return seal


def load_seal(path: str | Path, ruleset: Ruleset) -> Seal:
    """Load and check a seal against the ruleset it will be applied with."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidFileError(str(path), [Problem("unreadable", f"cannot read file: {exc}", (), file=str(path))]) from None
    return parse_seal(text, ruleset, str(path))


def shortfalls(cond: Any, lower: Mapping[str, Any], upper: Mapping[str, Any]) -> list[str]:
    """Why ``cond`` is not certain with these factor levels (at worst, at best); empty when it is.

    >>> from maturity.conditions import LevelCheck
    >>> shortfalls(LevelCheck.model_validate({"factor": "unit", "at_least": 2}), {"unit": 1}, {"unit": 3})
    ['unit at level 1 (3 at best), needs 2']
    """
    def leaf(c: Any, negated: bool) -> tuple[bool, list[str]]:
        if not isinstance(c, LevelCheck):
            return False, ["condition not certain with the known answers"]
        op = NEGATE[c.op] if negated else c.op
        lo, hi = _level(lower[c.factor]), _level(upper[c.factor])
        if op == "at_least":
            if lo >= c.value:
                return True, []
            return False, [f"{c.factor} at level {lo}" + (f" ({hi} at best)" if hi != lo else "") + f", needs {c.value}"]
        return (True, []) if hi < c.value else (False, [f"{c.factor} at level {hi}, needs below {c.value}"])

    def all_of(parts: list[tuple[bool, list[str]]]) -> tuple[bool, list[str]]:
        return all(ok for ok, _ in parts), [s for _, texts in parts for s in texts]

    def k_of(k: int, parts: list[tuple[bool, list[str]]]) -> tuple[bool, list[str]]:
        held = sum(1 for ok, _ in parts if ok)
        if held >= k:
            return True, []
        return False, [f"{held} of {k} needed (" + "; ".join(s for _, texts in parts for s in texts) + ")"]

    return fold(cond, leaf, all_of, k_of)[1]


def _level(value: Any) -> int:
    return int(value) if pd.notna(value) else 0


def seal_results(seal: Seal, ruleset: Ruleset, gates: pd.DataFrame, lower_level: pd.DataFrame,
                 upper_level: pd.DataFrame, pillar_lower: pd.DataFrame, pillar_upper: pd.DataFrame) -> pd.DataFrame:
    """Per territory: ``seal`` (passed, possible, failed), ``seal_binding_gate``, ``seal_reason`` and ``gate.<id>``.

    Rule gates come from the evaluator's gate statuses (``gates``, as
    :attr:`maturity.table.DerivedLevels.gates`); pillar thresholds from the pillar score bounds.
    The reason is written once per distinct pattern of the levels behind the binding gate.
    """
    order = seal.gate_ids(ruleset)
    rule_gates = {g.id: g for g in seal.all_gates(ruleset)}
    status = {g: gates[g].to_numpy(dtype=object) for g in rule_gates}
    for t in seal.pillars:
        lo, hi = pillar_lower[t.pillar].to_numpy(float), pillar_upper[t.pillar].to_numpy(float)
        status[f"pillar_{t.pillar}"] = np.where(lo >= t.min_score, "passed", np.where(hi >= t.min_score, "possible", "failed"))
    matrix = np.stack([status[g] for g in order], axis=1) if order else np.empty((len(gates), 0), dtype=object)
    failed, passed_each = matrix == "failed", matrix == "passed"
    passed = passed_each.all(axis=1)
    possible = (failed == False).all(axis=1)  # noqa: E712 - element-wise
    first_failed = np.where(failed.any(axis=1), failed.argmax(axis=1), -1)
    first_open = np.where(~passed_each.all(axis=1), (~passed_each).argmax(axis=1), -1)
    binding = np.where(first_failed >= 0, first_failed, first_open)
    gate_names = np.array(order + [None], dtype=object)
    out = pd.DataFrame(index=gates.index)
    out["seal"] = pd.Categorical(np.where(passed, "passed", np.where(possible, "possible", "failed")),
                                 categories=["passed", "possible", "failed"])
    out["seal_binding_gate"] = gate_names[binding]
    reasons = np.full(len(gates), None, dtype=object)
    lo_lv, hi_lv = lower_level.to_numpy(), upper_level.to_numpy()
    factor_col = {f: k for k, f in enumerate(lower_level.columns)}
    for g_index, gate in enumerate(order):
        rows = np.flatnonzero(binding == g_index)
        if not len(rows):
            continue
        if gate in rule_gates:
            when = rule_gates[gate].when
            cols = sorted({factor_col[a.factor] for _p, a in _level_atoms(when)})
            key = np.concatenate([lo_lv[np.ix_(rows, cols)], hi_lv[np.ix_(rows, cols)]], axis=1)
            patterns, inverse = np.unique(key, axis=0, return_inverse=True)
            names = [lower_level.columns[c] for c in cols]
            texts = np.array([f"{gate}: " + "; ".join(shortfalls(when, dict(zip(names, p[:len(cols)])),
                                                                 dict(zip(names, p[len(cols):]))))
                              for p in patterns], dtype=object)
            reasons[rows] = texts[np.asarray(inverse).reshape(-1)]
        else:
            t = next(t for t in seal.pillars if f"pillar_{t.pillar}" == gate)
            lo, hi = pillar_lower[t.pillar].to_numpy(float)[rows], pillar_upper[t.pillar].to_numpy(float)[rows]
            reasons[rows] = [f"{gate}: pillar {t.pillar} scores {a:.1f} to {b:.1f}, needs {t.min_score:g}"
                             for a, b in zip(lo, hi)]
    out["seal_reason"] = reasons
    for k, gate in enumerate(order):
        out[f"gate.{gate}"] = pd.Categorical(matrix[:, k], categories=["passed", "possible", "failed"])
    return out


def _level_atoms(cond: Any) -> list[tuple[Any, LevelCheck]]:
    return [(p, a) for p, a in atoms(cond) if isinstance(a, LevelCheck)]
