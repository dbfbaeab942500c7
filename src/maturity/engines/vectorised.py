"""Evaluate a compiled plan with numpy: every territory at once, same results as durable_rules.

The plan (see :mod:`maturity.plan`) is compiled once more, into index arrays and incidence
matrices (:class:`CompiledPlan`, cached per plan digest). Evaluation then runs in blocks of
rows, with no Python per territory:

- atoms: one comparison per atom over a column of encoded values (ordinal ranks, booleans as
  0/1). World ``lo`` holds where the answer is known and the comparison holds, world ``hi``
  where the answer is unknown or the comparison holds -- exactly as the durable rules do;
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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

import numpy as np

from ..errors import EngineError
from ..plan import Plan
from .outcome import Outcome, certainty

if TYPE_CHECKING:
    from ..prepare import Prepared

__all__ = ["CompiledPlan", "compile_vectorised", "evaluate", "VectorisedEvaluator"]

BLOCK = 8192  # rows evaluated together: bounds the working memory whatever the table's length
_CMP = {
    "is": np.equal, "is_not": np.not_equal, "at_least": np.greater_equal,
    "above": np.greater, "at_most": np.less_equal, "below": np.less,
}


@dataclass(frozen=True)
class CompiledPlan:
    """A plan as index arrays and incidence matrices (built once per plan)."""

    plan: Plan
    indicators: tuple[str, ...]       # columns of the encoded value matrix (plan.indicators)
    atom_ids: tuple[str, ...]
    atom_col: np.ndarray              # (A,) column of each atom's indicator
    atom_val: np.ndarray              # (A,) encoded value compared with
    op_groups: tuple[tuple[str, np.ndarray], ...]  # atoms per comparison operator
    level_inc: np.ndarray             # (A, C) float32: atoms of each level clause
    level_size: np.ndarray            # (C,) atoms per level clause
    clause_slot: np.ndarray           # (C, F*L) float32: clause -> (factor, level) slot
    n_factors: int
    max_level: int
    cap_steps: tuple[tuple[int, int, int, int], ...]  # (factor, max_level, requires, level) in dependency order
    cap_rules: tuple[tuple[int, int, int, int], ...]  # same, in ruleset order (columns of caps)
    cap_ids: tuple[str, ...]
    lit_factor: np.ndarray            # (T,) factor index of each level literal
    lit_level: np.ndarray             # (T,)
    lit_below: np.ndarray             # (T,) bool: "below" (reads the other world)
    find_inc_atoms: np.ndarray        # (A, D) float32
    find_inc_lits: np.ndarray         # (T, D) float32
    find_size: np.ndarray             # (D,)
    clause_finding: np.ndarray        # (D, Fd) float32
    finding_ids: tuple[str, ...]
    # the evaluation proper works row-major on atoms (one contiguous vector per atom, as by hand):
    level_groups: tuple[tuple[np.ndarray, np.ndarray], ...]  # per clause size: (clause positions, atom rows)
    slot_runs: tuple[np.ndarray, np.ndarray]  # (first clause of each reached slot, slot index)
    find_groups: tuple[tuple[np.ndarray, np.ndarray], ...]   # rows index atoms, then literals
    finding_runs: tuple[np.ndarray, np.ndarray]
    gate_ids: tuple[str, ...]
    gate_lit_factor: np.ndarray       # (G',) literals of the seal's gates
    gate_lit_level: np.ndarray
    gate_lit_below: np.ndarray
    gate_groups: tuple[tuple[np.ndarray, np.ndarray], ...]
    gate_runs: tuple[np.ndarray, np.ndarray]
    n_gate_clauses: int


_cache: dict[str, CompiledPlan] = {}
_cache_lock = threading.Lock()


def compile_vectorised(plan: Plan) -> CompiledPlan:
    """The compiled form of ``plan``, cached by its digest."""
    with _cache_lock:
        hit = _cache.get(plan.key)
    if hit is not None:
        return hit
    compiled = _compile(plan)
    with _cache_lock:
        _cache[plan.key] = compiled
    return compiled


def _compile(plan: Plan) -> CompiledPlan:
    indicators = plan.indicators
    col = {i: k for k, i in enumerate(indicators)}
    atom_ids = tuple(plan.atoms)
    aix = {a: k for k, a in enumerate(atom_ids)}
    atoms = [plan.atoms[a] for a in atom_ids]
    atom_col = np.array([col[a.indicator] for a in atoms], dtype=np.intp)
    atom_val = np.array([float(a.value) for a in atoms], dtype=np.float64)
    op_groups = tuple((op, np.array([k for k, a in enumerate(atoms) if a.op == op], dtype=np.intp))
                      for op in _CMP if any(a.op == op for a in atoms))
    factors = list(plan.factors)
    fix = {f: k for k, f in enumerate(factors)}
    F, L = len(factors), plan.max_level

    C = len(plan.level_clauses)
    level_inc = np.zeros((len(atoms), C), dtype=np.float32)
    clause_slot = np.zeros((C, F * max(L, 1)), dtype=np.float32)
    for c, clause in enumerate(plan.level_clauses):
        for a in clause.atoms:
            level_inc[aix[a], c] = 1
        if 1 <= clause.level <= L:
            clause_slot[c, fix[clause.factor] * L + clause.level - 1] = 1
    level_size = level_inc.sum(axis=0)

    rules = tuple((fix[c.factor], c.max_level, fix[c.requires_factor], c.requires_level) for c in plan.caps)
    steps: list[tuple[int, int, int, int]] = []
    done: set[int] = set()
    pending = list(range(F))
    while pending:  # factors whose caps' requirements are final first (the caps have no cycles)
        ready = [f for f in pending if all(g in done for (h, _m, g, _n) in rules if h == f)]
        if not ready:
            raise EngineError("caps depend on each other in a cycle")
        for f in ready:
            steps += [r for r in rules if r[0] == f]
            done.add(f)
        pending = [f for f in pending if f not in done]

    lit_ids = tuple(plan.level_literals)
    tix = {t: k for k, t in enumerate(lit_ids)}
    lits = [plan.level_literals[t] for t in lit_ids]
    finding_ids = tuple(plan.findings)
    dix = {d: k for k, d in enumerate(finding_ids)}
    D = len(plan.finding_clauses)
    find_inc_atoms = np.zeros((len(atoms), D), dtype=np.float32)
    find_inc_lits = np.zeros((len(lits), D), dtype=np.float32)
    clause_finding = np.zeros((D, len(finding_ids)), dtype=np.float32)
    for d, fc in enumerate(plan.finding_clauses):
        for a in fc.atoms:
            find_inc_atoms[aix[a], d] = 1
        for t in fc.levels:
            find_inc_lits[tix[t], d] = 1
        clause_finding[d, dix[fc.finding]] = 1

    gate_lit_ids = tuple(sorted({t for gc in plan.gate_clauses for t in gc.levels}))
    gix = {t: k for k, t in enumerate(gate_lit_ids)}
    gate_lits = [plan.literal(t) for t in gate_lit_ids]
    gate_ids = plan.gates
    gate_groups, gate_runs = _groups([[gix[t] for t in gc.levels] for gc in plan.gate_clauses],
                                     [gate_ids.index(gc.gate) for gc in plan.gate_clauses])

    slot_of = [fix[c.factor] * L + c.level - 1 for c in plan.level_clauses]
    level_groups, slot_runs = _groups([[aix[a] for a in c.atoms] for c in plan.level_clauses], slot_of)
    find_groups, finding_runs = _groups(
        [[aix[a] for a in fc.atoms] + [len(atoms) + tix[t] for t in fc.levels] for fc in plan.finding_clauses],
        [dix[fc.finding] for fc in plan.finding_clauses])
    return CompiledPlan(
        level_groups=level_groups, slot_runs=slot_runs, find_groups=find_groups, finding_runs=finding_runs,
        plan=plan, indicators=indicators, atom_ids=atom_ids, atom_col=atom_col, atom_val=atom_val,
        op_groups=op_groups, level_inc=level_inc, level_size=level_size, clause_slot=clause_slot,
        n_factors=F, max_level=L, cap_steps=tuple(steps), cap_rules=rules, cap_ids=tuple(c.id for c in plan.caps),
        lit_factor=np.array([fix[t.factor] for t in lits], dtype=np.intp),
        lit_level=np.array([t.level for t in lits], dtype=np.int64),
        lit_below=np.array([t.op == "below" for t in lits], dtype=bool),
        find_inc_atoms=find_inc_atoms, find_inc_lits=find_inc_lits,
        find_size=find_inc_atoms.sum(axis=0) + find_inc_lits.sum(axis=0),
        clause_finding=clause_finding, finding_ids=finding_ids,
        gate_ids=gate_ids, gate_lit_factor=np.array([fix[t.factor] for t in gate_lits], dtype=np.intp),
        gate_lit_level=np.array([t.level for t in gate_lits], dtype=np.int64),
        gate_lit_below=np.array([t.op == "below" for t in gate_lits], dtype=bool),
        gate_groups=gate_groups, gate_runs=gate_runs, n_gate_clauses=len(plan.gate_clauses),
    )


def _groups(clauses: list[list[int]], target: list[int]):
    """Clauses sorted by target, grouped by size; and the runs of clauses sharing a target."""
    order = sorted(range(len(clauses)), key=lambda c: target[c])
    by_size: dict[int, list[tuple[int, list[int]]]] = {}
    for pos, c in enumerate(order):
        by_size.setdefault(len(clauses[c]), []).append((pos, clauses[c]))
    groups = tuple((np.array([p for p, _ in items], dtype=np.intp),
                    np.array([rows for _, rows in items], dtype=np.intp).reshape(len(items), size))
                   for size, items in sorted(by_size.items()))
    sorted_targets = [target[c] for c in order]
    starts = [k for k in range(len(order)) if k == 0 or sorted_targets[k] != sorted_targets[k - 1]]
    return groups, (np.array(starts, dtype=np.intp), np.array([sorted_targets[k] for k in starts], dtype=np.intp))


def _any_of_clauses(rows: np.ndarray, groups, runs, n_clauses: int, n_targets: int) -> np.ndarray:
    """(targets, m) bool: some clause of the target holds, a clause holding when all its rows do."""
    m = rows.shape[1]
    holds = np.empty((n_clauses, m), dtype=bool)
    for pos, idx in groups:
        if idx.shape[1] == 0:
            holds[pos] = True
        elif idx.shape[1] == 1:
            holds[pos] = rows[idx[:, 0]]
        else:
            h = rows[idx[:, 0]]  # a fresh copy
            for j in range(1, idx.shape[1]):
                h &= rows[idx[:, j]]
            holds[pos] = h
    out = np.zeros((n_targets, m), dtype=bool)
    starts, targets = runs
    if len(starts):
        out[targets] = np.logical_or.reduceat(holds, starts, axis=0)
    return out


# -- evaluation on encoded matrices ------------------------------------------------------------


def evaluate(cp: CompiledPlan, values: np.ndarray, known: Optional[np.ndarray], *, atoms: bool = False,
             findings: bool = True) -> dict[str, np.ndarray]:
    """Levels, caps, findings and gates for encoded answers.

    ``values`` (float, rows x ``cp.indicators``) holds encoded answers, ``known`` (bool, same
    shape) which are known. Returns, per world (suffix ``_lo`` or ``_hi``): ``raw`` and final
    levels ``lv`` (int8, rows x factors), ``cap``, ``find`` and ``gate`` (bool); with ``atoms``
    also ``atom`` (rows x atoms). ``findings=False`` skips findings and gates. ``known=None``
    means every answer is known: one world is evaluated, and each ``_hi`` array is its ``_lo`` array.
    """
    n = values.shape[0]
    shapes = {"raw": cp.n_factors, "lv": cp.n_factors, "cap": len(cp.cap_ids)}
    if findings:
        shapes |= {"find": len(cp.finding_ids), "gate": len(cp.gate_ids)}
    if atoms:
        shapes["atom"] = len(cp.atom_ids)
    worlds = ("lo",) if known is None else ("lo", "hi")
    out = {f"{k}_{w}": np.zeros((n, m), dtype=np.int8 if k in ("raw", "lv") else bool)
           for k, m in shapes.items() for w in worlds}
    for start in range(0, n, BLOCK):
        stop = min(n, start + BLOCK)
        block = _evaluate_block(cp, values[start:stop], None if known is None else known[start:stop], atoms, findings)
        for key, arr in block.items():
            out[key][start:stop] = arr
    if known is None:
        out |= {f"{k}_hi": out[f"{k}_lo"] for k in shapes}
    return out


def _evaluate_block(cp: CompiledPlan, values: np.ndarray, known: Optional[np.ndarray], atoms: bool,
                    findings: bool) -> dict[str, np.ndarray]:
    n = values.shape[0]
    V = np.ascontiguousarray(values.T)[cp.atom_col]  # one row per atom
    cmp = np.zeros(V.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        for op, idx in cp.op_groups:
            cmp[idx] = _CMP[op](V[idx], cp.atom_val[idx, None])
    if known is None:  # every answer known: the two worlds are one
        return {f"{k}_lo": arr for k, arr in _worlds(cp, cmp, n, atoms, findings, 1).items()}
    K = np.ascontiguousarray(known.T)[cp.atom_col]
    # one row per atom; columns [0, n) are world "lo", [n, 2n) world "hi"
    X = np.concatenate([K & cmp, ~K | cmp], axis=1)
    return _worlds(cp, X, n, atoms, findings, 2)


def _worlds(cp: CompiledPlan, X: np.ndarray, n: int, atoms: bool, findings: bool, w: int) -> dict[str, np.ndarray]:
    """Levels, caps, findings and gates of ``w`` worlds side by side (columns ``[0, n)``, ``[n, 2n)``)."""

    F, L = cp.n_factors, cp.max_level
    raw = np.zeros((F, w * n), dtype=np.int64)
    if L:
        slot = _any_of_clauses(X, cp.level_groups, cp.slot_runs, len(cp.level_size), F * L)
        raw = np.logical_and.accumulate(slot.reshape(F, L, w * n), axis=1).sum(axis=1, dtype=np.int64)

    final = raw.copy()
    for f, mx, g, m in cp.cap_steps:
        final[f] = np.where(final[g] >= m, final[f], np.minimum(final[f], mx))
    caps = np.zeros((len(cp.cap_rules), w * n), dtype=bool)
    for k, (f, mx, g, m) in enumerate(cp.cap_rules):
        caps[k] = (raw[f] >= mx + 1) & (final[g] < m)
    out = {"raw": raw, "lv": final, "cap": caps}
    if findings:
        other = np.concatenate([final[:, n:], final[:, :n]], axis=1) if w == 2 else final
        finds = np.zeros((len(cp.finding_ids), w * n), dtype=bool)
        if cp.find_size.size:
            lits = np.where(cp.lit_below[:, None], other[cp.lit_factor] < cp.lit_level[:, None],
                            final[cp.lit_factor] >= cp.lit_level[:, None])
            finds = _any_of_clauses(np.concatenate([X, lits]), cp.find_groups, cp.finding_runs,
                                    len(cp.find_size), len(cp.finding_ids))
        gates = np.zeros((len(cp.gate_ids), w * n), dtype=bool)
        if cp.n_gate_clauses:
            glits = np.where(cp.gate_lit_below[:, None], other[cp.gate_lit_factor] < cp.gate_lit_level[:, None],
                             final[cp.gate_lit_factor] >= cp.gate_lit_level[:, None])
            gates = _any_of_clauses(glits, cp.gate_groups, cp.gate_runs, cp.n_gate_clauses, len(cp.gate_ids))
        out |= {"find": finds, "gate": gates}
    if atoms:
        out["atom"] = X
    if w == 1:
        return {k: arr.T for k, arr in out.items()}
    return {f"{k}_{side}": (arr[:, :n] if side == "lo" else arr[:, n:]).T for k, arr in out.items() for side in ("lo", "hi")}


class VectorisedEvaluator:
    """The plan evaluated with numpy for every row at once; equal to the durable engine (parity tests)."""

    name = "vectorised"

    def evaluate(self, prepared: "Prepared", *, explain: bool = False) -> Outcome:
        cp = compile_vectorised(prepared.plan)
        every_known = bool(prepared.known.all())  # then one world is evaluated
        ev = evaluate(cp, prepared.values, None if every_known else prepared.known, atoms=explain)
        return Outcome(
            plan=prepared.plan, index=prepared.index, lower=ev["lv_lo"], upper=ev["lv_hi"],
            raw_lower=ev["raw_lo"], raw_upper=ev["raw_hi"],
            caps=certainty(ev["cap_lo"], ev["cap_hi"]), findings=certainty(ev["find_lo"], ev["find_hi"]),
            gates=certainty(ev["gate_lo"], ev["gate_hi"]), assessed=prepared.assessed, answered=prepared.answered,
            total=prepared.total, atoms_lower=ev.get("atom_lo"), atoms_upper=ev.get("atom_hi"),
        )
