"""The plan oracle: the condition tree evaluated directly (no plan, no DNF), equal to the compiled plan.

Both engines run the compiled plan, so a compiler bug they share would pass the parity tests.
This oracle reads the ruleset's conditions as written: negation and "at least k of" are
evaluated as such, levels are climbed one by one, caps applied to a fixpoint. On random
rulesets, seals and answers it must give exactly the levels, caps, findings and gates that
the plan gives.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from maturity.cells import Range, is_unknown, read_cell
from maturity.conditions import AllOf, AnyOf, Compare, KOf, LevelCheck, Not, atoms
from maturity.engines import get_evaluator
from maturity.plan import compile_plan
from maturity.prepare import prepare
from maturity.ruleset import OrdinalIndicator, Ruleset
from maturity.seal import Seal
from test_vectorised import _condition, populations, rulesets

CMP = {"is": lambda a, b: a == b, "is_not": lambda a, b: a != b, "at_least": lambda a, b: a >= b,
       "above": lambda a, b: a > b, "at_most": lambda a, b: a <= b, "below": lambda a, b: a < b}
FLIP = {"is": "is_not", "is_not": "is", "at_least": "below", "below": "at_least", "at_most": "above", "above": "at_most"}


def _rank(rs: Ruleset, indicator: str, value: Any) -> Any:
    ind = rs.indicator(indicator)
    return ind.scale.index(value) if isinstance(ind, OrdinalIndicator) else value


def candidates(rs: Ruleset, indicator: str, value: Any) -> list[Any]:
    """The values an answer allows, enough to decide every comparison: one for an exact answer; for a
    range, every whole value in it (up to past the largest threshold) or, for numbers, its ends and
    the points at and around each threshold inside it."""
    if not isinstance(value, Range):
        return [_rank(rs, indicator, value)]
    ind = rs.indicator(indicator)
    thresholds = sorted({float(_rank(rs, indicator, c.value)) for f in rs.factors for lv in f.levels.values()
                         for _p, c in atoms(lv.when) if isinstance(c, Compare) and c.indicator == indicator}
                        | {float(_rank(rs, indicator, c.value)) for fd in rs.findings
                           for _p, c in atoms(fd.when) if isinstance(c, Compare) and c.indicator == indicator})
    if isinstance(ind, OrdinalIndicator):
        lo, hi = 0, len(ind.scale) - 1
    elif ind.type == "count":
        lo, hi = 0, int(max(thresholds, default=0)) + 2
    elif ind.type == "year":
        lo, hi = 1900, 2200
    else:
        lo, hi = ind.minimum, ind.maximum
    low = _rank(rs, indicator, value.at_least) if value.at_least is not None else lo
    high = _rank(rs, indicator, value.at_most) if value.at_most is not None else max(hi, low)
    if ind.type == "number":
        points = {low, high} | {p for t in thresholds for p in (t - 1e-6, t, t + 1e-6)}
        return sorted(p for p in points if low <= p <= high)
    return list(range(int(low), int(high) + 1))


def holds(rs: Ruleset, cond: Any, answers: dict[str, Any], world: str, levels: dict[str, dict[str, int]],
          negated: bool = False) -> bool:
    """``cond`` (or its negation) in ``world``: an unknown answer fails at worst and passes at best."""
    if isinstance(cond, Not):
        return holds(rs, cond.not_, answers, world, levels, not negated)
    if isinstance(cond, Compare):
        value = answers[cond.indicator]
        if value is None:
            return world == "hi"
        op = FLIP[cond.op] if negated else cond.op
        target = _rank(rs, cond.indicator, cond.value)
        passes = [CMP[op](x, target) for x in candidates(rs, cond.indicator, value)]
        return all(passes) if world == "lo" else any(passes)  # a range: certain when all its values pass
    if isinstance(cond, LevelCheck):
        op = FLIP[cond.op] if negated else cond.op
        if op == "at_least":
            return levels[world][cond.factor] >= cond.value
        other = "lo" if world == "hi" else "hi"  # "below" is certain only when even the best case is below
        return levels[other][cond.factor] < cond.value
    parts = [holds(rs, c, answers, world, levels, negated) for c in
             (cond.all if isinstance(cond, AllOf) else cond.any if isinstance(cond, AnyOf) else cond.of)]
    if isinstance(cond, KOf):
        k = len(parts) - cond.at_least + 1 if negated else cond.at_least
        return sum(parts) >= k
    conjunctive = isinstance(cond, AllOf) != negated
    return all(parts) if conjunctive else any(parts)


def oracle(rs: Ruleset, seal: Seal | None, answers: dict[str, Any]) -> dict[str, Any]:
    raw = {w: {} for w in ("lo", "hi")}
    for w in ("lo", "hi"):
        for f in rs.factors:
            n = 0
            while n + 1 in f.levels and holds(rs, f.levels[n + 1].when, answers, w, {}):
                n += 1
            raw[w][f.id] = n
    final = {w: dict(raw[w]) for w in raw}
    for _ in range(len(rs.factors) + 1):  # caps are acyclic: a fixpoint within as many rounds as factors
        for w in final:
            for f in rs.factors:
                limit = raw[w][f.id]
                for cap in rs.caps:
                    if cap.factor == f.id and final[w][cap.unless.factor] < cap.unless.value:
                        limit = min(limit, cap.max_level)
                final[w][f.id] = limit

    def status(cond: Any) -> int:
        return 2 if holds(rs, cond, answers, "lo", final) else int(holds(rs, cond, answers, "hi", final))

    caps = [2 if raw["lo"][c.factor] > c.max_level and final["lo"][c.unless.factor] < c.unless.value
            else int(raw["hi"][c.factor] > c.max_level and final["hi"][c.unless.factor] < c.unless.value)
            for c in rs.caps]
    gates = [status(g.when) for g in seal.all_gates(rs)] if seal is not None else []
    return {"lower": [final["lo"][f.id] for f in rs.factors], "upper": [final["hi"][f.id] for f in rs.factors],
            "caps": caps, "findings": [status(fd.when) for fd in rs.findings], "gates": gates}


@st.composite
def seals(draw, rs: Ruleset) -> Seal:
    factor_ids = [f.id for f in rs.factors]
    gates = [{"id": f"g{k}", "name": f"gate {k}",
              "when": _condition(draw, [], 2, False, factor_ids, rs.max_level, levels_only=True)}
             for k in range(draw(st.integers(1, 3)))]
    return Seal.model_validate({"kind": "seal", "format_version": 1, "id": "s", "version": "1", "title": "S",
                                "ruleset": rs.id, "gates": gates})


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_the_compiled_plan_equals_the_condition_tree(data):
    rs = data.draw(rulesets())
    seal = data.draw(seals(rs))
    table = data.draw(populations(rs, ranges=True))
    plan = compile_plan(rs, seal)
    outcome = get_evaluator("vectorised").evaluate(prepare(rs, table, plan=plan).raise_problems())
    for r, (_key, row) in enumerate(table.iterrows()):
        answers = {k: (None if is_unknown(v) else read_cell(rs.indicator(k), v)) for k, v in row.items()}
        want = oracle(rs, seal, answers)
        got = {"lower": outcome.lower[r].tolist(), "upper": outcome.upper[r].tolist(), "caps": outcome.caps[r].tolist(),
               "findings": outcome.findings[r].tolist(), "gates": outcome.gates[r].tolist()}
        assert got == want, (r, dict(row))


def test_the_oracle_sees_a_compiler_bug():
    """A plan with one clause dropped must disagree with the oracle on some answers."""
    from dataclasses import replace

    from maturity import load_core_ruleset

    rs = load_core_ruleset()
    plan = compile_plan(rs)
    broken = replace(plan, level_clauses=tuple(c for c in plan.level_clauses if c.rule_id != "level:dedicated_unit:1:0"))
    ids = [i.id for i in rs.indicators]
    rng = np.random.default_rng(1)
    rows = []
    for _ in range(200):
        row = {}
        for ind in rs.indicators:
            if rng.random() < 0.3:
                row[ind.id] = None
            elif ind.type == "boolean":
                row[ind.id] = bool(rng.random() < 0.5)
            elif ind.type == "ordinal":
                row[ind.id] = ind.scale[int(rng.integers(len(ind.scale)))]
            elif ind.type == "year":
                row[ind.id] = int(rng.integers(1995, 2030))
            else:
                row[ind.id] = int(rng.integers(0, 20))
        rows.append(row)
    table = pd.DataFrame(rows, columns=ids, dtype=object)
    outcome = get_evaluator("vectorised").evaluate(prepare(rs, table, plan=broken).raise_problems())
    disagree = sum(outcome.lower[r].tolist() != oracle(rs, None, rows[r])["lower"] for r in range(len(rows)))
    assert disagree > 0
