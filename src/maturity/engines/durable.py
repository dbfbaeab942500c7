"""Evaluate a compiled plan on durable_rules: the only module (with :mod:`.durable_host`) that imports it.

Every comparison, level, cap, finding and seal gate of the plan is a rule of a durable_rules
Rete network. A durable_rules session holds a batch of territories (``k`` tells them apart)
and both worlds (``w``): world ``lo`` reads unknown answers as failing every comparison (what
the known answers establish, the lower bound), world ``hi`` as passing them (the upper bound).
Facts:

- ``k``: a territory of the batch;
- ``a``: the answers one group of rules reads (a factor's ways to its levels, or all the
  findings' clauses), in world ``w``: for each indicator, the end a "more than" comparison reads
  (``g<j>``) and the end a "less than" comparison reads (``l<j>``). In world ``lo`` these are
  the low and the high end of the answer, in world ``hi`` the other way round, so the same test
  is certain in one world and possible in the other. An unknown answer is the widest range
  (:func:`maturity.prepare.open_ends`), which fails every comparison for certain and may pass each;
- ``r``: a level the factor's own conditions reach (levels are cumulative: level ``n`` needs ``n-1``);
- ``v``: a level reached once caps are applied (only for capped factors: for the others it is ``r``);
- ``ph``: the phase fact that opens the second stratum (caps, findings and seal gates use
  negation, so they run once the levels have settled).

Every rule collects its matches in one action call (``cap``): the action records the
territories that reached a level or raised a finding and asserts the facts the next rules read.
A fact that no rule can match (an answer that fails every comparison of its group, the last
level of a factor) is refused by durable_rules as "not handled"; that is expected and ignored.
The territory and phase facts have a rule of their own that does nothing: without it,
durable_rules' C engine crashed the process when a session's state was deleted.
durable_rules tells facts apart by a 32-bit hash of their ``id``; each fact gets an ``id`` that is
a decimal counter within its session, which FNV-1a hashes without collision below 797,186.

Sessions run on a host without durable_rules' background dispatch threads, so every action runs
in the caller's thread and a call returns only when its session is drained; the session's state
is deleted as soon as its results are read.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import EngineError
from ..plan import Atom, FindingClause, Plan
from ..prepare import open_ends
from .durable_host import SyncHost, assert_facts, check_version, drain, unregister
from .outcome import Outcome, certainty

if TYPE_CHECKING:
    from ..prepare import Prepared

__all__ = ["BATCH", "WORLDS", "Derivation", "DurableEvaluator", "EngineSession", "evaluate_rows"]

WORLDS = ("lo", "hi")
BATCH = 32  # territories per durable_rules session
MAX_FACTS = 797_185  # fact ids (decimal counters) whose FNV-1a hashes are all distinct
MAX_RULESETS = 16  # rulesets kept registered at once (see maturity.engines.durable_host)
MATCHES_PER_CALL = 10_000  # the most matches one action call receives
Key = tuple[Any, ...]
Answers = dict[str, Any]  # indicator id -> (low, high) or None (unknown)

check_version()
_host = SyncHost()
_lock = threading.RLock()
_registered: dict[tuple[str, bool], str] = {}  # (plan key, explain) -> ruleset name, least recently used first
_ruleset_counter = itertools.count(1)
_programs: dict[str, _Program] = {}  # ruleset name -> its rules
_sid_counter = itertools.count(1)


def _pattern(*tests: dict[str, Any]) -> dict[str, Any]:
    return {"$and": list(tests)}


def _same_territory(alias: str | None) -> list[dict[str, Any]]:
    return [{"k": {alias: "k"}}] if alias else []


@dataclass(frozen=True)
class _Rule:
    """What a rule's action does with each match: record ``key`` for the territory, and maybe assert ``makes``."""

    key: Key | None  # None: a rule that records nothing
    anchor: str  # the alias of a matched fact that carries the territory
    makes: dict[str, Any] | None

    def collect(self, batch: _Batch, matches: list[dict[str, Any]]) -> None:
        if self.key is None:
            return
        done = batch.records.setdefault(self.key, set())
        new = []
        for match in matches:
            k = match[self.anchor]["k"]
            if k not in done:
                done.add(k)
                if self.makes is not None:
                    new.append(batch.fact({**self.makes, "k": k}))
        if new:
            assert_facts(_host, batch.name, new)


