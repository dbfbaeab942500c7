"""Scoring on a small hand-checked ruleset: levels, reasons, caps, findings, bounds, next steps."""

from __future__ import annotations

import pytest

from conftest import make_profile
from maturity import InvalidFileError, MaturityError
from maturity.scoring import Scorer


def test_levels_reasons_and_evidence(mini_scorer):
    a = mini_scorer.score(make_profile({"unit_exists": True, "unit_staff": 3, "help_desk": True}))
    unit = a.factor("unit")
    assert (unit.level, unit.level_name, unit.score) == (2, "established", 100.0)
    assert [r.rule for r in unit.reasons] == ["level:unit:1:0", "level:unit:2:1"]  # plan clause ids, no engine names
    assert unit.reasons[1].conditions == ("help_desk is true", "unit_staff at least 2")
    assert [(e.indicator, e.value, e.source) for e in unit.reasons[1].evidence] == [
        ("help_desk", True, "src p1"), ("unit_staff", 3, "src p1")]
    assert unit.reasons[1].sources == ("consolidated-reply Q3",)


def test_an_unanswered_factor_is_unknown_not_zero(mini_scorer):
    a = mini_scorer.score(make_profile({"unit_exists": True, "unit_staff": 3, "help_desk": True}))
    diag = a.factor("diagnostic_f")
    assert (diag.assessed, diag.level, diag.score, diag.level_name) == (False, None, None, "unknown")
    assert (diag.lower_level, diag.upper_level) == (0, 2)
    # the pillar mean leaves it out instead of counting it as zero
    institutions = a.pillar("institutions")
    assert institutions.score == 100.0
    assert institutions.unassessed_factors == ("diagnostic_f",)
    assert (institutions.lower, institutions.upper) == (50.0, 100.0)
    assert a.completeness.unknown == ("diagnostic",)
    assert a.completeness.share == 0.75


def test_cap_holds_services_until_the_diagnostic_is_shown(mini_scorer):
    a = mini_scorer.score(make_profile({"unit_exists": True, "unit_staff": 3, "help_desk": True}))
    services = a.factor("services_f")
    assert services.level == 1 and services.upper_level == 2
    (cap,) = services.caps
    assert (cap.id, cap.status, cap.max_level, cap.rule) == ("services_need_diagnostic", "applied", 1, "cap:services_need_diagnostic")
    assert cap.requires == "diagnostic_f at least 1"
    (step,) = services.next_steps
    assert step.target_level == 2
    # the cap comes first, with its prerequisite; the diagnostic is unanswered, so the cap is not "unmet"
    assert [(m.condition, m.cap, m.requires, m.status) for m in step.missing] == [
        ("Services stays at 1 until Needs diagnostic reaches 1", "services_need_diagnostic", "diagnostic_f", "unknown")]
    answered = mini_scorer.score(make_profile({"unit_exists": True, "unit_staff": 3, "help_desk": True, "diagnostic": "none"}))
    (held,) = answered.factor("services_f").next_steps[0].missing[:1]
    assert (held.cap, held.status, held.label) == ("services_need_diagnostic", "unmet", "unmet")


def test_a_cap_lifted_by_the_evidence(mini_scorer):
    a = mini_scorer.score(make_profile({"unit_exists": True, "unit_staff": 3, "help_desk": True, "diagnostic": "partial"}))
    assert a.factor("services_f").level == 2
    assert a.factor("services_f").caps == ()


def test_findings_raised_and_possible(mini_scorer):
    raised = mini_scorer.score(make_profile({"help_desk": True, "diagnostic": "none"}))
    possible = mini_scorer.score(make_profile({"help_desk": True}))
    silent = mini_scorer.score(make_profile({"help_desk": True, "diagnostic": "complete", "unit_exists": True, "unit_staff": 2}))
    assert raised.finding("services_without_diagnostic").status == "raised"
    assert raised.finding("services_without_diagnostic").conditions == ("diagnostic below partial", "help_desk is true")
    assert possible.finding("services_without_diagnostic").status == "possible"
    assert silent.finding("services_without_diagnostic") is None
    # a finding on a factor level: unit below 2 is certain when even the best answers cannot reach 2
    assert raised.finding("unit_low").status == "possible"
    assert mini_scorer.score(make_profile({"unit_exists": False})).finding("unit_low").status == "raised"
    assert silent.finding("unit_low") is None


