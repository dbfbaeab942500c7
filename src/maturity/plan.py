"""Compile a ruleset into a plain-data plan: the single input of every evaluator.

Conditions become disjunctive normal form over *atoms* (one comparison on one
indicator, ordinal values replaced by their rank). A level is reached through any
of its clauses; a clause holds when all its atoms hold. Findings may also test
factor levels (*level literals*). The plan is inspectable and has a content hash.

>>> from maturity import load_core_ruleset
>>> plan = compile_plan(load_core_ruleset())
>>> plan.max_level
4
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any, Iterable, Union

from .conditions import AllOf, AnyOf, Compare, KOf, LevelCheck, Not
from .ruleset import BooleanIndicator, OrdinalIndicator, Ruleset

__all__ = ["Plan", "Atom", "LevelLiteral", "LevelClause", "CapRule", "FindingClause", "compile_plan", "encode_value"]

NEGATE = {"is": "is_not", "is_not": "is", "at_least": "below", "below": "at_least", "at_most": "above", "above": "at_most"}
Encoded = Union[bool, int, float]


@dataclass(frozen=True)
class Atom:
    """One comparison on one indicator; ``value`` is encoded (ordinal ranks)."""

    id: str
    indicator: str
    op: str
    value: Encoded
    text: str  # the comparison as users wrote it, e.g. "data_coverage at least partial"


@dataclass(frozen=True)
class LevelLiteral:
    """A factor's level compared with a level (findings only)."""

    id: str
    factor: str
    op: str  # at_least or below
    level: int
    text: str


@dataclass(frozen=True)
class LevelClause:
    """One way of reaching ``level`` of ``factor``: all ``atoms`` hold."""

    rule_id: str
    factor: str
    level: int
    clause: int
    atoms: tuple[str, ...]


@dataclass(frozen=True)
class CapRule:
    """``factor`` stays at or below ``max_level`` until ``requires_factor`` reaches ``requires_level``."""

    id: str
    factor: str
    max_level: int
    requires_factor: str
    requires_level: int


@dataclass(frozen=True)
class FindingClause:
    rule_id: str
    finding: str
    clause: int
    atoms: tuple[str, ...]
    levels: tuple[str, ...]  # level literal ids


@dataclass(frozen=True)
class Plan:
    ruleset_id: str
    ruleset_version: str
    factors: tuple[str, ...]
    max_level: int
    atoms: dict[str, Atom]
    level_literals: dict[str, LevelLiteral]
    level_clauses: tuple[LevelClause, ...]
    caps: tuple[CapRule, ...]
    finding_clauses: tuple[FindingClause, ...]
    findings: tuple[str, ...]
    factor_indicators: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @cached_property
    def indicators(self) -> tuple[str, ...]:
        """Every indicator some atom reads, sorted."""
        return tuple(sorted({a.indicator for a in self.atoms.values()}))

    @cached_property
    def digest(self) -> str:
        """SHA-256 of the plan's canonical JSON: equal plans, equal digests."""
        data = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(data.encode("utf-8")).hexdigest()

    def clauses_for(self, factor: str, level: int) -> list[LevelClause]:
        return [c for c in self.level_clauses if c.factor == factor and c.level == level]

    def caps_on(self, factor: str) -> list[CapRule]:
        return [c for c in self.caps if c.factor == factor]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ruleset_id": self.ruleset_id,
            "ruleset_version": self.ruleset_version,
            "factors": list(self.factors),
            "max_level": self.max_level,
            "atoms": {k: asdict(v) for k, v in sorted(self.atoms.items())},
            "level_literals": {k: asdict(v) for k, v in sorted(self.level_literals.items())},
            "level_clauses": [asdict(c) for c in self.level_clauses],
            "caps": [asdict(c) for c in self.caps],
            "finding_clauses": [asdict(c) for c in self.finding_clauses],
            "findings": list(self.findings),
            "factor_indicators": {k: list(v) for k, v in sorted(self.factor_indicators.items())},
        }


def encode_value(indicator: Any, value: Any) -> Encoded:
    """The value an evaluator compares: an ordinal's rank, a number as it is.

    >>> from maturity.ruleset import OrdinalIndicator
    >>> ind = OrdinalIndicator(id="x", type="ordinal", scale=["none", "some", "all"], question="?", sources=["s"])
    >>> encode_value(ind, "some")
    1
    """
    if isinstance(indicator, OrdinalIndicator):
        return indicator.scale.index(value)
    if isinstance(indicator, BooleanIndicator):
        return bool(value)
    return value


