"""Compare the evaluators: durable_rules, the vectorised one, and a hand-written numpy limit.

Run: python bench/bench_engines.py [--durable N] [--sizes 1000,10000,100000,1000000] [--draws 1000]
Prints, for the core ruleset on synthetic territories (random answers, a third unknown, built
column-wise with numpy):

- durable_rules and vectorised throughput on the same few hundred territories, and their ratio;
- the vectorised evaluation of the level conditions against a hand-written numpy evaluation of
  the same conditions (the limit: one boolean array operation per atom and per clause);
- time and peak memory to check, derive and aggregate 1k ... 1M territories, whole and streamed;
- a robustness-like loop: aggregate_table over 1,716 territories with perturbed weights.
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import time
import tracemalloc

import numpy as np
import pandas as pd

from maturity import load_core_ruleset
from maturity.plan import compile_plan
from maturity.stream import score_stream
from maturity.table import aggregate_table, derive_levels
from maturity.vectorised import compile_vectorised, derive_table, encode_table, evaluate


def population(rs, n: int, seed: int = 0, unknown: float = 0.33) -> pd.DataFrame:
    """Typed columns: nullable booleans and integers, categoricals, floats with NaN."""
    rng = np.random.default_rng(seed)
    cols = {}
    for ind in rs.indicators:
        miss = rng.random(n) < unknown
        if ind.type == "boolean":
            cols[ind.id] = pd.arrays.BooleanArray(rng.random(n) < 0.5, miss)
        elif ind.type == "ordinal":
            codes = rng.integers(0, len(ind.scale), n).astype(np.int8)
            codes[miss] = -1
            cols[ind.id] = pd.Categorical.from_codes(codes, categories=ind.scale)
        elif ind.type in ("count", "year"):
            lo, hi = (0, 12) if ind.type == "count" else (1995, 2030)
            cols[ind.id] = pd.arrays.IntegerArray(rng.integers(lo, hi, n), miss)
        else:
            lo = ind.minimum if ind.minimum is not None else 0.0
            hi = ind.maximum if ind.maximum is not None else 100.0
            v = np.round(rng.uniform(lo, hi, n))
            v[miss] = np.nan
            cols[ind.id] = v
    return pd.DataFrame(cols, index=pd.RangeIndex(n, name="territory"))


def as_objects(table: pd.DataFrame) -> pd.DataFrame:
    """The same answers as raw Python values (what answers_table builds)."""
    out = table.astype(object)
    return out.where(table.notna(), None)


def hand_written(plan, values: np.ndarray, known: np.ndarray, cols: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Raw levels of the plan's level conditions, both worlds, one array operation per atom and clause."""
    ops = {"is": np.equal, "is_not": np.not_equal, "at_least": np.greater_equal, "above": np.greater,
           "at_most": np.less_equal, "below": np.less}
    atom_lo, atom_hi = {}, {}
    for a in plan.atoms.values():
        v, k = values[:, cols[a.indicator]], known[:, cols[a.indicator]]
        c = ops[a.op](v, a.value)
        atom_lo[a.id], atom_hi[a.id] = k & c, ~k | c
    n = values.shape[0]
    out = []
    for atoms in (atom_lo, atom_hi):
        levels = np.zeros((n, len(plan.factors)), dtype=np.int64)
        for j, f in enumerate(plan.factors):
            reached = np.ones(n, dtype=bool)
            for lv in range(1, plan.max_level + 1):
                any_clause = np.zeros(n, dtype=bool)
                for clause in plan.clauses_for(f, lv):
                    held = np.ones(n, dtype=bool)
                    for a in clause.atoms:
                        held &= atoms[a]
                    any_clause |= held
                reached &= any_clause
                levels[:, j] += reached
        out.append(levels)
    return out[0], out[1]


def timed(fn, *args, **kw):
    t = time.perf_counter()
    result = fn(*args, **kw)
    return result, time.perf_counter() - t


