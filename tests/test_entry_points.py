"""The same answers give the same encoded answers and results through every entry point.

YAML profiles, CSV and XLSX sheets, and data frames with object, typed, nullable or numpy
columns all pass through :func:`maturity.prepare.prepare`; scoring one profile, benchmarking
with either engine, streaming and ruleset tests then read the same :class:`Outcome`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from maturity import bundled_profiles_dir, load_core_ruleset, load_profile
from maturity.benchmarking import benchmark, benchmark_table, load_profiles, territory_meta
from maturity.cells import Range
from maturity.engines import get_evaluator
from maturity.prepare import answers_frame, prepare
from maturity.scoring import Scorer
from maturity.stream import score_frame

RS = load_core_ruleset()
PROFILES = [load_profile(p, RS) for p in sorted(bundled_profiles_dir().glob("*.yaml"))]
ANSWERS = answers_frame(PROFILES, RS)  # governance-derived answers applied, as prepare applies them
# a typed column cannot hold a range ("at least 5"): typed frames carry the range's known end instead, which
# establishes the same levels (the range only widens the upper bounds)
EXACT = ANSWERS.map(lambda v: (v.at_least if v.at_least is not None else v.at_most) if isinstance(v, Range) else v)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Range):  # as a sheet writes a range
        return f">={value.at_least}" if value.at_most is None else f"<={value.at_most}" if value.at_least is None \
            else f"{value.at_least}-{value.at_most}"
    return str(value).lower() if isinstance(value, bool) else str(value)


def _sheet_frame() -> pd.DataFrame:
    meta = pd.DataFrame({"territory": [p.territory.id for p in PROFILES], "name": [p.territory.name for p in PROFILES],
                         "country": [p.territory.country for p in PROFILES], "level": [p.territory.level for p in PROFILES]})
    return pd.concat([meta, ANSWERS.reset_index(drop=True).map(_text)], axis=1)


def _typed(kind: str) -> pd.DataFrame:
    out = pd.DataFrame(index=EXACT.index)
    for ind in RS.indicators:
        col = EXACT[ind.id]
        if kind == "numpy":  # numpy scalars inside object columns, as pandas 3 hands them out
            out[ind.id] = pd.Series([None if v is None else (np.bool_(v) if isinstance(v, bool) else
                                     np.int64(v) if isinstance(v, int) else np.float64(v) if isinstance(v, float) else v)
                                     for v in col], index=col.index, dtype=object)
        elif ind.type == "boolean":
            out[ind.id] = col.astype("boolean")
        elif ind.type == "ordinal":
            out[ind.id] = pd.Categorical(col, categories=ind.scale)
        elif ind.type in ("count", "year"):
            out[ind.id] = col.astype("Int64") if kind == "nullable" else col.astype(float)  # float: blanks as NaN, 2.0
        else:
            out[ind.id] = col.astype("Float64") if kind == "nullable" else col.astype(float)
    return out


def _from_sheet(tmp_path: Path, suffix: str):
    path = tmp_path / f"territories{suffix}"
    frame = _sheet_frame()
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_excel(path, index=False)
    profiles, failures = load_profiles([path], RS)
    assert failures == []
    return prepare(RS, profiles)


@pytest.fixture(scope="module")
def reference():
    return prepare(RS, PROFILES).raise_problems()


@pytest.mark.parametrize("entry", ["yaml-folder", "csv", "xlsx", "object", "typed", "nullable", "numpy"])
def test_every_entry_point_prepares_the_same_answers(entry, reference, tmp_path):
    if entry == "yaml-folder":
        profiles, failures = load_profiles([bundled_profiles_dir()], RS)
        assert failures == []
        got = prepare(RS, profiles)
    elif entry in ("csv", "xlsx"):
        got = _from_sheet(tmp_path, f".{entry}")
    elif entry == "object":
        got = prepare(RS, ANSWERS)
    else:
        got, reference = prepare(RS, _typed(entry)), prepare(RS, EXACT).raise_problems()
    got.raise_problems()
    assert list(got.index) == list(reference.index)
    np.testing.assert_array_equal(got.known, reference.known)
    for end in ("low", "high"):
        np.testing.assert_array_equal(np.where(got.known, getattr(got, end), 0),
                                      np.where(reference.known, getattr(reference, end), 0))
    np.testing.assert_array_equal(got.answered, reference.answered)
    np.testing.assert_array_equal(got.assessed, reference.assessed)


@pytest.mark.parametrize("entry", ["object", "typed", "nullable", "numpy"])
def test_every_entry_point_scores_the_same(entry, reference):
    frame = ANSWERS if entry == "object" else _typed(entry)
    expected = get_evaluator("durable").evaluate(reference if entry == "object" else prepare(RS, EXACT))
    for engine in ("durable", "vectorised"):
        got = get_evaluator(engine).evaluate(prepare(RS, frame).raise_problems())
        for name in ("lower", "upper", "caps", "findings", "gates", "assessed", "answered"):
            np.testing.assert_array_equal(getattr(got, name), getattr(expected, name), err_msg=f"{engine} {name}")
    run = benchmark_table(frame, territory_meta(PROFILES), RS, engine="vectorised")
    streamed = score_frame(RS, frame)
    for k, profile in enumerate(PROFILES):
        single = Scorer(RS).score(profile, keep_session=False)
        assert single.completeness.answered == int(expected.answered[k])
        for score in (run.table.loc[k, "score"], streamed["score"].iloc[k]):
            assert (pd.isna(score) and single.overall.score is None) or score == pytest.approx(single.overall.score,
                                                                                                 abs=1e-12)


def test_benchmark_from_files_equals_scoring_each_profile():
    durable = benchmark([bundled_profiles_dir()], RS, engine="durable").table
    vectorised = benchmark([bundled_profiles_dir()], RS, engine="vectorised").table
    pd.testing.assert_frame_equal(durable, vectorised)
    legazpi = durable.set_index("territory").loc["ph-legazpi"]
    profile = next(p for p in PROFILES if p.territory.id == "ph-legazpi")
    declared = sum(1 for i in RS.indicators if profile.answer(i.id).known)
    scored = Scorer(RS).score(profile, keep_session=False).completeness.answered
    assert scored > declared  # the governance graph answers questions the profile leaves open
    assert legazpi["completeness"] == pytest.approx(scored / len(RS.indicators))


@pytest.mark.parametrize(("cell", "problem"), [("yes", None), ("2.7", "whole number"), ("2.0", None), ("", None),
                                               ("UNKNOWN", None), ("maybe", "is not a yes/no answer")])
def test_one_vocabulary_for_cells_everywhere(cell, problem):
    """A CSV cell means the same in a sheet, a frame and a YAML profile."""
    indicator = "budget_line" if problem != "whole number" and cell not in ("2.7", "2.0") else "lra_partnerships"
    frame = pd.DataFrame({indicator: [cell]}, index=pd.Index(["t"], name="territory"), dtype=object)
    from_frame = prepare(RS, frame)
    profile = PROFILES[0].with_answers({indicator: {"value": cell, "source": "consolidated-reply Q4"}})
    from_yaml = prepare(RS, profile)
    for got in (from_frame, from_yaml):
        if problem is None:
            assert got.problems == ()
        else:
            assert len(got.problems) == 1 and problem in got.problems[0].message


@pytest.mark.slow
def test_the_synthetic_benchmark_is_the_same_on_both_engines_cell_for_cell(tmp_path):
    """1,716 territories from the command line: the reference engine and the vectorised one agree everywhere."""
    import subprocess
    import sys

    tables = []
    for engine in ("durable", "vectorised"):
        out = tmp_path / engine
        result = subprocess.run([sys.executable, "-m", "maturity", "benchmark", "--synthetic", "1", "--engine", engine,
                                 "--report-pages", "-1", "--out", str(out)], capture_output=True, text=True, timeout=1800)
        assert result.returncode == 0, result.stderr
        tables.append(pd.read_csv(out / "results.csv"))
    assert len(tables[0]) == 1716
    pd.testing.assert_frame_equal(tables[0], tables[1])
