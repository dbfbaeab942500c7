"""Graph-derived indicator answers, and contradictions between the graph and the declared answers.

The derived indicators (``graph_*`` in the core ruleset) are computed from the governance
graph and applied to a profile by :func:`apply_governance`, the one function both
:meth:`maturity.Scorer.score` and :func:`maturity.table.answers_table` call. Each derived
answer cites ``governance graph`` and notes what in the graph supports it.

A governance section is read in the open world unless it says ``complete: true``: a path or
seat that the graph shows is known, but what it lacks may only be missing from the
description. So, in the open world, a yes/no indicator is known only when the graph shows
"yes", and counts (which more actors could change) stay unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import networkx as nx

from ..citations import Citation
from ..messages import _
from ..wording import sector_name
from ._graph import AUTHORITY, edges, is_higher, name, of_type, reach, typ
from .build import build_graph
from .detectors import LRAS, SEATING_BODIES, GapFinding, find_gaps
from .fragility import fragile_points
from .model import KEY_SECTORS, MIGRANT_ORGS, PLANS

if TYPE_CHECKING:  # pragma: no cover
    from ..profile import Answer, Profile
    from ..ruleset import Ruleset

__all__ = [
    "DERIVED_INDICATORS",
    "GRAPH_CITATION",
    "apply_governance",
    "declared_vs_graph",
    "derived_answers",
    "derived_values",
    "governance_gaps",
]

GRAPH_CITATION = Citation(source="governance", where="graph")


def _sorted_edges(G: nx.MultiDiGraph, *types: str) -> list:
    """Edges in id order, so that reasons do not depend on the order actors were listed in."""
    return sorted(edges(G, *types), key=lambda e: (str(e[0]), str(e[1]), e[2]))


def _alignment(G: nx.MultiDiGraph) -> tuple[bool, str]:
    A = nx.Graph()
    A.add_edges_from((u, v) for u, v, _ in edges(G, "aligned_with"))
    for p in sorted(of_type(G, ("local_development_plan", "investment_plan")), key=str):
        if p in A:
            for n in sorted(nx.node_connected_component(A, p), key=str):
                if typ(G, n) == "national_plan":
                    return True, _("%(plan)s is aligned (through aligned_with) with %(national)s") % {
                        "plan": name(G, p), "national": name(G, n)}
    return False, _("no local plan has an aligned_with path to a national plan")


def _line(G: nx.MultiDiGraph) -> tuple[bool, str]:
    side = set(of_type(G, AUTHORITY)) | set(of_type(G, ("local_development_plan", "investment_plan")))
    for u, v, t in _sorted_edges(G, "reports_to", "endorses"):
        if t == "reports_to" and u in side and is_higher(G, v):
            return True, _("%(actor)s reports to %(higher)s") % {"actor": name(G, u), "higher": name(G, v)}
        if t == "endorses" and v in side and is_higher(G, u) and typ(G, u) not in PLANS:
            return True, _("%(higher)s endorses %(actor)s") % {"higher": name(G, u), "actor": name(G, v)}
    return False, _("no reporting line to, or endorsement by, a regional or national actor")


def _national_endorsement(G: nx.MultiDiGraph) -> tuple[bool, str]:
    side = set(of_type(G, AUTHORITY)) | set(of_type(G, ("local_development_plan", "investment_plan")))
    for u, v, _k in _sorted_edges(G, "endorses"):
        if v in side and (typ(G, u) == "national_agency" or G.nodes[u].get("level") == "national") and typ(G, u) not in PLANS:
            return True, _("%(higher)s endorses %(actor)s") % {"higher": name(G, u), "actor": name(G, v)}
    return False, _("no national actor endorses the authority or its plans")


def _sectors(G: nx.MultiDiGraph, max_hops: int = 2) -> tuple[int, str]:
    near = reach(G, of_type(G, ("md_unit", "working_group")), cutoff=max_hops)
    found = sorted({G.nodes[d].get("sector") for d in of_type(G, ("department",))
                    if d in near and G.nodes[d].get("sector") in KEY_SECTORS})
    return len(found), _("sectors linked to the M&D unit or working group: %(sectors)s") % {
        "sectors": ", ".join(sector_name(x) for x in found) or _("none")}


def _seated(G: nx.MultiDiGraph) -> list:
    return sorted({u for u, v, _ in edges(G, "member_of") if typ(G, u) in MIGRANT_ORGS and typ(G, v) in SEATING_BODIES},
                  key=str)


def _seats(G: nx.MultiDiGraph) -> tuple[int, str]:
    seated = _seated(G)
    return len(seated), _("migrants' organisations on planning bodies: %(names)s") % {
        "names": ", ".join(name(G, n) for n in seated) or _("none")}


def _any_seat(G: nx.MultiDiGraph) -> tuple[bool, str]:
    n, text = _seats(G)
    return n > 0, text


def _lra(G: nx.MultiDiGraph) -> tuple[int, str]:
    pairs = sorted({tuple(sorted((str(u), str(v)))) for u, v, _ in edges(G, "partners_with")
                    if typ(G, u) in LRAS and typ(G, v) in LRAS})
    return len(pairs), _("agreements between authorities: %(pairs)s") % {"pairs": ", ".join(" - ".join(p) for p in pairs) or _("none")}


def _spof(G: nx.MultiDiGraph) -> tuple[int, str]:
    points, _cut = fragile_points(G)
    names = sorted(name(G, p) for p in points)
    return len(points), _("single actors linking migrants' organisations to government: %(names)s") % {
        "names": ", ".join(names) or _("none")}


# indicator id -> (computation, type); the ids are those of the core ruleset.
DERIVED_INDICATORS: dict[str, tuple[Callable[[nx.MultiDiGraph], tuple[Any, str]], str]] = {
    "graph_vertical_alignment_path": (_alignment, "boolean"),
    "graph_vertical_line": (_line, "boolean"),
    "graph_sector_departments_connected": (_sectors, "count"),
    "graph_migrants_seated": (_any_seat, "boolean"),
    "graph_migrant_seats": (_seats, "count"),
    "graph_lra_agreements": (_lra, "count"),
    "graph_single_points_of_failure": (_spof, "count"),
}


def derived_values(G: nx.MultiDiGraph) -> dict[str, tuple[Any, str]]:
    """Every derived indicator's value computed from ``G`` as if the graph were complete, with its reason."""
    return {ind: fn(G) for ind, (fn, _) in DERIVED_INDICATORS.items()}