def peak(fn, *args, **kw):
    """(result, seconds, tracemalloc peak MB) of one call."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    result, dt = timed(fn, *args, **kw)
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, dt, top / 2**20


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--durable", type=int, default=300, help="territories for the durable run (default 300)")
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--draws", type=int, default=1000)
    args = parser.parse_args()

    rs = load_core_ruleset()
    plan = compile_plan(rs)
    cp = compile_vectorised(plan)
    print(f"ruleset {rs.id} {rs.version}: {len(rs.factors)} factors, {len(rs.indicators)} indicators, "
          f"{len(plan.atoms)} atoms, {len(plan.level_clauses)} level clauses, {len(rs.caps)} caps, "
          f"{len(plan.finding_clauses)} finding clauses")

    # 1. durable vs vectorised, same territories, through derive_levels
    small = as_objects(population(rs, args.durable, seed=1))
    derive_levels(rs, small.iloc[:1], plan=plan)  # registers the rules
    d, t_d = timed(derive_levels, rs, small, plan=plan)
    derive_levels(rs, small.iloc[:1], plan=plan, engine="vectorised")
    v, t_v = timed(derive_levels, rs, small, plan=plan, engine="vectorised")
    f, t_f = timed(derive_table, rs, small, plan=plan)
    same = all(getattr(d, k).equals(getattr(v, k)) and getattr(d, k).equals(getattr(f, k))
               for k in ("lower_level", "upper_level", "caps", "findings", "assessed"))
    print(f"\n[1] {args.durable} territories (object table), identical results: {same}")
    print(f"  durable            {t_d:8.3f} s  {args.durable / t_d:12,.0f} territories/s")
    print(f"  vectorised (seam)  {t_v:8.3f} s  {args.durable / t_v:12,.0f} territories/s  x{t_d / t_v:,.0f} durable")
    print(f"  vectorised (fast)  {t_f:8.3f} s  {args.durable / t_f:12,.0f} territories/s  x{t_d / t_f:,.0f} durable")

    # 2. the limit: hand-written numpy on the level conditions, 100k territories
    n = 100_000
    big = population(rs, n, seed=2)
    values, known, _ = encode_table(rs, big, plan)
    cols = {i: k for k, i in enumerate(cp.indicators)}
    (hl, hh), t_h = timed(hand_written, plan, values, known, cols)
    ev, t_e = timed(evaluate, cp, values, known)
    _, t_all = timed(derive_table, rs, big, plan=plan)
    _, t_seam = timed(derive_levels, rs, as_objects(big.iloc[:20_000]), plan=plan, engine="vectorised")
    levels_only = compile_vectorised(dataclasses.replace(plan, caps=(), finding_clauses=(), findings=(), level_literals={}))
    ev_raw, t_r = timed(evaluate, levels_only, values, known)
    assert (hl == ev_raw["lo"]).all() and (hh == ev_raw["hi"]).all(), "hand-written and vectorised levels differ"
    print(f"\n[2] {n:,} territories (encoded), level conditions + caps + findings vs hand-written levels only")
    print(f"  hand-written numpy (raw levels)   {t_h:7.3f} s  {n / t_h:12,.0f} territories/s")
    print(f"  vectorised evaluate (levels only) {t_r:7.3f} s  {n / t_r:12,.0f} territories/s  "
          f"ratio to limit {t_r / t_h:.2f}")
    print(f"  vectorised evaluate (everything)  {t_e:7.3f} s  {n / t_e:12,.0f} territories/s  "
          f"ratio to limit {t_e / t_h:.2f}")
    print(f"  derive_table (check+encode+eval)  {t_all:7.3f} s  {n / t_all:12,.0f} territories/s  "
          f"x{(n / t_all) / (args.durable / t_d):,.0f} durable")
    print(f"  derive_levels(engine='vectorised') on 20,000 object rows: {t_seam:.2f} s "
          f"({20_000 / t_seam:,.0f}/s; table.py's per-cell checks dominate)")

    # 3. scale: check, derive and aggregate; whole tables and streamed in 100k chunks
    print("\n[3] scale (typed synthetic columns): derive_table + aggregate_table")
    print(f"  {'territories':>12} {'seconds':>8} {'per second':>12} {'peak MB (tracemalloc)':>22} {'max RSS MB':>11}")
    del big, values, known
    for size in [int(s) for s in args.sizes.split(",")]:
        table = population(rs, size, seed=3)
        (derived), dt, mb = peak(lambda t: aggregate_table(rs, derive_table(rs, t, plan=plan)), table)
        print(f"  {size:>12,} {dt:8.2f} {size / dt:12,.0f} {mb:22,.0f} {rss_mb():11,.0f}")
        del derived
        if size >= 1_000_000:
            chunks = (table.iloc[s:s + 100_000] for s in range(0, size, 100_000))
            rows, dt, mb = peak(lambda: sum(len(r) for r in score_stream(rs, chunks, plan=plan)))
            print(f"  {rows:>12,} {dt:8.2f} {rows / dt:12,.0f} {mb:22,.0f} {rss_mb():11,.0f}  (score_stream, 100k chunks)")
        del table

    # 4. robustness-like loop
    table = population(rs, 1716, seed=4)
    derived = derive_table(rs, table, plan=plan)
    rng = np.random.default_rng(5)
    t = time.perf_counter()
    for _ in range(args.draws):
        fw = {fa.id: fa.weight * rng.uniform(0.5, 1.5) for fa in rs.factors}
        pw = {p.id: p.weight * rng.uniform(0.5, 1.5) for p in rs.pillars}
        aggregate_table(rs, derived, factor_weights=fw, pillar_weights=pw)
    dt = time.perf_counter() - t
    print(f"\n[4] {args.draws} draws of aggregate_table over 1,716 territories with perturbed weights: "
          f"{dt:.2f} s ({dt / args.draws * 1000:.2f} ms per draw)")


if __name__ == "__main__":
    main()