class _Program:
    """The durable_rules rules of one plan, and how its answers become facts."""

    def __init__(self, plan: Plan, explain: bool) -> None:
        self.plan = plan
        self.explain = explain
        self.column = {ind: j for j, ind in enumerate(plan.indicators)}
        self.factor_index = {f: i for i, f in enumerate(plan.factors)}
        self.capped = {c.factor for c in plan.caps}
        self.ends_of_unknown = open_ends(plan)
        self.groups = self._groups()
        self.rules: dict[str, Any] = {}
        self.actions: dict[str, _Rule] = {}
        self._build()
        self._assert_only_what_is_read()

    # -- facts --------------------------------------------------------------------------------
    def _groups(self) -> dict[str, list[str]]:
        """The answer facts: per factor, and for the findings, the properties their clauses' comparisons read."""
        groups: dict[str, list[str]] = {}
        for owner, atoms in [(lc.factor, lc.atoms) for lc in self.plan.level_clauses] + \
                [(fc, fc.atoms) for fc in self.plan.finding_clauses]:
            reads = groups.setdefault(self._group(owner), [])
            for a in atoms:
                reads += [prop for way in self._tests(self.plan.atoms[a]) for test in way for prop in next(iter(test.values()))]
        groups = {g: sorted(set(props)) for g, props in groups.items() if props}
        for g, props in groups.items():
            if len(props) > 150:  # durable_rules refuses facts of about 200 properties
                raise EngineError(f"{g} compare {len(props)} answer ends; the durable engine reads at most 150 for a "
                                  "factor and 150 for all findings")
        return groups

    def _group(self, owner: str | FindingClause) -> str:
        """A factor's ways to its levels read one fact; all findings read another."""
        return "findings" if isinstance(owner, FindingClause) else f"factor:{owner}"

    def ends(self, answers: Answers) -> tuple[list[float], list[float]]:
        """The low and high ends of one territory's answers (as :meth:`Prepared.row_answers` gives them),
        an unknown answer as the whole span, as :meth:`Prepared.bounded_ends` reads it."""
        spans = zip(self.plan.indicators, self.ends_of_unknown)
        pairs = [span if answers.get(ind) is None else answers[ind] for ind, span in spans]
        return [float(lo) for lo, _ in pairs], [float(hi) for _, hi in pairs]

    def answer_facts(self, k: int, low: Sequence[float], high: Sequence[float]) -> list[dict[str, Any]]:
        """The facts of one territory: ``k`` (the territory), and its ``a`` facts in both worlds."""
        facts: list[dict[str, Any]] = [{"t": "k", "k": k}]
        for w in WORLDS:
            ends = {"g": low, "l": high} if w == "lo" else {"g": high, "l": low}
            for g, props in self.groups.items():
                fact: dict[str, Any] = {"t": "a", "g": g, "w": w, "k": k}
                for prop in props:
                    fact[prop] = ends[prop[0]][int(prop[1:])]
                facts.append(fact)
        return facts

    # -- rules --------------------------------------------------------------------------------
    def _tests(self, atom: Atom) -> list[list[dict[str, Any]]]:
        """The ways ``atom`` holds, each a flat conjunction of tests on an ``a`` fact (same in both worlds)."""
        j, v = self.column[atom.indicator], float(atom.value)
        more, less = f"g{j}", f"l{j}"
        if atom.op == "at_least":
            return [[{"$gte": {more: v}}]]
        if atom.op == "above":
            return [[{"$gt": {more: v}}]]
        if atom.op == "at_most":
            return [[{"$lte": {less: v}}]]
        if atom.op == "below":
            return [[{"$lt": {less: v}}]]
        if atom.op == "is" and isinstance(atom.value, bool):  # 0 or 1 (both ends alike), or unknown (from below 0 to above 1)
            return [[{"$gte": {more: 1.0}}]] if atom.value else [[{"$lte": {less: 0.0}}]]
        if atom.op == "is":
            return [[{"$gte": {more: v}}, {"$lte": {less: v}}]]
        return [[{"$gt": {more: v}}], [{"$lt": {less: v}}]]  # is_not

    def _answers(self, atoms: Sequence[str], group: str, w: str, anchor: str | None) -> list[dict[str, Any]]:
        """The ``a`` patterns under which all ``atoms`` hold, one per combination of their ways."""
        ways = itertools.product(*(self._tests(self.plan.atoms[a]) for a in atoms))
        return [_pattern({"t": "a"}, {"g": group}, {"w": w}, *[t for way in combo for t in way], *_same_territory(anchor))
                for combo in ways]

    def _level_fact(self, factor: str) -> str:
        return "v" if factor in self.capped else "r"

    def _level(self, factor: str, n: int, w: str, anchor: str | None) -> dict[str, Any]:
        return _pattern({"t": self._level_fact(factor)}, {"f": self.factor_index[factor]}, {"n": n}, {"w": w},
                        *_same_territory(anchor))

    def _add(self, name: str, patterns: list[tuple[str, dict[str, Any]]], key: Key, makes: dict[str, Any] | None) -> None:
        anchor = next(alias for alias, _ in patterns if alias != "ph" and not alias.endswith("$not"))
        self.actions[name] = _Rule(key, anchor, makes)
        self.rules[name] = {"all": [{alias: p} for alias, p in patterns], "run": _run_by_drain, "cap": MATCHES_PER_CALL}

    def _literals(self, literal_ids: Iterable[str], w: str,
                  patterns: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]] | None:
        """``patterns`` followed by the level literals' patterns; None when a literal can never hold."""
        out = list(patterns)
        other = "hi" if w == "lo" else "lo"
        positive = [self.plan.literal(lit) for lit in literal_ids if self.plan.literal(lit).op == "at_least"]
        negative = [self.plan.literal(lit) for lit in literal_ids if self.plan.literal(lit).op != "at_least"]
        anchor = next((alias for alias, _ in out if alias != "ph"), None)
        for i, lit in enumerate(positive):
            if lit.level > 0:
                out.append((f"l{i}", self._level(lit.factor, lit.level, w, anchor)))
                anchor = anchor or f"l{i}"
        if any(lit.level <= 0 for lit in negative):
            return None  # "below level 0" never holds
        if anchor is None:  # the territory, to attach the negations to (or alone: "at least level 0" always holds)
            out.append(("t", {"t": "k"}))
            anchor = "t"
        for i, lit in enumerate(negative):  # below n: certain when not reached even at best, possible when not at worst
            out.append((f"n{i}$not", self._level(lit.factor, lit.level, other, anchor)))
        return out

    def _assert_only_what_is_read(self) -> None:
        """A level fact no rule reads is recorded but not asserted (most factors' last level)."""
        read = set()
        for rule in self.rules.values():
            for pattern in rule["all"]:
                tests = next(iter(pattern.values())).get("$and", [])
                fields = {k: v for test in tests for k, v in test.items() if k in ("t", "f", "n", "w")}
                if fields.get("t") in ("r", "v"):
                    read.add((fields["t"], fields["f"], fields["n"], fields["w"]))
        for name, rule in self.actions.items():
            if rule.makes is not None and tuple(rule.makes[k] for k in ("t", "f", "n", "w")) not in read:
                self.actions[name] = _Rule(rule.key, rule.anchor, None)

    def _build(self) -> None:
        plan = self.plan
        for w in WORLDS:
            for lc in plan.level_clauses:
                f, n = lc.factor, lc.level
                before = [("p", _pattern({"t": "r"}, {"f": self.factor_index[f]}, {"n": n - 1}, {"w": w}))] if n > 1 else []
                makes = {"t": "r", "f": self.factor_index[f], "n": n, "w": w}
                if not lc.atoms:
                    self._add(f"{lc.rule_id}:{w}", before or [("t", {"t": "k"})], ("raw", f, n, w), makes)
                for j, answers in enumerate(self._answers(lc.atoms, self._group(f), w, "p" if before else None) if lc.atoms else []):
                    self._add(f"{lc.rule_id}:{w}:{j}", [*before, ("a", answers)], ("raw", f, n, w), makes)
            for f in sorted(self.capped, key=self.factor_index.__getitem__):
                for n in range(1, plan.max_level + 1):
                    patterns = [("x", _pattern({"t": "r"}, {"f": self.factor_index[f]}, {"n": n}, {"w": w}))]
                    if n > 1:
                        patterns.append(("p", self._level(f, n - 1, w, "x")))
                    needs = sorted({(c.requires_factor, c.requires_level) for c in plan.caps_on(f) if c.max_level < n})
                    patterns += [(f"q{i}", self._level(g, m, w, "x")) for i, (g, m) in enumerate(needs) if m > 0]
                    self._add(f"final:{f}:{n}:{w}", patterns, ("lv", f, n, w), {"t": "v", "f": self.factor_index[f], "n": n, "w": w})
            for cap in plan.caps:
                if cap.requires_level <= 0:
                    continue  # a requirement of level 0 is always met: the cap never applies
                patterns = [("ph", {"t": "ph"}),
                            ("x", _pattern({"t": "r"}, {"f": self.factor_index[cap.factor]}, {"n": cap.max_level + 1}, {"w": w})),
                            ("y$not", self._level(cap.requires_factor, cap.requires_level, w, "x"))]
                self._add(f"cap:{cap.id}:{w}", patterns, ("cap", cap.id, w), None)
            for fc in plan.finding_clauses:
                heads = self._answers(fc.atoms, self._group(fc), w, None) if fc.atoms else [None]
                for j, head in enumerate(heads):
                    finding = self._literals(fc.levels, w, [("ph", {"t": "ph"})] + ([("a", head)] if head else []))
                    if finding is not None:
                        self._add(f"{fc.rule_id}:{w}:{j}", finding, ("fd", fc.finding, w), None)
            for gc in plan.gate_clauses:
                gate = self._literals(gc.levels, w, [("ph", {"t": "ph"})])
                if gate is not None:
                    self._add(f"gate:{gc.gate}:{gc.clause}:{w}", gate, ("gt", gc.gate, w), None)
            if self.explain:
                for atom in plan.atoms.values():
                    reads = {prop for way in self._tests(atom) for test in way for prop in next(iter(test.values()))}
                    group = next(g for g, props in self.groups.items() if reads <= set(props))
                    for j, answers in enumerate(self._answers([atom.id], group, w, None)):
                        self._add(f"atom:{atom.id}:{w}:{j}", [("a", answers)], ("at", atom.id, w), None)
        # The territory and phase facts must be matched by a rule of their own: without these
        # rules, durable_rules' C engine crashed the process when a session's state was deleted.
        for t in ("k", "ph"):
            self.rules[f"seen:{t}"] = {"all": [{"x": {"t": t}}], "run": _run_by_drain, "cap": MATCHES_PER_CALL}
            self.actions[f"seen:{t}"] = _Rule(None, "x", None)


