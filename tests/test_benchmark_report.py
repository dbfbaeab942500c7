"""The benchmarking report: content computed from a run, rendered safely into one HTML file."""

from __future__ import annotations

import shutil

import pytest

from maturity import bundled_profiles_dir
from maturity.benchmarking import benchmark, load_profiles
from maturity.report.benchmark_report import benchmark_content, render_benchmark_html, write_benchmark_report
from maturity.seal import bundled_seals_dir, load_seal

from report_helpers import HOSTILE_NAME, write_hostile_profile
from test_cli import run


@pytest.fixture(scope="module")
def case_run(core):
    profiles, _ = load_profiles([bundled_profiles_dir()], core)
    return benchmark(profiles, core, seal=load_seal(bundled_seals_dir() / "md-sglg.yaml", core), draws=10)


def test_content_is_computed_from_the_run(case_run):
    c = benchmark_content(case_run)
    # the sources describe each case in part: none reaches two thirds of the factors' weight assessed, none is ranked
    assert c.territories == 5 and all(r["rank"] is None and r["sufficient"] is False for r in c.league)
    assert c.rank_line.startswith("ranked by lower") and "1% of the 0 ranked" in c.robust_definition
    assert sum(g["territories"] for g in c.pass_rates) == 5
    assert {g["group"] for g in c.pass_rates} == {"city", "province", "municipality", "region"}
    assert c.binding_gates == {"all_core": 5}  # no case passes: every core factor would need level 2
    assert c.stages == {"insufficient evidence": 5} and c.seal["id"] == "md-sglg"
    assert c.league[-1]["rank"] is None and c.league[-1]["territory"] == "sn-sedhiou"


def test_report_is_self_contained_and_links_profile_pages(case_run, tmp_path):
    path = write_benchmark_report(case_run, tmp_path, pages=4)
    html = path.read_text(encoding="utf-8")
    assert "<script" not in html and "http://" not in html.replace("http-equiv", "") and "https://" not in html
    assert html.count('src="data:image/png;base64,') == 3  # heatmap, stages, robustness
    assert 'href="territories/ph-legazpi.html"' in html and (tmp_path / "territories" / "ph-legazpi.html").exists()
    assert not (tmp_path / "territories" / "sn-sedhiou.html").exists()  # only the first four pages
    assert "insufficient evidence" in html and "ranked by lower" in html and "from the unknowns" in html
    page = (tmp_path / "territories" / "ph-legazpi.html").read_text(encoding="utf-8")
    assert page.count('src="data:image/png;base64,') == 2  # radar against the peers' average, governance drawing


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


@pytest.mark.browser
def test_report_renders_in_headless_chromium(case_run, tmp_path):
    chromium = shutil.which("chromium")
    assert chromium, "Chromium is needed for this check (.ci/run installs it; or deselect with -m 'not browser')"
    import subprocess

    path = write_benchmark_report(case_run, tmp_path, pages=0)
    dom = subprocess.run([chromium, "--headless", "--disable-gpu", "--no-sandbox", "--dump-dom", path.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    assert dom.count("<tr>") >= 5 + 4 and dom.count("<img") == 3
