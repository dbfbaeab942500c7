"""Benchmarking runs: seals, ranks, peers, robustness, spreadsheets, the CLI."""

from __future__ import annotations

import itertools
import json

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import make_profile
from maturity import InvalidFileError, Profile, bundled_profiles_dir
from maturity.benchmarking import benchmark, competition_rank, load_profiles, progress
from maturity.seal import bundled_seals_dir, load_seal, parse_seal
from maturity.spreadsheets import read_sheet, write_table, write_template
from maturity.synthetic import philippines_like
from test_cli import run


def _seal(mini, essential_at_least=1, all_core=True, gates=""):
    text = f"""
kind: seal
format_version: 1
id: test-seal
version: "1"
title: test
ruleset: mini
{"all_core: {min_level: 1}" if all_core else ""}
essential: {{factors: [diagnostic_f, services_f], at_least: {essential_at_least}, min_level: 1}}
{gates}
"""
    return parse_seal(text, mini, "seal.yaml")


def _profiles(rows):
    return [make_profile({"unit_exists": u, "unit_staff": 0, "diagnostic": "partial" if d else "none", "help_desk": h},
                         territory_id=f"t{i}") for i, (u, d, h) in enumerate(rows)]


@pytest.mark.parametrize("k", [1, 2])
def test_seal_all_core_plus_k_essential_truth_table(mini, k):
    """'All core + k essential' (the SGLG's 3+1 and 4+1 shape) over every combination of levels."""
    rows = list(itertools.product([False, True], repeat=3))
    table = benchmark(_profiles(rows), mini, seal=_seal(mini, k)).table
    for (unit, diag, desk), (_, row) in zip(rows, table.iterrows()):
        expected = unit and (diag + desk) >= k
        assert (row["seal"] == "passed") == expected, (unit, diag, desk)
        if not expected:  # the binding gate is the first that failed
            assert row["seal_binding_gate"] == ("all_core" if not unit else "essential")


def test_seal_all_in_needs_every_gate_and_unknowns_make_it_possible(mini):
    seal = _seal(mini, 2)
    t = benchmark([make_profile({"unit_exists": True, "diagnostic": "partial", "help_desk": None})], mini, seal=seal).table
    assert t.loc[0, "seal"] == "possible" and t.loc[0, "seal_binding_gate"] == "essential"
    all_core_no_essential = benchmark(_profiles([(True, False, False)]), mini, seal=seal).table
    assert all_core_no_essential.loc[0, "seal"] == "failed"


def test_seal_rejects_unknown_factors_with_file_and_line(mini):
    with pytest.raises(InvalidFileError) as err:
        parse_seal("kind: seal\nformat_version: 1\nid: s\nversion: '1'\ntitle: t\nruleset: mini\n"
                   "essential: {factors: [servces_f], at_least: 1, min_level: 1}\n", mini, "s.yaml")
    assert "s.yaml:7" in str(err.value) and "did you mean 'services_f'" in str(err.value)


def test_bundled_seal_loads_against_the_core_ruleset(core):
    seal = load_seal(bundled_seals_dir() / "md-sglg.yaml", core)
    assert [g.id for g in seal.all_gates(core)] == ["all_core", "essential"]


def test_competition_ranks_share_ties_and_skip_unknown_scores():
    assert competition_rank(pd.Series([10.0, 30.0, 30.0, None, 5.0])).tolist() == [3, 1, 1, pd.NA, 4]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(range(6)))
def test_results_do_not_depend_on_the_order_of_territories(mini, order):
    rows = list(itertools.product([False, True], repeat=3))[:6]
    profiles = _profiles(rows)
    a = benchmark(profiles, mini, seal=_seal(mini)).table.set_index("territory").sort_index()
    b = benchmark([profiles[i] for i in order], mini, seal=_seal(mini)).table.set_index("territory").sort_index()
    pd.testing.assert_frame_equal(a, b)


def test_peer_groups_rank_within_the_group(core):
    profiles, failures = load_profiles([bundled_profiles_dir()], core)
    assert not failures
    honest = benchmark(profiles, core, peers="country").table
    assert honest["peer_rank"].isna().all()  # no case reaches the core ruleset's data-availability threshold
    lenient = core.model_copy(update={"aggregation": core.aggregation.model_copy(update={"min_assessed": None})})
    t = benchmark(profiles, lenient, peers="country").table.set_index("territory")
    assert t.loc["ec-pichincha", "peer_rank"] == 1 and t.loc["ec-imbabura", "peer_rank"] == 2
    assert t.loc["ec-pichincha", "peer_size"] == 2
    assert t.loc["ph-legazpi", "peer_rank"] == 1 and pd.isna(t.loc["sn-sedhiou", "rank"])


