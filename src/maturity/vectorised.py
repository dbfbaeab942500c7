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

>>> from maturity import bundled_profiles_dir, load_core_ruleset, load_profile
>>> from maturity.table import answers_table, derive_levels
>>> rs = load_core_ruleset()
>>> table = answers_table([load_profile(bundled_profiles_dir() / "cr-upala.yaml")], rs)
>>> d = derive_levels(rs, table, engine="vectorised")
>>> int(d.lower_level.loc["cr-upala", "vertical_coherence"]), int(d.upper_level.loc["cr-upala", "vertical_coherence"])
(1, 4)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from .checks import value_problem
from .errors import EngineError, InvalidFileError, Problem
from .plan import Plan, compile_plan
from .ruleset import BooleanIndicator, CountIndicator, NumberIndicator, OrdinalIndicator, Ruleset, YearIndicator

__all__ = ["CompiledPlan", "compile_vectorised", "derive_vectorised", "derive_table", "encode_table", "evaluate"]

ENCODE_ROWS = 65536  # rows checked and encoded together by derive_table
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
    judge_inc: np.ndarray             # (I, J) float32: indicators of each level-1 clause (assessed)
    judge_factor: np.ndarray          # (J, F) float32
    # the evaluation proper works row-major on atoms (one contiguous vector per atom, as by hand):
    level_groups: tuple[tuple[np.ndarray, np.ndarray], ...]  # per clause size: (clause positions, atom rows)
    slot_runs: tuple[np.ndarray, np.ndarray]  # (first clause of each reached slot, slot index)
    find_groups: tuple[tuple[np.ndarray, np.ndarray], ...]   # rows index atoms, then literals
    finding_runs: tuple[np.ndarray, np.ndarray]


_cache: dict[str, CompiledPlan] = {}
_cache_lock = threading.Lock()


def compile_vectorised(plan: Plan) -> CompiledPlan:
    """The compiled form of ``plan``, cached by its digest."""
    with _cache_lock:
        hit = _cache.get(plan.digest)
    if hit is not None:
        return hit
    compiled = _compile(plan)
    with _cache_lock:
        _cache[plan.digest] = compiled
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

    firsts = [c for c in plan.level_clauses if c.level == 1]
    judge_inc = np.zeros((len(indicators), len(firsts)), dtype=np.float32)
    judge_factor = np.zeros((len(firsts), F), dtype=np.float32)
    for j, clause in enumerate(firsts):
        for a in clause.atoms:
            judge_inc[col[plan.atoms[a].indicator], j] = 1
        judge_factor[j, fix[clause.factor]] = 1

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
        clause_finding=clause_finding, finding_ids=finding_ids, judge_inc=judge_inc, judge_factor=judge_factor,
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


def evaluate(cp: CompiledPlan, values: np.ndarray, known: np.ndarray) -> dict[str, np.ndarray]:
    """Levels, caps and findings for encoded answers.

    ``values`` (float, rows x ``cp.indicators``) holds encoded answers, ``known`` (bool, same
    shape) which are known. Returns ``lo``/``hi`` levels (int64, rows x factors) and, per world,
    caps and findings as booleans: ``cap_lo``, ``cap_hi``, ``find_lo``, ``find_hi``.
    """
    n = values.shape[0]
    out = {
        "lo": np.zeros((n, cp.n_factors), dtype=np.int64), "hi": np.zeros((n, cp.n_factors), dtype=np.int64),
        "cap_lo": np.zeros((n, len(cp.cap_ids)), dtype=bool), "cap_hi": np.zeros((n, len(cp.cap_ids)), dtype=bool),
        "find_lo": np.zeros((n, len(cp.finding_ids)), dtype=bool),
        "find_hi": np.zeros((n, len(cp.finding_ids)), dtype=bool),
    }
    for start in range(0, n, BLOCK):
        stop = min(n, start + BLOCK)
        block = _evaluate_block(cp, values[start:stop], known[start:stop])
        for key, arr in block.items():
            out[key][start:stop] = arr
    return out


