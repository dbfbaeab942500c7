"""Evaluate a compiled plan on durable_rules: the only module (with :mod:`.durable_host`) that imports it.

Each comparison, level, cap and finding of the plan is a rule of a durable_rules
Rete network. Facts per territory session:

- ``ans``: an answer ``{i: indicator, k: 1|0 known, lo: low end, hi: high end}`` (the ends are
  equal for an exact answer, apart for a range such as "at least 5");
- ``at``:  an atom that holds, in world ``w``;
- ``raw``: a level reached by the factor's own conditions, in world ``w``;
- ``lv``:  a level reached once caps are applied, in world ``w``;
- ``ph``:  the phase fact that opens the second stratum (caps, findings and seal gates).

World ``lo`` reads unknown answers as failing every comparison: what the known
answers establish (the level, the lower bound). World ``hi`` reads them as
passing: the upper bound. Levels and caps are monotone, so they chain freely;
caps applied and findings use negation (``none``) and run in a second stratum,
opened only once the first has settled.

Sessions run on a host without durable_rules' background dispatch threads, so
every action runs in the caller's thread and a call returns only when its
session is drained. Every derivation records the facts that supported it, which
is what lets ``EngineSession.change`` retract and re-derive incrementally.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import EngineError
from ..plan import Atom, Plan
from .durable_host import MessageNotHandled, MessageObserved, SyncHost, check_version, drain, unregister
from .outcome import Outcome, certainty

if TYPE_CHECKING:
    from ..prepare import Prepared

__all__ = ["WORLDS", "Derivation", "DurableEvaluator", "EngineSession"]

WORLDS = ("lo", "hi")
Key = tuple[Any, ...]
# a comparison on a range: certain when every value passes, possible when some value does
_CERTAIN = {"at_least": ("$gte", "lo"), "above": ("$gt", "lo"), "at_most": ("$lte", "hi"), "below": ("$lt", "hi")}
_SOME = {"at_least": ("$gte", "hi"), "above": ("$gt", "hi"), "at_most": ("$lte", "lo"), "below": ("$lt", "lo")}

check_version()
_host = SyncHost()
_lock = threading.RLock()
_registered: dict[str, str] = {}  # plan key -> ruleset name, least recently used first
_ruleset_counter = itertools.count(1)
MAX_RULESETS = 16  # rulesets kept registered at once (see maturity.engines.durable_host)
_sessions: dict[str, EngineSession] = {}
_sid_counter = itertools.count(1)


def _pattern(**kw: Any) -> dict[str, Any]:
    return {"$and": [{k: v} for k, v in kw.items()]}


def _atom_ways(atom: Atom, world: str) -> list[list[dict[str, Any]]]:
    """The ways ``atom`` holds in ``world`` (lo: certain; hi: possible), each a flat conjunction of tests.

    Every rule pattern is a flat ``$and`` of simple tests: a disjunction becomes several rules that
    derive the same fact, never a nested ``$or``.
    """
    v = atom.value
    known: list[dict[str, Any]] = [{"k": 1}]
    if atom.op in _CERTAIN:
        op, end = (_CERTAIN if world == "lo" else _SOME)[atom.op]
        ways = [[*known, {op: {end: v}}]]
    elif isinstance(v, bool):  # yes/no answers are never ranges: both ends are the answer
        ways = [[*known, {"lo": v} if atom.op == "is" else {"$neq": {"lo": v}}]]
    elif atom.op == "is":
        ways = [[*known, {"lo": v}, {"hi": v}]] if world == "lo" else [[*known, {"$lte": {"lo": v}}, {"$gte": {"hi": v}}]]
    elif world == "lo":  # is_not: every value of the range differs
        ways = [[*known, {"$gt": {"lo": v}}], [*known, {"$lt": {"hi": v}}]]
    else:  # is_not: some value differs
        ways = [[*known, {"$neq": {"lo": v}}], [*known, {"$neq": {"hi": v}}]]
    return ways + ([[{"k": 0}]] if world == "hi" else [])  # an unknown answer passes at best


@dataclass
class Derivation:
    """What a drained session holds: every derived fact and the rule firings behind it."""

    facts: dict[Key, dict[str, Any]]
    supports: dict[Key, list[tuple[str, frozenset[Key]]]]

    def level(self, factor: str, world: str, kind: str = "lv") -> int:
        n = 0
        while (kind, factor, n + 1, world) in self.facts:
            n += 1
        return n

    def holds(self, atom_id: str, world: str) -> bool:
        return ("at", atom_id, world) in self.facts

    def cap_applied(self, cap_id: str, world: str) -> bool:
        return ("cap", cap_id, world) in self.facts

    def finding(self, finding_id: str, world: str) -> bool:
        return ("fd", finding_id, world) in self.facts

    def gate(self, gate_id: str, world: str) -> bool:
        return ("gt", gate_id, world) in self.facts

    def rules_for(self, key: Key) -> list[tuple[str, frozenset[Key]]]:
        return list(self.supports.get(key, []))


def _literal_patterns(plan: Plan, literal_ids: Iterable[str], w: str) -> list[dict[str, Any]]:
    out = []
    for i, lit_id in enumerate(literal_ids):
        lit = plan.literal(lit_id)
        if lit.op == "at_least":  # certain: reached in lo; possible: reached in hi
            out.append({f"l{i}": _pattern(t="lv", f=lit.factor, n=lit.level, w=w)})
        else:  # below: certain when not reached even in hi; possible when not reached in lo
            other = "hi" if w == "lo" else "lo"
            out.append({f"l{i}$not": _pattern(t="lv", f=lit.factor, n=lit.level, w=other)})
    return out


def _build_rules(plan: Plan) -> dict[str, Any]:
    """The durable_rules JSON ruleset for ``plan`` (actions are bound per rule)."""
    rules: dict[str, Any] = {}

    def add(name: str, patterns: list[dict[str, Any]], produces: Key, fact: dict[str, Any] | None) -> None:
        definition: dict[str, Any] = {"all": patterns}
        definition["run"] = _make_action(name, produces, fact)
        rules[name] = definition

    for atom in plan.atoms.values():
        base = [{"t": "ans"}, {"i": atom.indicator}]
        for w in WORLDS:
            for j, tests in enumerate(_atom_ways(atom, w)):
                add(f"atom:{atom.id}:{w}:{j}", [{"m": {"$and": [*base, *tests]}}], ("at", atom.id, w),
                    {"t": "at", "a": atom.id, "w": w})

    for w in WORLDS:
        for clause in plan.level_clauses:
            f, n = clause.factor, clause.level
            patterns = [{"p": _pattern(t="raw", f=f, n=n - 1, w=w)}]
            patterns += [{f"a{i}": _pattern(t="at", a=a, w=w)} for i, a in enumerate(clause.atoms)]
            add(f"{clause.rule_id}:{w}", patterns, ("raw", f, n, w), {"t": "raw", "f": f, "n": n, "w": w})
        for f in plan.factors:
            for n in range(1, plan.max_level + 1):
                patterns = [{"p": _pattern(t="lv", f=f, n=n - 1, w=w)}, {"r": _pattern(t="raw", f=f, n=n, w=w)}]
                needs = sorted({(c.requires_factor, c.requires_level) for c in plan.caps_on(f) if c.max_level < n})
                patterns += [{f"q{i}": _pattern(t="lv", f=g, n=m, w=w)} for i, (g, m) in enumerate(needs)]
                add(f"final:{f}:{n}:{w}", patterns, ("lv", f, n, w), {"t": "lv", "f": f, "n": n, "w": w})
        for cap in plan.caps:
            patterns = [
                {"ph": {"t": "ph"}},
                {"r": _pattern(t="raw", f=cap.factor, n=cap.max_level + 1, w=w)},
                {"x$not": _pattern(t="lv", f=cap.requires_factor, n=cap.requires_level, w=w)},
            ]
            add(f"cap:{cap.id}:{w}", patterns, ("cap", cap.id, w), None)
        for fc in plan.finding_clauses:
            patterns = [{"ph": {"t": "ph"}}]
            patterns += [{f"a{i}": _pattern(t="at", a=a, w=w)} for i, a in enumerate(fc.atoms)]
            patterns += _literal_patterns(plan, fc.levels, w)
            add(f"{fc.rule_id}:{w}", patterns, ("fd", fc.finding, w), None)
        for gc in plan.gate_clauses:
            patterns = [{"ph": {"t": "ph"}}, *_literal_patterns(plan, gc.levels, w)]
            add(f"gate:{gc.gate}:{gc.clause}:{w}", patterns, ("gt", gc.gate, w), None)

    # Every fact must match some rule or durable_rules refuses it. These match every fact on its own
    # and record nothing: a fact left only in the memory of a join that never completes made
    # durable_rules' C engine corrupt its heap when the session's state was deleted.
    for t in ("ans", "at", "raw", "lv", "ph"):
        rules[f"seen:{t}"] = {"all": [{"x": {"t": t}}], "run": _seen}
    return rules


def _seen(c: Any) -> None:
    """The action of the rules that only make every fact welcome: nothing to record."""


def _fact_key(fact: Any) -> Key:
    t = fact["t"]
    if t == "ans":
        return ("ans", fact["i"])
    if t == "at":
        return ("at", fact["a"], fact["w"])
    if t in ("raw", "lv"):
        return (t, fact["f"], fact["n"], fact["w"])
    if t == "ph":
        return ("ph",)
    raise EngineError(f"unexpected fact type {t!r}")


def _make_action(rule_name: str, produces: Key, fact: dict[str, Any] | None):
    def action(c: Any) -> None:
        session = _sessions[c.s.sid]
        matched = [v for v in c._m.values() if isinstance(v, dict)]
        support = frozenset(_fact_key(m) for m in matched)
        if session._record(rule_name, produces, fact, support) and fact is not None:
            c.assert_fact(dict(fact))

    return action


def _ruleset_name(plan: Plan) -> str:
    """The registered ruleset of ``plan``; the least recently used ones beyond ``MAX_RULESETS`` are freed."""
    with _lock:
        name = _registered.pop(plan.key, None)
        if name is None:
            name = f"maturity_{next(_ruleset_counter)}_{plan.digest[:16]}"
            _host.register_rulesets({name: _build_rules(plan)})
        _registered[plan.key] = name  # most recently used last
        in_use = {s._name for s in _sessions.values()} | {name}
        for key, old in list(_registered.items()):
            if len(_registered) <= MAX_RULESETS:
                break
            if old not in in_use:
                del _registered[key]
                unregister(_host, old)
        return name


@dataclass
class EngineSession:
    """One territory's facts in durable_rules; close it (or use ``with``) to free its state.

    ``answers`` maps indicator ids to the ``(low, high)`` ends of their encoded answer, or to
    ``None`` for unknown (see :meth:`maturity.prepare.Prepared.row_answers`).
    """

    plan: Plan
    answers: dict[str, Any]
    sid: str = field(default="", init=False)
    _facts: dict[Key, dict[str, Any]] = field(default_factory=dict, init=False, repr=False)
    _supports: dict[Key, list[tuple[str, frozenset[Key]]]] = field(default_factory=dict, init=False, repr=False)
    _phase: int = field(default=0, init=False)
    _open: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self._name = _ruleset_name(self.plan)
        self.sid = f"s{next(_sid_counter)}"
        self.answers = {k: self.answers.get(k) for k in self.plan.indicators}

    # -- bookkeeping called from actions -------------------------------------------------
    def _record(self, rule: str, key: Key, fact: dict[str, Any] | None, support: frozenset[Key]) -> bool:
        """Remember a firing; True when ``key`` is new (and its fact must be asserted)."""
        entry = (rule, support)
        if key in self._supports:
            if entry not in self._supports[key]:
                self._supports[key].append(entry)
            return False
        self._supports[key] = [entry]
        self._facts[key] = fact or {"t": key[0]}
        return True

    # -- driving durable_rules -----------------------------------------------------------
    def _call(self, method: str, payload: Any) -> None:
        try:
            state = getattr(_host, method)(self._name, payload)
        except (MessageNotHandled, MessageObserved) as exc:
            raise EngineError(f"durable_rules refused {payload!r}: {type(exc).__name__}") from None
        self._drain()
        if isinstance(state, dict) and state.get("exception"):
            raise EngineError(f"a rule action failed: {state['exception']}")

    def _drain(self) -> None:
        """Run any action durable_rules left pending, until none is left."""
        errors: list[Any] = []
        drain(_host, self._name, errors.append)
        state = _host.get_state(self._name, self.sid)
        if errors or state.get("exception"):
            raise EngineError(f"a rule action failed: {errors[0] if errors else state['exception']}")

    def _answer_fact(self, indicator: str) -> dict[str, Any]:
        ends = self.answers.get(indicator)
        if ends is None:
            return {"sid": self.sid, "t": "ans", "i": indicator, "k": 0}
        return {"sid": self.sid, "t": "ans", "i": indicator, "k": 1, "lo": ends[0], "hi": ends[1]}

    def _seed_facts(self) -> list[dict[str, Any]]:
        return [
            {"sid": self.sid, "t": t, "f": f, "n": 0, "w": w}
            for f in self.plan.factors for w in WORLDS for t in ("raw", "lv")
        ]

    def run(self, *, one_by_one: bool = False) -> Derivation:
        """Assert the answers, let the rules chain, open the second stratum; return what was derived.

        ``one_by_one`` asserts the facts singly instead of as one batch (the result is the same).
        """
        with _lock:
            if self._open:
                raise EngineError("session already run")
            _sessions[self.sid] = self
            self._open = True
            try:
                facts = [self._answer_fact(i) for i in self.plan.indicators] + self._seed_facts()
                if one_by_one:
                    for fact in facts:
                        self._call("assert_fact", fact)
                else:
                    self._call("assert_facts", facts)
                self._open_phase()
            except BaseException:
                self.close()
                raise
            return self.derivation()

    def _open_phase(self) -> None:
        if self.plan.caps or self.plan.finding_clauses or self.plan.gate_clauses:
            self._phase += 1
            self._call("assert_fact", {"sid": self.sid, "t": "ph", "g": self._phase})

    def _close_phase(self) -> None:
        if self._phase:
            self._call("retract_fact", {"sid": self.sid, "t": "ph", "g": self._phase})
        for key in [k for k in self._facts if k[0] in ("cap", "fd", "gt")]:
            del self._facts[key]
            del self._supports[key]

    def change(self, answers: dict[str, Any]) -> Derivation:
        """Change some answers in place: retract what depended on them, assert the new ones."""
        with _lock:
            if not self._open:
                raise EngineError("session is closed")
            changed = {k: v for k, v in answers.items() if k in self.answers and self.answers[k] != v}
            if not changed:
                return self.derivation()
            self._close_phase()
            for indicator in changed:
                self._call("retract_fact", self._answer_fact(indicator))
            self._retract_dependents([("ans", i) for i in changed])
            self.answers.update(changed)
            self._call("assert_facts", [self._answer_fact(i) for i in changed])
            self._open_phase()
            return self.derivation()

    def _retract_dependents(self, gone: Iterable[Key]) -> None:
        queue = list(gone)
        while queue:
            dead = queue.pop()
            for key in list(self._supports):
                entries = self._supports[key]
                alive = [e for e in entries if dead not in e[1]]
                if len(alive) == len(entries):
                    continue
                if alive:
                    self._supports[key] = alive
                    continue
                fact = self._facts.pop(key)
                del self._supports[key]
                if key[0] in ("at", "raw", "lv"):
                    self._call("retract_fact", {"sid": self.sid, **fact})
                queue.append(key)

    def derivation(self) -> Derivation:
        seeds: dict[Key, dict[str, Any]] = {("raw", f, 0, w): {} for f in self.plan.factors for w in WORLDS}
        seeds |= {("lv", f, 0, w): {} for f in self.plan.factors for w in WORLDS}
        return Derivation(facts={**seeds, **self._facts}, supports={k: list(v) for k, v in self._supports.items()})

    def close(self) -> None:
        """Delete the session's state in durable_rules (without this, memory grows per session)."""
        with _lock:
            if self._open:
                self._host_delete()
            _sessions.pop(self.sid, None)
            self._open = False

    def _host_delete(self) -> None:
        try:
            _host.delete_state(self._name, self.sid)
        except Exception:
            pass

    def __enter__(self) -> EngineSession:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def outcome_row(plan: Plan, d: Derivation, explain: bool) -> dict[str, np.ndarray]:
    """One drained session's results as the rows of an :class:`Outcome`."""
    row = {
        "lower": np.array([d.level(f, "lo") for f in plan.factors], dtype=np.int64),
        "upper": np.array([d.level(f, "hi") for f in plan.factors], dtype=np.int64),
        "raw_lower": np.array([d.level(f, "lo", "raw") for f in plan.factors], dtype=np.int64),
        "raw_upper": np.array([d.level(f, "hi", "raw") for f in plan.factors], dtype=np.int64),
        "caps": certainty(np.array([d.cap_applied(c.id, "lo") for c in plan.caps], dtype=bool),
                          np.array([d.cap_applied(c.id, "hi") for c in plan.caps], dtype=bool)),
        "findings": certainty(np.array([d.finding(f, "lo") for f in plan.findings], dtype=bool),
                              np.array([d.finding(f, "hi") for f in plan.findings], dtype=bool)),
        "gates": certainty(np.array([d.gate(g, "lo") for g in plan.gates], dtype=bool),
                           np.array([d.gate(g, "hi") for g in plan.gates], dtype=bool)),
    }
    if explain:
        row["atoms_lower"] = np.array([d.holds(a, "lo") for a in plan.atoms], dtype=bool)
        row["atoms_upper"] = np.array([d.holds(a, "hi") for a in plan.atoms], dtype=bool)
    return row


