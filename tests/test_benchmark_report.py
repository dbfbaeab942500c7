"""The benchmarking report: content computed from a run, rendered safely into one HTML file."""

from __future__ import annotations

import pytest

from maturity import bundled_profiles_dir
from maturity.benchmarking import benchmark, load_profiles
from maturity.report.benchmark_report import benchmark_content, render_benchmark_html, write_benchmark_report
from maturity.seal import bundled_seals_dir, load_seal
from report_helpers import HOSTILE_NAME, write_hostile_profile
from test_cli import run


@pytest.fixture(scope="module")
def seal(core):
    return load_seal(bundled_seals_dir() / "md-sglg.yaml", core)


@pytest.fixture(scope="module")
def case_run(core, seal):
    profiles, _ = load_profiles([bundled_profiles_dir()], core)
    return benchmark(profiles, core, seal=seal, draws=10)


def test_content_is_computed_from_the_run(case_run, seal):
    c = benchmark_content(case_run, seal=seal, draws=10)
    # the sources describe each case in part: none reaches two thirds of the factors' weight assessed, none is ranked
    assert c.territories == 5 and all(r["rank"] is None and r["sufficient"] is False for r in c.league)
    assert c.rank_line.startswith("ranked by lower") and c.measure == "lower bound"
    s = c.seal_summary
    assert (s.passed, s.possible, s.failed) == (0, 5, 0)  # none passes for sure: every core factor needs level 2
    assert sum(g.territories for g in s.groups) == 5
    assert {g.group for g in s.groups} == {"city", "province", "municipality", "region"}
    assert [(g.id, g.binding) for g in s.gates] == [("all_core", 5), ("essential", 0)]
    assert s.gates[0].name == "every core factor at level 2 or more"
    unit = next(f for f in s.factors if f.factor == "dedicated_unit")
    assert unit.title == "A dedicated migration and development unit" and unit.needed == 2
    levels = case_run.derived.lower_level["dedicated_unit"].fillna(0)
    assert unit.below == int((levels < 2).sum())
    assert [x.below for x in s.factors] == sorted((x.below for x in s.factors), reverse=True)
    assert [st["id"] for st in c.stages] == ["exploring", "emerging", "consolidating", "mainstreaming"]
    assert [st["count"] for st in c.stages] == [0, 0, 0, 0] and c.unscored == 5  # empty stages kept, in scale order
    assert c.seal["id"] == "md-sglg" and c.draws == 10
    assert c.league[-1]["territory"] == "sn-sedhiou"


def test_league_shows_top_and_bottom(case_run):
    c = benchmark_content(case_run, shown=1)
    assert [r["territory"] for r in c.league_top] == ["cr-upala"]  # none ranked: by id
    assert c.league_bottom == [] and c.ranked == 0


def test_report_is_self_contained_and_links_profile_pages(case_run, seal, tmp_path):
    path = write_benchmark_report(case_run, tmp_path, pages=4, seal=seal, draws=10)
    html = path.read_text(encoding="utf-8")
    assert "<script" not in html and "http://" not in html.replace("http-equiv", "") and "https://" not in html
    # no bundled case has enough evidence for a rank: no heatmap of the top ranks and no robustness chart, the stages only
    assert html.count('src="data:image/png;base64,') == 1
    assert html.index('id="seal"') < html.index('id="holds-back"') < html.index('id="league"')
    assert "0 of 5 (0%)" in html and "5 of 5 (100%)" in html and "over 10 draws" in html
    first = [r["territory"] for r in benchmark_content(case_run).league[:4]]  # pages go to the first of the league
    assert all(f'href="territories/{t}.html"' in html and (tmp_path / "territories" / f"{t}.html").exists()
               for t in first) and "ph-legazpi" in first
    assert len(list((tmp_path / "territories").glob("*.html"))) == 4  # only the first four pages
    assert "insufficient evidence" in html and "ranked by lower" in html
    page = (tmp_path / "territories" / "ph-legazpi.html").read_text(encoding="utf-8")
    assert page.count('src="data:image/svg+xml;base64,') == 1  # factor levels against the peers' average
    assert page.count('src="data:image/png;base64,') == 1  # governance drawing
    box = page[page.index('id="seal"'):page.index('id="summary"')]
    assert "every core factor at level 2 or more" in box and "could be met" in box
    assert "A dedicated migration and development unit: level 1" in box and "needs 2" in box
    assert "seal__" not in page  # gates are in the box, never findings
    # the bundled gates carry no citation of their own: they cite the seal, not some rule of the ruleset
    assert f"[seal md-sglg {seal.version}]" in box


def test_seal_box_says_what_falls_short(case_run, seal):
    from maturity.report.seal_view import parts_text, seal_box_from_run

    row = case_run.table.index[case_run.table["territory"] == "ph-legazpi"][0]
    box = seal_box_from_run(case_run, seal, row)
    assert box.result == "possible" and [g.id for g in box.gates] == ["all_core", "essential"]
    core = box.gates[0]
    assert core.status == "possible"
    short = {p.factor: p for p in core.parts if p.status != "met"}
    assert short["dedicated_unit"].short_by == 1 and short["dedicated_unit"].needed == 2
    assert any(t.startswith("A dedicated migration and development unit: level 1") for t in parts_text(core.parts))
    assert box.gates[1].needs == 1