def _evaluate_block(cp: CompiledPlan, values: np.ndarray, known: np.ndarray) -> dict[str, np.ndarray]:
    n = values.shape[0]
    vt, kt = np.ascontiguousarray(values.T), np.ascontiguousarray(known.T)  # one row per indicator
    V, K = vt[cp.atom_col], kt[cp.atom_col]
    cmp = np.zeros(V.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        for op, idx in cp.op_groups:
            cmp[idx] = _CMP[op](V[idx], cp.atom_val[idx, None])
    # one row per atom; columns [0, n) are world "lo", [n, 2n) world "hi"
    X = np.concatenate([K & cmp, ~K | cmp], axis=1)

    F, L = cp.n_factors, cp.max_level
    raw = np.zeros((F, 2 * n), dtype=np.int64)
    if L:
        slot = _any_of_clauses(X, cp.level_groups, cp.slot_runs, len(cp.level_size), F * L)
        raw = np.logical_and.accumulate(slot.reshape(F, L, 2 * n), axis=1).sum(axis=1, dtype=np.int64)

    final = raw.copy()
    for f, mx, g, m in cp.cap_steps:
        final[f] = np.where(final[g] >= m, final[f], np.minimum(final[f], mx))
    caps = np.zeros((len(cp.cap_rules), 2 * n), dtype=bool)
    for k, (f, mx, g, m) in enumerate(cp.cap_rules):
        caps[k] = (raw[f] >= mx + 1) & (final[g] < m)

    finds = np.zeros((len(cp.finding_ids), 2 * n), dtype=bool)
    if cp.find_size.size:
        other = np.concatenate([final[:, n:], final[:, :n]], axis=1)
        lits = np.where(cp.lit_below[:, None], other[cp.lit_factor] < cp.lit_level[:, None],
                        final[cp.lit_factor] >= cp.lit_level[:, None])
        finds = _any_of_clauses(np.concatenate([X, lits]), cp.find_groups, cp.finding_runs,
                                len(cp.find_size), len(cp.finding_ids))
    return {"lo": final[:, :n].T, "hi": final[:, n:].T, "cap_lo": caps[:, :n].T, "cap_hi": caps[:, n:].T,
            "find_lo": finds[:, :n].T, "find_hi": finds[:, n:].T}


def judged(cp: CompiledPlan, known: np.ndarray) -> np.ndarray:
    """Assessed factors (as :func:`maturity.table.assessed_factors`): one way to level 1 fully known."""
    missing = (~known).astype(np.float32) @ cp.judge_inc  # unknown answers per level-1 clause
    return ((missing == 0).astype(np.float32) @ cp.judge_factor) > 0


# -- encoding answers --------------------------------------------------------------------------


def _missing(col: pd.Series) -> np.ndarray:
    """What :func:`maturity.table._is_missing` says, column-wise: None, NaN, NA or "unknown"."""
    miss = np.array(pd.isna(col), dtype=bool)
    dtype = col.dtype
    if dtype == object or ptypes.is_string_dtype(dtype):
        miss |= np.asarray(col.to_numpy(dtype=object) == "unknown", dtype=bool)
    elif isinstance(dtype, pd.CategoricalDtype) and "unknown" in dtype.categories:
        miss |= np.asarray(col.astype(object) == "unknown", dtype=bool)
    return miss


def _ordinal_ranks(ind: OrdinalIndicator, col: pd.Series) -> np.ndarray:
    """Rank of each value on the scale; -1 where the value is not on it."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        lookup = np.array([ind.scale.index(c) if c in ind.scale else -1 for c in col.cat.categories] + [-1],
                          dtype=np.int64)
        return lookup[np.asarray(col.cat.codes, dtype=np.int64)]  # code -1 (NA) maps to the last entry
    return np.asarray(pd.Index(ind.scale, dtype=object).get_indexer(col.to_numpy(dtype=object)), dtype=np.int64)


def _numbers(col: pd.Series, known: np.ndarray) -> np.ndarray:
    dtype = col.dtype
    if ptypes.is_numeric_dtype(dtype) and not isinstance(dtype, pd.api.extensions.ExtensionDtype):
        return col.to_numpy(dtype=np.float64)
    if isinstance(dtype, pd.api.extensions.ExtensionDtype) and ptypes.is_numeric_dtype(dtype):
        return col.to_numpy(dtype=np.float64, na_value=np.nan)
    cells = np.where(known, col.to_numpy(dtype=object), np.nan)
    try:
        return cells.astype(np.float64)
    except (TypeError, ValueError):  # a bad value: reported by the checks, encoded as NaN meanwhile
        return np.array([_float_or_nan(v) for v in cells], dtype=np.float64)


def _float_or_nan(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.nan


def _column_values(ind: Any, col: pd.Series, known: np.ndarray) -> np.ndarray:
    """Encoded values of one column (ordinal ranks, booleans 0/1); meaningless where unknown."""
    if isinstance(ind, OrdinalIndicator):
        return _ordinal_ranks(ind, col).astype(np.float64)
    return _numbers(col, known)


def _bad_cells(ind: Any, col: pd.Series, known: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Known cells :func:`maturity.checks.value_problem` rejects (a superset is fine: each is re-checked)."""
    dtype = col.dtype
    if isinstance(ind, OrdinalIndicator):
        return known & (values < 0)
    typed = dtype != object and not ptypes.is_string_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype)
    if isinstance(ind, BooleanIndicator):
        if typed and ptypes.is_bool_dtype(dtype):
            return np.zeros(len(col), dtype=bool)
        if typed:
            return known.copy()
    elif isinstance(ind, (CountIndicator, YearIndicator)):
        if typed and ptypes.is_integer_dtype(dtype):
            return known & (values < 0) if isinstance(ind, CountIndicator) else np.zeros(len(col), dtype=bool)
        if typed:
            return known.copy()
    elif isinstance(ind, NumberIndicator):
        if typed and ptypes.is_numeric_dtype(dtype) and not ptypes.is_bool_dtype(dtype):
            bad = np.zeros(len(col), dtype=bool)
            with np.errstate(invalid="ignore"):
                if ind.minimum is not None:
                    bad |= known & (values < ind.minimum)
                if ind.maximum is not None:
                    bad |= known & (values > ind.maximum)
            return bad
        if typed:
            return known.copy()
    # object columns: check each known cell (the rare path: typed columns are the fast one)
    arr = col.to_numpy(dtype=object)
    rows = np.flatnonzero(known)
    bad = np.zeros(len(col), dtype=bool)
    bad[rows] = [value_problem(ind, arr[r]) is not None for r in rows]
    return bad


