"""The cases of the sources, scored with the bundled core ruleset and profiles.

Each test states what the consolidated reply says about a territory and checks that the
assessment reflects it, and no more.
"""

from __future__ import annotations

import pytest

from conftest import make_profile
from maturity import Answer, bundled_profiles_dir, load_profile

CASES = ["ph-legazpi", "ec-pichincha", "ec-imbabura", "cr-upala", "sn-sedhiou"]


@pytest.fixture(scope="module")
def assess(core_scorer):
    cache = {}

    def _assess(territory_id):
        if territory_id not in cache:
            profile = load_profile(bundled_profiles_dir() / f"{territory_id}.yaml", ruleset=core_scorer.ruleset)
            cache[territory_id] = core_scorer.score(profile)
        return cache[territory_id]

    return _assess


@pytest.mark.parametrize("territory_id", CASES)
def test_every_known_answer_cites_the_consolidated_reply(territory_id, core):
    profile = load_profile(bundled_profiles_dir() / f"{territory_id}.yaml", ruleset=core)
    known = {k: a for k, a in profile.answers.items() if a.known}
    assert all(str(a.source).startswith("consolidated-reply Q") for a in known.values())
    asked = {i.id for i in core.indicators if not i.id.startswith("graph_")}  # graph_* are derived, never answered
    assert set(profile.answers) == asked  # every question is listed, answered or not


def test_pichincha_unit_since_2013_is_an_emerging_unit_that_could_be_more(assess):
    """Q4 Ecuador: the Human Mobility Office works inside a secretariat; its staff are not stated."""
    unit = assess("ec-pichincha").factor("dedicated_unit")
    assert unit.level == 2 and unit.upper_level == 4
    assert {e.indicator for r in unit.reasons for e in r.evidence} >= {"unit_exists", "unit_operational"}
    assert any(m.indicator == "unit_trained_staff" and m.status == "unknown" for m in unit.next_steps[0].missing)


def test_pichincha_services_are_held_down_by_the_unknown_diagnostic(assess):
    """Q4 Ecuador lists six service areas, mobile units and all groups in mobility; Q3 says
    services need a diagnostic, on which the source is silent for Pichincha."""
    services = assess("ec-pichincha").factor("services")
    assert services.level == 2 and services.upper_level == 4
    caps = {c.id: c for c in services.caps}
    assert caps["services_need_diagnostic"].status == "applied"
    finding = assess("ec-pichincha").finding("services_without_diagnostic")
    assert finding is not None and finding.status == "possible"


def test_pichincha_replication_reflects_imbabura_and_congope(assess):
    replication = assess("ec-pichincha").factor("replication")
    assert replication.level == 3
    assert assess("ec-imbabura").factor("replication").level == 1  # it took the model up


def test_sedhiou_stays_unknown_instead_of_absent(assess):
    """Q4 Senegal names Sédhiou's agency and a lesson but no measure: nothing may score as absent."""
    a = assess("sn-sedhiou")
    assert all(not f.assessed and f.level is None and f.score is None for f in a.factors)
    assert a.overall.score is None
    assert a.overall.lower == 0 and a.overall.upper == 100
    assert a.completeness.answered == 0
    assert all(fd.status == "possible" for fd in a.findings)


def test_upala_vertical_coherence_rests_on_endorsement_alone(assess):
    """Q4 Costa Rica: national endorsement made Upala's transborder model possible. The same
    passage says local initiatives do not follow the national plans, but of the
    country as a whole, not of Upala; and it names no law behind Upala's 'transborder migrant'
    category. So alignment and legal recognition stay unknown and no lesson is raised as certain."""
    a = assess("cr-upala")
    vertical = a.factor("vertical_coherence")
    assert vertical.level == 1
    assert vertical.upper_level == 4  # alignment with national plans is unknown for Upala, not missing
    # The endorsement is the evidence: declared, or as the governance graph shows it (national level endorses Upala).
    evidence = vertical.reasons[0].evidence[0]
    assert evidence.indicator in ("national_endorsement", "graph_vertical_line")
    assert evidence.indicator == "national_endorsement" or "endorses" in evidence.note
    assert not a.factor("legal_mandate").assessed  # a category created with endorsement is not a law
    assert a.finding("misaligned_with_national_plans").status == "possible"
    assert a.finding("no_national_endorsement") is None
    assert all(f.status != "raised" for f in a.findings)
    misaligned = a.what_if({"aligned_national_plan": False}).after
    assert misaligned.factor("vertical_coherence").upper_level == 2
    assert misaligned.finding("misaligned_with_national_plans").status == "raised"


