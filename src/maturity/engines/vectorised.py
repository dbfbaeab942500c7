"""Evaluate a compiled plan with numpy: every territory at once, same results as durable_rules.

The plan (see :mod:`maturity.plan`) is compiled once more, into straight-line numpy code
generated for that plan (:class:`CompiledPlan`, cached per plan key): one comparison per atom and
world, one ``&`` per clause and one ``|`` per level, caps in order. Evaluation then runs in
blocks of rows, with no Python per territory and no interpretation of the plan at run time:

- atoms: one comparison per atom over the ends of each encoded answer (ordinal ranks, booleans
  as 0/1; both ends equal for an exact answer, apart for a range). World ``lo`` holds where the
  answer is known and every value of its range passes, world ``hi`` where the answer is unknown
  or some value of its range passes -- exactly as the durable rules do;
- level clauses: a clause holds when all its atoms hold (a count of atoms, by matrix product);
  a level is reached through any of its clauses; raw levels are cumulative;
- caps, in the dependency order of the factors: a cap lowers its factor to ``max_level`` in a
  world unless the required factor reaches the required level in that world; a cap is
  *applied* where the raw level exceeds ``max_level`` and the requirement fails;
- findings: clauses of atoms and level literals; ``at_least`` reads the final level of the
  same world, ``below`` the final level of the other world (certain when not reached even at
  best; possible when not reached at worst).

- seal gates: clauses of level literals, read as findings' literals are.

>>> from maturity import bundled_profiles_dir, load_core_ruleset, load_profile
>>> from maturity.prepare import prepare
>>> rs = load_core_ruleset()
>>> out = VectorisedEvaluator().evaluate(prepare(rs, load_profile(bundled_profiles_dir() / "cr-upala.yaml")))
>>> k = out.plan.factors.index("vertical_coherence")
>>> int(out.lower[0, k]), int(out.upper[0, k])
(1, 4)
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import EngineError
from ..plan import Plan
from .outcome import Outcome, certainty

if TYPE_CHECKING:
    from ..prepare import Prepared

__all__ = ["CompiledPlan", "VectorisedEvaluator", "compile_vectorised", "evaluate", "kernel_source"]

BLOCK = 32768  # rows evaluated together: bounds the working memory whatever the table's length


@dataclass(frozen=True)
class CompiledPlan:
    """A plan's generated kernels (compiled once per plan key) and the ids of what they return."""

    plan: Plan
    indicators: tuple[str, ...]       # columns of the encoded answers (plan.indicators)
    atom_ids: tuple[str, ...]
    n_factors: int
    cap_ids: tuple[str, ...]
    finding_ids: tuple[str, ...]
    gate_ids: tuple[str, ...]
    source: str                        # the generated Python source, for inspection
    two_worlds: Callable[..., None]    # kernel(lt, ht, kt, out, s, e, findings, atoms)
    one_world: Callable[..., None]     # kernel(lt, out, s, e, findings, atoms): every answer known and exact


_cache: dict[str, CompiledPlan] = {}
_cache_lock = threading.Lock()


def compile_vectorised(plan: Plan) -> CompiledPlan:
    """The compiled form of ``plan``, cached by its key (ruleset and seal digests)."""
    with _cache_lock:
        hit = _cache.get(plan.key)
    if hit is not None:
        return hit
    compiled = _compile(plan)
    with _cache_lock:
        _cache[plan.key] = compiled
    return compiled


def _compile(plan: Plan) -> CompiledPlan:
    source = kernel_source(plan)
    namespace: dict[str, Any] = {"np": np}
    # the source holds only the plan's indices, operators and numbers: nothing from the input is run
    exec(compile(source, f"<maturity kernel {plan.key[:16]}>", "exec"), namespace)
    return CompiledPlan(plan=plan, indicators=plan.indicators, atom_ids=tuple(plan.atoms), n_factors=len(plan.factors),
                        cap_ids=tuple(c.id for c in plan.caps), finding_ids=tuple(plan.findings), gate_ids=plan.gates,
                        source=source, two_worlds=namespace["two_worlds"], one_world=namespace["one_world"])


def _cap_order(plan: Plan) -> list[Any]:
    """The caps, those of factors whose requirements are final first (the caps have no cycles)."""
    done: set[str] = set()
    pending = list(plan.factors)
    out: list[Any] = []
    while pending:
        ready = [f for f in pending if all(c.requires_factor in done for c in plan.caps if c.factor == f)]
        if not ready:
            raise EngineError("caps depend on each other in a cycle")
        for f in ready:
            out += [c for c in plan.caps if c.factor == f]
            done.add(f)
        pending = [f for f in pending if f not in done]
    return out