def _run_by_drain(c: Any) -> None:
    """Stands for every rule's action in durable_rules: :func:`drain` runs them, durable_rules never does."""
    raise EngineError("durable_rules ran an action on its own; maturity's engine runs them by draining")


def _ruleset_name(plan: Plan, explain: bool = False) -> str:
    """The registered ruleset of ``plan``; the least recently used ones beyond ``MAX_RULESETS`` are freed."""
    with _lock:
        name = _registered.pop((plan.key, explain), None)
        if name is None:
            name = f"maturity_{next(_ruleset_counter)}_{plan.digest[:16]}{'_explained' if explain else ''}"
            program = _Program(plan, explain)
            _host.register_rulesets({name: program.rules})
            _programs[name] = program
        _registered[(plan.key, explain)] = name  # most recently used last
        for key, old in list(_registered.items()):
            if len(_registered) <= MAX_RULESETS:
                break
            if old != name:
                del _registered[key]
                del _programs[old]
                unregister(_host, old)
        return name


class _Batch:
    """One durable_rules session: a batch of territories, what its rules recorded, its facts' ids."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.program = _programs[name]
        self.sid = f"s{next(_sid_counter)}"
        self.records: dict[Key, set[int]] = {}
        self.next_id = 0

    def fact(self, fact: dict[str, Any]) -> dict[str, Any]:
        if self.next_id >= MAX_FACTS:
            raise EngineError(f"a durable_rules session would hold more than {MAX_FACTS:,} facts")
        fact["sid"], fact["id"] = self.sid, str(self.next_id)
        self.next_id += 1
        return fact

    def call(self, facts: list[dict[str, Any]]) -> None:
        """Assert ``facts`` and run every action they lead to."""
        assert_facts(_host, self.name, facts)
        try:
            drain(_host, self.name, lambda rule, matches: self.program.actions[rule].collect(self, matches))
        except EngineError:
            raise
        except Exception as exc:
            raise EngineError(f"a rule action failed: {exc}") from exc

    def run(self, low: Sequence[Sequence[float]], high: Sequence[Sequence[float]], one_by_one: bool) -> list[Derivation]:
        """What durable_rules derives for each territory of the batch, from the ends of its answers."""
        facts = [self.fact(f) for k in range(len(low)) for f in self.program.answer_facts(k, low[k], high[k])]
        with _lock:
            try:
                for part in ([[f] for f in facts] if one_by_one else [facts]):
                    self.call(part)
                if self.program.plan.caps or self.program.plan.finding_clauses or self.program.plan.gate_clauses:
                    self.call([self.fact({"t": "ph"})])
            finally:
                try:
                    _host.delete_state(self.name, self.sid)
                except Exception:  # a state that was never created has nothing to free
                    pass
        return [self.derivation(k) for k in range(len(low))]

    def derivation(self, k: int) -> Derivation:
        held = {key for key, territories in self.records.items() if k in territories}
        capped = self.program.capped  # an uncapped factor's level is the one its own conditions reach
        held |= {("lv", f, n, w) for (_, f, n, w) in [key for key in held if key[0] == "raw"] if f not in capped}
        return Derivation(frozenset(held))


@dataclass(frozen=True)
class Derivation:
    """What durable_rules derived for one territory: the levels, caps, findings, gates (and atoms) that hold."""

    facts: frozenset[Key]

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


def evaluate_rows(plan: Plan, rows: Sequence[Answers], *, explain: bool = False, one_by_one: bool = False,
                  batch: int = BATCH) -> list[Derivation]:
    """What durable_rules derives for each row of answers (``(low, high)`` or None, by indicator id).

    ``explain`` also derives which comparisons hold; ``one_by_one`` asserts the facts singly
    instead of as one batch (the result is the same).
    """
    with _lock:
        program = _programs[_ruleset_name(plan, explain)]
        ends = [program.ends(answers) for answers in rows]
        return _evaluate_ends(plan, [e[0] for e in ends], [e[1] for e in ends], explain, one_by_one, batch)


def _evaluate_ends(plan: Plan, low: Sequence[Sequence[float]], high: Sequence[Sequence[float]], explain: bool,
                   one_by_one: bool, batch: int) -> list[Derivation]:
    out: list[Derivation] = []
    with _lock:
        for start in range(0, len(low), batch):
            out += _Batch(_ruleset_name(plan, explain)).run(low[start:start + batch], high[start:start + batch], one_by_one)
    return out


class EngineSession:
    """One territory in durable_rules, kept for what-if: :meth:`change` evaluates changed answers again.

    ``answers`` maps indicator ids to the ``(low, high)`` ends of their encoded answer, or to
    ``None`` for unknown (see :meth:`maturity.prepare.Prepared.row_answers`).
    """

    def __init__(self, plan: Plan, answers: Answers) -> None:
        self.plan = plan
        self.answers = {k: answers.get(k) for k in plan.indicators}
        self._open = False

    def run(self, *, one_by_one: bool = False) -> Derivation:
        if self._open:
            raise EngineError("session already run")
        self._open = True
        return evaluate_rows(self.plan, [self.answers], explain=True, one_by_one=one_by_one)[0]

    def change(self, answers: Answers) -> Derivation:
        """The derivation with some answers changed (they stay changed until changed again)."""
        if not self._open:
            raise EngineError("session is closed")
        self.answers.update({k: v for k, v in answers.items() if k in self.answers})
        return evaluate_rows(self.plan, [self.answers], explain=True)[0]

    def close(self) -> None:
        self._open = False

    def __enter__(self) -> EngineSession:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def outcome_row(plan: Plan, d: Derivation, explain: bool) -> dict[str, np.ndarray]:
    """One territory's results as the rows of an :class:`Outcome`."""
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
    """The reference evaluator: every rule run by durable_rules, a session per batch of rows."""

    name = "durable"

    def __init__(self, *, one_by_one: bool = False, on_row: Callable[[int], None] | None = None) -> None:
        self.one_by_one = one_by_one
        self.on_row = on_row

    def evaluate(self, prepared: Prepared, *, explain: bool = False) -> Outcome:
        plan = prepared.plan
        low, high = prepared.bounded_ends()
        rows = []
        for start in range(0, len(prepared), BATCH):
            stop = min(start + BATCH, len(prepared))
            derived = _evaluate_ends(plan, low[start:stop].tolist(), high[start:stop].tolist(), explain, self.one_by_one, BATCH)
            rows += [outcome_row(plan, d, explain) for d in derived]
            if self.on_row is not None:
                for r in range(start, stop):
                    self.on_row(r)
        return outcome_from_rows(prepared, rows, explain)
