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
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, Union

from .conditions import NEGATE, Compare, LevelCheck, fold
from .errors import ClauseBudgetError
from .ruleset import BooleanIndicator, OrdinalIndicator, Ruleset

if TYPE_CHECKING:
    from .seal import Seal

__all__ = [
    "CLAUSE_BUDGET",
    "Atom",
    "CapRule",
    "FindingClause",
    "GateClause",
    "LevelClause",
    "LevelLiteral",
    "Plan",
    "SealPlan",
    "compile_plan",
    "count_clauses",
    "encode_value",
]

Encoded = Union[bool, int, float]
CLAUSE_BUDGET = 1024  # clauses one condition may expand to; past it a ruleset is refused as too complex


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
class GateClause:
    """One way a seal gate holds: all its level literals hold."""

    gate: str
    clause: int
    levels: tuple[str, ...]  # level literal ids


@dataclass(frozen=True)
class SealPlan:
    """A seal's rule gates compiled against the plan's factors; its digest is its own."""

    seal_id: str
    seal_version: str
    gates: tuple[str, ...]
    gate_names: dict[str, str]
    gate_clauses: tuple[GateClause, ...]
    level_literals: dict[str, LevelLiteral]

    @cached_property
    def digest(self) -> str:
        return _digest(self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        return {
            "seal_id": self.seal_id, "seal_version": self.seal_version, "gates": list(self.gates),
            "gate_names": dict(sorted(self.gate_names.items())),
            "gate_clauses": [asdict(c) for c in self.gate_clauses],
            "level_literals": {k: asdict(v) for k, v in sorted(self.level_literals.items())},
        }


def _digest(data: dict[str, Any]) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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
    seal: SealPlan | None = None

    @cached_property
    def indicators(self) -> tuple[str, ...]:
        """Every indicator some atom reads, sorted."""
        return tuple(sorted({a.indicator for a in self.atoms.values()}))

    @cached_property
    def digest(self) -> str:
        """SHA-256 of the ruleset's compiled plan (canonical JSON): equal plans, equal digests.

        A seal does not change it; the seal's gates have a digest of their own.
        """
        return _digest(self.to_dict())

    @cached_property
    def key(self) -> str:
        """Identifies the plan with its seal: what engines cache compiled forms by."""
        return self.digest if self.seal is None else f"{self.digest}+{self.seal.digest}"

    @property
    def gates(self) -> tuple[str, ...]:
        return self.seal.gates if self.seal is not None else ()

    @property
    def gate_clauses(self) -> tuple[GateClause, ...]:
        return self.seal.gate_clauses if self.seal is not None else ()

    def literal(self, literal_id: str) -> LevelLiteral:
        """A level literal of a finding or of a seal gate."""
        if literal_id in self.level_literals:
            return self.level_literals[literal_id]
        if self.seal is not None and literal_id in self.seal.level_literals:
            return self.seal.level_literals[literal_id]
        raise KeyError(literal_id)

    def with_seal(self, ruleset: Ruleset, seal: Seal) -> Plan:
        """This plan with ``seal``'s rule gates compiled in (the ruleset part is unchanged)."""
        return replace(self, seal=compile_seal(ruleset, seal))

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


def count_clauses(cond: Any, negate: bool = False) -> int:
    """How many clauses ``cond`` expands to in disjunctive normal form, before absorption.

    Counted exactly, without expanding: a conjunction multiplies, "at least k of" sums the
    products over every k-subset (an elementary symmetric polynomial, computed in O(n k)).

    >>> from maturity.conditions import Condition
    >>> from pydantic import TypeAdapter
    >>> alt = {"all": [{"indicator": f"x{i}", "is": True} for i in range(8)]}
    >>> count_clauses(TypeAdapter(Condition).validate_python({"not": {"any": [alt] * 5}}))
    32768
    """
    def k_of(k: int, parts: list[int]) -> int:
        e = [1] + [0] * k  # e[j]: sum over j-subsets of the product of their counts
        for c in parts:
            for j in range(k, 0, -1):
                e[j] += e[j - 1] * c
        return e[k]

    def leaf(_atom: Any, _negated: bool) -> int:
        return 1

    def all_of(parts: list[int]) -> int:
        return math.prod(parts)

    return fold(cond, leaf, all_of, k_of, negate)


class _Compiler:
    def __init__(self, rs: Ruleset, budget: int) -> None:
        self.rs = rs
        self.budget = budget
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

    def dnf(self, cond: Any, where: str) -> list[frozenset[str]]:
        """Clauses (sets of atom or literal ids) whose disjunction is ``cond``; refused past the budget."""
        count = count_clauses(cond)
        if count > self.budget:
            raise ClauseBudgetError(where, count, self.budget)

        def leaf(c: Any, neg: bool) -> list[frozenset[str]]:
            return [frozenset([self.atom(c, neg) if isinstance(c, Compare) else self.literal(c, neg)])]

        def k_of(k: int, parts: list[list[frozenset[str]]]) -> list[frozenset[str]]:
            return _simplify(cl for combo in itertools.combinations(parts, k) for cl in _and(list(combo)))

        return fold(cond, leaf, lambda parts: _simplify(_and(parts)), k_of)


def _and(parts: list[list[frozenset[str]]]) -> list[frozenset[str]]:
    out = [frozenset[str]()]
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


def compile_plan(rs: Ruleset, seal: Seal | None = None, *, budget: int = CLAUSE_BUDGET) -> Plan:
    """Compile a validated ruleset (and optionally a seal's gates) into its plan.

    Raises :class:`~maturity.errors.ClauseBudgetError` when a condition would expand past
    ``budget`` clauses.
    """
    comp = _Compiler(rs, budget)
    level_clauses: list[LevelClause] = []
    factor_indicators: dict[str, tuple[str, ...]] = {}
    for f in rs.factors:
        used: set[str] = set()
        for n in sorted(f.levels):
            for j, clause in enumerate(comp.dnf(f.levels[n].when, f"factor {f.id} level {n}")):
                ids = tuple(sorted(clause))
                level_clauses.append(LevelClause(f"level:{f.id}:{n}:{j}", f.id, n, j, ids))
                used |= {comp.atoms[a].indicator for a in ids}
        factor_indicators[f.id] = tuple(sorted(used))
    caps = tuple(CapRule(c.id, c.factor, c.max_level, c.unless.factor, c.unless.value) for c in rs.caps)
    finding_clauses: list[FindingClause] = []
    for fd in rs.findings:
        for j, clause in enumerate(comp.dnf(fd.when, f"finding {fd.id}")):
            finding_clauses.append(FindingClause(
                f"finding:{fd.id}:{j}", fd.id, j,
                tuple(sorted(x for x in clause if x in comp.atoms)),
                tuple(sorted(x for x in clause if x in comp.literals)),
            ))
    plan = Plan(
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
    return plan.with_seal(rs, seal) if seal is not None else plan


def compile_seal(rs: Ruleset, seal: Seal, *, budget: int = CLAUSE_BUDGET) -> SealPlan:
    """A seal's rule gates as clauses of level literals (pillar thresholds are read from scores)."""
    comp = _Compiler(rs, budget)
    gates = seal.all_gates(rs)
    clauses = [GateClause(g.id, j, tuple(sorted(clause)))
               for g in gates for j, clause in enumerate(comp.dnf(g.when, f"seal gate {g.id}"))]
    return SealPlan(seal.id, seal.version, tuple(g.id for g in gates), {g.id: g.name for g in gates},
                    tuple(clauses), comp.literals)
