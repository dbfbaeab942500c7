"""Benchmarking runs on a Dask DataFrame and a Dask cluster: beyond one machine's memory or cores.

Scoring, levels and seal gates run partition by partition (each partition is a
:func:`~maturity.benchmarking.benchmark_table` of its rows); ranks, medians and peer ranks need
the whole sample, so they are taken once the scored partitions are gathered; robustness draws
are spread over the cluster's workers, each draw seeded on its own, so the table equals the
single-process run's exactly. Needs ``pip install 'maturity[dask]'`` (dask and distributed).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .benchmarking import add_robustness, benchmark_table, rank_by_default, rank_table, robustness, year_labels
from .engines import get_evaluator
from .prepare import prepare
from .ruleset import Ruleset
from .seal import Seal
from .table import DerivedLevels

__all__ = ["benchmark_dask"]

GLOBAL = ("rank", "vs_sample")  # taken over the whole sample, after the partitions


def benchmark_dask(ddf: Any, ruleset: Ruleset, *, seal: Seal | None = None, peers: str | None = None,
                   draws: int = 0, seed: int = 0, client: Any = None, by_year: bool | None = None,
                   rank_by: str | None = None) -> pd.DataFrame:
    """The table of :func:`~maturity.benchmarking.benchmark_table` for a Dask DataFrame of territories.

    ``ddf`` holds one row per territory (and year): the meta columns (``territory``, ``name``,
    ``level``, ``year``, ...) and one column per indicator, as a sheet does. With ``draws``, the
    robustness draws run on ``client``'s workers (a ``dask.distributed.Client``; in this process
    without one).
    """
    ids = {i.id for i in ruleset.indicators}
    answer_cols = [c for c in ddf.columns if c in ids]
    meta_cols = [c for c in ddf.columns if c not in ids]

    def scored(part: pd.DataFrame) -> pd.DataFrame:
        run = benchmark_table(part[answer_cols], part[meta_cols], ruleset, seal=seal, by_year=False, rank_by=rank_by)
        return run.table.drop(columns=list(GLOBAL))

    table = ddf.map_partitions(scored, meta=scored(ddf._meta)).compute()
    table = table.reset_index(drop=True)
    year = year_labels(table, by_year)
    rank_table(table, peers, year)
    if draws:
        answers = ddf[answer_cols].compute().reset_index(drop=True)
        prepared = prepare(ruleset, answers, plan=None).raise_problems()
        derived = DerivedLevels(get_evaluator("vectorised").evaluate(prepared))
        add_robustness(table, robustness(ruleset, prepared, derived, draws=draws, seed=seed, within=year, client=client,
                                         rank_by=rank_by or rank_by_default(seal)))
    return table
