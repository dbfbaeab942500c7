"""A territory and year scored once; several years ranked within each year."""

from __future__ import annotations

from conftest import make_profile
from maturity.benchmarking import benchmark


def _p(tid: str, year: int, good: bool):
    return make_profile({"unit_exists": good, "unit_staff": 3 if good else 0, "diagnostic": "complete" if good else "none",
                         "help_desk": good}, territory_id=tid, assessment_year=year)


def test_a_repeated_territory_and_year_is_reported_and_the_first_kept(mini):
    run = benchmark([_p("a", 2023, True), _p("a", 2023, False), _p("a", 2022, False)], mini)
    assert len(run.table) == 2 and len(run.failures) == 1
    assert "profiles[1]: territory 'a' in 2023 is already given by profiles[0]" in run.failures[0].message
    assert run.table.set_index("year").loc[2023, "score"] > run.table.set_index("year").loc[2022, "score"]


def test_several_years_are_ranked_within_each_year(mini):
    run = benchmark([_p("a", 2022, True), _p("b", 2022, False), _p("a", 2023, False), _p("b", 2023, True)], mini, draws=5)
    t = run.table.set_index(["territory", "year"])
    assert t.loc[("a", 2022), "rank"] == 1 and t.loc[("b", 2023), "rank"] == 1
    assert t.loc[("b", 2022), "rank"] == 2 and t.loc[("a", 2023), "rank"] == 2
    assert (t["rank_p95"] <= 2).all()  # robustness ranks are within the year too


def test_one_year_per_territory_keeps_one_ranking(mini):
    run = benchmark([_p("a", 2022, True), _p("b", 2023, False)], mini)
    assert sorted(run.table["rank"]) == [1, 2]
