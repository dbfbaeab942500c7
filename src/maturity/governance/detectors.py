"""Coherence-gap detectors: each takes the governance graph and returns ``GapFinding`` records.

Every detector has the networkx shape ``detect_x(G, *, options) -> list[GapFinding]`` and
reads only node types, levels and relation types; :func:`find_gaps` runs them all. The gaps
are those the JMDI consolidated reply points at (cited in each finding); fragility is the
project's own reading of the graph and says so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from itertools import combinations
from typing import Any, Literal

import networkx as nx

from ..messages import _
from ..wording import sector_name
from ._graph import AUTHORITY, edges, is_higher, name, neighbours, of_type, reach, typ
from .fragility import fragile_points
from .model import GOVERNMENT, KEY_SECTORS, MIGRANT_ORGS, PLANS

__all__ = [
    "GapFinding",
    "detect_accountability",
    "detect_decentralised_cooperation",
    "detect_fragility",
    "detect_horizontal",
    "detect_isolation",
    "detect_overlapping_mandates",
    "detect_participation",
    "detect_vertical",
    "find_gaps",
]

Severity = Literal["info", "warning", "critical"]

SEATING_BODIES = frozenset({"planning_council", "working_group"})
LRAS = frozenset({"local_government", "partner_authority"})


@dataclass(frozen=True)
class GapFinding:
    """One coherence gap: what kind, how serious, who is involved, why, what to do, and where it comes from."""

    kind: str
    severity: Severity
    actors: tuple[str, ...]
    explanation: str
    action: str
    sources: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "actors": list(self.actors), "sources": list(self.sources)}

    def __str__(self) -> str:
        return f"[{self.severity}] {self.kind}: {self.explanation} -> {self.action}"


def _sorted(findings: Iterable[GapFinding]) -> list[GapFinding]:
    return sorted(findings, key=lambda f: (f.kind, f.actors, f.explanation))


def detect_vertical(G: nx.MultiDiGraph) -> list[GapFinding]:
    """Local plans with no ``aligned_with`` path to a national plan; an authority with no line upwards.

    Alignment is followed in either direction, through ``aligned_with`` relations only. The
    line upwards is a ``reports_to`` from the authority's side to a regional or national
    actor, or an ``endorses`` from such an actor to the authority's side or its plans.
    """
    out = []
    cite = ("consolidated-reply Q4 Costa Rica", "consolidated-reply Q4 Philippines")
    plans = of_type(G, ("local_development_plan", "investment_plan"))
    national = of_type(G, ("national_plan",))
    if plans:
        A = nx.Graph()
        A.add_nodes_from(plans + national)
        A.add_edges_from((u, v) for u, v, _rel in edges(G, "aligned_with"))
        linked: set = set()
        for n in national:
            linked |= nx.node_connected_component(A, n)
        for p in plans:
            if p not in linked:
                out.append(GapFinding(
                    "vertical_alignment", "warning", (p,),
                    (_("%(plan)s has no chain of alignment to a national plan") if national
                     else _("%(plan)s has no chain of alignment to a national plan (the graph holds no national plan)"))
                    % {"plan": name(G, p)},
                    _("Align the plan with the regional and national development plans, or record the alignment."),
                    cite))
    authority = of_type(G, AUTHORITY)
    if authority:
        side = set(authority) | set(plans)
        line = any((u in side and is_higher(G, v) and t == "reports_to")
                   or (t == "endorses" and is_higher(G, u) and typ(G, u) not in PLANS and v in side)
                   for u, v, t in edges(G, "reports_to", "endorses"))
        if not line:
            lgs = of_type(G, ("local_government",)) or authority
            out.append(GapFinding(
                "vertical_line", "warning", tuple(sorted(map(str, lgs))),
                _("No endorsement by, or reporting line to, a regional or national actor"),
                _("Seek national endorsement of the local model and a reporting line to the regional or national level."),
                cite))
    return _sorted(out)


def detect_horizontal(G: nx.MultiDiGraph, *, max_hops: int = 2,
                      sectors: Iterable[str] = KEY_SECTORS) -> list[GapFinding]:
    """Key sector departments further than ``max_hops`` from the M&D unit or working group; no inter-departmental body.

    Distance ignores direction and relation type. An inter-departmental body is a working
    group, planning council or M&D unit with at least two departments as members.
    """
    out = []
    cite = ("consolidated-reply Q3 (ii)", "consolidated-reply Q1")
    wanted = set(sectors)
    hubs = of_type(G, ("md_unit", "working_group"))
    depts = of_type(G, ("department",))
    near = reach(G, hubs, cutoff=max_hops)
    for d in depts:
        if G.nodes[d].get("sector") in wanted and d not in near:
            out.append(GapFinding(
                "horizontal_department", "warning", (d,),
                (_("%(department)s (%(sector)s) is not linked to the M&D unit or working group within %(hops)s step(s)")
                 if hubs else _("%(department)s (%(sector)s) is not linked to the M&D unit or working group within "
                                "%(hops)s step(s); the graph has no M&D unit or working group"))
                % {"department": name(G, d), "sector": sector_name(G.nodes[d].get("sector")), "hops": max_hops},
                _("Bring the department into the M&D working group or set up coordination with the unit."), cite))
    if len(depts) >= 2:
        members: dict = defaultdict(set)
        for u, v, _rel in edges(G, "member_of"):
            if typ(G, u) == "department" and typ(G, v) in ("working_group", "planning_council", "md_unit"):
                members[v].add(u)
        if not any(len(m) >= 2 for m in members.values()):
            out.append(GapFinding(
                "horizontal_no_interdepartmental_body", "warning", tuple(sorted(map(str, depts))),
                _("No working group or council brings two or more departments together"),
                _("Set up an inter-departmental working group to steer migration work across sectors."), cite))
    return _sorted(out)


def detect_participation(G: nx.MultiDiGraph) -> list[GapFinding]:
    """Migrants' organisations that are members of no planning body, or reach one only through an intermediary.

    Planning bodies are planning councils and working groups. An intermediary is an actor
    that ``represents`` the organisation, or that it is a ``member_of``, and that itself sits
    on a planning body.
    """
    out = []
    cite = ("consolidated-reply Q1", "consolidated-reply Q3")
    seats: dict = defaultdict(set)
    for u, v, _rel in edges(G, "member_of"):
        if typ(G, v) in SEATING_BODIES:
            seats[u].add(v)
    via: dict = defaultdict(set)
    for u, v, t in edges(G, "represents", "member_of"):
        org, mid = (v, u) if t == "represents" else (u, v)
        if typ(G, org) in MIGRANT_ORGS and mid != org and seats.get(mid):
            via[org].add(mid)
    for org in of_type(G, MIGRANT_ORGS):
        if seats.get(org):
            continue
        if via.get(org):
            mids = sorted(map(str, via[org]))
            out.append(GapFinding(
                "participation_intermediary", "info", (org, *mids),
                _("%(organisation)s reaches planning bodies only through %(intermediaries)s") % {
                    "organisation": name(G, org), "intermediaries": ", ".join(name(G, m) for m in mids)},
                _("Give the organisation its own seat on the planning council or working group."), cite))
        else:
            out.append(GapFinding(
                "participation_unseated", "warning", (org,),
                _("%(organisation)s is a member of no planning council or working group") % {"organisation": name(G, org)},
                _("Seat migrants' representatives on the planning council or the M&D working group."), cite))
    return _sorted(out)


def detect_accountability(G: nx.MultiDiGraph) -> list[GapFinding]:
    """Accountability only upward, only downward, or neither.

    Upward: the authority's side ``reports_to`` a regional or national actor. Downward: it is
    ``accountable_to`` a non-governmental actor (migrants' organisations, civil society, ...).
    """
    authority = set(of_type(G, AUTHORITY))
    if not authority:
        return []
    up = any(u in authority and is_higher(G, v) for u, v, _rel in edges(G, "reports_to"))
    down = any(u in authority and typ(G, v) not in GOVERNMENT and typ(G, v) not in PLANS
               for u, v, _rel in edges(G, "accountable_to"))
    if up and down:
        return []
    kind, text, action = {
        (True, False): ("accountability_upward_only", _("The authority reports upwards but is accountable to no local actor"),
                        _("Account for migration work to migrants and the local population.")),
        (False, True): ("accountability_downward_only", _("The authority is accountable locally but reports to no higher level"),
                        _("Set up reporting on migration work to the regional or national level.")),
        (False, False): ("accountability_none", _("No accountability line, upward or downward"),
                         _("Set up reporting upwards and accountability to migrants and the local population.")),
    }[(up, down)]
    lgs = of_type(G, ("local_government",)) or sorted(authority, key=str)
    return [GapFinding(kind, "warning", tuple(sorted(map(str, lgs))), text, action,
                       ("consolidated-reply Q4 South Africa", "consolidated-reply Q2"))]


def detect_decentralised_cooperation(G: nx.MultiDiGraph) -> list[GapFinding]:
    """Partnerships with diaspora or migrants' associations but no authority-to-authority agreement."""
    diaspora, lra = set(), 0
    for u, v, _rel in edges(G, "partners_with"):
        tu, tv = typ(G, u), typ(G, v)
        if tu in LRAS and tv in LRAS:
            lra += 1
        elif (tu in AUTHORITY and tv in MIGRANT_ORGS) or (tv in AUTHORITY and tu in MIGRANT_ORGS):
            diaspora.add(v if tv in MIGRANT_ORGS else u)
    if not diaspora or lra:
        return []
    return [GapFinding(
        "cooperation_only_with_diaspora", "warning", tuple(sorted(map(str, diaspora))),
        _("Cooperation is agreed directly with diaspora or migrants' associations, with no agreement between authorities"),
        _("Seal the cooperation in an agreement between the local or regional authorities, with the associations as partners."),
        ("consolidated-reply Q2",))]


def detect_overlapping_mandates(G: nx.MultiDiGraph) -> list[GapFinding]:
    """Pairs of actors with the same ``mandate`` that have no relation and no body in common."""
    groups: dict = defaultdict(list)
    for n, m in G.nodes(data="mandate"):
        if m and typ(G, n) not in PLANS:
            groups[" ".join(str(m).lower().split())].append(n)
    out = []
    for mandate, actors in groups.items():
        for a, b in combinations(sorted(actors, key=str), 2):
            if b in neighbours(G, a):
                continue
            if _bodies(G, a) & _bodies(G, b):
                continue
            out.append(GapFinding(
                "overlapping_mandates", "warning", (a, b),
                _("%(first)s and %(second)s share the mandate '%(mandate)s' with no coordination between them") % {
                    "first": name(G, a), "second": name(G, b), "mandate": mandate},
                _("Agree who does what, or link the two through a coordination relation or a common body."),
                ("consolidated-reply Q2", "consolidated-reply Conclusion")))
    return _sorted(out)


def _bodies(G: nx.MultiDiGraph, n: object) -> set:
    return {v for _, v, k, t in G.out_edges(n, keys=True, data="relation") if (t or k) == "member_of"}


def detect_isolation(G: nx.MultiDiGraph) -> list[GapFinding]:
    """Actors with no path (in any direction) to the authority or its bodies."""
    core = of_type(G, AUTHORITY)
    if not core:
        return []
    linked = reach(G, core)
    out = []
    for n in G:
        if n in linked:
            continue
        plan = typ(G, n) in PLANS
        out.append(GapFinding(
            "isolation", "info" if plan else "warning", (n,),
            _("%(actor)s is not connected to the mainstreaming process") % {"actor": name(G, n)},
            _("Link the plan to the local plans.") if plan else _("Involve the actor (consultation, membership or partnership)."),
            ("consolidated-reply Q3",)))
    return _sorted(out)


def detect_fragility(G: nx.MultiDiGraph) -> list[GapFinding]:
    """Single actors or single relations whose loss would cut migrants' organisations off from government.

    An actor (not itself governmental) is a single point of failure when removing it leaves
    some migrants' organisation, connected to government before, with no path to any
    governmental actor; likewise a relation (a bridge). Not from the sources: the project's
    reading of the graph (networkx-style articulation points and bridges, restricted to the
    migrants-to-government link).
    """
    points, bridges = fragile_points(G)
    cite = (_("governance graph (project rule, not in the sources)"),)
    out = [GapFinding(
        "fragility_single_actor", "warning", (a, *sorted(map(str, cut))),
        _("%(actor)s is the only link between %(n)s migrants' organisation(s) and government") % {"actor": name(G, a), "n": len(cut)},
        _("Create direct links between those organisations and the authority, or a second intermediary."), cite)
        for a, cut in points.items()]
    out += [GapFinding(
        "fragility_single_relation", "info", (*sorted(map(str, e)), *sorted(map(str, cut))),
        _("The relation between %(first)s and %(second)s is the only link of %(n)s migrants' organisation(s) to government")
        % {"first": name(G, e[0]), "second": name(G, e[1]), "n": len(cut)},
        _("Add a second channel (membership of a planning body, consultation)."), cite)
        for e, cut in bridges.items()]
    return _sorted(out)


DETECTORS = (detect_vertical, detect_horizontal, detect_participation, detect_accountability,
             detect_decentralised_cooperation, detect_overlapping_mandates, detect_isolation, detect_fragility)


def find_gaps(G: nx.MultiDiGraph, *, max_hops: int = 2) -> list[GapFinding]:
    """Every detector's findings, sorted by kind and actors."""
    out: list[GapFinding] = []
    for detect in DETECTORS:
        out += detect(G, max_hops=max_hops) if detect is detect_horizontal else detect(G)
    return _sorted(out)