def test_shares_never_round_to_zero():
    from maturity.report.seal_view import count_text, share_text

    assert count_text(7, 1486) == "7 of 1,486 (0.5%)"
    assert share_text(1, 100_000) == "<0.1%" and share_text(99_999, 100_000) == ">99.9%"
    assert share_text(0, 5) == "0%" and share_text(5, 5) == "100%" and share_text(1, 3) == "33%"


def test_hostile_names_are_escaped(core, tmp_path):
    profile_path = write_hostile_profile(tmp_path / "hostile.yaml")
    from maturity import load_profile

    run_ = benchmark([load_profile(profile_path, core)], core)
    html = render_benchmark_html(benchmark_content(run_), run_)
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert HOSTILE_NAME not in html


def test_cli_benchmark_writes_the_report(tmp_path):
    out = tmp_path / "out"
    result = run("benchmark", "--out", str(out), "--draws", "5", "--report-pages", "1")
    assert result.returncode == 0, result.stderr
    assert (out / "report.html").exists() and len(list((out / "territories").glob("*.html"))) == 1
    # Not a terminal: one line per step on stderr, so a log shows what the long work is doing.
    steps = [line for line in result.stderr.splitlines() if line.startswith("report: ")]
    assert steps[0] == "report: page 1 of 1: cr-upala"  # none ranked: by id
    assert "report: drawing the stage chart" in steps and steps[-1] == "report: writing report.html"




def test_pages_and_figures_drawn_by_workers_are_those_drawn_in_process(core, seal, tmp_path, monkeypatch):
    """Ten pages and three figures go to forked workers (where the platform forks); the files are those the
    same report writes in one process, and the territory pages embed the factor chart as SVG."""
    import os

    from maturity.benchmarking import benchmark_table
    from maturity.synthetic import philippines_like

    answers, meta = philippines_like(core, seed=1)
    run_ = benchmark_table(answers.head(300), meta.head(300), core, seal=seal, draws=10)
    pooled = write_benchmark_report(run_, tmp_path / "pooled", pages=10, seal=seal, draws=10)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)  # one core: everything in this process
    alone = write_benchmark_report(run_, tmp_path / "alone", pages=10, seal=seal, draws=10)
    html = pooled.read_text(encoding="utf-8")
    assert html == alone.read_text(encoding="utf-8")
    assert html.count('src="data:image/png;base64,') == 3  # heat map, stages, rank robustness
    names = sorted(p.name for p in (tmp_path / "pooled" / "territories").glob("*.html"))
    assert len(names) == 10 and names == sorted(p.name for p in (tmp_path / "alone" / "territories").glob("*.html"))
    for name in names:
        page = (tmp_path / "pooled" / "territories" / name).read_text(encoding="utf-8")
        assert page == (tmp_path / "alone" / "territories" / name).read_text(encoding="utf-8")
        assert page.count('src="data:image/svg+xml;base64,') == 1


def test_a_large_run_caps_json_and_xlsx_and_says_so(tmp_path, monkeypatch):
    """Past READER_ROWS rows, results.json holds the first rows in rank order and results.xlsx is not written;
    summary.txt and run.json say so, results.csv and results.parquet hold every row."""
    import json

    import pandas as pd
    from click.testing import CliRunner

    from maturity import cli_benchmarking

    monkeypatch.setattr(cli_benchmarking, "READER_ROWS", 3)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli_benchmarking.benchmark_command, ["--draws", "0", "--report-pages", "-1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    full = pd.read_csv(out / "results.csv")
    assert len(full) == 5 and len(pd.read_parquet(out / "results.parquet")) == 5
    capped = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert [r["territory"] for r in capped] == full["territory"].head(3).tolist()  # the first in rank order
    assert not (out / "results.xlsx").exists()
    summary = (out / "summary.txt").read_text(encoding="utf-8")
    assert "results.json holds the first 3 of 5 rows in rank order" in summary
    assert "results.xlsx not written: 5 rows, more than 3" in summary
    run_json = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run_json["results_json_rows"] == 3 and run_json["results_xlsx"] is False


def test_a_run_within_reader_rows_writes_every_file_whole(tmp_path):
    import json

    import pandas as pd
    from click.testing import CliRunner

    from maturity import cli_benchmarking

    out = tmp_path / "out"
    result = CliRunner().invoke(cli_benchmarking.benchmark_command, ["--draws", "0", "--report-pages", "-1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(json.loads((out / "results.json").read_text(encoding="utf-8"))) == 5
    assert len(pd.read_excel(out / "results.xlsx")) == 5
    assert "not written" not in (out / "summary.txt").read_text(encoding="utf-8")
