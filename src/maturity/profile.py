"""The territorial profile format (``kind: profile``, ``format_version: 1``).

A profile states what is known about a territory, each answer with its source.
Whatever it does not state is ``unknown``: never silently "no".
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import Annotated, Any, Literal, Union, overload

from pydantic import BaseModel, ConfigDict, Field, model_serializer, model_validator

from .cells import ADMIN_LEVELS, RANGE_KEYS, Range, is_unknown
from .citations import Citation, SourceDoc
from .governance.model import Governance

__all__ = [
    "ADMIN_LEVELS",
    "DECENTRALISATION_DEGREES",
    "UNKNOWN",
    "Answer",
    "Context",
    "Decentralisation",
    "Profile",
    "ProfilesOnDemand",
    "Territory",
    "population_band",
]

UNKNOWN = "unknown"
Value = Union[bool, int, float, str, Range]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Territory(_Model):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    name: str
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code")]
    level: Literal["region", "province", "city", "municipality", "district", "county", "state", "other"]
    parent: str | None = None
    assessment_year: int | None = Field(default=None, ge=1900, le=2200)


DECENTRALISATION_DEGREES = ("low", "medium", "high")


class Decentralisation(_Model):
    """What can be expected of the authority: context that is never scored (consolidated-reply Q2, Conclusion)."""

    degree: Literal["low", "medium", "high"] | None = Field(
        default=None, description="the profile author's reading of how far competencies and resources are "
        "decentralised to the authority; a peer-group column in runs (--peers decentralisation), never scored")
    competencies: list[str] = Field(default_factory=list)
    national_support: str | None = None
    note: str | None = None
    source: Citation | None = None


class Context(_Model):
    decentralisation: Decentralisation | None = None
    population: int | None = Field(default=None, ge=0)
    population_source: Citation | None = None
    region: str | None = None
    note: str | None = None


class Answer(_Model):
    """A value (or ``unknown``) with its source and a note.

    A bare scalar in YAML is the value: ``budget_line: unknown``.
    """

    value: Value
    source: Citation | None = None
    note: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: Any) -> Any:
        if data is None:
            return {"value": UNKNOWN}
        if isinstance(data, (bool, int, float, str, Range)):
            return {"value": data}
        if isinstance(data, dict) and "value" not in data and set(data) & set(RANGE_KEYS):  # {at_least: 5, source: ...}
            return {"value": {k: v for k, v in data.items() if k in RANGE_KEYS},
                    **{k: v for k, v in data.items() if k not in RANGE_KEYS}}
        return data

    @property
    def known(self) -> bool:
        """False for ``unknown``, a blank or NaN (:func:`maturity.cells.is_unknown`)."""
        return not is_unknown(self.value)

    @model_serializer
    def _dump(self) -> Any:
        if not self.known and self.source is None and self.note is None:
            return UNKNOWN
        out: dict[str, Any] = {"value": self.value}
        if self.source is not None:
            out["source"] = str(self.source)
        if self.note is not None:
            out["note"] = self.note
        return out


class Profile(_Model):
    kind: Literal["profile"]
    format_version: Literal[1]
    territory: Territory
    synthetic: bool = False
    context: Context = Field(default_factory=Context)
    sources: list[SourceDoc] = Field(default_factory=list)
    answers: dict[str, Answer] = Field(default_factory=dict)
    governance: Governance | None = Field(default=None, description="actors and relations of the mainstreaming "
                                          "process (see docs/formats.md, Governance section)")

    def answer(self, indicator_id: str) -> Answer:
        """The answer for ``indicator_id``; ``unknown`` when the profile is silent."""
        return self.answers.get(indicator_id) or Answer(value=UNKNOWN)

    def with_answers(self, changes: dict[str, Any]) -> Profile:
        """A copy with some answers replaced (values or ``Answer`` objects)."""
        answers = dict(self.answers)
        for key, val in changes.items():
            answers[key] = val if isinstance(val, Answer) else Answer.model_validate(val)
        return self.model_copy(update={"answers": answers})


def population_band(population: int | None) -> str | None:
    """The population band of the ``population_band`` column: ``<50k``, ``50k-250k``, ``250k-1M``, ``>=1M``."""
    if population is None:
        return None
    for limit, name in ((50_000, "<50k"), (250_000, "50k-250k"), (1_000_000, "250k-1M")):
        if population < limit:
            return name
    return ">=1M"


class ProfilesOnDemand(Sequence["Profile"]):
    """Profiles made when asked for, one at a time (a large sheet never holds them all)."""

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def profile_at(self, i: int) -> Profile:
        """The profile at position ``i`` (negative counts from the end)."""

    @overload
    def __getitem__(self, i: int) -> Profile: ...

    @overload
    def __getitem__(self, i: slice) -> list[Profile]: ...

    def __getitem__(self, i: int | slice) -> Profile | list[Profile]:
        if isinstance(i, slice):
            return [self.profile_at(k) for k in range(*i.indices(len(self)))]
        return self.profile_at(i)