class _Compiler:
    def __init__(self, rs: Ruleset) -> None:
        self.rs = rs
        self.atoms: dict[str, Atom] = {}
        self.literals: dict[str, LevelLiteral] = {}

    def atom(self, c: Compare, negate: bool) -> str:
        op = NEGATE[c.op] if negate else c.op
        value = c.value
        text_value = str(value).lower() if isinstance(value, bool) else str(value)
        atom_id = f"{c.indicator}:{op}:{text_value}"
        if atom_id not in self.atoms:
            ind = self.rs.indicator(c.indicator)
            self.atoms[atom_id] = Atom(atom_id, c.indicator, op, encode_value(ind, value),
                                       f"{c.indicator} {op.replace('_', ' ')} {text_value}")
        return atom_id

    def literal(self, c: LevelCheck, negate: bool) -> str:
        op = NEGATE[c.op] if negate else c.op
        lit_id = f"{c.factor}@{op}:{c.value}"
        self.literals.setdefault(lit_id, LevelLiteral(lit_id, c.factor, op, c.value,
                                                      f"level of {c.factor} {op.replace('_', ' ')} {c.value}"))
        return lit_id

    def dnf(self, cond: Any, negate: bool = False) -> list[frozenset[str]]:
        """Clauses (sets of atom or literal ids) whose disjunction is ``cond`` (or its negation)."""
        if isinstance(cond, Compare):
            return [frozenset([self.atom(cond, negate)])]
        if isinstance(cond, LevelCheck):
            return [frozenset([self.literal(cond, negate)])]
        if isinstance(cond, Not):
            return self.dnf(cond.not_, not negate)
        if isinstance(cond, KOf):
            # "at least k hold"; negated: "at least n-k+1 fail"
            size = cond.at_least if not negate else len(cond.of) - cond.at_least + 1
            return _simplify(
                cl
                for combo in itertools.combinations(cond.of, size)
                for cl in self._and([self.dnf(p, negate) for p in combo])
            )
        children = cond.all if isinstance(cond, AllOf) else cond.any
        conjunctive = isinstance(cond, AllOf) != negate
        parts = [self.dnf(c, negate) for c in children]
        if conjunctive:
            return _simplify(self._and(parts))
        return _simplify([cl for p in parts for cl in p])

    @staticmethod
    def _and(parts: list[list[frozenset[str]]]) -> list[frozenset[str]]:
        out = [frozenset()]
        for p in parts:
            out = [a | b for a in out for b in p]
        return out


def _simplify(clauses: Iterable[frozenset[str]]) -> list[frozenset[str]]:
    """Drop duplicate clauses and clauses that contain another clause (absorption)."""
    unique = sorted(set(clauses), key=lambda c: (len(c), sorted(c)))
    kept: list[frozenset[str]] = []
    for c in unique:
        if not any(k <= c for k in kept):
            kept.append(c)
    return kept


def compile_plan(rs: Ruleset) -> Plan:
    """Compile a validated ruleset into its plan."""
    comp = _Compiler(rs)
    level_clauses: list[LevelClause] = []
    factor_indicators: dict[str, tuple[str, ...]] = {}
    for f in rs.factors:
        used: set[str] = set()
        for n in sorted(f.levels):
            for j, clause in enumerate(comp.dnf(f.levels[n].when)):
                ids = tuple(sorted(clause))
                level_clauses.append(LevelClause(f"level:{f.id}:{n}:{j}", f.id, n, j, ids))
                used |= {comp.atoms[a].indicator for a in ids}
        factor_indicators[f.id] = tuple(sorted(used))
    caps = tuple(CapRule(c.id, c.factor, c.max_level, c.unless.factor, c.unless.value) for c in rs.caps)
    finding_clauses: list[FindingClause] = []
    for fd in rs.findings:
        for j, clause in enumerate(comp.dnf(fd.when)):
            finding_clauses.append(FindingClause(
                f"finding:{fd.id}:{j}", fd.id, j,
                tuple(sorted(x for x in clause if x in comp.atoms)),
                tuple(sorted(x for x in clause if x in comp.literals)),
            ))
    return Plan(
        ruleset_id=rs.id,
        ruleset_version=rs.version,
        factors=tuple(f.id for f in rs.factors),
        max_level=rs.max_level,
        atoms=comp.atoms,
        level_literals=comp.literals,
        level_clauses=tuple(level_clauses),
        caps=caps,
        finding_clauses=tuple(finding_clauses),
        findings=tuple(fd.id for fd in rs.findings),
        factor_indicators=factor_indicators,
    )
