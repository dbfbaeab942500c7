"""The vectorised evaluator gives exactly what durable_rules gives, on random rulesets and populations."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maturity import InvalidFileError
from maturity.checks import check_ruleset
from maturity.engines.vectorised import compile_vectorised
from maturity.ruleset import Ruleset
from maturity.table import aggregate_table, derive_levels


def derive_table(rs, table):
    return derive_levels(rs, table, engine="vectorised")

SRC = ["src p1"]
TYPES = ("boolean", "ordinal", "number", "count", "year")


# -- random rulesets within the language ------------------------------------------------------


@st.composite
def indicator_defs(draw, n: int) -> list[dict[str, Any]]:
    out = []
    for k in range(n):
        kind = draw(st.sampled_from(TYPES))
        d: dict[str, Any] = {"id": f"i{k}", "type": kind, "question": "?", "sources": SRC}
        if kind == "boolean":
            d["better"] = draw(st.booleans())
        elif kind == "ordinal":
            d["scale"] = [f"s{j}" for j in range(draw(st.integers(2, 4)))]
        elif kind == "number":
            d |= {"unit": "u", "better": draw(st.sampled_from(["higher", "lower"])), "minimum": 0, "maximum": 6}
        else:
            d["better"] = draw(st.sampled_from(["higher", "lower"]))
        out.append(d)
    return out


def _value(draw, ind: dict[str, Any]) -> Any:
    kind = ind["type"]
    if kind == "boolean":
        return draw(st.booleans())
    if kind == "ordinal":
        return draw(st.sampled_from(ind["scale"]))
    if kind == "number":
        return draw(st.sampled_from([0, 1, 2.5, 3, 4.0, 6]))
    if kind == "count":
        return draw(st.integers(0, 5))
    return draw(st.integers(2000, 2005))


def _compare(draw, inds: list[dict[str, Any]], monotone: bool) -> dict[str, Any]:
    ind = draw(st.sampled_from(inds))
    kind, value = ind["type"], _value(draw, ind)
    if kind == "boolean":
        op = draw(st.sampled_from(["is", "is_not"]))
        if monotone:
            value = ind["better"] if op == "is" else not ind["better"]
    elif monotone:
        better = "higher" if kind == "ordinal" else ind["better"]
        op = draw(st.sampled_from(["at_least", "above"] if better == "higher" else ["at_most", "below"]))
    else:
        op = draw(st.sampled_from(["is", "is_not", "at_least", "at_most", "above", "below"]))
    return {"indicator": ind["id"], op: value}


def _condition(draw, inds, depth: int, monotone: bool, factors=None, max_level: int = 0,
               levels_only: bool = False) -> dict[str, Any]:
    kinds = ([] if levels_only else ["compare"]) + (["level"] if factors else []) + (["all", "any", "k_of"] if depth else [])
    kinds += ["not"] if (depth and not monotone) else []
    kind = draw(st.sampled_from(kinds))
    if kind == "compare":
        return _compare(draw, inds, monotone)
    if kind == "level":
        return {"factor": draw(st.sampled_from(factors)),
                draw(st.sampled_from(["at_least", "below"])): draw(st.integers(0, max_level))}
    sub = lambda: _condition(draw, inds, depth - 1, monotone, factors, max_level, levels_only)
    if kind == "not":
        return {"not": sub()}
    parts = [sub() for _ in range(draw(st.integers(1, 3)))]
    if kind == "k_of":
        return {"at_least": draw(st.integers(1, len(parts))), "of": parts}
    return {kind: parts}


@st.composite
def rulesets(draw) -> Ruleset:
    inds = draw(indicator_defs(draw(st.integers(2, 6))))
    top = draw(st.integers(1, 3))
    scores = sorted(draw(st.lists(st.integers(0, 100), min_size=top + 1, max_size=top + 1)))
    n_pillars = draw(st.integers(1, 2))
    n_factors = draw(st.integers(n_pillars, 4))
    factor_ids = [f"f{k}" for k in range(n_factors)]
    factors = [{
        "id": fid, "title": fid, "pillar": f"p{min(k, n_pillars - 1)}", "sources": SRC,
        "weight": draw(st.sampled_from([0.5, 1.0, 2.0])),
        "levels": {n: {"when": _condition(draw, inds, 2, True), "sources": SRC} for n in range(1, top + 1)},
    } for k, fid in enumerate(factor_ids)]
    order = draw(st.permutations(factor_ids))  # caps only point forward in this order: no cycles
    caps = []
    for k in range(draw(st.integers(0, 4)) if n_factors > 1 else 0):
        i, j = sorted(draw(st.lists(st.integers(0, n_factors - 1), min_size=2, max_size=2, unique=True)))
        caps.append({"id": f"c{k}", "factor": order[j], "max_level": draw(st.integers(0, top - 1)),
                     "unless": {"factor": order[i], "at_least": draw(st.integers(1, top))},
                     "reason": "r", "sources": SRC})
    findings = [{"id": f"d{k}", "when": _condition(draw, inds, 2, False, factor_ids, top), "message": "m", "sources": SRC}
                for k in range(draw(st.integers(0, 3)))]
    doc = {
        "kind": "ruleset", "format_version": 1, "id": "rnd", "version": "1", "title": "random",
        "sources": [{"id": "src", "title": "S"}],
        "levels": [{"level": n, "name": f"l{n}", "meaning": "m", "score": s} for n, s in enumerate(scores)],
        "indicators": inds,
        "pillars": [{"id": f"p{k}", "title": "P", "weight": draw(st.sampled_from([1.0, 3.0]))} for k in range(n_pillars)],
        "factors": factors, "caps": caps, "findings": findings,
        "aggregation": {"method": draw(st.sampled_from(["arithmetic", "geometric"])),
                        "stages": [{"id": "a", "name": "A", "min_score": 0}, {"id": "b", "name": "B", "min_score": 50}]},
    }
    rs = Ruleset.model_validate(doc)
    assert check_ruleset(rs) == [], check_ruleset(rs)
    return rs


def _range(draw, ind: dict[str, Any]) -> Any:
    """A range answer as a sheet writes it (``>=a``, ``<=b``, ``a-b``) or as a profile does (a mapping)."""
    a, b = sorted([_value(draw, ind), _value(draw, ind)], key=lambda v: ind["scale"].index(v) if "scale" in ind else v)
    form = draw(st.sampled_from(["at_least", "at_most", "between", "text"]))
    if form == "text" and ind["type"] != "ordinal":
        return draw(st.sampled_from([f">={a}", f"<={b}", f"{a}-{b}"]))
    if form == "between" or form == "text":
        return {"between": [a, b]}
    return {form: a if form == "at_least" else b}


def _answer(draw, ind: dict[str, Any], ranges: bool) -> Any:
    pick = draw(st.integers(0, 5 if ranges else 3))
    if pick == 0:
        return None
    if pick >= 4 and ind["type"] != "boolean":
        return _range(draw, ind)
    return _value(draw, ind)


@st.composite
def populations(draw, rs: Ruleset, max_rows: int = 6, ranges: bool = False) -> pd.DataFrame:
    inds = {i.id: i.model_dump() for i in rs.indicators}
    rows = [{k: _answer(draw, ind, ranges) for k, ind in inds.items()} for _ in range(draw(st.integers(1, max_rows)))]
    return pd.DataFrame(rows, index=pd.Index([f"t{r}" for r in range(len(rows))], name="territory"), dtype=object)


# -- parity ------------------------------------------------------------------------------------


def assert_same(rs: Ruleset, a, b) -> None:
    for name in ("lower_level", "upper_level", "assessed", "caps", "findings"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)
    pd.testing.assert_series_equal(a.answered, b.answered)
    sa, sb = aggregate_table(rs, a), aggregate_table(rs, b)
    for name in ("factor_score", "factor_lower", "factor_upper", "pillar_score", "pillar_lower", "pillar_upper", "overall"):
        pd.testing.assert_frame_equal(getattr(sa, name), getattr(sb, name), check_exact=True, obj=name)


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_random_rulesets_give_the_same_results_on_both_engines(data):
    rs = data.draw(rulesets())
    table = data.draw(populations(rs, ranges=True))
    durable = derive_levels(rs, table, engine="durable")
    assert_same(rs, durable, derive_levels(rs, table, engine="vectorised"))
    assert_same(rs, durable, derive_table(rs, table))


@pytest.mark.parametrize("name", ["mini", "core"])
def test_a_random_population_gives_the_same_results(name, request):
    rs = request.getfixturevalue(name)
    table = _population(rs, 40, seed=7)
    durable = derive_levels(rs, table)
    assert_same(rs, durable, derive_levels(rs, table, engine="vectorised"))
    assert_same(rs, durable, derive_table(rs, table))


def _population(rs: Ruleset, n: int, seed: int) -> pd.DataFrame:
    """Random answers, a third unknown, column-wise (the way bench/bench_engines.py builds them)."""
    rng = np.random.default_rng(seed)
    cols = {}
    for ind in rs.indicators:
        if ind.type == "boolean":
            vals = list(rng.random(n) < 0.5)
            vals = [bool(v) for v in vals]
        elif ind.type == "ordinal":
            vals = list(rng.choice(ind.scale, n))
        elif ind.type == "number":
            lo = ind.minimum if ind.minimum is not None else 0
            hi = ind.maximum if ind.maximum is not None else 100
            vals = [float(v) for v in rng.integers(int(lo), int(hi) + 1, n)]
        elif ind.type == "count":
            vals = [int(v) for v in rng.integers(0, 12, n)]
        else:
            vals = [int(v) for v in rng.integers(1995, 2030, n)]
        unknown = rng.random(n) < 0.33
        cols[ind.id] = [None if u else (str(v) if ind.type == "ordinal" else v) for u, v in zip(unknown, vals)]
    return pd.DataFrame(cols, index=pd.Index([f"t{i}" for i in range(n)], name="territory"), dtype=object)


def test_typed_columns_give_what_object_columns_give(core):
    table = _population(core, 300, seed=3)
    typed = pd.DataFrame(index=table.index)
    for ind in core.indicators:
        col = table[ind.id]
        if ind.type == "boolean":
            typed[ind.id] = col.astype("boolean")
        elif ind.type == "ordinal":
            typed[ind.id] = pd.Categorical(col, categories=ind.scale)
        elif ind.type in ("count", "year"):
            typed[ind.id] = col.astype("Int64")
        else:
            typed[ind.id] = col.astype(float)
    assert_same(core, derive_table(core, table), derive_table(core, typed))
    assert_same(core, derive_levels(core, table, engine="vectorised"), derive_table(core, typed))


@pytest.mark.parametrize("engine", ["durable", "vectorised"])
def test_bad_values_are_reported_with_their_place(mini, engine):
    table = pd.DataFrame({"diagnostic": ["complete", "half", None], "unit_staff": [1, 2.5, -1],
                          "unit_exists": [True, "maybe", "unknown"], "extra": [1, 2, 3]},
                         index=["a", "b", "c"], dtype=object)
    with pytest.raises(InvalidFileError) as err:
        derive_levels(mini, table, engine=engine)
    found = [(p.code, p.path) for p in err.value.problems]
    assert found == [("unknown-indicator", ("columns", "extra")), ("bad-value", ("b", "diagnostic")),
                     ("bad-value", ("b", "unit_staff")), ("bad-value", ("c", "unit_staff")),
                     ("bad-value", ("b", "unit_exists"))]
    assert "2.5 is not a whole number" in str(err.value)


def test_the_compiled_plan_is_cached(core):
    from maturity.plan import compile_plan

    assert compile_vectorised(compile_plan(core)) is compile_vectorised(compile_plan(core))


def test_no_rows_give_empty_frames(core):
    d = derive_table(core, pd.DataFrame(columns=[i.id for i in core.indicators], dtype=object))
    assert d.lower_level.shape == (0, len(core.factors)) and d.caps.shape == (0, len(core.caps))


@st.composite
def exact_populations(draw, rs: Ruleset, max_rows: int = 6) -> pd.DataFrame:
    """Every answer known and exact: the vectorised engine takes its one-world kernel."""
    inds = {i.id: i.model_dump() for i in rs.indicators}
    rows = [{k: _value(draw, ind) for k, ind in inds.items()} for _ in range(draw(st.integers(1, max_rows)))]
    return pd.DataFrame(rows, index=pd.Index([f"t{r}" for r in range(len(rows))], name="territory"), dtype=object)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_the_one_world_kernel_equals_durable_rules_when_every_answer_is_known(data):
    rs = data.draw(rulesets())
    table = data.draw(exact_populations(rs))
    assert_same(rs, derive_levels(rs, table, engine="durable"), derive_table(rs, table))


def test_the_kernel_is_generated_once_per_plan_and_skips_what_a_call_does_not_ask(core):
    from maturity.engines.vectorised import evaluate, kernel_source
    from maturity.plan import compile_plan
    from maturity.prepare import prepare

    plan = compile_plan(core)
    cp = compile_vectorised(plan)
    assert cp.source == kernel_source(plan) and "def two_worlds" in cp.source and "def one_world" in cp.source
    table = pd.DataFrame([{i.id: None for i in core.indicators}], index=pd.Index(["t"], name="territory"), dtype=object)
    p = prepare(core, table, plan=plan)
    out = evaluate(cp, p.low, p.high, p.known, findings=False)
    assert "find_lo" not in out and "gate_lo" not in out and out["lv_lo"].dtype == np.int8
    filled = np.zeros_like(p.low)
    one = evaluate(cp, filled, filled, None)
    assert one["lv_hi"] is one["lv_lo"]
