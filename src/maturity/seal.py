"""Seals in the style of the Philippines' Seal of Good Local Governance (``kind: seal``).

A seal is a list of gates, each a condition on factor levels in the ruleset's condition
language. A territory passes when every gate holds. Gates are compiled into findings of a
copy of the ruleset, so they run in the same durable_rules network as everything else and
get the same treatment of unknown answers: a gate that holds with every unknown at its worst
is *passed*; one that holds only at best is *possible*; otherwise it *failed*. The first
gate that is not passed is the binding gate.

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

from .citations import Citation, SourceDoc
from .conditions import AllOf, AnyOf, Condition, KOf, LevelCheck
from .errors import InvalidFileError, Problem, suggest
from .messages import _
from .ruleset import Finding, Ruleset

__all__ = ["Seal", "Gate", "PillarThreshold", "load_seal", "parse_seal", "with_seal_gates", "gate_finding_id",
           "bundled_seals_dir", "seal_results", "shortfalls"]


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


def gate_finding_id(seal: Seal, gate: Gate) -> str:
    return f"seal__{seal.id.replace('-', '_')}__{gate.id}"


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


def with_seal_gates(ruleset: Ruleset, seal: Seal) -> Ruleset:
    """A copy of ``ruleset`` whose findings include one per gate of ``seal`` (checked in full)."""
    from .checks import check_ruleset  # noqa: PLC0415

    cites = [Citation.model_validate(str(c)) for c in (ruleset.findings[0].sources if ruleset.findings else ruleset.factors[0].sources)]
    gates = [Finding(id=gate_finding_id(seal, g), severity="info", when=g.when,
                     message=f"seal {seal.id} {seal.version}: {g.name}", sources=g.sources or cites)
             for g in seal.all_gates(ruleset)]
    extended = ruleset.model_copy(update={"findings": [*ruleset.findings, *gates]})
    problems = check_ruleset(extended)
    if problems:
        raise InvalidFileError(f"seal {seal.id}", problems)
    return extended


def parse_seal(text: str, ruleset: Ruleset, file: str | None = None) -> Seal:
    from ._yamlio import parse_yaml  # noqa: PLC0415
    from .loading import _validation_problems  # noqa: PLC0415
    from pydantic import ValidationError  # noqa: PLC0415

    doc = parse_yaml(text, file)
    try:
        seal = Seal.model_validate(doc.data)
    except ValidationError as exc:
        raise InvalidFileError(file, _validation_problems(exc, doc, "seal")) from None
    problems = _check(seal, ruleset, doc)
    if problems:
        raise InvalidFileError(file, problems)
    with_seal_gates(ruleset, seal)  # the gates must compile against this ruleset
    return seal


def load_seal(path: str | Path, ruleset: Ruleset) -> Seal:
    """Load and check a seal against the ruleset it will be applied with."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidFileError(str(path), [Problem("unreadable", f"cannot read file: {exc}", (), file=str(path))]) from None
    return parse_seal(text, ruleset, str(path))


def bundled_seals_dir() -> Path:
    from .loading import _bundled  # noqa: PLC0415

    return _bundled("seals")


def _level(value: Any) -> int:
    return int(value) if pd.notna(value) else 0


def shortfalls(cond: Any, lower: Mapping[str, Any], upper: Mapping[str, Any]) -> list[str]:
    """Why ``cond`` is not certain with these factor levels (at worst, at best); empty when it is.

    >>> from maturity.conditions import LevelCheck
    >>> shortfalls(LevelCheck.model_validate({"factor": "unit", "at_least": 2}), {"unit": 1}, {"unit": 3})
    ['unit at level 1 (3 at best), needs 2']
    """
    if isinstance(cond, LevelCheck):
        lo, hi = _level(lower[cond.factor]), _level(upper[cond.factor])
        if cond.op == "at_least":
            return [] if lo >= cond.value else [f"{cond.factor} at level {lo}" + (f" ({hi} at best)" if hi != lo else "")
                                                + f", needs {cond.value}"]
        return [] if hi < cond.value else [f"{cond.factor} at level {hi}, needs below {cond.value}"]
    if isinstance(cond, AllOf):
        return [s for c in cond.all for s in shortfalls(c, lower, upper)]
    if isinstance(cond, (AnyOf, KOf)):
        children = cond.any if isinstance(cond, AnyOf) else cond.of
        k = 1 if isinstance(cond, AnyOf) else cond.at_least
        missing = [shortfalls(c, lower, upper) for c in children]
        held = sum(1 for m in missing if not m)
        if held >= k:
            return []
        return [f"{held} of {k} needed (" + "; ".join(s for m in missing for s in m) + ")"]
    return ["condition not certain with the known answers"]


def seal_results(seal: Seal, ruleset: Ruleset, findings: pd.DataFrame, lower_level: pd.DataFrame,
                 upper_level: pd.DataFrame, pillar_lower: pd.DataFrame, pillar_upper: pd.DataFrame) -> pd.DataFrame:
    """Per territory: ``seal`` (passed, possible, failed), ``seal_binding_gate``, ``seal_reason`` and ``gate.<id>``.

    Rule gates are read from the gate findings the engine raised (``raised`` = certain, ``possible``
    = depends on unknowns); pillar thresholds from the pillar score bounds.
    """
    rule_gates = seal.all_gates(ruleset)
    status = pd.DataFrame({g.id: findings[gate_finding_id(seal, g)].map(
        {"raised": "passed", "possible": "possible"}).fillna("failed") for g in rule_gates}, index=findings.index)
    for t in seal.pillars:
        lo, hi = pillar_lower[t.pillar].to_numpy(float), pillar_upper[t.pillar].to_numpy(float)
        status[f"pillar_{t.pillar}"] = np.where(lo >= t.min_score, "passed", np.where(hi >= t.min_score, "possible", "failed"))
    status = status[seal.gate_ids(ruleset)]
    passed = status.eq("passed").all(axis=1)
    possible = status.isin(["passed", "possible"]).all(axis=1)
    out = pd.DataFrame(index=status.index)
    out["seal"] = np.where(passed, "passed", np.where(possible, "possible", "failed"))
    # the binding gate: the first failed gate, else the first merely possible one
    first_failed = status.eq("failed").idxmax(axis=1).where(status.eq("failed").any(axis=1))
    out["seal_binding_gate"] = first_failed.fillna(status.ne("passed").idxmax(axis=1)).where(~passed, None)
    whens = {g.id: g.when for g in rule_gates}
    thresholds = {f"pillar_{t.pillar}": t for t in seal.pillars}
    reasons = []
    for i, gate in zip(status.index, out["seal_binding_gate"]):
        if gate is None or pd.isna(gate):
            reasons.append(None)
        elif gate in whens:
            reasons.append(f"{gate}: " + "; ".join(shortfalls(whens[gate], lower_level.loc[i], upper_level.loc[i])))
        else:
            t = thresholds[gate]
            reasons.append(f"{gate}: pillar {t.pillar} scores {pillar_lower.loc[i, t.pillar]:.1f} to "
                           f"{pillar_upper.loc[i, t.pillar]:.1f}, needs {t.min_score:g}")
    out["seal_reason"] = reasons
    for gate in status.columns:
        out[f"gate.{gate}"] = status[gate]
    return out
