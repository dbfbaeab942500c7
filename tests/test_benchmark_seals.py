"""Seal gates against truth tables on a ten-factor ruleset: all-in, 3+1, 4+1, thresholds, AND/OR."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from maturity import InvalidFileError
from maturity.benchmarking import benchmark_table
from maturity.loading import parse_ruleset
from maturity.plan import compile_plan
from maturity.seal import parse_seal

AREAS = [f"a{i}" for i in range(10)]


def ten_areas(core: int):
    """Ten factors a0..a9 (a0..a<core-1> core), level 1 when x<i> is true; pillars p1 = a0..a4, p2 = a5..a9."""
    indicators = "\n".join(f"  - {{id: x{i}, type: boolean, question: Q{i}?, sources: [consolidated-reply Q3]}}" for i in range(10))
    factors = "\n".join(
        f"  - {{id: a{i}, title: A{i}, pillar: {'p1' if i < 5 else 'p2'}, core: {str(i < core).lower()}, "
        f"sources: [consolidated-reply Q3], levels: {{1: {{when: {{indicator: x{i}, is: true}}, sources: [consolidated-reply Q3]}}}}}}"
        for i in range(10))
    return parse_ruleset(f"""kind: ruleset
format_version: 1
id: ten
version: "1"
title: ten areas
sources: [{{id: consolidated-reply, title: JMDI consolidated reply}}]
levels:
  - {{level: 0, name: absent, meaning: nothing, score: 0}}
  - {{level: 1, name: present, meaning: there, score: 100}}
indicators:
{indicators}
pillars: [{{id: p1, title: P1}}, {{id: p2, title: P2}}]
factors:
{factors}
aggregation: {{method: arithmetic, stages: [{{id: s, name: S, min_score: 0}}]}}
""", "ten.yaml")


def seal_text(body: str) -> str:
    return f"kind: seal\nformat_version: 1\nid: s\nversion: '2026.1'\nyear: 2026\ntitle: t\nruleset: ten\n{body}"


def table_of(rows: list[tuple]) -> tuple[pd.DataFrame, pd.DataFrame]:
    answers = pd.DataFrame([[None if v is None else bool(v) for v in r] for r in rows],
                           columns=[f"x{i}" for i in range(10)], dtype=object)
    meta = pd.DataFrame({"territory": [f"t{i}" for i in range(len(rows))], "synthetic": False, "year": 2026})
    return answers, meta


ALL = list(itertools.product([0, 1], repeat=10))


@pytest.mark.parametrize("core,k", [(10, 0), (3, 1), (4, 1)])
def test_all_in_3_plus_1_and_4_plus_1_over_every_combination(core, k):
    rs = ten_areas(core)
    body = "all_core: {min_level: 1}\n"
    if k:
        body += f"essential: {{factors: [{', '.join(AREAS[core:])}], at_least: {k}, min_level: 1}}\n"
    seal = parse_seal(seal_text(body), rs, "s.yaml")
    answers, meta = table_of(ALL)
    t = benchmark_table(answers, meta, rs, seal=seal, engine="vectorised").table
    expected = np.array([all(r[:core]) and sum(r[core:]) >= k for r in ALL])
    assert ((t["seal"] == "passed").to_numpy() == expected).all()
    assert set(t.loc[~expected, "seal"]) == {"failed"}
    core_ok = np.array([all(r[:core]) for r in ALL])
    assert (t.loc[~core_ok, "seal_binding_gate"] == "all_core").all()
    if k:  # all core but no essential: fails on the essential gate
        assert (t.loc[core_ok & ~expected, "seal_binding_gate"] == "essential").all()
    # the reference path: durable_rules gives the same decisions on a sample
    sample = np.random.default_rng(0).choice(len(ALL), 24, replace=False)
    d = benchmark_table(answers.iloc[sample], meta.iloc[sample], rs, seal=seal, engine="durable").table
    pd.testing.assert_frame_equal(d[["seal", "seal_binding_gate", "seal_reason"]].reset_index(drop=True),
                                  t.iloc[sample][["seal", "seal_binding_gate", "seal_reason"]].reset_index(drop=True),
                                  check_categorical=False)  # the same values; categories are each run's own


def test_nine_of_ten_areas_fails_all_in_and_names_the_missing_area():
    rs = ten_areas(10)
    seal = parse_seal(seal_text("all_core: {min_level: 1}\n"), rs, "s.yaml")
    rows = [tuple(0 if j == i else 1 for j in range(10)) for i in range(10)] + [(1,) * 10]
    t = benchmark_table(*table_of(rows), rs, seal=seal).table
    assert t["seal"].tolist() == ["failed"] * 10 + ["passed"]
    for i in range(10):
        assert t.loc[i, "seal_reason"] == f"all_core: a{i} at level 0, needs 1"
    assert pd.isna(t.loc[10, "seal_reason"]) and t.loc[10, "gate.all_core"] == "passed"


def test_unknown_answers_make_a_seal_possible_never_passed():
    rs = ten_areas(10)
    seal = parse_seal(seal_text("all_core: {min_level: 1}\n"), rs, "s.yaml")
    t = benchmark_table(*table_of([(1,) * 9 + (None,), (0,) + (1,) * 8 + (None,)]), rs, seal=seal).table
    assert t["seal"].tolist() == ["possible", "failed"]
    assert t.loc[0, "seal_reason"] == "all_core: a9 at level 0 (1 at best), needs 1"


def test_and_or_gates_and_pillar_thresholds_with_reasons():
    rs = ten_areas(0)
    seal = parse_seal(seal_text("""gates:
  - id: unit_or_desk
    name: a0 or a1, and a2
    when: {all: [{any: [{factor: a0, at_least: 1}, {factor: a1, at_least: 1}]}, {factor: a2, at_least: 1}]}
