"""The ``governance`` section of a profile: actors, relations and their cross-checks.

Actor and relation types come from controlled vocabularies; :func:`check_governance`
reports what a schema cannot express (unknown actor ids, relations that make no sense
for the types they join, duplicates, undeclared sources), each with its field path so
that the loader can add file and line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..citations import Citation
from ..errors import Problem, suggest
from ..messages import _

if TYPE_CHECKING:  # pragma: no cover
    from ..profile import Profile

__all__ = [
    "ACTOR_TYPES",
    "GOVERNMENT",
    "KEY_SECTORS",
    "LEVELS",
    "MIGRANT_ORGS",
    "PLANNING_BODIES",
    "PLANS",
    "RELATION_TYPES",
    "Actor",
    "ActorType",
    "Governance",
    "Level",
    "Relation",
    "RelationType",
    "check_governance",
]

ActorType = Literal[
    "local_government", "department", "planning_council", "working_group", "md_unit", "regional_body",
    "national_agency", "national_plan", "local_development_plan", "investment_plan", "migrant_association",
    "diaspora_organisation", "returnees", "civil_society", "faith_based_organisation", "academia",
    "private_sector", "financial_institution", "trade_union", "international_organisation", "partner_authority",
]
Level = Literal["local", "regional", "national", "transnational"]
RelationType = Literal[
    "member_of", "coordinates_with", "reports_to", "accountable_to", "funds", "endorses", "aligned_with",
    "partners_with", "consults", "informs", "represents",
]
ACTOR_TYPES: tuple[str, ...] = get_args(ActorType)
LEVELS: tuple[str, ...] = get_args(Level)
RELATION_TYPES: tuple[str, ...] = get_args(RelationType)

PLANS = frozenset({"national_plan", "local_development_plan", "investment_plan"})
PLANNING_BODIES = frozenset({"planning_council", "working_group", "md_unit"})
MIGRANT_ORGS = frozenset({"migrant_association", "diaspora_organisation", "returnees"})
GOVERNMENT = frozenset({"local_government", "department", "planning_council", "working_group", "md_unit",
                        "regional_body", "national_agency", "partner_authority"})
KEY_SECTORS = ("labour", "health", "education", "housing", "public_security")
# Relations whose target may be a plan (a plan is endorsed or funded); every other relation joins actors.
_PLAN_TARGETS = frozenset({"endorses", "funds", "aligned_with"})

_Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", description="lower case, digits, - and _")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Actor(_Model):
    """An organisation, body or plan taking part in (or framing) the mainstreaming process."""

    id: _Id
    name: str
    type: ActorType
    level: Level
    sector: str | None = Field(default=None, description="for departments: labour, health, education, housing, "
                               "public_security, planning, social_development, ...")
    mandate: str | None = Field(default=None, description="what the actor is mandated to do; two actors with the "
                                "same mandate and no link between them are an overlap")
    source: Citation | None = None
    note: str | None = None


class Relation(_Model):
    """A directed link: ``source`` <type> ``target`` (e.g. a department ``member_of`` a working group)."""

    source: _Id
    target: _Id
    type: RelationType
    agreement: str | None = Field(default=None, description="for partners_with: the agreement that seals it")
    years: list[Annotated[int, Field(ge=1900, le=2200)]] | None = None
    citation: Citation | None = Field(default=None, alias="cite",
                                      description="where the relation is stated, e.g. 'consolidated-reply Q1'")
    note: str | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Governance(_Model):
    """Actors and relations; ``complete: true`` states that nothing else exists (absent means absent)."""

    complete: bool = Field(default=False, description="true when the section lists every actor and relation, so "
                           "that what the graph lacks may be read as missing")
    actors: list[Actor] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)
    note: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _none_lists(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {k: ([] if k in ("actors", "relations") and v is None else v) for k, v in data.items()}
        return data


def _relation_problem(rel: Relation, src: Actor, dst: Actor) -> str | None:
    """Why a relation makes no sense for the types it joins (None when it does)."""
    if rel.source == rel.target:
        return _("'%(actor)s' cannot be related to itself") % {"actor": rel.source}
    if rel.type == "aligned_with":
        if src.type not in PLANS or dst.type not in PLANS:
            return _("aligned_with joins two plans (national_plan, local_development_plan, investment_plan)")
        return None
    if src.type in PLANS:
        return _("a plan ('%(id)s', %(type)s) cannot be the source of %(relation)s; only aligned_with starts at a plan") % {
            "id": src.id, "type": src.type, "relation": rel.type}
    if dst.type in PLANS and rel.type not in _PLAN_TARGETS:
        return _("%(relation)s cannot point at a plan ('%(id)s', %(type)s); a plan is endorsed, funded or aligned with") % {
            "relation": rel.type, "id": dst.id, "type": dst.type}
    if rel.type == "member_of" and dst.type in ("returnees",):
        return _("returnees are not a body that others are members of")
    if rel.type == "represents" and src.type in ("national_plan",):
        return _("a plan represents no one")
    if rel.type == "partners_with" and src.type in ("returnees",) and dst.type in ("returnees",):
        return _("a partnership needs at least one organisation")
    return None


def check_governance(profile: Profile) -> list[Problem]:
    """Every problem of a profile's governance section (empty when there is none)."""
    gov = profile.governance
    if gov is None:
        return []
    out: list[Problem] = []
    base = ("governance",)
    declared_sources = {s.id for s in profile.sources}
    actors: dict[str, Actor] = {}
    for i, actor in enumerate(gov.actors):
        path = (*base, "actors", i)
        if actor.id in actors:
            out.append(Problem("duplicate-id", _("duplicate actor id '%(id)s'") % {"id": actor.id}, (*path, "id")))
        actors.setdefault(actor.id, actor)
        if actor.type == "department" and not actor.sector:
            out.append(Problem("missing-sector", _("department '%(id)s' needs a sector") % {"id": actor.id}, path,
                               hint=_("e.g. sector: labour (labour, health, education, housing, public_security, ...)")))
        if actor.source is not None and actor.source.source not in declared_sources:
            out.append(Problem("unknown-source", _("cites source '%(source)s', which the profile does not declare under sources")
                               % {"source": actor.source.source}, (*path, "source"), hint=suggest(actor.source.source, declared_sources)))
    seen: set[tuple[str, str, str]] = set()
    for i, rel in enumerate(gov.relations):
        path = (*base, "relations", i)
        missing = False
        for end in ("source", "target"):
            ident = getattr(rel, end)
            if ident not in actors:
                missing = True
                out.append(Problem("unknown-actor", _("unknown actor '%(id)s'") % {"id": ident}, (*path, end), hint=suggest(ident, actors)))
        if rel.citation is not None and rel.citation.source not in declared_sources:
            out.append(Problem("unknown-source", _("cites source '%(source)s', which the profile does not declare under sources")
                               % {"source": rel.citation.source}, (*path, "cite"), hint=suggest(rel.citation.source, declared_sources)))
        if rel.agreement is not None and rel.type != "partners_with":
            out.append(Problem("bad-relation", _("only partners_with relations carry an agreement"), (*path, "agreement")))
        key = (rel.source, rel.target, rel.type)
        symmetric = rel.type in ("coordinates_with", "partners_with", "aligned_with")
        if key in seen or (symmetric and (rel.target, rel.source, rel.type) in seen):
            out.append(Problem("duplicate-relation", _("duplicate relation %(source)s %(relation)s %(target)s") % {
                "source": rel.source, "relation": rel.type, "target": rel.target}, path))
        seen.add(key)
        if not missing:
            why = _relation_problem(rel, actors[rel.source], actors[rel.target])
            if why:
                out.append(Problem("bad-relation", why, (*path, "type")))
    return out
