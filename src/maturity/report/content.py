"""The content model of a territory's profile page: plain dataclasses, no behaviour.

:func:`maturity.report.profile_mode.profile_mode` builds it from an assessment. Profile mode
follows the IOM Local Migration Governance Indicators profiles: one territory, no rank, no
numbers unless asked. Per pillar it lists the *well-developed areas* (factors whose level, as
the known answers establish it, is at least ``established``), the *areas with potential for
development* (assessed factors below that) and the factors with *not enough information* to
assess them, each in words (questions and level names) with its evidence and sources once;
then the next steps with every way to the next level, the certain and the possible findings
apart, and the governance gaps. A benchmarking run adds the territory's seal box.

Templates (:mod:`maturity.report.html`) and text rendering only read this model.

"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

__all__ = [
    "WELL_DEVELOPED_LEVEL",
    "AreaItem",
    "EvidenceItem",
    "FindingItem",
    "GapItem",
    "MissingItem",
    "PartItem",
    "PillarSection",
    "ProfileContent",
    "ReasonItem",
    "StepItem",
    "WayItem",
]

#: Levels from which an area counts as well developed (3 ``established``, 4 ``mainstreamed``).
WELL_DEVELOPED_LEVEL = 3


@dataclass(frozen=True)
class EvidenceItem:
    indicator: str
    value: str
    source: str | None
    note: str | None
    question: str | None = None  # the indicator's question, when the ruleset is at hand


@dataclass(frozen=True)
class PartItem:
    """One condition of a way to a level, in words: the question, the answer it needs, its status.

    ``status``: ``met``, ``unmet`` (answered, not enough), ``unknown`` (not answered), or
    ``""`` when the answer's value is not at hand (a part that is neither unknown nor stated).
    """

    question: str
    needs: str
    indicator: str | None
    status: str


@dataclass(frozen=True)
class WayItem:
    """One way to reach a level: every part must hold. ``closest``: the way with the fewest parts missing."""

    parts: tuple[PartItem, ...]
    closest: bool


@dataclass(frozen=True)
class ReasonItem:
    level: int
    level_name: str
    conditions: tuple[str, ...]
    evidence: tuple[EvidenceItem, ...]
    sources: tuple[str, ...]
    note: str | None = None  # the ruleset's calibration note on this level, when it has one


@dataclass(frozen=True)
class MissingItem:
    condition: str
    indicator: str | None
    status: str  # unknown | unmet
    question: str | None


@dataclass(frozen=True)
class StepItem:
    """What a factor needs to reach its next level."""

    factor: str
    factor_title: str
    core: bool
    target_level: int
    target_name: str
    missing: tuple[MissingItem, ...]
    alternatives: int
    sources: tuple[str, ...]
    ways: tuple[WayItem, ...] = ()  # every way to ``target_level``, the closest first
    held_by: tuple[str, ...] = ()  # caps that keep the factor below ``target_level``, in words


@dataclass(frozen=True)
class AreaItem:
    """One success factor as an area of the profile."""

    factor: str
    title: str
    pillar: str
    core: bool
    assessed: bool
    level: int | None
    level_name: str
    lower_level: int
    upper_level: int
    score: float | None
    lower: float
    upper: float
    well_developed: bool
    unknown_indicators: tuple[str, ...]
    reasons: tuple[ReasonItem, ...]
    caps: tuple[str, ...]
    next_step: StepItem | None
    sources: tuple[str, ...]
    evidence: tuple[EvidenceItem, ...] = ()  # every answer its levels rest on, once
    unknown_questions: tuple[str, ...] = ()  # the questions of ``unknown_indicators``, in words
    level_meaning: str | None = None

    @property
    def bounds(self) -> str:
        return f"{self.lower_level}-{self.upper_level}"


@dataclass(frozen=True)
class PillarSection:
    id: str
    title: str
    score: float | None
    lower: float
    upper: float
    well_developed: tuple[AreaItem, ...]
    potential: tuple[AreaItem, ...]  # assessed, below the well-developed level
    not_assessed: tuple[AreaItem, ...] = ()  # not enough information to assess
    sufficient: bool = True  # False: below the ruleset's min_assessed, "insufficient evidence"

    @property
    def enough_information(self) -> bool:
        return bool(self.well_developed or self.potential)


@dataclass(frozen=True)
class FindingItem:
    id: str
    severity: str
    status: str  # raised | possible
    message: str
    action: str | None
    conditions: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class GapItem:
    kind: str
    severity: str
    actors: tuple[str, ...]
    explanation: str
    action: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class ProfileContent:
    """Everything a profile page shows, as plain data (no rank: one territory on its own)."""

    territory: dict[str, Any]
    ruleset: dict[str, Any]
    overall: dict[str, Any]
    completeness: dict[str, Any]
    pillars: tuple[PillarSection, ...]
    factors: tuple[AreaItem, ...]
    next_steps: tuple[StepItem, ...]
    findings: tuple[FindingItem, ...]
    governance_gaps: tuple[GapItem, ...]
    governance_available: bool
    governance_complete: bool | None
    well_developed_level: int
    seal_box: Any = None  # a maturity.report.seal_view.SealBox, on the pages of a benchmarking run

    @property
    def pillar_titles(self) -> dict[str, str]:
        return {p.id: p.title for p in self.pillars}

    @property
    def well_developed(self) -> tuple[AreaItem, ...]:
        return tuple(a for a in self.factors if a.well_developed)

    @property
    def potential(self) -> tuple[AreaItem, ...]:
        """Assessed areas below the well-developed level."""
        return tuple(a for a in self.factors if a.assessed and not a.well_developed)

    @property
    def not_assessed(self) -> tuple[AreaItem, ...]:
        """Areas with not enough information to assess them."""
        return tuple(a for a in self.factors if not a.assessed)

    @property
    def enough_information(self) -> bool:
        """False when no factor can be assessed on the known answers."""
        return any(a.assessed for a in self.factors)

    @property
    def certain_findings(self) -> tuple[FindingItem, ...]:
        return tuple(f for f in self.findings if f.status == "raised")

    @property
    def possible_findings(self) -> tuple[FindingItem, ...]:
        return tuple(f for f in self.findings if f.status == "possible")

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready data (with the ids of the well-developed areas and of the others)."""
        out = _lists(asdict(self))
        out["well_developed"] = [a.factor for a in self.well_developed]
        out["potential"] = [a.factor for a in self.potential]
        out["not_assessed"] = [a.factor for a in self.not_assessed]
        return out

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, default=str)


def _lists(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _lists(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_lists(v) for v in obj]
    return obj