def encode_table(ruleset: Ruleset, table: pd.DataFrame, plan: Optional[Plan] = None,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check and encode an answers table: ``(values, known_plan, known_all)``.

    ``values`` and ``known_plan`` cover the plan's indicators (``compile_vectorised(plan).indicators``),
    ``known_all`` every indicator of the ruleset in its order. Columns may be object (raw values as
    in :func:`maturity.table.answers_table`) or typed: bool, integer (nullable too), float (NaN
    unknown), categorical or string labels. Bad values raise :class:`InvalidFileError` with the same
    problems :func:`maturity.table.derive_levels` reports.
    """
    plan = plan or compile_plan(ruleset)
    cp = compile_vectorised(plan)
    ids = [i.id for i in ruleset.indicators]
    problems = [Problem("unknown-indicator", f"ruleset '{ruleset.id}' has no indicator '{c}'", ("columns", str(c)))
                for c in table.columns if c not in set(ids)]
    n = len(table)
    known_all = np.zeros((n, len(ids)), dtype=bool)
    pos = {i: k for k, i in enumerate(cp.indicators)}
    values_out = np.full((n, len(cp.indicators)), np.nan)  # filled column by column: no second copy
    known_plan = np.zeros((n, len(cp.indicators)), dtype=bool)
    for c in table.columns:  # problems in column order, as derive_levels reports them
        if c not in ids:
            continue
        ind = ruleset.indicator(c)
        col = table[c]
        known = ~_missing(col)
        values = _column_values(ind, col, known)
        bad = _bad_cells(ind, col, known, values)
        if bad.any():
            arr, keys = col.to_numpy(dtype=object), table.index
            for r in np.flatnonzero(bad):
                why = value_problem(ind, arr[r])
                if why:
                    problems.append(Problem("bad-value", why, (str(keys[r]), str(c))))
        known_all[:, ids.index(c)] = known
        if c in pos:
            values_out[:, pos[c]] = values
            known_plan[:, pos[c]] = known
        del values, known, bad
    if problems:
        raise InvalidFileError(None, problems)
    return values_out, known_plan, known_all


# -- the seam of maturity.table.derive_levels -----------------------------------------------------


def _frames(cp: CompiledPlan, ev: dict[str, np.ndarray], index: pd.Index):
    factors = list(cp.plan.factors)
    # index small object arrays: every cell refers to one of three shared strings
    caps = np.array(["", "possible", "applied"], dtype=object)[np.where(ev["cap_lo"], 2, ev["cap_hi"].astype(np.int8))]
    finds = np.array(["", "possible", "raised"], dtype=object)[np.where(ev["find_lo"], 2, ev["find_hi"].astype(np.int8))]
    return (pd.DataFrame(ev["lo"], index=index, columns=factors), pd.DataFrame(ev["hi"], index=index, columns=factors),
            pd.DataFrame(caps, index=index, columns=list(cp.cap_ids)),
            pd.DataFrame(finds, index=index, columns=list(cp.finding_ids)))


def derive_vectorised(ruleset: Ruleset, plan: Plan, table: pd.DataFrame, known: pd.DataFrame):
    """``(lower_level, upper_level, caps, findings)`` as ``_derive_durable`` returns them.

    ``table`` is already checked and has the ruleset's indicators as columns; ``known`` tells
    which cells are known.
    """
    cp = compile_vectorised(plan)
    n = len(table)
    values = np.full((n, len(cp.indicators)), np.nan)
    kn = np.zeros((n, len(cp.indicators)), dtype=bool)
    for k, i in enumerate(cp.indicators):
        kn[:, k] = known[i].to_numpy(dtype=bool)
        values[:, k] = _column_values(ruleset.indicator(i), table[i], kn[:, k])
    return _frames(cp, evaluate(cp, values, kn), table.index)


def derive_table(ruleset: Ruleset, table: pd.DataFrame, *, plan: Optional[Plan] = None):
    """:func:`maturity.table.derive_levels` with ``engine="vectorised"``, with checks and encoding
    vectorised too (the fast path for large, typed tables). Returns the same :class:`DerivedLevels`."""
    from .table import DerivedLevels  # noqa: PLC0415 (table imports this module lazily)

    plan = plan or compile_plan(ruleset)
    cp = compile_vectorised(plan)
    parts: dict[str, list[np.ndarray]] = {}
    for start in range(0, max(len(table), 1), ENCODE_ROWS):  # encoded values exist for one slice at a time
        try:
            values, known_plan, known_all = encode_table(ruleset, table.iloc[start:start + ENCODE_ROWS], plan)
        except InvalidFileError:
            encode_table(ruleset, table, plan)  # every problem of the whole table, in order
            raise
        block = evaluate(cp, values, known_plan)
        block["assessed"] = judged(cp, known_plan)
        block["answered"] = known_all.sum(axis=1).astype(int)
        del values, known_plan, known_all
        for key, arr in block.items():
            parts.setdefault(key, []).append(arr)
    ev = {key: np.concatenate(arrs) for key, arrs in parts.items()}
    lo, hi, caps, findings = _frames(cp, ev, table.index)
    assessed = pd.DataFrame(ev["assessed"], index=table.index, columns=list(plan.factors))
    answered = pd.Series(ev["answered"], index=table.index)
    return DerivedLevels(lo, hi, assessed, caps, findings, answered)
