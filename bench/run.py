"""Every figure of the performance issue in one run, as ratios where a peer or a limit exists.

Run: python bench/run.py [--only kernel,seal,draws,durable,cli,start] [--big 1000000] [--sheet 200000]

- kernel: the generated straight-line evaluator (bench/limit.py, the limit) against the
  package's vectorised kernel at 100k territories, in one process (ratios of CPU times);
- seal: ``benchmark_table`` with the bundled seal at 100k and 1M territories (typed columns, a
  third unknown): CPU seconds and peak memory (each size in a child process of its own);
- draws: ``robustness`` with 1,000 draws, unknown answers drawn, over 1,716 territories (CPU);
- durable: the durable path's rate (territories per second), against a naive durable_rules scorer
  on the same population (bench/naive_durable.py: one session and one fact per territory, a rule
  per level clause, the known answers' levels only);
- cli: ``maturity benchmark --synthetic 1`` with the report, with ``--draws 1000``, and a sheet
  of ``--sheet`` rows through ``maturity benchmark --draws 0`` (wall seconds and peak memory of
  the child);
- start: ``maturity score`` on a bundled profile (wall seconds of the child) and the imports it pays.

CPU figures are ``time.process_time`` (this process and its threads) or ``/usr/bin/time`` for
child commands; peak memory is the process's own high-water mark (VmHWM); the median of
``--repeat`` runs is printed, with min and max.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from limit import compile_limit  # noqa: E402

from maturity import load_core_ruleset  # noqa: E402
from maturity.plan import compile_plan  # noqa: E402

PY = sys.executable
MATURITY = str(Path(PY).with_name("maturity"))


def population(rs: Any, n: int, seed: int = 0, unknown: float = 0.33) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Typed answer columns (as ``maturity.synthetic`` builds them) for ``n`` territories, and their meta."""
    rng = np.random.default_rng(seed)
    cols: dict[str, Any] = {}
    capacity = rng.beta(2, 3, n)
    for ind in rs.indicators:
        miss = rng.random(n) < unknown
        if ind.type == "boolean":
            cols[ind.id] = pd.arrays.BooleanArray(rng.random(n) < 0.25 + capacity * 0.6, miss)
        elif ind.type == "ordinal":
            top = len(ind.scale) - 1
            codes = np.clip(np.round(capacity * top + rng.normal(0, 0.7, n)), 0, top).astype(np.int8)
            codes[miss] = -1
            cols[ind.id] = pd.Categorical.from_codes(codes, categories=ind.scale, ordered=True)
        elif ind.type in ("count", "year"):
            lo, hi = (0, 12) if ind.type == "count" else (1995, 2026)
            cols[ind.id] = pd.arrays.IntegerArray(rng.integers(lo, hi, n), miss)
        else:
            lo = ind.minimum if ind.minimum is not None else 0.0
            hi = ind.maximum if ind.maximum is not None else 100.0
            v = np.round(lo + (hi - lo) * np.clip(capacity + rng.normal(0, 0.2, n), 0, 1), 1)
            v[miss] = np.nan
            cols[ind.id] = v
    answers = pd.DataFrame(cols)
    levels = np.array(["province", "city", "municipality"])[rng.choice(3, n, p=[0.05, 0.09, 0.86])]
    meta = pd.DataFrame({"territory": [f"syn-{i:07d}" for i in range(n)], "name": [f"Synthetic {i}" for i in range(n)],
                         "country": "PH", "level": levels, "parent": None,
                         "region": np.array([f"R{k}" for k in range(17)])[rng.integers(0, 17, n)], "year": 2026,
                         "population": None, "population_band": None, "decentralisation": None, "synthetic": True})
    return answers, meta


