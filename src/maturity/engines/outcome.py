"""What every evaluator returns: one :class:`Outcome`, keyed by plan ids.

Both worlds are kept: world *lower* reads every unknown answer as failing its comparisons
(what the known answers establish), world *upper* as passing them (the best case). A cap,
finding or gate is *certain* when it holds in world lower, *possible* when it holds only in
world upper; statuses are stored as that certainty (0, 1, 2) and named by the enums below.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ..plan import FindingClause, LevelClause, Plan

if TYPE_CHECKING:
    import pandas as pd

    from ..prepare import Keys, Prepared

__all__ = ["CERTAIN", "NO", "POSSIBLE", "CapStatus", "Evaluator", "FindingStatus", "GateStatus", "Outcome"]

NO, POSSIBLE, CERTAIN = 0, 1, 2


class CapStatus(str, Enum):
    """A cap *applied* holds the level down now; *possible* would limit the best case."""

    NONE = ""
    POSSIBLE = "possible"
    APPLIED = "applied"


class FindingStatus(str, Enum):
    """A finding *raised* is certain; *possible* depends on unknown answers."""

    NONE = ""
    POSSIBLE = "possible"
    RAISED = "raised"


class GateStatus(str, Enum):
    """A seal gate *passed* holds with every unknown at its worst; *possible* only at best."""

    FAILED = "failed"
    POSSIBLE = "possible"
    PASSED = "passed"


CAP_LABELS = np.array([s.value for s in CapStatus], dtype=object)
FINDING_LABELS = np.array([s.value for s in FindingStatus], dtype=object)
GATE_LABELS = np.array([s.value for s in GateStatus], dtype=object)


def certainty(lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """2 where ``lower`` holds, 1 where only ``upper`` does, else 0 (int8)."""
    return np.where(lower, CERTAIN, upper.astype(np.int8)).astype(np.int8)


@dataclass(frozen=True)
class Outcome:
    """Levels, caps, findings and gates for every row of a :class:`~maturity.prepare.Prepared`.

    Arrays are rows x (``plan.factors`` | ``plan.caps`` | ``plan.findings`` | ``plan.gates``);
    ``atoms_lower`` / ``atoms_upper`` (rows x atoms, in ``plan.atoms`` order) are present when
    the evaluator was asked to explain: they tell which clauses held.
    """

    plan: Plan
    index: Keys  # territory ids: a tuple when scored from profiles, so that scoring one profile never imports pandas
    lower: np.ndarray
    upper: np.ndarray
    raw_lower: np.ndarray
    raw_upper: np.ndarray
    caps: np.ndarray
    findings: np.ndarray
    gates: np.ndarray
    assessed: np.ndarray
    answered: np.ndarray
    total: int
    atoms_lower: np.ndarray | None = None
    atoms_upper: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.index)

    def cap_status(self, row: int, cap_index: int) -> CapStatus:
        return CapStatus(CAP_LABELS[self.caps[row, cap_index]])

    def finding_status(self, row: int, finding_index: int) -> FindingStatus:
        return FindingStatus(FINDING_LABELS[self.findings[row, finding_index]])

    def gate_status(self, row: int, gate_index: int) -> GateStatus:
        return GateStatus(GATE_LABELS[self.gates[row, gate_index]])

    # -- which clauses held (needs atoms) -------------------------------------------------------
    def _atoms(self, world: str) -> np.ndarray:
        atoms = self.atoms_lower if world == "lower" else self.atoms_upper
        if atoms is None:
            raise ValueError("this outcome was evaluated without explanations (explain=False)")
        return atoms

    def atom_holds(self, row: int, atom_id: str, world: str = "lower") -> bool:
        return bool(self._atoms(world)[row, self._atom_index[atom_id]])

    def clause_holds(self, row: int, clause: LevelClause | FindingClause, world: str = "lower") -> bool:
        """Whether all atoms of the clause hold (its level literals too, for a finding clause)."""
        if not all(self.atom_holds(row, a, world) for a in clause.atoms):
            return False
        return all(self.literal_holds(row, lit, world) for lit in getattr(clause, "levels", ()))

    def literal_holds(self, row: int, literal_id: str, world: str = "lower") -> bool:
        """A level literal: ``at_least`` reads this world's level; ``below`` the other world's."""
        lit = self.plan.literal(literal_id)
        f = self._factor_index[lit.factor]
        if lit.op == "at_least":
            levels = self.lower if world == "lower" else self.upper
            return bool(levels[row, f] >= lit.level)
        levels = self.upper if world == "lower" else self.lower
        return bool(levels[row, f] < lit.level)

    def reason_clause(self, row: int, factor: str, level: int) -> LevelClause | None:
        """The first way (in the ruleset's order) by which ``factor`` reaches ``level`` on the known answers."""
        for clause in self.plan.clauses_for(factor, level):
            if self.clause_holds(row, clause, "lower"):
                return clause
        return None

    def finding_clause(self, row: int, finding: str, world: str) -> FindingClause | None:
        """The first clause of ``finding`` that holds in ``world``."""
        for clause in self.plan.finding_clauses:
            if clause.finding == finding and self.clause_holds(row, clause, world):
                return clause
        return None

    @cached_property
    def _atom_index(self) -> dict[str, int]:
        return {a: k for k, a in enumerate(self.plan.atoms)}

    @cached_property
    def _factor_index(self) -> dict[str, int]:
        return {f: k for k, f in enumerate(self.plan.factors)}

    # -- frames -------------------------------------------------------------------------------
    def frame(self, name: str) -> pd.DataFrame:
        """One array as a labelled frame: ``lower``, ``upper``, ``assessed``, ``caps``, ``findings``, ``gates``.

        Statuses come as categorical columns of their labels (``applied``, ``raised``, ``passed``, ...).
        """
        import pandas as pd

        from ..prepare import as_index

        plan, index = self.plan, as_index(self.index)
        if name in ("lower", "upper", "raw_lower", "raw_upper", "assessed"):
            return pd.DataFrame(getattr(self, name), index=index, columns=list(plan.factors), copy=False)
        if name == "caps":
            return _labelled(self.caps, CAP_LABELS, index, [c.id for c in plan.caps])
        if name == "findings":
            return _labelled(self.findings, FINDING_LABELS, index, list(plan.findings))
        if name == "gates":
            return _labelled(self.gates, GATE_LABELS, index, list(plan.gates))
        raise KeyError(name)

    def take(self, rows: np.ndarray) -> Outcome:
        from ..prepare import take_keys

        pick = lambda a: None if a is None else a[rows]
        return Outcome(self.plan, take_keys(self.index, rows), self.lower[rows], self.upper[rows], self.raw_lower[rows],
                       self.raw_upper[rows], self.caps[rows], self.findings[rows], self.gates[rows],
                       self.assessed[rows], self.answered[rows], self.total, pick(self.atoms_lower),
                       pick(self.atoms_upper))

    @staticmethod
    def concat(parts: list[Outcome]) -> Outcome:
        from ..prepare import concat_keys

        first = parts[0]
        cat = lambda name: np.concatenate([getattr(p, name) for p in parts])
        atoms = all(p.atoms_lower is not None for p in parts)
        return Outcome(first.plan, concat_keys([p.index for p in parts]),
                       cat("lower"), cat("upper"), cat("raw_lower"), cat("raw_upper"), cat("caps"), cat("findings"),
                       cat("gates"), cat("assessed"), cat("answered"), first.total,
                       cat("atoms_lower") if atoms else None, cat("atoms_upper") if atoms else None)


def _labelled(codes: np.ndarray, labels: np.ndarray, index: pd.Index, columns: list[str]) -> pd.DataFrame:
    """Certainty codes as categorical columns of their labels (no string per cell)."""
    import pandas as pd

    return pd.DataFrame({c: pd.Categorical.from_codes(codes[:, k], categories=list(labels)) for k, c in enumerate(columns)},
                        index=index, columns=columns)


class Evaluator(Protocol):
    """Runs a plan on prepared answers. Implementations: ``durable`` (the reference) and ``vectorised``."""

    name: str

    def evaluate(self, prepared: Prepared, *, explain: bool = False) -> Outcome:
        """Levels, caps, findings and gates for every row; with ``explain`` the atoms that held too."""
        ...