# certain (every value of the answer's range passes) and some (a value passes), from the ends l and h
_INTERVAL = {
    "at_least": ("{l} >= {v}", "{h} >= {v}"), "above": ("{l} > {v}", "{h} > {v}"),
    "at_most": ("{h} <= {v}", "{l} <= {v}"), "below": ("{h} < {v}", "{l} < {v}"),
    "is": ("({l} == {v}) & ({h} == {v})", "({l} <= {v}) & ({h} >= {v})"),
    "is_not": ("({l} > {v}) | ({h} < {v})", "({l} != {v}) | ({h} != {v})"),
}
_EXACT = {"at_least": ">=", "above": ">", "at_most": "<=", "below": "<", "is": "==", "is_not": "!="}


def kernel_source(plan: Plan) -> str:
    """Python source of the plan's two kernels, straight-line numpy over one block of rows.

    ``two_worlds(lt, ht, kt, out, s, e, findings, atoms)`` reads the ends of each answer (``lt``,
    ``ht``: indicators x rows) and which are known (``kt``), and writes world ``lo`` (unknowns
    fail, a range must pass at both ends) and world ``hi`` (unknowns pass, one end is enough)
    into rows ``s:e`` of ``out``. ``one_world(lt, out, s, e, findings, atoms)`` is the same when
    every answer is known and exact: both worlds are one.
    """
    col = {ind: k for k, ind in enumerate(plan.indicators)}
    aname = {a: f"a{k}" for k, a in enumerate(plan.atoms)}
    fix = {f: k for k, f in enumerate(plan.factors)}
    caps = _cap_order(plan)
    lines: list[str] = []
    emit = lines.append

    def levels_caps_findings(worlds: tuple[str, ...], ind: str) -> None:
        for w in worlds:
            for f in plan.factors:
                k = fix[f]
                emit(f"{ind}raw{k}_{w} = np.zeros(n, dtype=np.int8)")
                reach = None
                for level in range(1, plan.max_level + 1):
                    clauses = plan.clauses_for(f, level)
                    if not clauses:
                        break
                    terms = [" & ".join(f"{aname[a]}_{w}" for a in c.atoms) for c in clauses]
                    if any(t == "" for t in terms):  # a clause without atoms: always reached
                        expr = "True"
                    else:
                        expr = " | ".join(f"({t})" for t in terms)
                    reach = expr if reach is None else f"r & ({expr})"
                    emit(f"{ind}r = np.broadcast_to({reach}, (n,)); raw{k}_{w} += r")
                emit(f"{ind}lv{k}_{w} = raw{k}_{w}")
            for c in caps:
                fi, gi = fix[c.factor], fix[c.requires_factor]
                emit(f"{ind}lv{fi}_{w} = np.where(lv{gi}_{w} >= {c.requires_level}, lv{fi}_{w}, "
                     f"np.minimum(lv{fi}_{w}, {c.max_level}))")
            for k in range(len(plan.factors)):
                emit(f"{ind}out['raw_{w}'][s:e, {k}] = raw{k}_{w}; out['lv_{w}'][s:e, {k}] = lv{k}_{w}")
            for i, c in enumerate(plan.caps):
                emit(f"{ind}out['cap_{w}'][s:e, {i}] = (raw{fix[c.factor]}_{w} > {c.max_level}) & "
                     f"(lv{fix[c.requires_factor]}_{w} < {c.requires_level})")
        for w in worlds:
            other = worlds[-1 - worlds.index(w)]
            emit(f"{ind}if findings:")
            clauses_of: list[tuple[int, list[Any]]] = [(i, [c for c in plan.finding_clauses if c.finding == d])
                                                       for i, d in enumerate(plan.findings)]
            gates_of: list[tuple[int, list[Any]]] = [(i, [c for c in plan.gate_clauses if c.gate == g])
                                                     for i, g in enumerate(plan.gates)]
            for target, groups in (("find", clauses_of), ("gate", gates_of)):
                for i, ways in groups:
                    terms = []
                    for clause in ways:
                        parts = [f"{aname[a]}_{w}" for a in getattr(clause, "atoms", ())]
                        for t in clause.levels:
                            lit = plan.literal(t)
                            if lit.op == "below":
                                parts.append(f"(lv{fix[lit.factor]}_{other} < {lit.level})")
                            else:
                                parts.append(f"(lv{fix[lit.factor]}_{w} >= {lit.level})")
                        terms.append(" & ".join(parts) or "True")
                    expr = " | ".join(f"({t})" for t in terms) if terms else "False"
                    emit(f"{ind}    out['{target}_{w}'][s:e, {i}] = {expr}")
            emit(f"{ind}    pass")
            emit(f"{ind}if atoms:")
            for a in plan.atoms:
                emit(f"{ind}    out['atom_{w}'][s:e, {aname[a][1:]}] = {aname[a]}_{w}")
            emit(f"{ind}    pass")

    emit("def two_worlds(lt, ht, kt, out, s, e, findings, atoms):")
    emit("    n = e - s")
    emit("    with np.errstate(invalid='ignore'):")
    used = sorted({col[a.indicator] for a in plan.atoms.values()})
    for j in used:
        emit(f"        l{j} = lt[{j}]; h{j} = ht[{j}]; k{j} = kt[{j}]; u{j} = ~k{j}")
    for a, atom in plan.atoms.items():
        j, v = col[atom.indicator], repr(float(atom.value))
        certain, some = (x.format(l=f"l{j}", h=f"h{j}", v=v) for x in _INTERVAL[atom.op])
        emit(f"        {aname[a]}_lo = k{j} & ({certain}); {aname[a]}_hi = u{j} | ({some})")
    levels_caps_findings(("lo", "hi"), "    ")
    emit("")
    emit("def one_world(lt, out, s, e, findings, atoms):")
    emit("    n = e - s")
    emit("    with np.errstate(invalid='ignore'):")
    for a, atom in plan.atoms.items():
        emit(f"        {aname[a]}_lo = lt[{col[atom.indicator]}] {_EXACT[atom.op]} {float(atom.value)!r}")
    levels_caps_findings(("lo",), "    ")
    return "\n".join(lines) + "\n"


