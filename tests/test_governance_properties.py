"""Properties of the governance detectors on generated graphs (hypothesis)."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from governance_helpers import actor, graph
from maturity.governance import detect_fragility, detect_horizontal, detect_isolation, detect_participation, find_gaps
from maturity.governance.derive import derived_values
from maturity.governance.fragility import fragile_points
from maturity.governance.model import GOVERNMENT, MIGRANT_ORGS

SETTINGS = settings(max_examples=60, deadline=None)
TYPES = ["local_government", "department", "md_unit", "working_group", "planning_council", "migrant_association",
         "diaspora_organisation", "returnees", "civil_society", "faith_based_organisation", "national_agency", "academia"]
SECTORS = ["labour", "health", "education", "housing", "public_security", "planning"]
# relation types valid between any two non-plan actors (member_of may not point at returnees)
RELATIONS = ["coordinates_with", "consults", "informs", "represents", "member_of", "reports_to", "accountable_to"]


@st.composite
def governance_graphs(draw, max_actors: int = 9):
    n = draw(st.integers(2, max_actors))
    types = draw(st.lists(st.sampled_from(TYPES), min_size=n, max_size=n))
    actors = [actor(f"a{i}", t, **({"sector": draw(st.sampled_from(SECTORS))} if t == "department" else {}))
              for i, t in enumerate(types)]
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.sampled_from(RELATIONS)),
                          max_size=2 * n))
    rels, seen = [], set()
    for s, d, t in pairs:
        if s == d or (t == "member_of" and types[d] == "returnees") or (s, d, t) in seen or (d, s, t) in seen:
            continue
        seen.add((s, d, t))
        rels.append((f"a{s}", t, f"a{d}"))
    return actors, rels


@SETTINGS
@given(governance_graphs(), st.data())
def test_coordinating_a_department_with_the_unit_never_adds_a_horizontal_gap(spec, data):
    actors, rels = spec
    actors = [*actors, actor("unit", "md_unit")]
    depts = [a["id"] for a in actors if a["type"] == "department"]
    before = set(detect_horizontal(graph(actors, rels)))
    if not depts:
        return
    dept = data.draw(st.sampled_from(depts))
    if (dept, "coordinates_with", "unit") in rels:
        return
    after = set(detect_horizontal(graph(actors, [*rels, (dept, "coordinates_with", "unit")])))
    assert after <= before


def _brute_fragile(G: nx.MultiDiGraph) -> dict:
    U = nx.Graph(G.to_undirected())
    gov = {n for n in U if G.nodes[n]["type"] in GOVERNMENT}
    mig = {n for n in U if G.nodes[n]["type"] in MIGRANT_ORGS}

    def cut_off(H, removed):
        lost = set()
        for m in mig - {removed}:
            had = bool(nx.node_connected_component(U, m) & gov)
            has = bool(nx.node_connected_component(H, m) & gov)
            if had and not has:
                lost.add(m)
        return lost

    out = {}
    for c in U:
        if c in gov:
            continue
        H = U.copy()
        H.remove_node(c)
        lost = cut_off(H, c)
        if lost:
            out[c] = lost
    return out


def _brute_bridges(G: nx.MultiDiGraph) -> dict:
    U = nx.Graph(G.to_undirected())
    U.remove_edges_from(list(nx.selfloop_edges(U)))
    gov = {n for n in U if G.nodes[n]["type"] in GOVERNMENT}
    mig = {n for n in U if G.nodes[n]["type"] in MIGRANT_ORGS}
    out = {}
    for u, v in list(U.edges()):
        H = U.copy()
        H.remove_edge(u, v)
        lost = {m for m in mig if nx.node_connected_component(U, m) & gov and not nx.node_connected_component(H, m) & gov}
        if lost:
            out[frozenset((u, v))] = lost
    return out


@SETTINGS
@given(governance_graphs())
def test_fragility_agrees_with_brute_force(spec):
    G = graph(*spec)
    points, bridges = fragile_points(G)
    assert {k: set(v) for k, v in points.items()} == _brute_fragile(G)
    assert {frozenset(k): set(v) for k, v in bridges.items()} == _brute_bridges(G)


@SETTINGS
@given(governance_graphs())
def test_isolation_and_participation_agree_with_their_definitions(spec):
    G = graph(*spec)
    U = G.to_undirected()
    core = {n for n in G if G.nodes[n]["type"] in {"local_government", "department", "planning_council", "working_group", "md_unit"}}
    linked = set().union(*(nx.node_connected_component(U, c) for c in core)) if core else set(G)
    assert {f.actors[0] for f in detect_isolation(G)} == set(G) - linked
    seated = {u for u, v, k in G.edges(keys=True)
              if k == "member_of" and G.nodes[v]["type"] in ("planning_council", "working_group")}
    orgs = {n for n in G if G.nodes[n]["type"] in MIGRANT_ORGS}
    assert {f.actors[0] for f in detect_participation(G)} == orgs - seated


@SETTINGS
@given(governance_graphs(), st.randoms(use_true_random=False))
def test_findings_do_not_depend_on_actor_or_relation_order(spec, rnd):
    actors, rels = spec
    shuffled_actors, shuffled_rels = list(actors), list(rels)
    rnd.shuffle(shuffled_actors)
    rnd.shuffle(shuffled_rels)
    G, H = graph(actors, rels), graph(shuffled_actors, shuffled_rels)
    assert find_gaps(G) == find_gaps(H)
    assert derived_values(G) == derived_values(H)
    assert detect_fragility(G) == detect_fragility(H)
