"""The ruleset format (``kind: ruleset``, ``format_version: 1``) as pydantic models.

These models only declare; ``maturity.checks`` cross-checks them, ``maturity.plan``
compiles them and ``maturity.engine`` evaluates the compiled plan.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from .citations import Citation, SourceDoc
from .conditions import Condition, LevelCheck

__all__ = [
    "SUPPORTED_FORMAT_VERSIONS",
    "Aggregation",
    "BooleanIndicator",
    "Cap",
    "CountIndicator",
    "Factor",
    "Finding",
    "Indicator",
    "LevelDef",
    "LevelRule",
    "MinAssessed",
    "NumberIndicator",
    "OrdinalIndicator",
    "Pillar",
    "Ruleset",
    "Stage",
    "YearIndicator",
]

SUPPORTED_FORMAT_VERSIONS = (1,)
Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", description="lower_snake_case identifier")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LevelDef(_Model):
    """One step of the maturity scale."""

    level: int = Field(ge=0)
    name: str
    meaning: str
    score: float = Field(ge=0, le=100, description="0-100 score of a factor at this level")


class _IndicatorBase(_Model):
    id: Id
    question: str
    help: str | None = None
    sources: list[Citation] = Field(min_length=1)


class BooleanIndicator(_IndicatorBase):
    """A yes/no question; ``better`` is the answer that counts in the territory's favour."""

    type: Literal["boolean"]
    better: bool = True


class OrdinalIndicator(_IndicatorBase):
    """Named, ordered answers, listed from worst to best."""

    type: Literal["ordinal"]
    scale: list[str] = Field(min_length=2)
    labels: dict[str, str] | None = Field(
        default=None, description="the words readers see for scale values (default: the value, underscores as spaces)")

    def label(self, value: str) -> str:
        """The words for a scale value."""
        return (self.labels or {}).get(value) or value.replace("_", " ")


class NumberIndicator(_IndicatorBase):
    type: Literal["number"]
    unit: str
    better: Literal["higher", "lower"] = "higher"
    minimum: float | None = None
    maximum: float | None = None


class CountIndicator(_IndicatorBase):
    type: Literal["count"]
    better: Literal["higher", "lower"] = "higher"


class YearIndicator(_IndicatorBase):
    """A calendar year; by default an earlier year (a longer record) is better."""

    type: Literal["year"]
    better: Literal["higher", "lower"] = "lower"


Indicator = Annotated[
    BooleanIndicator | OrdinalIndicator | NumberIndicator | CountIndicator | YearIndicator,
    Field(discriminator="type"),
]


class Pillar(_Model):
    id: Id
    title: str
    weight: float = Field(default=1.0, gt=0)
    description: str | None = None


class LevelRule(_Model):
    """The condition that lifts a factor to one level, given the level below."""

    when: Condition
    sources: list[Citation] = Field(min_length=1)
    note: str | None = None


class Factor(_Model):
    id: Id
    title: str
    pillar: str
    weight: float = Field(default=1.0, gt=0)
    core: bool = False
    description: str | None = None
    sources: list[Citation] = Field(min_length=1)
    levels: dict[int, LevelRule] = Field(description="condition per level above 0; levels are cumulative")


class Cap(_Model):
    """``factor`` cannot exceed ``max_level`` unless the ``unless`` check holds."""

    id: Id
    factor: str
    max_level: int = Field(ge=0)
    unless: LevelCheck
    reason: str
    sources: list[Citation] = Field(min_length=1)


class Finding(_Model):
    """A warning raised when its condition holds."""

    id: Id
    severity: Literal["info", "warning", "critical"] = "warning"
    when: Condition
    message: str
    action: str | None = Field(default=None, description="what the territory can do about it")
    sources: list[Citation] = Field(min_length=1)


class Stage(_Model):
    id: Id
    name: str
    min_score: float = Field(ge=0, le=100)
    meaning: str | None = None


class MinAssessed(_Model):
    """The data-availability threshold: the share of a pillar's (or of all) factors that must be assessed.

    ``of: weight`` measures the share by the ruleset's declared weights, ``of: factors`` by count.
    """

    share: float = Field(gt=0, le=1)
    of: Literal["weight", "factors"] = "weight"


class Aggregation(_Model):
    """How factor scores roll up: weighted means over the factors that could be assessed.

    Below ``min_assessed`` a pillar or the overall has no score and no stage ("insufficient
    evidence"), only bounds. Without it, only a pillar (overall) with nothing assessed has none.
    """

    method: Literal["arithmetic", "geometric"] = "arithmetic"
    min_assessed: MinAssessed | None = None
    stages: list[Stage] = Field(min_length=1)


class Ruleset(_Model):
    kind: Literal["ruleset"]
    format_version: Literal[1]
    id: Id
    version: str
    title: str
    description: str | None = None
    sources: list[SourceDoc] = Field(min_length=1)
    levels: list[LevelDef] = Field(min_length=2)
    indicators: list[Indicator] = Field(min_length=1)
    pillars: list[Pillar] = Field(min_length=1)
    factors: list[Factor] = Field(min_length=1)
    caps: list[Cap] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    aggregation: Aggregation

    @property
    def max_level(self) -> int:
        return max(lv.level for lv in self.levels)

    def indicator(self, indicator_id: str) -> Indicator:
        return next(i for i in self.indicators if i.id == indicator_id)

    def factor(self, factor_id: str) -> Factor:
        return next(f for f in self.factors if f.id == factor_id)

    def level_def(self, level: int) -> LevelDef:
        return next(lv for lv in self.levels if lv.level == level)