# -- evaluation on encoded matrices ------------------------------------------------------------


def evaluate(cp: CompiledPlan, low: np.ndarray, high: np.ndarray, known: np.ndarray | None, *,
             atoms: bool = False, findings: bool = True) -> dict[str, np.ndarray]:
    """Levels, caps, findings and gates for encoded answers.

    ``low`` and ``high`` (float, rows x ``cp.indicators``) hold the ends of each encoded answer
    (equal when exact), ``known`` (bool, same shape) which are known. Returns, per world (suffix
    ``_lo`` or ``_hi``): ``raw`` and final levels ``lv`` (int8, rows x factors), ``cap``, ``find``
    and ``gate`` (bool); with ``atoms`` also ``atom`` (rows x atoms). ``findings=False`` skips
    findings and gates. ``known=None`` says every answer is known and exact (``high`` is then
    not read): one world is evaluated, and each ``_hi`` array is its ``_lo`` array.
    """
    n = low.shape[0]
    shapes = {"raw": cp.n_factors, "lv": cp.n_factors, "cap": len(cp.cap_ids)}
    if findings:
        shapes |= {"find": len(cp.finding_ids), "gate": len(cp.gate_ids)}
    if atoms:
        shapes["atom"] = len(cp.atom_ids)
    worlds = ("lo",) if known is None else ("lo", "hi")
    out = {f"{k}_{w}": np.zeros((n, m), dtype=np.int8 if k in ("raw", "lv") else bool, order="F")
           for k, m in shapes.items() for w in worlds}
    for s in range(0, n, BLOCK):
        e = min(n, s + BLOCK)
        lt = np.ascontiguousarray(low[s:e].T)  # one row per indicator
        if known is None:
            cp.one_world(lt, out, s, e, findings, atoms)
        else:
            cp.two_worlds(lt, np.ascontiguousarray(high[s:e].T), np.ascontiguousarray(known[s:e].T), out, s, e,
                          findings, atoms)
    if known is None:
        out |= {f"{k}_hi": out[f"{k}_lo"] for k in shapes}
    return out


class VectorisedEvaluator:
    """The plan evaluated with numpy for every row at once; equal to the durable engine (parity tests)."""

    name = "vectorised"

    def evaluate(self, prepared: Prepared, *, explain: bool = False) -> Outcome:
        cp = compile_vectorised(prepared.plan)
        exact = bool(prepared.known.all()) and np.array_equal(prepared.low, prepared.high)  # then one world
        ev = evaluate(cp, prepared.low, prepared.high, None if exact else prepared.known, atoms=explain)
        return Outcome(
            plan=prepared.plan, index=prepared.index, lower=ev["lv_lo"], upper=ev["lv_hi"],
            raw_lower=ev["raw_lo"], raw_upper=ev["raw_hi"],
            caps=certainty(ev["cap_lo"], ev["cap_hi"]), findings=certainty(ev["find_lo"], ev["find_hi"]),
            gates=certainty(ev["gate_lo"], ev["gate_hi"]), assessed=prepared.assessed, answered=prepared.answered,
            total=prepared.total, atoms_lower=ev.get("atom_lo"), atoms_upper=ev.get("atom_hi"),
        )
