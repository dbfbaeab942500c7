"""Scoring a table of territories gives what scoring each profile alone gives."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import make_profile
from maturity import InvalidFileError
from maturity.aggregate import INSUFFICIENT
from maturity.table import aggregate_table, answers_table, derive_levels
from strategies import answers


@pytest.fixture(params=["mini", "core"])
def scorer(request):
    return request.getfixturevalue(f"{request.param}_scorer")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_table_scores_equal_single_assessments(scorer, data):
    rs = scorer.ruleset
    rows = data.draw(st.lists(answers(rs), min_size=1, max_size=4))
    profiles = [make_profile(r, territory_id=f"t{i}") for i, r in enumerate(rows)]
    derived = derive_levels(rs, answers_table(profiles, rs), plan=scorer.plan)
    scores = aggregate_table(rs, derived)
    for p in profiles:
        a, key = scorer.score(p, keep_session=False), p.territory.id
        for f in a.factors:
            assert (f.lower_level, f.upper_level, f.assessed) == (
                derived.lower_level.at[key, f.id], derived.upper_level.at[key, f.id], derived.assessed.at[key, f.id])
            assert {c.id: c.status for c in f.caps}.items() <= {c: v for c, v in derived.caps.loc[key].items() if v}.items()
            got = scores.factor_score.at[key, f.id]
            assert (f.score is None and math.isnan(got)) or f.score == pytest.approx(got)
            assert (f.lower, f.upper) == (scores.factor_lower.at[key, f.id], scores.factor_upper.at[key, f.id])
        assert {(x.id, x.status) for x in a.findings} == {(c, v) for c, v in derived.findings.loc[key].items() if v}
        row = scores.overall.loc[key]
        assert (a.overall.score is None and math.isnan(row["score"])) or a.overall.score == pytest.approx(row["score"])
        assert (a.overall.lower, a.overall.upper) == (pytest.approx(row["lower"]), pytest.approx(row["upper"]))
        stage = None if pd.isna(row["stage"]) or row["stage"] == INSUFFICIENT else row["stage"]
        assert (a.overall.stage, a.overall.stage_lower, a.overall.stage_upper) == (stage, row["stage_lower"], row["stage_upper"])
        for pr in a.pillars:
            got = scores.pillar_score.at[key, pr.id]
            assert (pr.score is None and math.isnan(got)) or pr.score == pytest.approx(got)


def test_weights_can_be_overridden(mini_scorer):
    rs = mini_scorer.ruleset
    table = answers_table([make_profile({"unit_exists": True, "help_desk": True, "diagnostic": "none"})], rs)
    derived = derive_levels(rs, table)
    even = aggregate_table(rs, derived).overall.at["t1", "score"]
    tilted = aggregate_table(rs, derived, pillar_weights={"services": 3.0}).overall.at["t1", "score"]
    assert even != tilted


def test_bad_values_in_a_table_are_located(mini):
    table = pd.DataFrame({"diagnostic": ["complete", "half"]}, index=["a", "b"], dtype=object)
    with pytest.raises(InvalidFileError) as err:
        derive_levels(mini, table)
    assert "b" in str(err.value) and "diagnostic" in str(err.value)
