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

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from .bundled import bundled_seals_dir
from .citations import Citation, SourceDoc
from .conditions import NEGATE, Condition, LevelCheck, atoms, fold
from .errors import ClauseBudgetError, InvalidFileError, Problem, suggest
from .messages import _
from .ruleset import Ruleset

__all__ = [
    "Gate",
    "PillarThreshold",
    "Seal",
    "bundled_seals_dir",
    "load_seal",
    "parse_seal",
    "seal_results",
    "shortfall_texts",
    "shortfalls",
]


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
    def _enough_factors(self) -> Essential:
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
    year: int | None = Field(default=None, ge=1900, le=2200)
    title: str
    ruleset: str = Field(description="id of the ruleset whose factors the gates name")
    sources: list[SourceDoc] = Field(default_factory=list)
    all_core: AllCore | None = None
    essential: Essential | None = None
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
                problems.append(Problem("unknown-factor", f"unknown factor '{f}'", ("essential", "factors", i),
                                        hint=suggest(f, factor_ids)))
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
    from pydantic import ValidationError

    from ._yamlio import parse_yaml
    from .loading import validation_problems
    from .plan import compile_seal

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


def shortfall_texts(cond: Any, lower: Mapping[str, np.ndarray], upper: Mapping[str, np.ndarray]) -> np.ndarray:
    """:func:`shortfalls` for many rows at once, joined with ``"; "``: one text per row, ``""`` where certain.

    ``lower`` and ``upper`` map factors to integer level arrays. The text is assembled
    column-wise (a lookup per level check, one join per condition node), so its cost does not
    grow with the number of distinct level patterns.

    >>> from maturity.conditions import LevelCheck
    >>> cond = LevelCheck.model_validate({"factor": "unit", "at_least": 2})
    >>> shortfall_texts(cond, {"unit": np.array([1, 2])}, {"unit": np.array([3, 2])}).tolist()
    ['unit at level 1 (3 at best), needs 2', '']
    """
    n = len(next(iter(lower.values()))) if lower else 0
    empty = np.full(n, "", dtype=object)

    def leaf(c: Any, negated: bool) -> tuple[np.ndarray, np.ndarray]:
        if not isinstance(c, LevelCheck):
            return np.zeros(n, dtype=bool), np.full(n, "condition not certain with the known answers", dtype=object)
        op = NEGATE[c.op] if negated else c.op
        lo, hi = lower[c.factor], upper[c.factor]
        top = int(max(lo.max(initial=0), hi.max(initial=0))) + 1
        if op == "at_least":
            ok = lo >= c.value
            table = np.array([f"{c.factor} at level {a}" + (f" ({b} at best)" if b != a else "") + f", needs {c.value}"
                              for a in range(top) for b in range(top)], dtype=object)
            return ok, np.where(ok, empty, table[lo * top + hi])
        ok = hi < c.value
        table = np.array([f"{c.factor} at level {b}, needs below {c.value}" for b in range(top)], dtype=object)
        return ok, np.where(ok, empty, table[hi])

    def join(texts: list[np.ndarray]) -> np.ndarray:
        out = texts[0] if texts else empty
        for t in texts[1:]:
            out = out + np.where((out != "") & (t != ""), "; ", "") + t
        return out

    def all_of(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
        ok = np.asarray(np.logical_and.reduce([p[0] for p in parts])) if parts else np.ones(n, dtype=bool)
        return ok, join([p[1] for p in parts])

    def k_of(k: int, parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
        held = np.sum([p[0] for p in parts], axis=0, dtype=np.int64) if parts else np.zeros(n, dtype=np.int64)
        ok = np.asarray(held >= k)
        counts = np.array([f"{h} of {k} needed (" for h in range(len(parts) + 1)], dtype=object)
        return ok, np.where(ok, empty, counts[held] + join([p[1] for p in parts]) + ")")

    return fold(cond, leaf, all_of, k_of)[1]


def _level(value: Any) -> int:
    return int(value) if pd.notna(value) else 0


def _status(column: pd.Series) -> np.ndarray:
    """Gate statuses as 2 passed, 1 possible, 0 failed (from labels, plain or categorical)."""
    return np.where(column == "passed", 2, np.where(column == "possible", 1, 0)).astype(np.int8)


GATE_RESULTS = ["passed", "possible", "failed"]


def seal_results(seal: Seal, ruleset: Ruleset, gates: pd.DataFrame, lower_level: pd.DataFrame,
                 upper_level: pd.DataFrame, pillar_lower: pd.DataFrame, pillar_upper: pd.DataFrame) -> pd.DataFrame:
    """Per territory: ``seal`` (passed, possible, failed), ``seal_binding_gate``, ``seal_reason`` and ``gate.<id>``.

    Rule gates come from the evaluator's gate statuses (``gates``, as
    :attr:`maturity.table.DerivedLevels.gates`); pillar thresholds from the pillar score bounds.
    Statuses, the binding gate and the reason are computed column-wise, the reason's text once
    per distinct shortfall pattern; ``seal``, ``gate.<id>`` and ``seal_reason`` are categorical
    (``seal_reason``'s categories are the texts this run wrote).
    """
    order = seal.gate_ids(ruleset)
    rule_gates = {g.id: g for g in seal.all_gates(ruleset)}
    status = {g: _status(gates[g]) for g in rule_gates}
    for t in seal.pillars:
        lo, hi = pillar_lower[t.pillar].to_numpy(float), pillar_upper[t.pillar].to_numpy(float)
        status[f"pillar_{t.pillar}"] = np.where(lo >= t.min_score, 2, np.where(hi >= t.min_score, 1, 0)).astype(np.int8)
    n = len(gates)
    matrix = np.stack([status[g] for g in order], axis=1) if order else np.empty((n, 0), dtype=np.int8)
    failed, passed_each = matrix == 0, matrix == 2
    passed = passed_each.all(axis=1)
    possible = ~failed.any(axis=1)
    first_failed = np.where(failed.any(axis=1), failed.argmax(axis=1), -1)
    first_open = np.where(~passed, (~passed_each).argmax(axis=1), -1)
    binding = np.where(first_failed >= 0, first_failed, first_open)
    out = pd.DataFrame(index=gates.index)
    out["seal"] = pd.Categorical.from_codes(np.where(passed, 0, np.where(possible, 1, 2)), categories=GATE_RESULTS)
    out["seal_binding_gate"] = np.array([*order, None], dtype=object)[binding]  # -1: the trailing None
    reason_codes = np.full(n, -1, dtype=np.int64)
    reason_texts: list[str] = []

    def levels(frame: pd.DataFrame, factor: str, rows: np.ndarray) -> np.ndarray:
        return np.nan_to_num(frame[factor].to_numpy(dtype=float, na_value=np.nan)[rows]).astype(np.int64)

    def add(rows: np.ndarray, pattern: np.ndarray, texts: np.ndarray) -> None:
        """Rows get the text of their pattern; equal texts share one category."""
        uniques, first = pd.factorize(texts)[0], len(reason_texts)
        kept = pd.unique(texts)
        reason_texts.extend(str(t) for t in kept)
        reason_codes[rows] = first + uniques[pattern]

    for g_index, gate in enumerate(order):
        rows = np.flatnonzero(binding == g_index)
        if not len(rows):
            continue
        if gate in rule_gates:
            when = rule_gates[gate].when
            lo = {f: levels(lower_level, f, rows) for f in _level_factors(when)}
            hi = {f: levels(upper_level, f, rows) for f in lo}
            pattern, lo_u, hi_u = _patterns(when, lo, hi)
            add(rows, pattern, f"{gate}: " + shortfall_texts(when, lo_u, hi_u))
        else:
            t = next(t for t in seal.pillars if f"pillar_{t.pillar}" == gate)
            plo, phi = pillar_lower[t.pillar].to_numpy(float)[rows], pillar_upper[t.pillar].to_numpy(float)[rows]
            texts = np.array([f"{gate}: pillar {t.pillar} scores {a:.1f} to {b:.1f}, needs {t.min_score:g}"
                              for a, b in zip(plo, phi, strict=True)], dtype=object)
            add(rows, np.arange(len(rows)), texts)
    out["seal_reason"] = pd.Categorical.from_codes(reason_codes, categories=reason_texts)
    codes = 2 - matrix
    for k, gate in enumerate(order):
        out[f"gate.{gate}"] = pd.Categorical.from_codes(codes[:, k], categories=GATE_RESULTS)
    return out


def _level_atoms(cond: Any) -> list[tuple[Any, LevelCheck]]:
    return [(p, a) for p, a in atoms(cond) if isinstance(a, LevelCheck)]


def _level_factors(cond: Any) -> list[str]:
    return sorted({a.factor for _p, a in _level_atoms(cond)})


def _patterns(cond: Any, lower: dict[str, np.ndarray],
              upper: dict[str, np.ndarray]) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The distinct shortfall patterns of the rows: ``(pattern of each row, lower and upper levels per pattern)``.

    A factor only ever required ``at_least`` some levels is read as passing them all where its
    lower level does (its levels then change no text), so rows differing only there share a pattern.
    """
    def leaf(c: Any, negated: bool) -> list[tuple[str, str, int]]:
        return [(c.factor, NEGATE[c.op] if negated else c.op, c.value)] if isinstance(c, LevelCheck) else []

    checks = fold(cond, leaf, lambda parts: [x for p in parts for x in p], lambda _k, parts: [x for p in parts for x in p])
    lo, hi = dict(lower), dict(upper)
    for f in lo:
        ops = {op for g, op, _v in checks if g == f}
        if ops == {"at_least"}:
            need = max(v for g, _op, v in checks if g == f)
            done = lo[f] >= need
            lo[f], hi[f] = np.where(done, need, lo[f]), np.where(done, need, hi[f])
    names = list(lo)
    rows = len(next(iter(lower.values()))) if lower else 0
    key = np.stack([lo[f] for f in names] + [hi[f] for f in names], axis=1) if names else np.zeros((rows, 0), dtype=np.int64)
    base = int(key.max(initial=0)) + 1
    if base ** key.shape[1] < 2**62:  # one integer per row: a fast one-dimensional unique
        flat = (key * (base ** np.arange(key.shape[1], dtype=np.int64))).sum(axis=1)
        _, first, pattern = np.unique(flat, return_index=True, return_inverse=True)
    else:
        _, first, pattern = np.unique(key, axis=0, return_index=True, return_inverse=True)
    pattern = np.asarray(pattern).reshape(-1)
    return pattern, {f: lo[f][first] for f in names}, {f: hi[f][first] for f in names}
