"""The peer of the durable path: a naive durable_rules scorer, as anyone would first write one.

One session per territory, one fact holding that territory's known answers, one rule per level
clause (its comparisons as one flat conjunction on that fact), one Python callback per rule that
fires, which records the clause; the levels are then counted in Python (level n when some clause
of every level up to n held). Known answers only: no bounds, no caps, no findings, no seal
gates, no explanations. It is what ``bench/run.py`` compares the package's durable path with; it
is not part of the package (it imports durable_rules directly, as the package may only in
``maturity.engines.durable_host``).
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import durable_rules_engine
from durable import engine as durable_engine

OPS = {"at_least": "$gte", "above": "$gt", "at_most": "$lte", "below": "$lt", "is_not": "$neq"}


class _Host(durable_engine.Host):
    def _run(self) -> None:  # no background timers: actions run when drained below
        return None


class NaiveScorer:
    """Levels of the known answers, one durable_rules session per territory."""

    _names = itertools.count(1)

    def __init__(self, plan: Any) -> None:
        self.plan = plan
        self.col = {ind: j for j, ind in enumerate(plan.indicators)}
        self.fired: set[str] = set()
        self.host = _Host()
        self.name = f"naive{next(self._names)}"
        rules: dict[str, Any] = {}
        for clause in plan.level_clauses:
            tests: list[dict[str, Any]] = [{"t": "a"}]
            for atom_id in clause.atoms:
                atom = plan.atoms[atom_id]
                prop = f"x{self.col[atom.indicator]}"
                value = float(atom.value)
                tests.append({prop: value} if atom.op == "is" else {OPS[atom.op]: {prop: value}})
            rules[clause.rule_id] = {"all": [{"m": {"$and": tests}}], "run": self._recorder(clause.rule_id)}
        rules["any answer"] = {"all": [{"m": {"t": "a"}}], "run": lambda c: None}
        self.host.register_rulesets({self.name: rules})
        self.ruleset = self.host.get_ruleset(self.name)

    def _recorder(self, rule_id: str) -> Any:
        def record(c: Any) -> None:
            self.fired.add(rule_id)
        return record

    def levels(self, values: Any, known: Any) -> list[list[int]]:
        """The level of every factor for each row of ``values`` (exact answers; unknown where not ``known``)."""
        out = []
        for r in range(len(values)):
            fact: dict[str, Any] = {"sid": f"t{r}", "t": "a"}
            for j in range(values.shape[1]):
                if known[r, j]:
                    fact[f"x{j}"] = float(values[r, j])
            self.fired = set()
            self.host.assert_fact(self.name, fact)
            while True:
                result = durable_rules_engine.start_action(self.ruleset._handle)
                if not result:
                    break
                self.ruleset._flush_actions(json.loads(result[0]), {"message": json.loads(result[1])}, result[2],
                                            lambda e, _s: None)
            self.host.delete_state(self.name, f"t{r}")
            row = []
            for f in self.plan.factors:
                n = 0
                while any(c.rule_id in self.fired for c in self.plan.level_clauses if c.factor == f and c.level == n + 1):
                    n += 1
                row.append(n)
            out.append(row)
        return out