def derived_answers(G: nx.MultiDiGraph, *, complete: bool | None = None) -> dict[str, Answer]:
    """The derived answers ``G`` supports; ``complete`` defaults to the graph's own flag.

    In the open world only "yes" answers to yes/no indicators are known; all else is unknown.
    """
    from ..profile import Answer

    complete = bool(G.graph.get("complete", False)) if complete is None else complete
    out = {}
    for ind, (value, reason) in derived_values(G).items():
        kind = DERIVED_INDICATORS[ind][1]
        if complete or (kind == "boolean" and value is True):
            out[ind] = Answer(value=value, source=GRAPH_CITATION,
                              note=_("derived from the governance graph: %(reason)s") % {"reason": reason})
        else:
            out[ind] = Answer(value="unknown", note=_("the governance section is not marked complete, so the graph "
                                                      "cannot establish this (%(reason)s)") % {"reason": reason})
    return out


def apply_governance(profile: Profile, ruleset: Ruleset | None = None) -> Profile:
    """``profile`` with its graph-derived answers applied; unchanged when it has no governance section.

    With ``ruleset``, only the derived indicators that the ruleset has are applied.
    """
    if profile.governance is None:
        return profile
    answers = derived_answers(build_graph(profile))
    if ruleset is not None:
        ids = {i.id for i in ruleset.indicators}
        answers = {k: v for k, v in answers.items() if k in ids}
    return profile.with_answers(answers) if answers else profile


# declared indicator -> (graph computation on the declared indicator's scale, kind)
_DECLARED: dict[str, tuple[Callable[[nx.MultiDiGraph], tuple[Any, str]], str]] = {
    "migrant_seats_planning_council": (_any_seat, "boolean"),
    "aligned_national_plan": (_alignment, "boolean"),
    "national_endorsement": (_national_endorsement, "boolean"),
    "lra_partnerships": (_lra, "count"),
    "sector_departments_linked": (_sectors, "count"),
}


def declared_vs_graph(profile: Profile, G: nx.MultiDiGraph | None = None) -> list[GapFinding]:
    """Declared answers the graph contradicts; neither is overridden, the contradiction is reported.

    The graph contradicts a declared answer when it shows more than the answer states (a
    seat the answer denies), or, for a complete section, less.
    """
    G = build_graph(profile) if G is None else G
    complete = bool(G.graph.get("complete", False))
    out = []
    for ind, (fn, kind) in _DECLARED.items():
        ans = profile.answers.get(ind)
        if ans is None or not ans.known:
            continue
        value, reason = fn(G)
        declared = ans.value
        if kind == "boolean":
            more, less = value is True and declared is False, complete and value is False and declared is True
        else:
            more = isinstance(declared, int) and value > declared
            less = complete and isinstance(declared, int) and value < declared
        if more or less:
            out.append(GapFinding(
                "declared_vs_graph", "warning", (ind,),
                _("the profile answers %(indicator)s = %(declared)r, but the governance graph gives %(graph)r (%(reason)s)") % {
                    "indicator": ind, "declared": declared, "graph": value, "reason": reason},
                _("Correct the answer or the governance section so that they agree; neither overrides the other."),
                (str(ans.source) if ans.source else "profile answers", str(GRAPH_CITATION))))
    return out


def governance_gaps(profile: Profile, *, max_hops: int = 2) -> list[GapFinding]:
    """Every coherence gap in a profile's governance graph, plus its contradictions with the declared answers."""
    G = build_graph(profile)
    return find_gaps(G, max_hops=max_hops) + declared_vs_graph(profile, G)
