"""Open the HTML reports in headless Chromium and look: styles applied, widths, figures, print.

CI installs Chromium (.ci/run). Without it these tests fail with a message saying so; deselect
them explicitly with ``-m 'not browser'``. Screenshots and PDFs are kept in tests/artefacts/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from browser_helpers import ARTEFACTS, PRINT_WIDTH, assert_reads_well, browser, look
from maturity import load_core_ruleset, load_profile, score
from maturity.benchmarking import benchmark, benchmark_table
from maturity.loading import bundled_profiles_dir
from maturity.report.benchmark_report import write_benchmark_report
from maturity.report.html import write_profile_html
from maturity.seal import bundled_seals_dir, load_seal
from report_helpers import RTL, write_hostile_profile

pytestmark = pytest.mark.browser

WIDTHS = (1280, 400)
BLUE = "rgb(69, 117, 180)"  # well-developed bar and h2 underline (#4575b4)
SAND = "rgb(253, 204, 138)"  # area with potential (#fdcc8a)


@pytest.fixture(scope="module")
def chromium():
    with browser() as b:
        yield b


def _every_width(chromium, page: Path, stem: str) -> dict[str, object]:
    seen = {}
    for width in WIDTHS:
        seen[width] = look(chromium, page, width=width, screenshot=f"{stem}-{width}.png")
        assert_reads_well(seen[width])
    seen["print"] = look(chromium, page, width=PRINT_WIDTH, media="print", pdf=f"{stem}.pdf",
                         screenshot=f"{stem}-print.png")
    assert_reads_well(seen["print"])
    assert (ARTEFACTS / f"{stem}.pdf").stat().st_size > 10_000
    return seen


def test_profile_page_looks_right(chromium):
    page = write_profile_html(score(load_profile(bundled_profiles_dir() / "ph-legazpi.yaml")),
                              ARTEFACTS / "profile-ph-legazpi.html")
    seen = _every_width(chromium, page, "profile-ph-legazpi")
    wide = seen[1280]
    assert wide["goodBar"] == BLUE and wide["goodBarWidth"] == "5px", "the well-developed bar did not render"
    assert wide["potentialBar"] == SAND
    assert wide["images"], "no figure on the page"
    assert "Legazpi City" in wide["text"]


def test_hostile_page_renders_as_text(chromium, tmp_path):
    profile = load_profile(write_hostile_profile(tmp_path / "hostile.yaml"))
    page = write_profile_html(score(profile), ARTEFACTS / "profile-hostile.html")
    seen = _every_width(chromium, page, "profile-hostile")
    text = seen[400]["text"]
    assert '<script>alert("x")</script>' in text and RTL in text  # shown as text, not run
    assert '<b>"bold"</b>' in text


@pytest.fixture(scope="module")
def bundled_report(tmp_path_factory) -> Path:
    rs = load_core_ruleset()
    seal = load_seal(bundled_seals_dir() / "md-sglg.yaml", rs)
    run = benchmark([bundled_profiles_dir()], rs, seal=seal, draws=20)
    return write_benchmark_report(run, tmp_path_factory.mktemp("bundled"), pages=5, seal=seal, draws=20)


def test_benchmark_report_looks_right(chromium, bundled_report):
    seen = _every_width(chromium, bundled_report, "benchmark-bundled")
    assert len(seen[1280]["images"]) >= 1  # the stages (no bundled case has the evidence for a rank: no top-rank heatmap)
    page = bundled_report.parent / "territories" / "ph-legazpi.html"
    _every_width(chromium, page, "benchmark-bundled-ph-legazpi")


def test_synthetic_report_reads_at_scale(chromium, tmp_path):
    """1,716 territories: the page fits the window and the seal comes before the league table."""
    from maturity.synthetic import philippines_like

    rs = load_core_ruleset()
    answers, meta = philippines_like(rs, seed=1)
    seal = load_seal(bundled_seals_dir() / "md-sglg.yaml", rs)
    run = benchmark_table(answers, meta, rs, seal=seal, draws=10)
    report = write_benchmark_report(run, tmp_path, pages=2, seal=seal, draws=10)
    seen = look(chromium, report, width=1280, screenshot="benchmark-synthetic-1280.png")
    assert_reads_well(seen)
    narrow = look(chromium, report, width=400, screenshot="benchmark-synthetic-400.png")
    assert_reads_well(narrow)
    top = seen["positions"]
    assert top["seal"] < top["holds-back"] < top["league"] < top["figures"]
    passed = int((run.table["seal"] == "passed").sum())
    assert 0 < passed < 17  # under 1%: the page must not round the share to 0%
    assert f"{passed} of 1,716 ({100 * passed / 1716:.1f}%)" in seen["text"]
    assert "A dedicated migration and development unit" in seen["text"]  # what holds back, in words
    assert len(seen["images"]) == 3
    page = next((tmp_path / "territories").glob("*.html"))
    box = look(chromium, page, width=400, screenshot="benchmark-synthetic-page-400.png")
    assert_reads_well(box)
    assert box["positions"]["seal"] < box["positions"]["summary"]  # the seal box leads the page