def test_next_steps_say_what_is_unknown_and_what_is_unmet(mini_scorer):
    a = mini_scorer.score(make_profile({"unit_exists": True, "unit_staff": 1}))
    (step,) = a.factor("unit").next_steps
    assert step.target_level == 2 and step.alternatives == 2
    assert {(m.indicator, m.status) for m in step.missing} == {("unit_staff", "unmet"), ("diagnostic", "unknown")}
    assert all(m.question for m in step.missing)


def test_overall_stage_and_bounds(mini_scorer):
    a = mini_scorer.score(make_profile({"unit_exists": True, "unit_staff": 3, "help_desk": True}))
    assert a.overall.score == 75.0  # institutions 100 (diagnostic unassessed), services 50
    assert (a.overall.lower, a.overall.upper) == (50.0, 100.0)
    assert a.overall.stage == "advanced" and not a.overall.stage_settled


def test_geometric_aggregation(mini):
    geo = mini.model_copy(update={"aggregation": mini.aggregation.model_copy(update={"method": "geometric"})})
    a = Scorer(geo).score(make_profile({"unit_exists": True, "unit_staff": 3, "help_desk": True, "diagnostic": "partial"}))
    assert a.pillar("institutions").score == pytest.approx((100 * 50) ** 0.5)


def test_nothing_known_gives_no_score_and_full_bounds(mini_scorer):
    a = mini_scorer.score(make_profile({}))
    assert a.overall.score is None and a.overall.stage is None
    assert (a.overall.lower, a.overall.upper) == (0.0, 100.0)
    assert a.completeness.share == 0


def test_what_if_reports_changes_and_leaves_the_assessment_alone(mini_scorer):
    a = mini_scorer.score(make_profile({"unit_exists": True, "unit_staff": 3, "help_desk": True}))
    w = a.what_if({"diagnostic": "complete"})
    assert w.factor_changes == {"diagnostic_f": (None, 2), "services_f": (1, 2)}
    assert w.findings_removed == ["services_without_diagnostic"]
    assert w.after.overall.score == 100.0
    assert a.what_if({"diagnostic": "complete"}).after.to_dict() == w.after.to_dict()  # the session was restored
    assert a.what_if({}).after.to_dict() == a.to_dict()


def test_what_if_rejects_bad_changes(mini_scorer):
    a = mini_scorer.score(make_profile({"unit_exists": True}))
    with pytest.raises(InvalidFileError, match="did you mean 'unit_staff'"):
        a.what_if({"unit_staf": 2})
    with pytest.raises(InvalidFileError, match=r"expected one of \(none, partial, complete\)"):
        a.what_if({"diagnostic": "most"})
    a.close()
    with pytest.raises(MaturityError, match="closed"):
        a.what_if({"unit_staff": 2})


def test_scoring_checks_answers_against_the_ruleset(mini_scorer):
    with pytest.raises(InvalidFileError, match="has no indicator 'budget'"):
        mini_scorer.score(make_profile({"budget": True}))


def test_json_has_the_documented_keys(mini_scorer):
    d = mini_scorer.score(make_profile({"unit_exists": True})).to_dict()
    assert {"territory", "ruleset", "overall", "pillars", "factors", "findings", "completeness"} <= d.keys()
    assert {"id", "version", "digest"} <= d["ruleset"].keys()
    assert {"score", "lower", "upper", "stage"} <= d["overall"].keys()
    assert {"id", "level", "level_name", "score", "lower", "upper", "reasons", "next_steps", "caps"} <= d["factors"][0].keys()
