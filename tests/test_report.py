"""Profile mode, HTML pages and figures (maturity.report) and ``maturity profile``."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT
from report_helpers import HOSTILE_NAME, HOSTILE_NOTE, LONG, RTL, write_hostile_profile

from maturity import load_profile, score
from maturity.loading import bundled_profiles_dir
from maturity.report import profile_mode, render_profile_text
from maturity.report.figures import (
    factor_bars_figure,
    figure_data_uri,
    heatmap_figure,
    levels_frame,
    radar_figure,
    stage_distribution_figure,
)
from maturity.report.html import render_profile_html, write_profile_html

TINY_PNG = "data:image/png;base64,iVBORw0KGgo="  # enough for tests that do not look at the figure


def _assess(territory: str):
    return score(load_profile(bundled_profiles_dir() / f"{territory}.yaml"))


@pytest.fixture(scope="module")
def pichincha():
    return _assess("ec-pichincha")


@pytest.fixture(scope="module")
def sedhiou():
    return _assess("sn-sedhiou")


@pytest.fixture(scope="module")
def legazpi():
    return _assess("ph-legazpi")


# -- content model --------------------------------------------------------------------------
def test_pichincha_replication_is_well_developed(pichincha):
    c = profile_mode(pichincha)
    assert [a.factor for a in c.well_developed] == ["replication"]  # level 3: advises others, replicated in Imbabura
    learning = next(p for p in c.pillars if p.id == "learning")
    assert [a.factor for a in learning.well_developed] == ["replication"]
    assert "replication" not in {a.factor for a in learning.potential}
    assert "replication" not in {s.factor for s in c.next_steps}  # next steps are for the areas with potential
    unit = next(a for a in c.factors if a.factor == "dedicated_unit")
    assert (unit.level, unit.lower_level, unit.upper_level, unit.well_developed) == (2, 2, 4, False)
    assert unit.next_step is not None and unit.next_step.target_level == 3


def test_sedhiou_has_no_well_developed_area(sedhiou):
    c = profile_mode(sedhiou)
    assert c.well_developed == ()
    assert len(c.potential) == len(sedhiou.factors) == 19
    for p in c.pillars:
        assert p.well_developed == ()
        assert {a.factor for a in p.potential} == {f.id for f in sedhiou.factors if f.pillar == p.id}
    for a in c.potential:
        assert not a.assessed and a.level is None and (a.lower_level, a.upper_level) == (0, 4)
        assert a.unknown_indicators
    assert c.overall["score"] is None and c.completeness["answered"] == 0
    assert len(c.next_steps) == 19 and all(m.status == "unknown" for s in c.next_steps for m in s.missing)


def test_legazpi_participation_and_governance_gaps(legazpi):
    c = profile_mode(legazpi)
    assert {a.factor for a in c.well_developed} == {"participation", "multi_stakeholder_coordination"}
    assert c.governance_available
    assert len(c.governance_gaps) == len(legazpi.governance_gaps) > 0
    assert c.governance_complete is False
    assert {g.kind for g in c.governance_gaps} == {g["kind"] for g in legazpi.governance_gaps}


def test_next_steps_put_what_adds_most_first_then_core_factors(legazpi):
    steps = profile_mode(legazpi).next_steps
    gains = {s.factor: s.gain for s in legazpi.ranked_next_steps()}
    keys = [(-round(gains.get(s.factor, float("-inf")), 9), not s.core) for s in steps]
    assert keys == sorted(keys) and len(steps) > 5


def test_threshold_is_a_parameter(pichincha):
    c = profile_mode(pichincha, well_developed_level=2)
    # capacity building reaches 2 through the employment service's skills training (consolidated-reply Q4 Ecuador)
    assert {"replication", "dedicated_unit", "legal_mandate", "services", "political_will",
            "capacity_building"} == {a.factor for a in c.well_developed}


def test_to_dict_is_plain_json_without_rank(legazpi):
    d = profile_mode(legazpi).to_dict()
    again = json.loads(json.dumps(d))
    assert again == d
    assert d["well_developed"] == ["participation", "multi_stakeholder_coordination"]
    assert len(d["pillars"]) == 6 and "potential" in d["pillars"][0]
    assert "rank" not in json.dumps(d)


def test_text_rendering(sedhiou):
    text = render_profile_text(profile_mode(sedhiou))
    assert "Sédhiou" in text and "no rank" in text
    assert text.count("well-developed areas: none") == 6


# -- HTML -----------------------------------------------------------------------------------
class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parse(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    return parser


def test_page_is_self_contained(pichincha):
    page = render_profile_html(profile_mode(pichincha))
    tags = _parse(page).tags
    names = [t for t, _ in tags]
    assert "script" not in names and "link" not in names and "iframe" not in names
    imgs = [a for t, a in tags if t == "img"]
    assert len(imgs) == 1 and imgs[0]["src"].startswith("data:image/png;base64,")
    assert "http://" not in page and "https://" not in page
    assert "style" in names  # CSS inline
    assert sum(1 for t, a in tags if t == "tr" and (a.get("id") or "").startswith("factor-")) == 19
    assert 'id="factor-replication" class="good"' in page


def test_hostile_names_and_notes_are_escaped(tmp_path):
    from maturity import load_profile as load

    a = score(load(write_hostile_profile(tmp_path / "hostile.yaml")))
    assert a.territory["name"] == HOSTILE_NAME
    page = render_profile_html(profile_mode(a), radar_uri=TINY_PNG)
    parsed = _parse(page)
    names = [t for t, _ in parsed.tags]
    assert "script" not in names and "b" not in names  # no tag of the user's got through
    assert [t for t in names if t == "img"] == ["img"]  # only the radar
    assert "<script" not in page.lower() and "<img src=x" not in page and "<b>" not in page
    assert '&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; O&#39;Brien &amp; &#34;Co&#34;' in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # the answer's note, shown as text
    # The name, unescaped by the parser, comes back whole: in the title, the heading and the alt text.
    text = "".join(parsed.text)
    assert HOSTILE_NAME in text
    h1 = page.index("<h1")
    assert page[h1:h1 + 20].startswith('<h1 dir="auto">')
    alt = next(a["alt"] for t, a in parsed.tags if t == "img")
    assert HOSTILE_NAME in alt
    assert RTL in page and LONG in page
    assert HOSTILE_NOTE not in page


def test_radar_uri_must_be_embedded(pichincha):
    with pytest.raises(ValueError, match="data:image"):
        render_profile_html(profile_mode(pichincha), radar_uri="https://example.org/x.png")


def test_write_is_atomic(pichincha, tmp_path, monkeypatch):
    target = tmp_path / "out" / "p.html"
    write_profile_html(pichincha, target)
    first = target.read_text(encoding="utf-8")
    assert first.startswith("<!DOCTYPE html>")
    assert os.listdir(target.parent) == ["p.html"]  # no temporary file left behind

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_profile_html(_assess("cr-upala"), target)
    assert target.read_text(encoding="utf-8") == first  # the old page is intact
    assert os.listdir(target.parent) == ["p.html"]


# -- figures --------------------------------------------------------------------------------
def test_radar_draws_scores_and_bounds(pichincha, legazpi):
    fig = radar_figure(pichincha, peers=[legazpi])
    ax = fig.axes[0]
    assert ax.name == "polar"
    scores = [np.nan if f.score is None else f.score for f in pichincha.factors]
    y = ax.lines[0].get_ydata()
    np.testing.assert_array_equal(y, [*scores, scores[0]])  # closed loop, broken where unassessed
    assert len(ax.get_xticks()) == 19
    assert ax.lines[1].get_label() == "Legazpi City"
    np.testing.assert_array_equal(ax.lines[1].get_ydata()[:-1],
                                  [np.nan if f.score is None else f.score for f in legazpi.factors])
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert band.min() == pytest.approx(min(f.lower for f in pichincha.factors))
    assert band.max() == pytest.approx(max(f.upper for f in pichincha.factors))
    # The same figure from the content model.
    y2 = radar_figure(profile_mode(pichincha)).axes[0].lines[0].get_ydata()
    np.testing.assert_array_equal(y, y2)


def test_factor_bars_widths_are_levels(pichincha):
    fig = factor_bars_figure(profile_mode(pichincha))
    ax = fig.axes[0]
    bars = ax.patches
    assert [b.get_width() for b in bars] == [f.level or 0 for f in pichincha.factors]
    assert [bool(b.get_hatch()) for b in bars] == [not f.assessed for f in pichincha.factors]
    segments = ax.collections[0].get_segments()
    assert [(s[0][0], s[1][0]) for s in segments] == [(f.lower_level, f.upper_level) for f in pichincha.factors]


def test_heatmap_from_a_plain_table():
    levels = pd.DataFrame({"a": [1, None, 3], "b": [0, 4, None]}, index=["data", "unit", "budget"])
    fig = heatmap_figure(levels)
    ax = fig.axes[0]
    arr = ax.images[0].get_array()
    assert arr.shape == (3, 2)
    assert arr.mask.tolist() == [[False, False], [True, False], [False, True]]
    assert arr.filled(-1).tolist() == [[1, 0], [-1, 4], [3, -1]]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["data", "unit", "budget"]
    assert sorted(t.get_text() for t in ax.texts) == ["0", "1", "3", "4", "?", "?"]


def test_levels_frame_reads_benchmark_columns():
    results = pd.DataFrame({"territory": ["x", "y"], "score": [10, 20],
                            "level.data": [1, None], "level.unit": [2, 3], "upper_level.data": [4, 4]})
    frame = levels_frame(results)
    assert frame.index.tolist() == ["data", "unit"] and frame.columns.tolist() == ["x", "y"]
    assert frame.loc["unit", "y"] == 3 and math.isnan(frame.loc["data", "y"])
    assert heatmap_figure(frame).axes[0].images[0].get_array().shape == (2, 2)


def test_stage_distribution_counts():
    df = pd.DataFrame({"stage": ["emerging", "exploring", None, "emerging"]})
    fig = stage_distribution_figure(df, order=["exploring", "emerging", "consolidating", "mainstreaming"])
    ax = fig.axes[0]
    assert [p.get_height() for p in ax.patches] == [1, 2, 0, 0, 1]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["exploring", "emerging", "consolidating", "mainstreaming", "no score"]


def test_figure_data_uri(pichincha):
    import base64

    uri = figure_data_uri(factor_bars_figure(pichincha))
    assert base64.b64decode(uri.split(",", 1)[1]).startswith(b"\x89PNG")


# -- command line ---------------------------------------------------------------------------
def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "maturity", "profile", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONWARNINGS": "ignore"})


def test_cli_text_and_json():
    text = _run("profiles/ec-pichincha.yaml")
    assert text.returncode == 0, text.stderr
    assert "Province of Pichincha" in text.stdout and "+ Replication and influence: level 3 established" in text.stdout
    js = _run("profiles/sn-sedhiou.yaml", "--format", "json")
    assert js.returncode == 0, js.stderr
    data = json.loads(js.stdout)
    assert data["well_developed"] == [] and len(data["potential"]) == 19


def test_cli_html_out(tmp_path):
    out = tmp_path / "legazpi.html"
    result = _run("profiles/ph-legazpi.yaml", "--format", "html", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and "written" in result.stderr
    page = out.read_text(encoding="utf-8")
    assert "Legazpi City" in page and 'src="data:image/png;base64,' in page
    assert os.listdir(tmp_path) == ["legazpi.html"]


def test_cli_hostile_profile(tmp_path):
    path = write_hostile_profile(tmp_path / "hostile.yaml")
    result = _run(str(path), "--format", "html")
    assert result.returncode == 0, result.stderr
    assert "<script" not in result.stdout.lower() and "&lt;script&gt;" in result.stdout


def test_cli_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: profile\nformat_version: 1\nterritory: {id: x}\n", encoding="utf-8")
    invalid = _run(str(bad))
    assert invalid.returncode == 1 and "bad.yaml" in invalid.stderr
    usage = _run("profiles/ec-pichincha.yaml", "--format", "pdf")
    assert usage.returncode == 2
