"""A whole benchmark on a Dask DataFrame and a two-worker LocalCluster equals the single-process run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from maturity import load_core_ruleset  # noqa: E402
from maturity.benchmarking import benchmark_table, robustness  # noqa: E402
from maturity.cluster import benchmark_dask  # noqa: E402
from maturity.seal import bundled_seals_dir, load_seal  # noqa: E402
from maturity.synthetic import philippines_like  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        yield c


def test_a_benchmark_on_partitions_and_workers_equals_the_single_process_run(client):
    rs = load_core_ruleset()
    seal = load_seal(bundled_seals_dir() / "md-sglg.yaml", rs)
    answers, meta = philippines_like(rs, seed=2)
    answers, meta = answers.iloc[:400].reset_index(drop=True), meta.iloc[:400].reset_index(drop=True)
    single = benchmark_table(answers, meta, rs, seal=seal, peers="level", draws=40, seed=5).table
    ddf = dd.from_pandas(pd.concat([meta, answers], axis=1), npartitions=3)
    spread = benchmark_dask(ddf, rs, seal=seal, peers="level", draws=40, seed=5, client=client)
    assert list(spread.columns) == list(single.columns)
    for col in single.columns:  # seal_reason's categories are each partition's own: compare the values
        a, b = single[col].astype(object), spread[col].astype(object)
        assert a.where(a.notna(), None).tolist() == b.where(b.notna(), None).tolist(), col
    assert spread["rank"].min() == 1 and spread["rank_median"].notna().any()


def test_draws_spread_over_workers_equal_the_draws_in_one_process(client):
    rs = load_core_ruleset()
    answers, meta = philippines_like(rs, seed=4)
    run = benchmark_table(answers.iloc[:300], meta.iloc[:300], rs)
    here = robustness(rs, run.prepared, run.derived, draws=37, seed=9)
    there = robustness(rs, run.prepared, run.derived, draws=37, seed=9, client=client)
    pd.testing.assert_frame_equal(here, there, check_exact=True)
    assert not np.isnan(here["median"]).all()
