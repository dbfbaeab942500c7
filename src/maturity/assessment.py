"""The result of scoring one territory: typed, immutable, explainable, serialisable.

Statuses are explicit: a factor is *assessed* only when every answer of at least
one way of reaching its level 1 is known; an unassessed factor has no level and no
score, only bounds. A finding is *raised* when its condition is certain and *possible* when
it depends on unknown answers.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = [
    "Assessment",
    "CapResult",
    "Completeness",
    "Evidence",
    "FactorResult",
    "FindingResult",
    "Missing",
    "NextStep",
    "Overall",
    "PillarResult",
    "RankedStep",
    "Reason",
    "WhatIf",
]


@dataclass(frozen=True)
class Evidence:
    """An answer a rule used: its value as written in the profile, and where it comes from."""

    indicator: str
    value: Any
    known: bool
    source: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Reason:
    """Why a factor reached a level: the rule that fired, the comparisons, the answers, the sources."""

    level: int
    level_name: str
    rule: str
    conditions: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class CapResult:
    """A cross-factor cap on a factor: ``applied`` (certain) or ``possible`` (depends on unknowns)."""

    id: str
    status: Literal["applied", "possible"]
    max_level: int
    requires: str
    reason: str
    sources: tuple[str, ...]
    rule: str


@dataclass(frozen=True)
class Missing:
    """One unmet part of a condition: ``unknown`` (not answered) or ``unmet`` (answered, not enough).

    A cap that holds the factor down is listed first, with ``cap`` and the prerequisite factor
    ``requires``: ``unmet`` when the prerequisite cannot be reached on the known answers,
    ``unknown`` when it depends on answers not given yet.
    """

    condition: str
    indicator: str | None
    status: Literal["unknown", "unmet"]
    question: str | None = None
    cap: str | None = None
    requires: str | None = None

    @property
    def label(self) -> str:
        """``unanswered`` or ``unmet``, as the text and pages print it."""
        return "unanswered" if self.status == "unknown" else "unmet"


@dataclass(frozen=True)
class NextStep:
    """What is missing to reach ``target_level``: the closest way there, and alternatives."""

    target_level: int
    target_name: str
    missing: tuple[Missing, ...]
    alternatives: int
    sources: tuple[str, ...]


@dataclass(frozen=True)
class RankedStep:
    """A factor's next step with what taking it would do to the territory's rank measure.

    ``changes`` are answers that meet the step (and lift the caps that hold it); ``before`` and
    ``after`` are the measure ``by`` without and with them, ``sufficient_after`` whether the
    evidence then suffices for a score.
    """

    factor: str
    title: str
    target_level: int
    by: str
    before: float
    after: float
    sufficient_after: bool
    changes: dict[str, Any]

    @property
    def gain(self) -> float:
        return self.after - self.before


@dataclass(frozen=True)
class FactorResult:
    id: str
    title: str
    pillar: str
    core: bool
    weight: float
    assessed: bool
    level: int | None
    level_name: str
    score: float | None
    lower: float
    upper: float
    lower_level: int
    upper_level: int
    reasons: tuple[Reason, ...]
    caps: tuple[CapResult, ...]
    next_steps: tuple[NextStep, ...]
    unknown_indicators: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class PillarResult:
    id: str
    title: str
    weight: float
    score: float | None
    lower: float
    upper: float
    assessed_factors: tuple[str, ...]
    unassessed_factors: tuple[str, ...]
    assessed_share: float = 1.0
    sufficient: bool = True  # False: below the ruleset's min_assessed, no score ("insufficient evidence")


@dataclass(frozen=True)
class Overall:
    """The headline. Below the ruleset's ``min_assessed`` (``sufficient`` false) there is no score and
    no stage: ``stage_name`` reads "insufficient evidence" and only the bounds are given."""

    score: float | None
    lower: float
    upper: float
    stage: str | None
    stage_name: str | None
    stage_lower: str
    stage_upper: str
    assessed_share: float = 1.0
    min_assessed: float | None = None
    sufficient: bool = True

    @property
    def stage_settled(self) -> bool:
        """True when no answer to the unknowns could change the stage."""
        return self.stage_lower == self.stage_upper == self.stage


@dataclass(frozen=True)
class FindingResult:
    id: str
    severity: str
    status: Literal["raised", "possible"]
    message: str
    action: str | None
    rule: str
    conditions: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Completeness:
    answered: int
    total: int
    unknown: tuple[str, ...]
    unassessed_factors: tuple[str, ...]

    @property
    def share(self) -> float:
        """Share of the ruleset's indicators the profile answers (0 to 1)."""
        return self.answered / self.total if self.total else 1.0