def test_degree_of_decentralisation_is_context_and_a_peer_column(mini, tmp_path):
    """Q2 and the conclusion: the degree of decentralisation shapes what an authority can do. It is
    recorded as context (never scored) and groups peers; a sheet may carry it as a column."""
    def with_degree(answers, tid, degree):
        data = make_profile(answers, territory_id=tid).model_dump()
        data["context"]["decentralisation"] = {"degree": degree} if degree else None
        return Profile.model_validate(data)
    strong = {"unit_exists": True, "unit_staff": 5, "diagnostic": "complete", "help_desk": True}
    weak = {"unit_exists": True, "unit_staff": 0, "diagnostic": "none", "help_desk": False}
    profiles = [with_degree(strong, "a", "high"), with_degree(weak, "b", "low"), with_degree(weak, "c", None)]
    t = benchmark(profiles, mini, peers="decentralisation").table.set_index("territory")
    assert t["decentralisation"].tolist()[:2] == ["high", "low"] and pd.isna(t.loc["c", "decentralisation"])
    assert t.loc["b", "peer_rank"] == 1 and t.loc["b", "peer_size"] == 1 and t.loc["c", "peer_group"] == "(none)"
    bare = benchmark([make_profile(strong, territory_id="a")], mini).table
    assert t.loc["a", "score"] == bare.loc[0, "score"]  # context only: the score is the same without it

    sheet = tmp_path / "d.csv"
    write_template(sheet, mini, "csv")
    frame = pd.read_csv(sheet, dtype=str)
    assert "decentralisation" in frame.columns
    frame.loc[0] = dict.fromkeys(frame.columns, "")
    frame.loc[0, ["territory", "name", "country", "level", "decentralisation"]] = ["x-1", "X", "PH", "city", "medium"]
    frame.loc[1] = dict.fromkeys(frame.columns, "")
    frame.loc[1, ["territory", "name", "country", "level", "decentralisation"]] = ["x-2", "Y", "PH", "city", "very"]
    frame.to_csv(sheet, index=False)
    loaded, errors = read_sheet(sheet, mini)
    assert [p.context.decentralisation.degree for p in loaded] == ["medium"]
    assert len(errors) == 1 and f"{sheet}:3" in str(errors[0])


def test_robustness_interval_holds_the_median_and_a_clear_leader_is_robust(mini):
    strong = make_profile({"unit_exists": True, "unit_staff": 5, "diagnostic": "complete", "help_desk": True}, territory_id="a")
    weak = make_profile({"unit_exists": False, "unit_staff": 0, "diagnostic": "none", "help_desk": False}, territory_id="b")
    t = benchmark([strong, weak], mini, draws=30, seed=3).table.set_index("territory")
    assert t.loc["a", "rank_median"] == 1 and t.loc["a", "rank_p95"] == 1 and bool(t.loc["a", "rank_robust"])
    assert (t["rank_p05"] <= t["rank_median"]).all() and (t["rank_median"] <= t["rank_p95"]).all()


def test_progress_over_years_counts_first_time_and_repeat_passers(mini):
    seal = _seal(mini)
    rows = [(True, True, True)] * 3
    profiles = [make_profile({"unit_exists": u, "unit_staff": 0, "diagnostic": "partial" if d else "none", "help_desk": h},
                             territory_id="t", assessment_year=2020 + i) for i, (u, d, h) in enumerate(rows)]
    steps = progress(benchmark(profiles, mini, seal=seal))
    assert steps["seal_history"].tolist() == ["repeat", "repeat"]


def test_spreadsheet_template_fill_read_round_trip(tmp_path, mini):
    sheet = tmp_path / "q.csv"
    write_template(sheet, mini, "csv")
    frame = pd.read_csv(sheet, dtype=str)
    frame.loc[0] = dict.fromkeys(frame.columns, "")
    frame.loc[0, ["territory", "name", "country", "level", "unit_exists", "diagnostic"]] = ["x-1", "X", "PH", "city", "yes", "partial"]
    frame.loc[1] = dict.fromkeys(frame.columns, "")
    frame.loc[1, ["territory", "name", "country", "level", "diagnostic"]] = ["x-2", "Y", "PH", "city", "halfway"]
    frame.to_csv(sheet, index=False)
    profiles, errors = read_sheet(sheet, mini)
    assert [p.territory.id for p in profiles] == ["x-1"]
    assert profiles[0].answer("unit_exists").value is True and str(profiles[0].answer("diagnostic").source) == "sheet row 2"
    assert len(errors) == 1 and f"{sheet}:3" in str(errors[0]) and "halfway" in str(errors[0])


def test_results_export_round_trips(tmp_path, core):
    profiles, _ = load_profiles([bundled_profiles_dir()], core)
    table = benchmark(profiles, core).table
    for name in ("r.csv", "r.json", "r.xlsx"):
        write_table(table, tmp_path / name)
    back = pd.read_csv(tmp_path / "r.csv")
    assert back["territory"].tolist() == table["territory"].tolist()
    assert json.loads((tmp_path / "r.json").read_text())[0]["territory"] == table["territory"].iloc[0]
    assert pd.read_excel(tmp_path / "r.xlsx")["score"].round(6).equals(table["score"].astype(float).round(6))


