"""Governance graphs: validation, building, each detector, derived answers, export, drawing, CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from governance_helpers import actor, graph, profile_data
from maturity import InvalidFileError, Profile, bundled_profiles_dir, dump_model, load_profile, parse_profile
from maturity.governance import (
    apply_governance,
    build_graph,
    declared_vs_graph,
    derived_answers,
    detect_accountability,
    detect_decentralised_cooperation,
    detect_fragility,
    detect_horizontal,
    detect_isolation,
    detect_overlapping_mandates,
    detect_participation,
    detect_vertical,
    find_gaps,
    governance_gaps,
)
from maturity.governance.export import read_graph, write_graph
from maturity.table import answers_table

ROOT = Path(__file__).resolve().parents[1]


def kinds(findings):
    return sorted(f.kind for f in findings)


# --- validation ---------------------------------------------------------------------------------
BAD = """\
kind: profile
format_version: 1
territory: {id: t1, name: T1, country: PH, level: city}
sources:
  - {id: src, title: Test source}
governance:
  actors:
    - {id: lg, name: City, type: local_government, level: local}
    - {id: twg, name: TWG, type: working_group, level: local}
    - {id: ldp, name: Local plan, type: local_development_plan, level: local}
    - {id: lg, name: City again, type: local_government, level: local}
    - {id: dept, name: Health, type: department, level: local}
  relations:
    - {source: lg, target: twgg, type: member_of}
    - {source: ldp, target: lg, type: reports_to}
    - {source: lg, target: twg, type: aligned_with}
    - {source: lg, target: twg, type: coordinates_with, cite: nowhere p1}
    - {source: twg, target: lg, type: coordinates_with}
