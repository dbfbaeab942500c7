"""Properties of scoring, checked with hypothesis on the mini and the core ruleset."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import make_profile
from maturity import Answer, dump_model, parse_profile
from strategies import answers, better_or_equal, known_answers, value_strategy

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(params=["mini", "core"])
def scorer(request):
    return request.getfixturevalue(f"{request.param}_scorer")


def _score(scorer, values):
    return scorer.score(make_profile(values), keep_session=False)


@SETTINGS
@given(data=st.data())
def test_better_answers_never_lower_a_level_or_the_score(scorer, data):
    rs = scorer.ruleset
    base = data.draw(answers(rs))
    other = data.draw(known_answers(rs))
    better = {k: (None if v is None else better_or_equal(rs.indicator(k), v, other[k])) for k, v in base.items()}
    a, b = _score(scorer, base), _score(scorer, better)
    for fa, fb in zip(a.factors, b.factors):
        assert fb.lower_level >= fa.lower_level and fb.upper_level >= fa.upper_level, fa.id
    if a.overall.score is not None:
        assert b.overall.score >= a.overall.score - 1e-9
    assert b.overall.lower >= a.overall.lower - 1e-9 and b.overall.upper >= a.overall.upper - 1e-9


@SETTINGS
@given(data=st.data())
def test_every_filling_of_the_unknowns_lands_inside_the_bounds(scorer, data):
    rs = scorer.ruleset
    partial = data.draw(answers(rs))
    a = _score(scorer, partial)
    for f in a.factors:
        assert f.lower <= (f.score if f.score is not None else f.lower) <= f.upper
    for p in [*a.pillars, a.overall]:
        assert p.lower <= (p.score if p.score is not None else p.lower) <= p.upper
    filled = {k: (v if v is not None else data.draw(value_strategy(rs.indicator(k)))) for k, v in partial.items()}
    b = _score(scorer, filled)
    for fa, fb in zip(a.factors, b.factors):
        assert fa.lower_level <= fb.level <= fa.upper_level, fa.id
    for pa, pb in zip(a.pillars, b.pillars):
        assert pa.lower - 1e-9 <= pb.score <= pa.upper + 1e-9, pa.id
    assert a.overall.lower - 1e-9 <= b.overall.score <= a.overall.upper + 1e-9
    for fd in b.findings:  # a finding raised once all is known was at least possible before
        assert a.finding(fd.id) is not None, fd.id


@SETTINGS
@given(data=st.data())
def test_scoring_is_deterministic(scorer, data):
    values = data.draw(answers(scorer.ruleset))
    assert _score(scorer, values).to_dict() == _score(scorer, values).to_dict()


@SETTINGS
@given(data=st.data())
def test_what_if_equals_scoring_the_changed_profile(scorer, data):
    rs = scorer.ruleset
    base = data.draw(answers(rs))
    keys = data.draw(st.lists(st.sampled_from([i.id for i in rs.indicators]), min_size=1, max_size=6, unique=True))
    changes = {k: data.draw(st.one_of(st.just("unknown"), value_strategy(rs.indicator(k)))) for k in keys}
    a = scorer.score(make_profile(base))
    after = a.what_if(changes).after
    changed = make_profile(base).with_answers({k: Answer(value=v, note="what-if change") for k, v in changes.items()})
    assert after.to_dict() == scorer.score(changed, keep_session=False).to_dict()
    assert a.what_if({}).after.to_dict() == a.to_dict()  # undone afterwards
    a.close()


@SETTINGS
@given(data=st.data())
def test_profiles_round_trip_through_yaml(scorer, data):
    profile = make_profile(data.draw(answers(scorer.ruleset)))
    assert parse_profile(dump_model(profile), ruleset=scorer.ruleset) == profile


def test_core_ruleset_round_trips_through_yaml(core):
    from maturity import parse_ruleset

    assert parse_ruleset(dump_model(core)) == core