def cpu(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    """CPU seconds of each of ``repeat`` calls (after one warm-up), and the last result."""
    result = fn()
    times = []
    for _ in range(repeat):
        t = time.process_time()
        result = fn()
        times.append(time.process_time() - t)
    return times, result


def fmt(times: list[float]) -> str:
    return f"{statistics.median(times):8.3f} s (min {min(times):.3f}, max {max(times):.3f})"


def child(cmd: list[str], **kw: Any) -> tuple[float, float, float, int]:
    """(wall s, CPU s, peak RSS MB, exit code) of a child process, by ``/usr/bin/time`` (a small parent,
    so the peak is the command's own, not one inherited from this process)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as rec:
        proc = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "-o", rec.name, *cmd],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False, **kw)
        wall, user, system, peak_kb = rec.read().split()[-4:]
    if proc.returncode not in (0, 1):
        sys.stderr.write(proc.stderr.decode()[-2000:])
    return float(wall), float(user) + float(system), int(peak_kb) / 1024, proc.returncode


def peak_mb() -> float:
    """This process's own peak resident memory (VmHWM: not inherited from the parent, unlike ru_maxrss)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def kernel(args: argparse.Namespace) -> None:
    from maturity.engines.vectorised import compile_vectorised, evaluate
    from maturity.prepare import prepare
    from maturity.table import derive_levels

    rs = load_core_ruleset()
    plan = compile_plan(rs)
    n = 100_000
    answers, _ = population(rs, n, seed=2)
    prepared = prepare(rs, answers, plan=plan)
    low, high, known = prepared.low, prepared.high, prepared.known
    assert np.array_equal(low, high, equal_nan=True)  # exact answers: the limit reads one end
    limit = compile_limit(plan)
    cp = compile_vectorised(plan)

    t_lim_lv, lim = cpu(lambda: limit(low, known, findings=False), args.repeat)
    t_lim_all, lim_all = cpu(lambda: limit(low, known), args.repeat)
    t_lv, ev = cpu(lambda: evaluate(cp, low, high, known, findings=False), args.repeat)
    t_all, ev_all = cpu(lambda: evaluate(cp, low, high, known), args.repeat)
    t_derive, _ = cpu(lambda: derive_levels(rs, answers, plan=plan, engine="vectorised"), args.repeat)
    same = (np.array_equal(np.stack(lim[0], axis=1), ev["lv_lo"]) and np.array_equal(np.stack(lim[1], axis=1), ev["lv_hi"])
            and np.array_equal(np.stack(lim_all[2], axis=1), ev_all["cap_lo"])
            and np.array_equal(np.stack(lim_all[5], axis=1), ev_all["find_hi"]))
    m = statistics.median
    print(f"\n[kernel] {n:,} territories, core ruleset ({len(plan.atoms)} atoms, {len(plan.level_clauses)} level clauses, "
          f"{len(plan.caps)} caps, {len(plan.finding_clauses)} finding clauses); CPU; same results: {same}")
    print(f"  limit, levels and caps            {fmt(t_lim_lv)}")
    print(f"  limit, levels, caps and findings  {fmt(t_lim_all)}")
    print(f"  kernel, levels and caps           {fmt(t_lv)}   ratio to limit {m(t_lv) / m(t_lim_lv):5.2f}")
    print(f"  kernel, levels, caps, findings    {fmt(t_all)}   ratio to limit {m(t_all) / m(t_lim_all):5.2f}")
    print(f"  derive_levels (prepare + kernel)  {fmt(t_derive)}   ratio to limit {m(t_derive) / m(t_lim_all):5.2f}")


def seal_child(n: int, folder: str) -> None:
    """Runs in a child: benchmark_table with the bundled seal over ``n`` territories read from Parquet; prints JSON."""
    from maturity.benchmarking import benchmark_table
    from maturity.seal import bundled_seals_dir, load_seal

    rs = load_core_ruleset()
    seal = load_seal(bundled_seals_dir() / "md-sglg.yaml", rs)
    answers, meta = pd.read_parquet(Path(folder) / "answers.parquet"), pd.read_parquet(Path(folder) / "meta.parquet")
    assert len(answers) == n
    base = peak_mb()
    t = time.process_time()
    run = benchmark_table(answers, meta, rs, seal=seal, peers="level")
    dt = time.process_time() - t
    assert len(run.table) == n and run.table["seal"].notna().all()
    print(json.dumps({"cpu": dt, "peak_mb": peak_mb(), "inputs_mb": base}))


def seal(args: argparse.Namespace) -> None:
    print("\n[seal] benchmark_table with the bundled seal and peers by level (scored, sealed, ranked), in a child "
          "process that reads the answers from Parquet; CPU of the call, peak resident memory of the child "
          "(with its inputs and libraries: the figure before the call in brackets)")
    rs = load_core_ruleset()
    for n, target_s in ((100_000, 2.0), (args.big, 20.0)):
        with tempfile.TemporaryDirectory() as tmp:
            answers, meta = population(rs, n, seed=3)
            answers.to_parquet(Path(tmp) / "answers.parquet")
            meta.to_parquet(Path(tmp) / "meta.parquet")
            del answers, meta
            rows = []
            for _ in range(args.repeat if n <= 100_000 else 1):
                out = subprocess.run([PY, __file__, "--seal-child", str(n), tmp], capture_output=True, text=True, check=True)
                rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        cpu_s = [r["cpu"] for r in rows]
        print(f"  {n:>9,} territories {fmt(cpu_s)}   peak {max(r['peak_mb'] for r in rows):6,.0f} MB "
              f"(before the call {rows[0]['inputs_mb']:,.0f} MB)   target < {target_s:g} s{', < 2 GB' if n > 100_000 else ''}")


def draws(args: argparse.Namespace) -> None:
    from maturity.benchmarking import benchmark_table, robustness
    from maturity.synthetic import philippines_like

    rs = load_core_ruleset()
    answers, meta = philippines_like(rs, seed=1)
    run = benchmark_table(answers, meta, rs)
    assert run.prepared is not None
    t, _ = cpu(lambda: robustness(rs, run.prepared, run.derived, draws=1000, seed=0), max(1, args.repeat // 2))
    t0, _ = cpu(lambda: robustness(rs, run.prepared, run.derived, draws=1000, seed=0, unknowns=False), max(1, args.repeat // 2))
    print(f"\n[draws] robustness over {len(answers):,} territories, 1,000 draws; CPU")
    print(f"  weights and unknown answers       {fmt(t)}   target < 5 s")
    print(f"  weights only                      {fmt(t0)}")


def durable(args: argparse.Namespace) -> None:
    from naive_durable import NaiveScorer

    from maturity.engines import get_evaluator
    from maturity.prepare import prepare

    rs = load_core_ruleset()
    plan = compile_plan(rs)
    n = args.durable
    answers, _ = population(rs, n, seed=5)
    prepared = prepare(rs, answers, plan=plan)
    ev = get_evaluator("durable")
    naive = NaiveScorer(plan)
    t_n: list[float] = []
    t_d: list[float] = []
    t_e: list[float] = []
    for _ in range(args.repeat):  # interleaved, so that a busy spell of the machine weighs on all three alike
        t, levels = cpu(lambda: naive.levels(prepared.low, prepared.known), 1)
        t_n += t
        t, outcome = cpu(lambda: ev.evaluate(prepared), 1)
        t_d += t
        t, _ = cpu(lambda: ev.evaluate(prepared, explain=True), 1)
        t_e += t
    same = np.array_equal(np.array(levels), outcome.raw_lower)
    m = statistics.median
    print(f"\n[durable] {n} territories, core ruleset; CPU; the naive peer's levels equal the durable path's "
          f"(known answers, before caps): {same}")
    print(f"  naive scorer (one world, levels)            {fmt(t_n)}   {n / m(t_n):6,.0f} territories/s")
    print(f"  durable path (both worlds, caps, findings)  {fmt(t_d)}   {n / m(t_d):6,.0f} territories/s   "
          f"rate / naive rate {m(t_n) / m(t_d):4.2f} (target >= 1)")
    print(f"  durable path, explained (+ atoms)           {fmt(t_e)}   {n / m(t_e):6,.0f} territories/s")


def cli(args: argparse.Namespace) -> None:
    print("\n[cli] whole commands (one run each unless --repeat): wall s, CPU s of the child, peak RSS MB")
    with tempfile.TemporaryDirectory() as tmp:
        runs = [("benchmark --synthetic 1 (report, 100 draws)", ["benchmark", "--synthetic", "1"], 8.0),
                ("benchmark --synthetic 1 --draws 1000", ["benchmark", "--synthetic", "1", "--draws", "1000"], 20.0)]
        if args.sheet:
            rs = load_core_ruleset()
            answers, meta = population(rs, args.sheet, seed=7)
            sheet = Path(tmp) / "sheet.csv"
            columns = meta[["territory", "name", "country", "level", "region", "year"]]
            pd.concat([columns, answers], axis=1).to_csv(sheet, index=False)
            runs.append((f"benchmark {args.sheet:,}-row CSV --draws 0", ["benchmark", str(sheet), "--draws", "0"], 60.0))
        for k, (label, cmd, target) in enumerate(runs):
            out = Path(tmp) / f"out{k}"
            rows = [child([MATURITY, *cmd, "--out", str(out)]) for _ in range(max(1, args.repeat // 3))]
            wall = [r[0] for r in rows]
            sizes = {p.name: p.stat().st_size / 2**20 for p in out.iterdir()} if out.exists() else {}
            big = ", ".join(f"{k} {v:.1f} MB" for k, v in sorted(sizes.items()) if v >= 1)
            print(f"  {label:<45} wall {fmt(wall)}  CPU {statistics.median(r[1] for r in rows):6.1f} s  "
                  f"peak {max(r[2] for r in rows):6,.0f} MB  exit {rows[0][3]}  target < {target:g} s wall"
                  + (f"\n      outputs >= 1 MB: {big}" if big else ""))


def start(args: argparse.Namespace) -> None:
    from maturity import bundled_profiles_dir

    profile = str(bundled_profiles_dir() / "ph-legazpi.yaml")
    rows = [child([MATURITY, "score", profile]) for _ in range(args.repeat + 1)][1:]
    print("\n[start] maturity score ph-legazpi.yaml, whole process")
    print(f"  wall {fmt([r[0] for r in rows])}   target < 0.7 s")
    code = f"import sys; from maturity.cli import main; sys.argv=['maturity', 'score', {profile!r}]; main()"
    out = subprocess.run([PY, "-X", "importtime", "-c", code], capture_output=True, text=True, check=False)
    heavy = {}
    for line in out.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            parts = [p.strip() for p in line.removeprefix("import time:").split("|")]
            if parts[0].isdigit():
                name = parts[2].strip()
                if name.split(".")[0] == name.strip() and name in ("pandas", "networkx", "pydantic", "numpy", "durable",
                                                                    "matplotlib", "ruamel.yaml", "click", "jinja2", "maturity"):
                    heavy[name] = int(parts[1]) / 1000
    print("  imports (cumulative ms): " + ", ".join(f"{k} {v:.0f}" for k, v in sorted(heavy.items(), key=lambda kv: -kv[1])))


PARTS = {"kernel": kernel, "seal": seal, "draws": draws, "durable": durable, "cli": cli, "start": start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(PARTS), help="comma-separated parts: " + ", ".join(PARTS))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--big", type=int, default=1_000_000, help="territories of the large sealed run")
    parser.add_argument("--sheet", type=int, default=200_000, help="rows of the CSV through the CLI (0 to skip)")
    parser.add_argument("--durable", type=int, default=1000, help="territories for the durable comparison")
    parser.add_argument("--seal-child", nargs=2, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seal_child:
        seal_child(int(args.seal_child[0]), args.seal_child[1])
        return
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.processor() or platform.platform()}; "
          f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}")
    for name in args.only.split(","):
        PARTS[name.strip()](args)


if __name__ == "__main__":
    main()
