"""Time a full benchmarking run on the synthetic Philippines-like population (1,716 territories).

Run: python bench/bench_benchmark.py [--engine vectorised|durable] [--draws 1000]
Prints the time of each step: generating the population, scoring and sealing (levels and
scores), ranking, and rank robustness with the given number of Monte Carlo draws.
"""

from __future__ import annotations

import argparse
import time

from maturity import load_core_ruleset
from maturity.benchmarking import benchmark_table
from maturity.seal import bundled_seals_dir, load_seal
from maturity.synthetic import philippines_like


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["vectorised", "durable"], default="vectorised")
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--large", type=int, default=100_000,
                        help="also score, seal and rank a population of this size (the synthetic one repeated); 0 to skip")
    args = parser.parse_args()
    rs = load_core_ruleset()
    seal = load_seal(bundled_seals_dir() / "md-sglg.yaml", rs)
    t = time.perf_counter()
    answers, meta = philippines_like(rs, seed=1)
    t_gen = time.perf_counter() - t
    t = time.perf_counter()
    run = benchmark_table(answers, meta, rs, seal=seal, peers="level", engine=args.engine)
    t_run = time.perf_counter() - t
    t = time.perf_counter()
    run_r = benchmark_table(answers, meta, rs, seal=seal, peers="level", engine=args.engine, draws=args.draws)
    t_full = time.perf_counter() - t
    n = len(run.table)
    print(f"{n} territories, engine {args.engine}")
    print(f"  generate population          {t_gen:7.2f} s")
    print(f"  score, seal, rank, peers     {t_run:7.2f} s  ({n / t_run:,.0f} territories/s)")
    print(f"  the same with {args.draws} robustness draws {t_full:7.2f} s")
    print(f"  seal results: {run.table['seal'].value_counts().to_dict()}; robust ranks: "
          f"{int(run_r.table['rank_robust'].sum())} of {n}")
    if args.large:
        import pandas as pd

        copies = -(-args.large // n)
        big_a = pd.concat([answers] * copies, ignore_index=True).iloc[:args.large]
        big_m = pd.concat([meta] * copies, ignore_index=True).iloc[:args.large]
        big_m["territory"] = [f"t{i}" for i in range(len(big_m))]
        t = time.perf_counter()
        big = benchmark_table(big_a, big_m, rs, seal=seal, peers="level", engine=args.engine)
        t_big = time.perf_counter() - t
        print(f"  {len(big.table):,} territories scored, sealed and ranked: {t_big:.2f} s "
              f"({len(big.table) / t_big:,.0f} territories/s)")


if __name__ == "__main__":
    main()
