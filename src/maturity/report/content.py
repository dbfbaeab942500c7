"""The content model of a territory's profile page: plain dataclasses, no behaviour.

:func:`maturity.report.profile_mode.profile_mode` builds it from an assessment. Profile mode follows the IOM Local Migration Governance Indicators profiles: one territory,
no rank. Per pillar it lists the *well-developed areas* (factors whose level, as the known
answers establish it, is at least ``established``) and the *areas with potential for
development* (every other factor, with its bounds and the answers still unknown), then the
next steps, the findings and the governance gaps.

Templates (:mod:`maturity.report.html`) and text rendering only read this model.

"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Optional


__all__ = [
    "WELL_DEVELOPED_LEVEL",
    "EvidenceItem",
    "ReasonItem",
    "MissingItem",
    "StepItem",
    "AreaItem",
    "PillarSection",
    "FindingItem",
    "GapItem",
    "ProfileContent",
]

#: Levels from which an area counts as well developed (3 ``established``, 4 ``mainstreamed``).
WELL_DEVELOPED_LEVEL = 3


@dataclass(frozen=True)
class EvidenceItem:
    indicator: str
    value: str
    source: Optional[str]
    note: Optional[str]


@dataclass(frozen=True)
class ReasonItem:
    level: int
    level_name: str
    conditions: tuple[str, ...]
    evidence: tuple[EvidenceItem, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class MissingItem:
    condition: str
    indicator: Optional[str]
    status: str  # unknown | unmet
    question: Optional[str]


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


@dataclass(frozen=True)
class AreaItem:
    """One success factor as an area of the profile."""

    factor: str
    title: str
    pillar: str
    core: bool
    assessed: bool
    level: Optional[int]
    level_name: str
    lower_level: int
    upper_level: int
    score: Optional[float]
    lower: float
    upper: float
    well_developed: bool
    unknown_indicators: tuple[str, ...]
    reasons: tuple[ReasonItem, ...]
    caps: tuple[str, ...]
    next_step: Optional[StepItem]
    sources: tuple[str, ...]

    @property
    def bounds(self) -> str:
        return f"{self.lower_level}-{self.upper_level}"


@dataclass(frozen=True)
class PillarSection:
    id: str
    title: str
    score: Optional[float]
    lower: float
    upper: float
    well_developed: tuple[AreaItem, ...]
    potential: tuple[AreaItem, ...]
    sufficient: bool = True  # False: below the ruleset's min_assessed, "insufficient evidence"


@dataclass(frozen=True)
class FindingItem:
    id: str
    severity: str
    status: str  # raised | possible
    message: str
    action: Optional[str]
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
    governance_complete: Optional[bool]
    well_developed_level: int

    @property
    def well_developed(self) -> tuple[AreaItem, ...]:
        return tuple(a for a in self.factors if a.well_developed)

    @property
    def potential(self) -> tuple[AreaItem, ...]:
        return tuple(a for a in self.factors if not a.well_developed)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready data (with the ids of the well-developed areas and of the others)."""
        out = _lists(asdict(self))
        out["well_developed"] = [a.factor for a in self.well_developed]
        out["potential"] = [a.factor for a in self.potential]
        return out

    def to_json(self, indent: Optional[int] = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, default=str)


def _lists(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _lists(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_lists(v) for v in obj]
    return obj
