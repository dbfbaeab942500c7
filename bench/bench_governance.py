"""Time coherence-gap detection on a large generated governance graph.

Run: python bench/bench_governance.py [--actors 10000] [--relations 50000] [--repeat 3] [--seed 1]
Prints the time to build the graph from a governance section, the median time of
``find_gaps`` over the repeats, and the time to derive the graph indicators. Timing is
reported, never asserted: the aim is gap detection under 2 s for 10,000 actors and 50,000
relations.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from maturity.governance import Governance, build_graph, find_gaps
from maturity.governance.derive import derived_values

# actor type -> share of actors
MIX = {"department": 0.15, "working_group": 0.02, "planning_council": 0.01, "md_unit": 0.01, "local_government": 0.01,
       "regional_body": 0.01, "national_agency": 0.02, "local_development_plan": 0.01, "national_plan": 0.005,
       "migrant_association": 0.25, "diaspora_organisation": 0.1, "returnees": 0.03, "civil_society": 0.15,
       "faith_based_organisation": 0.05, "academia": 0.05, "private_sector": 0.08, "partner_authority": 0.035}
SECTORS = ["labour", "health", "education", "housing", "public_security", "planning"]
LEVELS = {"national_agency": "national", "national_plan": "national", "regional_body": "regional",
          "partner_authority": "transnational"}
PLANS = {"local_development_plan", "national_plan"}
ACTOR_RELATIONS = ["member_of", "coordinates_with", "consults", "informs", "reports_to", "accountable_to",
                   "partners_with", "represents", "funds"]


def generate(n_actors: int, n_relations: int, seed: int) -> Governance:
    rnd = random.Random(seed)
    types = rnd.choices(list(MIX), weights=list(MIX.values()), k=n_actors)
    actors = []
    for i, t in enumerate(types):
        a = {"id": f"a{i}", "name": f"Actor {i}", "type": t, "level": LEVELS.get(t, "local")}
        if t == "department":
            a["sector"] = rnd.choice(SECTORS)
        if rnd.random() < 0.05:
            a["mandate"] = f"mandate {rnd.randrange(200)}"
        actors.append(a)
    plans = [i for i, t in enumerate(types) if t in PLANS]
    others = [i for i, t in enumerate(types) if t not in PLANS]
    relations, seen = [], set()
    while len(relations) < n_relations:
        if plans and rnd.random() < 0.01:
            s, d, kind = rnd.choice(plans), rnd.choice(plans), "aligned_with"
        else:
            s, d, kind = rnd.choice(others), rnd.choice(others), rnd.choice(ACTOR_RELATIONS)
            if kind == "member_of" and types[d] == "returnees":
                continue
        if s == d or (s, d, kind) in seen:
            continue
        seen.add((s, d, kind))
        relations.append({"source": f"a{s}", "target": f"a{d}", "type": kind})
    return Governance.model_validate({"complete": True, "actors": actors, "relations": relations})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actors", type=int, default=10_000)
    parser.add_argument("--relations", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    gov = generate(args.actors, args.relations, args.seed)
    t0 = time.perf_counter()
    G = build_graph(gov, territory="bench")
    build = time.perf_counter() - t0
    times, gaps = [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        gaps = find_gaps(G)
        times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    derived_values(G)
    derive = time.perf_counter() - t0
    print(f"graph: {G.number_of_nodes()} actors, {G.number_of_edges()} relations; built in {build:.3f} s")
    print(f"find_gaps: median {statistics.median(times):.3f} s over {args.repeat} run(s) ({len(gaps)} gaps)")
    print(f"derived indicators: {derive:.3f} s")


if __name__ == "__main__":
    main()