pillars:
  - {pillar: p2, min_score: 60}
"""), rs, "s.yaml")
    rows = [(1, 0, 1, 0, 0, 1, 1, 1, 0, 0),   # passes both: p2 = 60
            (0, 0, 1, 0, 0, 1, 1, 1, 1, 1),   # neither a0 nor a1
            (0, 1, 1, 0, 0, 1, 1, 0, 0, 0)]   # p2 = 40
    t = benchmark_table(*table_of(rows), rs, seal=seal).table
    assert t["seal"].tolist() == ["passed", "failed", "failed"]
    assert t["seal_binding_gate"].tolist()[1:] == ["unit_or_desk", "pillar_p2"]
    assert t.loc[1, "seal_reason"] == "unit_or_desk: 0 of 1 needed (a0 at level 0, needs 1; a1 at level 0, needs 1)"
    assert t.loc[2, "seal_reason"] == "pillar_p2: pillar p2 scores 40.0 to 40.0, needs 60"
    assert list(benchmark_table(*table_of(rows), rs, seal=seal).seal["gates"]) == ["unit_or_desk", "pillar_p2"]


@pytest.mark.parametrize("body,where,message", [
    ("pillars: [{pillar: p3, min_score: 50}]\n", "s.yaml:8", "unknown pillar 'p3'"),
    ("essential: {factors: [a1], at_least: 2, min_level: 1}\n", "s.yaml:8", "at_least is larger"),
    ("title2: x\n", "s.yaml:8", "unknown key"),
    ("", "s.yaml", "at least one gate"),
])
def test_bad_seals_are_rejected_with_file_and_line(body, where, message):
    with pytest.raises(InvalidFileError) as err:
        parse_seal(seal_text(body), ten_areas(3), "s.yaml")
    assert where in str(err.value) and message in str(err.value)


def test_a_run_records_the_seal_id_and_version():
    rs = ten_areas(3)
    seal = parse_seal(seal_text("all_core: {min_level: 1}\n"), rs, "s.yaml")
    run = benchmark_table(*table_of([(1,) * 10]), rs, seal=seal)
    digest = run.seal.pop("digest")
    assert run.seal == {"id": "s", "version": "2026.1", "year": 2026, "gates": ["all_core"]}
    assert len(digest) == 64 and run.ruleset["digest"] == compile_plan(rs).digest  # the seal leaves the ruleset's digest alone


def test_column_wise_reasons_equal_the_per_territory_shortfalls():
    """shortfall_texts (every row at once) writes exactly what shortfalls writes for one territory."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from maturity import load_core_ruleset
    from maturity.conditions import LevelCheck, atoms
    from maturity.seal import bundled_seals_dir, load_seal, shortfall_texts, shortfalls

    rs = load_core_ruleset()
    seal = load_seal(bundled_seals_dir() / "md-sglg.yaml", rs)
    gates = seal.all_gates(rs)
    factors = [f.id for f in rs.factors]
    pair = st.tuples(st.integers(0, rs.max_level), st.integers(0, rs.max_level)).map(lambda p: (min(p), max(p)))

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.fixed_dictionaries(dict.fromkeys(factors, pair)), min_size=1, max_size=8))
    def check(rows):
        lower = {f: np.array([r[f][0] for r in rows]) for f in factors}
        upper = {f: np.array([r[f][1] for r in rows]) for f in factors}
        for gate in gates:
            assert all(isinstance(a, LevelCheck) for _p, a in atoms(gate.when))
            got = shortfall_texts(gate.when, lower, upper).tolist()
            want = ["; ".join(shortfalls(gate.when, {f: r[f][0] for f in factors}, {f: r[f][1] for f in factors}))
                    for r in rows]
            assert got == want

    check()
