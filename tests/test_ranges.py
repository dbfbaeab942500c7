"""Answers known as ranges ("at least five"): the bounds are exactly what the range's two ends give."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maturity import bundled_profiles_dir, load_core_ruleset, load_profile
from maturity.cells import Range, read_cell
from maturity.engines import get_evaluator
from maturity.errors import InvalidFileError
from maturity.loading import parse_profile
from maturity.prepare import prepare
from maturity.scoring import Scorer
from test_vectorised import _value, rulesets

RS = load_core_ruleset()


def _levels(rs, rows: list[dict], engine: str):
    table = pd.DataFrame(rows, index=pd.Index([f"t{k}" for k in range(len(rows))], name="territory"), dtype=object)
    o = get_evaluator(engine).evaluate(prepare(rs, table).raise_problems())
    return o.lower, o.upper


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_a_range_gives_the_bounds_its_two_ends_give(data):
    rs = data.draw(rulesets())
    ranged = [i for i in rs.indicators if i.type in ("count", "number", "year", "ordinal")]
    if not ranged:
        return
    ind = data.draw(st.sampled_from(ranged))
    spec = ind.model_dump()
    row = {i.id: _value(data.draw, i.model_dump()) for i in rs.indicators}  # everything else known exactly
    a, b = data.draw(st.lists(st.builds(lambda: None).map(lambda _: _value(data.draw, spec)), min_size=2, max_size=2))
    key = ind.scale.index if ind.type == "ordinal" else (lambda v: v)
    a, b = sorted([a, b], key=key)
    for engine in ("durable", "vectorised"):
        lower, upper = _levels(rs, [{**row, ind.id: {"between": [a, b]}}, {**row, ind.id: a}, {**row, ind.id: b}], engine)
        ends = np.stack([lower[1], lower[2]])  # exact answers: lower == upper
        np.testing.assert_array_equal(lower[1], upper[1])
        np.testing.assert_array_equal(lower[0], ends.min(axis=0), err_msg=f"{engine}: the range's lower bound")
        np.testing.assert_array_equal(upper[0], ends.max(axis=0), err_msg=f"{engine}: the range's upper bound")


def test_legazpi_at_least_five_kinds_of_stakeholders_is_a_range():
    legazpi = load_profile(bundled_profiles_dir() / "ph-legazpi.yaml", RS)
    answer = legazpi.answer("stakeholder_types_involved")
    assert answer.value == Range(at_least=5) and answer.known  # Q4 Philippines names five kinds, not all of them
    exact = legazpi.with_answers({"stakeholder_types_involved": {"value": 5, "source": "consolidated-reply Q4"}})
    scorer = Scorer(RS)
    ranged, clipped = scorer.score(legazpi, keep_session=False), scorer.score(exact, keep_session=False)
    for f_ranged, f_exact in zip(ranged.factors, clipped.factors):
        assert f_ranged.lower_level == f_exact.lower_level  # "at least 5" establishes what 5 does...
        assert f_ranged.upper_level >= f_exact.upper_level  # ...and leaves the rest possible


@pytest.mark.parametrize(("cell", "expected"), [(">=5", Range(at_least=5)), ("≤ 8", Range(at_most=8)),
                                                ("5-8", Range(at_least=5, at_most=8)), ("5 - 5", 5),
                                                ({"at_least": 2}, Range(at_least=2))])
def test_sheet_and_profile_forms_of_a_range(cell, expected):
    assert read_cell(RS.indicator("stakeholder_types_involved"), cell) == expected


@pytest.mark.parametrize(("value", "message"), [("{between: [8, 5]}", "wrong way round"),
                                                ("{at_least: yes}", "'yes' is not a number"),
                                                ("{between: [1]}", "two values")])
def test_bad_ranges_are_refused_with_their_line(value, message):
    text = ("kind: profile\nformat_version: 1\nterritory: {id: t, name: T, country: PH, level: city}\n"
            "sources: [{id: s, title: S}]\nanswers:\n"
            f"  stakeholder_types_involved: {{value: {value}, source: s 1}}\n")
    with pytest.raises(InvalidFileError) as err:
        parse_profile(text, "p.yaml", RS)
    assert "p.yaml:6" in str(err.value) and message in str(err.value)


def test_a_yes_no_answer_cannot_be_a_range():
    frame = pd.DataFrame({"budget_line": [">=1"]}, index=pd.Index(["t"], name="territory"), dtype=object)
    (problem,) = prepare(RS, frame).problems
    assert "yes/no" in problem.message