def outcome_from_rows(prepared: Prepared, rows: list[dict[str, np.ndarray]], explain: bool) -> Outcome:
    plan = prepared.plan
    widths = {"lower": len(plan.factors), "upper": len(plan.factors), "raw_lower": len(plan.factors),
              "raw_upper": len(plan.factors), "caps": len(plan.caps), "findings": len(plan.findings),
              "gates": len(plan.gates), "atoms_lower": len(plan.atoms), "atoms_upper": len(plan.atoms)}

    def stack(name: str) -> np.ndarray:
        dtype = bool if name.startswith("atoms") else np.int8  # levels and certainties alike, as the vectorised engine
        if not rows:
            return np.zeros((0, widths[name]), dtype=dtype)
        return np.stack([r[name] for r in rows]).astype(dtype).reshape(len(rows), widths[name])

    return Outcome(plan, prepared.index, stack("lower"), stack("upper"), stack("raw_lower"), stack("raw_upper"),
                   stack("caps"), stack("findings"), stack("gates"), prepared.assessed, prepared.answered,
                   prepared.total, stack("atoms_lower") if explain else None, stack("atoms_upper") if explain else None)


class DurableEvaluator:
    """The reference evaluator: one durable_rules session per row, every rule run by durable_rules."""

    name = "durable"

    def __init__(self, *, one_by_one: bool = False, on_row: Callable[[int], None] | None = None) -> None:
        self.one_by_one = one_by_one
        self.on_row = on_row

    def evaluate(self, prepared: Prepared, *, explain: bool = False) -> Outcome:
        rows = []
        for r in range(len(prepared)):
            with EngineSession(prepared.plan, prepared.row_answers(r)) as session:
                rows.append(outcome_row(prepared.plan, session.run(one_by_one=self.one_by_one), explain))
            if self.on_row is not None:
                self.on_row(r)
        return outcome_from_rows(prepared, rows, explain)