"""


def test_governance_problems_are_reported_with_file_and_line():
    with pytest.raises(InvalidFileError) as err:
        parse_profile(BAD, "bad.yaml")
    problems = {(p.code, p.line) for p in err.value.problems}
    assert ("unknown-actor", 14) in problems
    assert ("bad-relation", 15) in problems  # a plan reports to someone
    assert ("bad-relation", 16) in problems  # aligned_with between non-plans
    assert ("duplicate-id", 11) in problems
    assert ("missing-sector", 12) in problems
    assert ("unknown-source", 17) in problems
    assert ("duplicate-relation", 18) in problems  # coordinates_with is symmetric
    unknown = next(p for p in err.value.problems if p.code == "unknown-actor")
    assert unknown.hint == "did you mean 'twg'?" and unknown.file == "bad.yaml"
    assert str(unknown).startswith("bad.yaml:14: governance.relations[0].target")


def test_unknown_actor_type_is_a_schema_error_with_a_line():
    text = BAD.replace("type: working_group", "type: workin_group")
    with pytest.raises(InvalidFileError) as err:
        parse_profile(text, "bad.yaml")
    assert any(p.code.startswith("schema-") and p.line == 9 for p in err.value.problems)


def test_a_profile_with_governance_cannot_also_answer_derived_indicators():
    data = profile_data({"actors": [actor("lg", "local_government")]}, {"graph_migrants_seated": True})
    with pytest.raises(InvalidFileError) as err:
        parse_profile(dump_model(Profile.model_validate(data)), "p.yaml")
    assert [p.code for p in err.value.problems] == ["derived-answer"]


def test_schema_includes_the_governance_section():
    schema = json.loads(subprocess.run([sys.executable, "-m", "maturity", "schema", "profile"], capture_output=True,
                                       text=True, check=True).stdout)
    assert "governance" in schema["properties"] and "Actor" in schema["$defs"]


def test_bundled_profiles_round_trip_with_governance():
    for path in sorted(bundled_profiles_dir().glob("*.yaml")):
        profile = load_profile(path)
        assert parse_profile(dump_model(profile)) == profile


# --- detectors ----------------------------------------------------------------------------------
def test_vertical_alignment_and_line():
    actors = [actor("lg", "local_government"), actor("ldp", "local_development_plan"), actor("rdp", "local_development_plan",
              level="regional"), actor("ndp", "national_plan"), actor("neda", "national_agency")]
    G = graph(actors, [("ldp", "aligned_with", "rdp")])
    assert [(f.kind, f.actors) for f in detect_vertical(G)] == [
        ("vertical_alignment", ("ldp",)), ("vertical_alignment", ("rdp",)), ("vertical_line", ("lg",))]
    G = graph(actors, [("ldp", "aligned_with", "rdp"), ("ndp", "aligned_with", "rdp"), ("lg", "reports_to", "neda")])
    assert detect_vertical(G) == []
    endorsed = graph(actors, [("neda", "endorses", "ldp"), ("ldp", "aligned_with", "ndp"), ("rdp", "aligned_with", "ndp")])
    assert detect_vertical(endorsed) == []


def test_horizontal_departments_and_interdepartmental_body():
    actors = [actor("unit", "md_unit"), actor("lab", "department", sector="labour"),
              actor("hea", "department", sector="health"), actor("plan", "department", sector="planning"),
              actor("twg", "working_group"), actor("x", "civil_society")]
    G = graph(actors, [("lab", "coordinates_with", "unit"), ("hea", "consults", "x"), ("x", "informs", "plan")])
    found = detect_horizontal(G)
    assert [(f.kind, f.actors) for f in found] == [
        ("horizontal_department", ("hea",)), ("horizontal_no_interdepartmental_body", ("hea", "lab", "plan"))]
    G = graph(actors, [("lab", "member_of", "twg"), ("hea", "member_of", "twg")])
    assert detect_horizontal(G) == []
    far = graph(actors, [("hea", "consults", "x"), ("x", "coordinates_with", "lab"), ("lab", "member_of", "twg"),
                         ("plan", "member_of", "twg")])
    assert [f.actors for f in detect_horizontal(far, max_hops=2) if f.kind == "horizontal_department"] == [("hea",)]
    assert detect_horizontal(far, max_hops=3) == []


def test_participation_seats_and_intermediaries():
    actors = [actor("council", "planning_council"), actor("seated", "migrant_association"),
              actor("via", "diaspora_organisation"), actor("alone", "returnees"), actor("church", "faith_based_organisation")]
    G = graph(actors, [("seated", "member_of", "council"), ("church", "represents", "via"), ("church", "member_of", "council"),
                       ("alone", "informs", "church")])
    assert [(f.kind, f.severity, f.actors) for f in detect_participation(G)] == [
        ("participation_intermediary", "info", ("via", "church")), ("participation_unseated", "warning", ("alone",))]


@pytest.mark.parametrize("relations, expected", [
    ([], "accountability_none"),
    ([("lg", "reports_to", "agency")], "accountability_upward_only"),
    ([("lg", "accountable_to", "assoc")], "accountability_downward_only"),
    ([("lg", "reports_to", "agency"), ("lg", "accountable_to", "assoc")], None),
])
def test_accountability(relations, expected):
    G = graph([actor("lg", "local_government"), actor("agency", "national_agency"), actor("assoc", "migrant_association")],
              relations)
    assert kinds(detect_accountability(G)) == ([expected] if expected else [])


def test_decentralised_cooperation_needs_an_agreement_between_authorities():
    actors = [actor("lg", "local_government"), actor("dia", "diaspora_organisation"), actor("twin", "partner_authority")]
    only = detect_decentralised_cooperation(graph(actors, [("lg", "partners_with", "dia")]))
    assert [(f.kind, f.actors) for f in only] == [("cooperation_only_with_diaspora", ("dia",))]
    assert detect_decentralised_cooperation(graph(actors, [("lg", "partners_with", "dia"), ("lg", "partners_with", "twin")])) == []
    assert detect_decentralised_cooperation(graph(actors, [])) == []


def test_overlapping_mandates():
    actors = [actor("a", "civil_society", mandate="Migrant services"), actor("b", "national_agency", mandate="migrant  services"),
              actor("c", "academia", mandate="research"), actor("twg", "working_group")]
    assert [f.actors for f in detect_overlapping_mandates(graph(actors, []))] == [("a", "b")]
    assert detect_overlapping_mandates(graph(actors, [("a", "coordinates_with", "b")])) == []
    assert detect_overlapping_mandates(graph(actors, [("a", "member_of", "twg"), ("b", "member_of", "twg")])) == []


def test_isolation():
    actors = [actor("lg", "local_government"), actor("acad", "academia"), actor("bank", "financial_institution"),
              actor("npl", "national_plan")]
    found = detect_isolation(graph(actors, [("acad", "informs", "lg")]))
    assert [(f.actors, f.severity) for f in found] == [(("bank",), "warning"), (("npl",), "info")]
    assert detect_isolation(graph([actor("acad", "academia")], [])) == []  # no authority: nothing to be isolated from


def test_fragility_single_champion():
    # two associations reach the council only through one champion; a third has two ways
    actors = [actor("council", "planning_council"), actor("champ", "civil_society"), actor("a1", "migrant_association"),
              actor("a2", "migrant_association"), actor("a3", "migrant_association"), actor("ngo", "civil_society")]
    rel = [("champ", "member_of", "council"), ("a1", "member_of", "champ"), ("a2", "consults", "champ"),
           ("a3", "member_of", "council"), ("a3", "consults", "ngo"), ("ngo", "member_of", "council")]
    found = detect_fragility(graph(actors, rel))
    single = [f for f in found if f.kind == "fragility_single_actor"]
    assert [f.actors for f in single] == [("champ", "a1", "a2")]
    relations = sorted(f.actors for f in found if f.kind == "fragility_single_relation")
    assert relations == [("a1", "champ", "a1"), ("a2", "champ", "a2"), ("champ", "council", "a1", "a2")]


def test_find_gaps_runs_every_detector_and_is_sorted():
    actors = [actor("lg", "local_government"), actor("ldp", "local_development_plan"), actor("dia", "diaspora_organisation")]
    found = find_gaps(graph(actors, [("lg", "partners_with", "dia")]))
    assert {"vertical_alignment", "vertical_line", "participation_unseated", "accountability_none",
            "cooperation_only_with_diaspora", "isolation"} <= set(kinds(found))
    assert found == sorted(found, key=lambda f: (f.kind, f.actors, f.explanation))
    assert all(f.sources and f.action and f.explanation for f in found)


# --- derived answers and scoring ----------------------------------------------------------------
FULL = {
    "complete": True,
    "actors": [actor("lg", "local_government"), actor("twg", "working_group"), actor("council", "planning_council"),
               actor("lab", "department", sector="labour"), actor("hea", "department", sector="health"),
               actor("assoc", "migrant_association"), actor("dia", "diaspora_organisation"),
               actor("twin", "partner_authority"), actor("ldp", "local_development_plan"), actor("ndp", "national_plan"),
               actor("neda", "national_agency")],
    "relations": [{"source": s, "type": t, "target": d} for s, t, d in [
        ("lab", "member_of", "twg"), ("hea", "member_of", "twg"), ("assoc", "member_of", "council"),
        ("dia", "member_of", "twg"), ("lg", "partners_with", "twin"), ("ldp", "aligned_with", "ndp"),
        ("lg", "reports_to", "neda"), ("lg", "member_of", "council"), ("lg", "member_of", "twg")]],
}


def test_derived_answers_of_a_complete_graph():
    G = build_graph(Profile.model_validate(profile_data(FULL)))
    values = {k: a.value for k, a in derived_answers(G).items()}
    assert values == {"graph_vertical_alignment_path": True, "graph_vertical_line": True,
                      "graph_sector_departments_connected": 2, "graph_migrants_seated": True, "graph_migrant_seats": 2,
                      "graph_lra_agreements": 1, "graph_single_points_of_failure": 0}
    assert all(str(a.source) == "governance graph" for a in derived_answers(G).values())


def test_open_world_keeps_negatives_and_counts_unknown():
    G = build_graph(Profile.model_validate(profile_data({**FULL, "complete": False, "relations": []})))
    assert all(not a.known for a in derived_answers(G).values())
    G = build_graph(Profile.model_validate(profile_data({**FULL, "complete": False})))
    known = {k for k, a in derived_answers(G).items() if a.known}
    assert known == {"graph_vertical_alignment_path", "graph_vertical_line", "graph_migrants_seated"}


def test_derived_answers_feed_scoring_and_tables(core_scorer):
    profile = Profile.model_validate(profile_data(FULL))
    a = core_scorer.score(profile, keep_session=False)
    assert a.factor("vertical_coherence").level == 2
    assert a.factor("horizontal_coherence").level == 2
    assert a.factor("participation").level == 2
    assert a.factor("decentralised_cooperation").level == 2
    evidence = [e for r in a.factor("participation").reasons for e in r.evidence]
    assert any(e.indicator == "graph_migrants_seated" and e.source == "governance graph" for e in evidence)
    row = answers_table([profile], core_scorer.ruleset).loc["t1"]
    assert row["graph_migrant_seats"] == 2 and row["graph_lra_agreements"] == 1


def test_profile_without_governance_scores_as_before(core_scorer):
    legazpi = load_profile(bundled_profiles_dir() / "ph-legazpi.yaml")
    bare = legazpi.model_copy(update={"governance": None})
    assert apply_governance(bare, core_scorer.ruleset) is bare
    a = core_scorer.score(bare, keep_session=False)
    assert {i for i in a.completeness.unknown if i.startswith("graph_")} == {
        i.id for i in core_scorer.ruleset.indicators if i.id.startswith("graph_")}
    assert a.factor("participation").level == core_scorer.score(legazpi, keep_session=False).factor("participation").level


def test_contradicting_answers_become_findings_and_are_never_overridden(core_scorer):
    profile = Profile.model_validate(profile_data(FULL, {"migrant_seats_planning_council": False, "lra_partnerships": 0}))
    found = declared_vs_graph(profile)
    assert sorted(f.actors for f in found) == [("lra_partnerships",), ("migrant_seats_planning_council",)]
    assert all(f.kind == "declared_vs_graph" for f in found)
    scored = apply_governance(profile, core_scorer.ruleset)
    assert scored.answer("migrant_seats_planning_council").value is False  # the declared answer stays
    assert "declared_vs_graph" in kinds(governance_gaps(profile))
    more = {"migrant_seats_planning_council": True, "lra_partnerships": 3}
    assert kinds(declared_vs_graph(Profile.model_validate(profile_data(FULL, more)))) == ["declared_vs_graph"]  # complete
    open_world = Profile.model_validate(profile_data({**FULL, "complete": False}, more))
    assert declared_vs_graph(open_world) == []  # open world: more agreements than the graph shows may exist


def test_legazpi_graph_shows_the_council_seats():
    legazpi = load_profile(bundled_profiles_dir() / "ph-legazpi.yaml")
    derived = derived_answers(build_graph(legazpi))
    assert derived["graph_migrants_seated"].value is True
    assert not derived["graph_migrant_seats"].known  # the section is not complete
    assert declared_vs_graph(legazpi) == []


# --- export and drawing -------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json"])
def test_graph_round_trips(tmp_path, fmt):
    G = build_graph(load_profile(bundled_profiles_dir() / "ph-legazpi.yaml"))
    write_graph(G, tmp_path / f"g.{fmt}")
    H = read_graph(tmp_path / f"g.{fmt}")
    assert dict(H.nodes(data=True)) == dict(G.nodes(data=True))
    assert sorted(H.edges(keys=True, data=True)) == sorted(G.edges(keys=True, data=True))
    assert find_gaps(H) == find_gaps(G)


def test_draw_highlights_gap_actors(tmp_path):
    from maturity.governance.draw import draw_governance

    profile = load_profile(bundled_profiles_dir() / "ph-legazpi.yaml")
    fig = draw_governance(build_graph(profile), governance_gaps(profile))
    fig.savefig(tmp_path / "g.svg")
    fig.savefig(tmp_path / "g.png")
    assert (tmp_path / "g.svg").read_text().startswith("<?xml")
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"
    assert any(t.get_text() == "gap (numbered below)" for t in fig.axes[0].get_legend().get_texts())


def test_drawing_is_readable_and_leaves_no_global_state():
    import matplotlib
    from matplotlib.colors import to_hex
    from matplotlib.patches import FancyArrowPatch

    from maturity.governance.draw import GAP_COLOUR, RELATION_STYLES, close_drawing, draw_governance

    backend = matplotlib.get_backend()
    profile = load_profile(bundled_profiles_dir() / "ph-legazpi.yaml")
    G = build_graph(profile)
    gaps = find_gaps(G)
    fig = draw_governance(G, gaps)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    for _, d in G.nodes(data=True):  # every full name is drawn (wrapped, never cut)
        assert any(t.replace("\n", " ") == d["name"] for t in texts), d["name"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    drawn = {str(t) for _, _, t in G.edges(data="relation")}
    assert {t.replace("_", " ") for t in drawn} <= set(legend)  # every edge type named
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert arrows and all(to_hex(a.get_edgecolor()) != GAP_COLOUR for a in arrows)  # no edge in the gap red
    assert RELATION_STYLES["partners_with"][0] != GAP_COLOUR
    badges = [t for t in ax.texts if t.get_bbox_patch() is not None and to_hex(t.get_bbox_patch().get_facecolor()) == GAP_COLOUR]
    numbers = {int(n) for b in badges for n in b.get_text().split(",")}
    assert numbers == set(range(1, len(gaps) + 1))  # each gap its own number, on its actors
    listing = next(t.get_text() for t in ax.texts if t.get_text().startswith("1. "))
    assert len(listing.splitlines()) == len(gaps)
    levels = [t.get_text() for t in ax.texts if t.get_text() in ("local", "regional", "national", "transnational")]
    assert levels == ["national", "local"]  # only the levels with actors take space
    close_drawing(fig)
    assert not fig.axes and matplotlib.get_backend() == backend


def test_importing_the_drawing_switches_no_backend():
    code = ("import matplotlib; matplotlib.use('svg'); import maturity.governance.draw, sys; "
            "print(matplotlib.get_backend(), 'matplotlib.pyplot' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["svg", "False"]


def test_a_territory_without_gaps_has_no_gap_mark():
    from maturity.governance.draw import close_drawing, draw_governance

    G = build_graph(load_profile(bundled_profiles_dir() / "sn-sedhiou.yaml"))
    fig = draw_governance(G, [])
    assert "gap (numbered below)" not in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    close_drawing(fig)


# --- the command line ---------------------------------------------------------------------------
def run(*args):
    return subprocess.run([sys.executable, "-m", "maturity", *args], capture_output=True, text=True, cwd=ROOT)


def test_cli_gaps_text_json_and_draw(tmp_path):
    r = run("gaps", "profiles/ph-legazpi.yaml")
    assert r.returncode == 0 and "participation_unseated" in r.stdout and "graph_migrants_seated = True" in r.stdout
    r = run("gaps", "profiles/cr-upala.yaml", "--format", "json", "--draw", str(tmp_path / "u.png"))
    assert r.returncode == 0
    data = json.loads(r.stdout)
    assert data["territory"] == "cr-upala" and data["derived"]["graph_vertical_line"]["value"] is True
    assert "vertical_line" not in {g["kind"] for g in data["gaps"]}  # the national endorsement is there
    assert (tmp_path / "u.png").stat().st_size > 0


def test_cli_gaps_exit_codes(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    r = run("gaps", str(bad))
    assert r.returncode == 1 and "bad.yaml:14" in r.stderr
    assert run("gaps", "profiles/ph-legazpi.yaml", "--format", "xml").returncode == 2
    assert run("gaps", "profiles/ph-legazpi.yaml", "--draw", str(tmp_path / "x.txt")).returncode == 2
    assert run("gaps").returncode == 2
    bare = tmp_path / "bare.yaml"  # every bundled profile now has a governance section: cut Imbabura's off
    text = (ROOT / "profiles" / "ec-imbabura.yaml").read_text(encoding="utf-8")
    bare.write_text(text[:text.index("\ngovernance:")] + "\n", encoding="utf-8")
    r = run("gaps", str(bare))
    assert r.returncode == 0 and "no governance section" in r.stdout


def test_cli_score_shows_graph_evidence():
    r = run("score", "profiles/cr-upala.yaml")
    assert r.returncode == 0 and "governance graph" in r.stdout
