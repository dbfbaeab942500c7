"""Time scoring with the durable_rules engine: one profile, and the bundled set.

Run: python bench/bench_scoring.py [--repeat N]
Prints the median time to score one profile (each bundled profile in turn) and the
profiles scored per second over the whole bundled set. Set-up (loading and compiling the
ruleset, registering its rules) is timed separately, as it is paid once per run.
"""

from __future__ import annotations

import argparse
import statistics
import time

from maturity import bundled_profiles_dir, load_core_ruleset, load_profile
from maturity.scoring import Scorer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="passes over the bundled profiles (default 20)")
    args = parser.parse_args()

    t0 = time.perf_counter()
    ruleset = load_core_ruleset()
    scorer = Scorer(ruleset)
    profiles = [load_profile(p, ruleset=ruleset) for p in sorted(bundled_profiles_dir().glob("*.yaml"))]
    scorer.score(profiles[0], keep_session=False)  # registers the rules with the engine
    setup = time.perf_counter() - t0

    per_profile: dict[str, list[float]] = {p.territory.id: [] for p in profiles}
    t_all = time.perf_counter()
    for _ in range(args.repeat):
        for profile in profiles:
            t = time.perf_counter()
            scorer.score(profile, keep_session=False)
            per_profile[profile.territory.id].append(time.perf_counter() - t)
    total = time.perf_counter() - t_all
    n = args.repeat * len(profiles)

    print(f"ruleset {ruleset.id} {ruleset.version}: {len(ruleset.factors)} factors, "
          f"{len(ruleset.indicators)} indicators; set-up {setup * 1000:.0f} ms")
    for tid, times in per_profile.items():
        print(f"  {tid:<14} median {statistics.median(times) * 1000:7.2f} ms per profile")
    every = [t for ts in per_profile.values() for t in ts]
    print(f"one profile: median {statistics.median(every) * 1000:.2f} ms")
    print(f"bundled set: {n} scorings in {total:.2f} s = {n / total:.1f} profiles/s")


if __name__ == "__main__":
    main()