def test_imbabura_takes_no_credit_for_the_patronato_plan(assess):
    """Q4 Ecuador: the UMH was implanted in Imbabura by restructuring the Patronato, which the
    source calls a local civil society institution, and the Patronato's annual operational plan;
    nothing is said of the provincial government's own plans. Replicating Pichincha's model is
    an exchange with another territory, as for Pichincha."""
    a = assess("ec-imbabura")
    assert not a.factor("planning_integration").assessed
    assert a.factor("capacity_building").level == 1
    assert a.factor("replication").level == 1


def test_pichincha_employment_service_training_counts(assess):
    """Q4 Ecuador: the UMH's services include labour skills certification and training through
    the State Employment Service; with its exchange with Imbabura and CONGOPE that makes two
    kinds of capacity building."""
    capacity = assess("ec-pichincha").factor("capacity_building")
    assert capacity.level == 2
    assert {e.indicator for r in capacity.reasons for e in r.evidence} >= {"training_migrants", "peer_exchange"}


def test_help_desk_without_diagnostic_raises_the_finding(core_scorer):
    """Q3, Senegal: information points without a diagnostic could not answer questions on
    funding and banking."""
    a = core_scorer.score(make_profile({"help_desk": True, "needs_diagnostic": "none"}), keep_session=False)
    finding = a.finding("services_without_diagnostic")
    assert finding.status == "raised" and finding.severity == "warning"
    assert "consolidated-reply Q3" in finding.sources
    b = core_scorer.score(make_profile({"help_desk": True, "needs_diagnostic": "partial"}), keep_session=False)
    assert b.finding("services_without_diagnostic") is None


def test_legazpi_participation_is_established_through_council_seats(assess):
    """Q1: migrant representatives sit on the City Planning and Development Council and submit
    programmes for the plans."""
    participation = assess("ph-legazpi").factor("participation")
    assert participation.level == 3
    assert participation.reasons[-1].sources == ("consolidated-reply Q1",)
    assert assess("ph-legazpi").factor("multi_stakeholder_coordination").level == 3


def test_implicit_mainstreaming_caps_planning(core_scorer):
    """Q1, Ecuador: without a budget line and a dedicated unit, mainstreaming stays vague."""
    answers = {"development_plan_migration": "specific_measures", "annual_plan_migration": True,
               "md_planning_subsector": True, "sector_plans_with_migration": 90.0,
               "budget_line": False, "budget_coverage": "none", "unit_exists": False}
    a = core_scorer.score(make_profile(answers), keep_session=False)
    planning = a.factor("planning_integration")
    assert planning.level == 2 and planning.upper_level == 2
    assert {c.id for c in planning.caps} == {"planning_needs_budget", "planning_needs_unit"}
    assert a.finding("implicit_mainstreaming").status == "raised"
    funded = {**answers, "budget_line": True, "unit_exists": True, "unit_operational": True, "unit_mandate_formal": True,
              "migration_impact_assessment": "every_action"}
    assert core_scorer.score(make_profile(funded), keep_session=False).factor("planning_integration").level == 4
    # Context, Q1: mainstreamed planning also assesses what migration means for every planned action
    partly = core_scorer.score(make_profile({**funded, "migration_impact_assessment": "some_actions"}), keep_session=False)
    assert partly.factor("planning_integration").level == 3


def test_cooperation_with_diaspora_only_is_flagged(core_scorer):
    """Q2: cooperation should be sealed between authorities, not with diaspora associations."""
    a = core_scorer.score(make_profile({"diaspora_cooperation": True, "lra_partnerships": 0}), keep_session=False)
    assert a.factor("decentralised_cooperation").level == 1
    assert a.finding("cooperation_only_with_diaspora").status == "raised"


def test_what_if_a_diagnostic_lifts_the_services_cap(assess):
    """Q3: with a diagnostic Pichincha's services rise to established; mainstreamed services also
    open the authority's general services to migrants (Q1), which Q4 Ecuador does not state."""
    change = assess("ec-pichincha").what_if({"needs_diagnostic": Answer(value="complete", note="planned study")})
    after = change.after.factor("services")
    assert after.level == 3 and after.upper_level == 4 and after.caps == ()
    assert any(m.indicator == "mainstream_services_open" for m in after.next_steps[0].missing)
    assert change.factor_changes["services"] == (2, 3)
    assert "services_without_diagnostic" in change.findings_removed
