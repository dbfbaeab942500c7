"""A seeded synthetic population for demos, notebooks and load tests (marked synthetic everywhere).

The Philippines-like population has 82 provinces, 148 cities and 1,486 municipalities in 17
regions. Four regional rates echo the consolidated reply (Q4 Philippines): Bicol, 8 of 15
targeted LGUs with executive orders on M&D; Calabarzon, 4 of 5 provinces with M&D structures;
Western Visayas, 10 of 16 with signed M&D legislation; Ilocos, 3 of 4 provinces with OFW desks.
Everything else is drawn from plain base rates, with a share of answers left unknown. It is
not data about any real local government.

>>> answers, meta = philippines_like(load_core_ruleset(), seed=1)
>>> len(answers), int((meta["level"] == "province").sum()), bool(meta["synthetic"].all())
(1716, 82, True)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .loading import load_core_ruleset  # noqa: F401 (used by the doctest)
from .ruleset import BooleanIndicator, CountIndicator, NumberIndicator, OrdinalIndicator, Ruleset

__all__ = ["REGIONAL_RATES", "philippines_like"]

REGIONS = ["Ilocos", "Cagayan Valley", "Central Luzon", "Calabarzon", "Mimaropa", "Bicol", "Western Visayas",
           "Central Visayas", "Eastern Visayas", "Zamboanga Peninsula", "Northern Mindanao", "Davao",
           "Soccsksargen", "Caraga", "Bangsamoro", "Cordillera", "National Capital Region"]

# (region, indicator, value that counts as "has it", rate): the four figures of consolidated-reply Q4 Philippines.
REGIONAL_RATES = [
    ("Bicol", "md_legal_instrument", "adopted", 8 / 15),
    ("Calabarzon", "unit_exists", True, 4 / 5),
    ("Western Visayas", "md_legal_instrument", "adopted", 10 / 16),
    ("Ilocos", "help_desk", True, 3 / 4),
]


def _typed(ind, values: list) -> pd.Series:
    """A typed column (unknown as <NA> or NaN): the fast path of the vectorised evaluator."""
    if isinstance(ind, BooleanIndicator):
        return pd.Series(values, dtype="boolean")
    if isinstance(ind, OrdinalIndicator):
        return pd.Series(pd.Categorical(values, categories=ind.scale, ordered=True))
    if isinstance(ind, NumberIndicator):
        return pd.Series(values, dtype="float64")
    return pd.Series(values, dtype="Int64")


def philippines_like(ruleset: Ruleset, *, seed: int = 0, unknown_share: float = 0.3,
                     base_rate: float = 0.35) -> tuple[pd.DataFrame, pd.DataFrame]:
    """An answers table and a meta table (as :func:`maturity.benchmarking.benchmark_table` takes)."""
    rng = np.random.default_rng(seed)
    levels = ["province"] * 82 + ["city"] * 148 + ["municipality"] * 1486
    n = len(levels)
    region = np.array(REGIONS)[rng.integers(0, len(REGIONS), n)]
    capacity = rng.beta(2, 3, n)  # one latent capacity per territory, so answers hang together
    cols = {}
    for ind in ruleset.indicators:
        if ind.id.startswith("graph_"):
            cols[ind.id] = [None] * n  # derived from governance sections, which synthetic profiles lack
            continue
        p = np.clip(base_rate + (capacity - 0.4), 0.02, 0.98)
        hit = rng.random(n) < p
        if isinstance(ind, BooleanIndicator):
            values = np.where(hit, ind.better, not ind.better).astype(object)
        elif isinstance(ind, OrdinalIndicator):
            top = len(ind.scale) - 1
            ranks = np.clip(np.round(capacity * top + rng.normal(0, 0.7, n)), 0, top).astype(int)
            values = np.array(ind.scale, dtype=object)[ranks]
        elif isinstance(ind, CountIndicator):
            values = rng.poisson(1 + 5 * capacity).astype(object)
        elif isinstance(ind, NumberIndicator):
            lo = ind.minimum if ind.minimum is not None else 0.0
            hi = ind.maximum if ind.maximum is not None else 100.0
            values = np.round(lo + (hi - lo) * np.clip(capacity + rng.normal(0, 0.2, n), 0, 1), 1).astype(object)
        else:
            values = rng.integers(2005, 2026, n).astype(object)
        for reg, ind_id, value, rate in REGIONAL_RATES:
            if ind_id == ind.id:
                mask = region == reg
                worst = np.array(ind.scale[0] if isinstance(ind, OrdinalIndicator) else False, dtype=object)
                values[mask] = np.where(rng.random(int(mask.sum())) < rate, np.array(value, dtype=object), worst)
        values[rng.random(n) < unknown_share] = None
        cols[ind.id] = list(values)
    answers = pd.DataFrame({k: _typed(ruleset.indicator(k), v) for k, v in cols.items()})
    ids = [f"ph-syn-{lv[:4]}-{i:04d}" for i, lv in enumerate(levels)]
    meta = pd.DataFrame({"territory": ids, "name": [f"Synthetic {lv} {i}" for i, lv in enumerate(levels)],
                         "country": "PH", "level": levels, "parent": None, "region": region, "year": 2026,
                         "population": None, "population_band": None, "decentralisation": None,
                         "synthetic": True})
    answers.index = pd.Index(ids, name="territory")
    return answers, meta