def _plain(obj: Any) -> Any:
    if hasattr(obj, "__dataclass_fields__"):
        out = {k: _plain(v) for k, v in asdict(obj).items()}
        for prop in ("share", "stage_settled"):
            if hasattr(type(obj), prop):
                out[prop] = getattr(obj, prop)
        return out
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


@dataclass(frozen=True)
class Assessment:
    """A scored territory. ``what_if`` re-scores it with some answers changed."""

    territory: dict[str, Any]
    ruleset: dict[str, Any]
    overall: Overall
    pillars: tuple[PillarResult, ...]
    factors: tuple[FactorResult, ...]
    findings: tuple[FindingResult, ...]
    completeness: Completeness
    governance_gaps: tuple[dict[str, Any], ...] = ()  # coherence gaps of the profile's governance graph
    conditions_met: frozenset[str] | None = None  # the plan's comparisons the known answers meet (None: not kept)
    _scorer: Any = field(default=None, repr=False, compare=False)
    _profile: Any = field(default=None, repr=False, compare=False)  # the scored profile, for ranked next steps

    def factor(self, factor_id: str) -> FactorResult:
        for f in self.factors:
            if f.id == factor_id:
                return f
        raise KeyError(factor_id)

    def pillar(self, pillar_id: str) -> PillarResult:
        for p in self.pillars:
            if p.id == pillar_id:
                return p
        raise KeyError(pillar_id)

    def finding(self, finding_id: str) -> FindingResult | None:
        return next((f for f in self.findings if f.id == finding_id), None)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (the JSON documented in README.md)."""
        return {
            "territory": dict(self.territory),
            "ruleset": dict(self.ruleset),
            "overall": _plain(self.overall),
            "pillars": _plain(self.pillars),
            "factors": _plain(self.factors),
            "findings": _plain(self.findings),
            "completeness": _plain(self.completeness),
            "governance_gaps": _plain(self.governance_gaps),
            "ranked_next_steps": [{**_plain(st), "gain": st.gain} for st in self.ranked_next_steps(top=5)]
            if self._scorer is not None and self._profile is not None else [],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, default=str)

    @property
    def can_rank_steps(self) -> bool:
        """True when this assessment keeps its scorer and profile (so next steps can be re-evaluated)."""
        return self._scorer is not None and self._profile is not None

    def ranked_next_steps(self, by: str = "lower", top: int | None = None) -> list[RankedStep]:
        """The factors' next steps, the one that would raise the rank measure ``by`` most first.

        Each step is re-evaluated with answers that meet it (and lift the caps that hold it).
        """
        if self._scorer is None or self._profile is None:
            raise RuntimeError("this assessment was not produced by a scorer and cannot rank its next steps")
        steps = self._scorer.ranked_next_steps(self._profile, by=by)
        return steps if top is None else steps[:top]

    def what_if(self, changes: dict[str, Any]) -> WhatIf:
        """Re-score with some answers changed (values as a profile writes them, or ``"unknown"``).

        The changed answers are evaluated by durable_rules in a session of their own; this
        assessment keeps its answers.
        """
        if self._scorer is None:
            raise RuntimeError("this assessment was not produced by a scorer and cannot answer what-if questions")
        return self._scorer.what_if(self, changes)

    def close(self) -> None:
        """Free the engine session kept for ``what_if``."""
        if self._scorer is not None:
            self._scorer.release(self)


@dataclass(frozen=True)
class WhatIf:
    """The assessment after a change, and what moved."""

    changes: dict[str, Any]
    before: Assessment
    after: Assessment

    @property
    def factor_changes(self) -> dict[str, tuple[int | None, int | None]]:
        return {
            a.id: (a.level, b.level)
            for a, b in zip(self.before.factors, self.after.factors)
            if (a.level, a.lower_level, a.upper_level) != (b.level, b.lower_level, b.upper_level)
        }

    @property
    def findings_added(self) -> list[str]:
        before = {(f.id, f.status) for f in self.before.findings}
        return [f.id for f in self.after.findings if (f.id, f.status) not in before]

    @property
    def findings_removed(self) -> list[str]:
        after = {(f.id, f.status) for f in self.after.findings}
        return [f.id for f in self.before.findings if (f.id, f.status) not in after]

    def to_dict(self) -> dict[str, Any]:
        return {
            "changes": dict(self.changes),
            "overall": {"before": _plain(self.before.overall), "after": _plain(self.after.overall)},
            "factor_changes": {k: {"before": v[0], "after": v[1]} for k, v in self.factor_changes.items()},
            "findings_added": self.findings_added,
            "findings_removed": self.findings_removed,
        }