def test_synthetic_population_echoes_the_regional_figures(core):
    answers, meta = philippines_like(core, seed=7)
    assert meta["level"].value_counts().to_dict() == {"municipality": 1486, "city": 148, "province": 82}
    calabarzon = answers.loc[(meta["region"] == "Calabarzon").to_numpy(), "unit_exists"].dropna()
    assert 0.7 < (calabarzon == True).mean() < 0.9  # noqa: E712 - 4 of 5 in the source


def test_cli_benchmark_runs_on_the_bundled_set_and_reports_bad_files(tmp_path):
    (tmp_path / "in").mkdir()
    for p in bundled_profiles_dir().glob("*.yaml"):
        (tmp_path / "in" / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "in" / "broken.yaml").write_text("kind: profile\nformat_version: 1\nterritory: {id: x}\n")
    result = run("benchmark", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--draws", "5", "--peers", "level")
    assert result.returncode == 1, result.stderr
    assert "5 territories scored" in result.stdout and "1 input(s) failed" in result.stdout
    assert "broken.yaml:3" in result.stderr
    table = pd.read_csv(tmp_path / "out" / "results.csv")
    assert set(table["territory"]) == {"ph-legazpi", "ec-pichincha", "ec-imbabura", "cr-upala", "sn-sedhiou"}
    assert {"seal", "seal_binding_gate", "rank", "peer_rank", "rank_p05", "rank_p95"} <= set(table.columns)
    assert json.loads((tmp_path / "out" / "run.json").read_text())["seal"]["id"] == "md-sglg"
    assert run("benchmark", "--peers", "nonsense", "--out", str(tmp_path / "o2")).returncode == 2


def test_cli_benchmark_synthetic_population_is_marked(tmp_path):
    result = run("benchmark", "--synthetic", "1", "--draws", "2", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "1716 territories" in result.stdout and "SYNTHETIC" in result.stdout
    assert pd.read_csv(tmp_path / "results.csv")["synthetic"].all()


def test_progress_first_time_passer_factor_changes_and_most_improved(mini):
    seal = _seal(mini)
    years = {"t": [(False, False, False), (True, True, False), (True, True, True)],
             "u": [(True, False, True), (True, False, True)]}
    profiles = [make_profile({"unit_exists": u, "unit_staff": 0, "diagnostic": "partial" if d else "none", "help_desk": h},
                             territory_id=tid, assessment_year=2020 + i)
                for tid, rows in years.items() for i, (u, d, h) in enumerate(rows)]
    steps = progress(benchmark(profiles, mini, seal=seal)).set_index(["territory", "to_year"])
    assert steps.loc[("t", 2021), "seal_history"] == "first-time" and steps.loc[("t", 2022), "seal_history"] == "repeat"
    assert steps.loc[("t", 2021), "change.unit"] == 1 and steps.loc[("u", 2021), "score_change"] == 0
    assert steps.loc[("u", 2021), "seal_history"] == "repeat"  # passed in 2020 as well
    assert steps["most_improved"].tolist() == [False, True, False]  # t 2021 -> 2022: services 0 -> 2, +50


def test_a_vectorised_run_is_explained_by_the_reference_engine(core):
    profiles, _ = load_profiles([bundled_profiles_dir()], core)
    run_ = benchmark(profiles, core)
    assert run_.engine == "vectorised"
    a = run_.explain("ec-pichincha")
    row = run_.table.set_index("territory").loc["ec-pichincha"]
    assert a.overall.score is None and pd.isna(row["score"]) and a.overall.lower == pytest.approx(row["lower"])
    assert a.factor("services").level == row["level.services"] and a.factor("services").reasons


def test_a_run_prepares_its_answers_again_when_asked(core):
    """A run does not hold its prepared answers through scoring; asked for, they are what preparing its answers
    with its plan gives, and robustness drawn on them equals the run's own."""
    import numpy as np

    from maturity.benchmarking import benchmark_table, robustness
    from maturity.prepare import prepare

    answers, meta = philippines_like(core, seed=4)
    answers, meta = answers.head(60), meta.head(60)
    run = benchmark_table(answers, meta, core, draws=0)
    assert run.held_prepared is None
    again = prepare(core, answers.reset_index(drop=True), plan=run.derived.outcome.plan)
    made = run.prepared
    assert made is not None and run.prepared is made
    assert list(made.index) == list(again.index)
    for name in ("low", "high", "known", "answered", "assessed"):
        np.testing.assert_array_equal(getattr(made, name), getattr(again, name))
    drawn = benchmark_table(answers, meta, core, draws=20, seed=3)
    pd.testing.assert_frame_equal(drawn.robustness, robustness(core, made, run.derived, draws=20, seed=3))
