"""Aggregation properties, ranks and robustness intervals on constructed cases; sheets and the CLI."""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from maturity.benchmarking import benchmark_table, robustness
from maturity.spreadsheets import read_sheet
from maturity.table import DerivedLevels
from test_benchmark_seals import table_of, ten_areas
from test_cli import run

RS = ten_areas(3)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.sampled_from([0, 1, None]), min_size=10, max_size=10), min_size=1, max_size=8))
def test_unknown_areas_are_left_out_of_the_mean_not_counted_as_zero(rows):
    t = benchmark_table(*table_of([tuple(r) for r in rows]), RS, engine="vectorised").table
    for r, (_, row) in zip(rows, t.iterrows()):
        pillars = [[100.0 * v for v in r[a:a + 5] if v is not None] for a in (0, 5)]
        means = [np.mean(p) for p in pillars if p]
        expected = np.mean(means) if means else np.nan
        assert np.isclose(row["score"], expected, equal_nan=True)
        if not np.isnan(expected):
            assert row["lower"] <= row["score"] <= row["upper"]


@settings(max_examples=15, deadline=None)
@given(st.lists(st.lists(st.sampled_from([0, 1, None]), min_size=10, max_size=10), min_size=2, max_size=8),
       st.randoms(use_true_random=False))
def test_scores_and_ranks_do_not_depend_on_the_order_of_territories(rows, rnd):
    answers, meta = table_of([tuple(r) for r in rows])
    order = list(range(len(rows)))
    rnd.shuffle(order)
    a = benchmark_table(answers, meta, RS, engine="vectorised", draws=20, seed=1).table.set_index("territory")
    b = benchmark_table(answers.iloc[order], meta.iloc[order], RS, engine="vectorised", draws=20, seed=1).table
    b = b.set_index("territory").loc[a.index]
    pd.testing.assert_series_equal(a["rank"], b["rank"])
    pd.testing.assert_series_equal(a["score"], b["score"])


def test_ties_share_the_best_rank_and_an_unscored_territory_is_unranked():
    rows = [(1,) * 10, (1,) * 5 + (0,) * 5, (1,) * 5 + (0,) * 5, (0,) * 10, (None,) * 10]
    t = benchmark_table(*table_of(rows), RS).table
    assert t["rank"].tolist() == [1, 2, 2, 4, pd.NA]


def test_robustness_a_clear_order_is_robust_and_unknowns_widen_the_interval():
    rows = [(1,) * k + (0,) * (10 - k) for k in (10, 8, 6, 4, 2, 0)] + [(1,) + (None,) * 9]
    answers, meta = table_of(rows)  # scores 100, 80, 60, 40, 20, 0 and one almost all unknown
    run_ = benchmark_table(answers, meta, RS, engine="vectorised", draws=300, seed=5)
    t = run_.table
    assert t.loc[0, "rank_median"] == 1 and t.loc[0, "rank_p05"] == 1 == t.loc[0, "rank_p95"] and t.loc[0, "rank_robust"]
    assert t.loc[6, "rank_p95"] - t.loc[6, "rank_p05"] >= 2 and not t.loc[6, "rank_robust"]  # almost all unknown
    again = benchmark_table(answers, meta, RS, engine="vectorised", draws=300, seed=5).table
    pd.testing.assert_frame_equal(t, again)  # seeded: reproducible
    # weights alone cannot move territories whose levels are all equal or all ordered factor by factor
    first3 = np.arange(3)
    weights_only = robustness(RS, run_.prepared.take(first3), DerivedLevels(run_.derived.outcome.take(first3)),
                              draws=50, unknowns=False)
    assert weights_only["median"].tolist() == [1, 2, 3] and weights_only["robust"].all()


def test_durable_and_vectorised_robustness_agree_without_unknown_draws():
    answers, meta = table_of([(1,) * 10, (0, 1) * 5, (1, 0) * 5])
    runs = [benchmark_table(answers, meta, RS, engine=e, draws=40, seed=2).table for e in ("durable", "vectorised")]
    cols = ["rank", "rank_median", "rank_p05", "rank_p95"]
    pd.testing.assert_frame_equal(runs[0][cols], runs[1][cols])


def test_cli_template_then_sheet_in_results_out_in_every_format(tmp_path):
    assert run("template", "--format", "xlsx", "--out", str(tmp_path / "q.xlsx")).returncode == 0
    blank = pd.read_excel(tmp_path / "q.xlsx", sheet_name="answers", dtype=str)
    questions = pd.read_excel(tmp_path / "q.xlsx", sheet_name="questions")
    assert "unit_exists" in blank.columns and "unit_exists__source" in blank.columns and len(questions) > 50
    rows = [{"territory": "ph-a", "name": "A", "country": "PH", "level": "city", "region": "Bicol", "year": "2026",
             "unit_exists": "yes", "unit_exists__source": "ordinance 12"},
            {"territory": "ph-b", "name": "B", "country": "PH", "level": "municipality", "region": "Bicol", "year": "2026",
             "unit_exists": "no"},
            {"territory": "ph-c", "name": "C", "country": "PH", "level": "city", "unit_exists": "perhaps"}]
    pd.DataFrame(rows, columns=blank.columns).to_excel(tmp_path / "filled.xlsx", index=False)
    result = run("benchmark", str(tmp_path / "filled.xlsx"), "--out", str(tmp_path / "out"), "--draws", "3",
                 "--peers", "region")
    assert result.returncode == 1  # one bad row
    assert f"{tmp_path / 'filled.xlsx'}:4" in result.stderr and "perhaps" in result.stderr
    assert "2 territories scored" in result.stdout and "1 input(s) failed" in result.stdout
    out = tmp_path / "out"
    frames = [pd.read_csv(out / "results.csv"), pd.read_excel(out / "results.xlsx"),
              pd.DataFrame(json.loads((out / "results.json").read_text())), pd.read_parquet(out / "results.parquet")]
    for f in frames:
        assert sorted(f["territory"]) == ["ph-a", "ph-b"] and not f["synthetic"].any()
    assert not list(out.glob("*.tmp*")) and not list(out.glob(".*"))  # atomic writes leave nothing behind
    yaml_t = tmp_path / "q.yaml"
    assert run("template", "--format", "yaml", "--out", str(yaml_t)).returncode == 0
    assert run("validate", str(yaml_t)).returncode == 0


def test_read_sheet_reports_unknown_columns_with_a_suggestion(tmp_path):
    (tmp_path / "s.csv").write_text("territory,name,country,level,unit_exist\nx,X,PH,city,yes\n")
    from maturity import InvalidFileError, load_core_ruleset
    try:
        read_sheet(tmp_path / "s.csv", load_core_ruleset())
    except InvalidFileError as exc:
        assert f"{tmp_path / 's.csv'}:1" in str(exc) and "did you mean 'unit_exists'" in str(exc)
    else:
        raise AssertionError("expected InvalidFileError")


def test_cli_runs_as_a_module_on_the_bundled_set(tmp_path):
    import subprocess

    result = subprocess.run([sys.executable, "-m", "maturity", "benchmark", "--out", str(tmp_path), "--draws", "10"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "5 territories scored" in result.stdout and "seal md-sglg 2026.1" in result.stdout
    t = pd.read_csv(tmp_path / "results.csv")
    assert {"seal_reason", "gate.all_core", "gate.essential", "rank_robust"} <= set(t.columns)
