"""Scoring in chunks (CSV, Parquet, frames, Dask) gives what scoring the whole table at once gives."""

from __future__ import annotations

import pandas as pd
import pytest

from maturity.stream import score_dask, score_file, score_frame, score_stream
from maturity.table import aggregate_table, derive_levels
from test_vectorised import _population


def _typed(rs, table):
    out = pd.DataFrame(index=table.index)
    for ind in rs.indicators:
        col = table[ind.id]
        out[ind.id] = (col.astype("boolean") if ind.type == "boolean"
                       else pd.Categorical(col, categories=ind.scale) if ind.type == "ordinal"
                       else col.astype("Int64") if ind.type in ("count", "year") else col.astype(float))
    return out


@pytest.fixture(scope="module")
def population(core):
    return _population(core, 250, seed=11)


def test_score_frame_matches_the_durable_engine(mini):
    table = _population(mini, 30, seed=5)
    flat = score_frame(mini, table)
    derived = derive_levels(mini, table)
    scores = aggregate_table(mini, derived)
    pd.testing.assert_series_equal(flat["score"], scores.overall["score"])
    assert (flat["lower_level.unit"] == derived.lower_level["unit"]).all()
    assert (flat["finding.unit_low"] == derived.findings["unit_low"]).all()


def test_csv_in_chunks_equals_the_whole_table(core, population, tmp_path):
    path = tmp_path / "pop.csv"
    population.to_csv(path)
    whole = score_frame(core, population)
    parts = list(score_stream(core, path, chunksize=64))
    assert [len(p) for p in parts] == [64, 64, 64, 58]
    pd.testing.assert_frame_equal(pd.concat(parts), whole)
    out = tmp_path / "out.csv"
    assert score_file(core, path, out, chunksize=100) == 250
    assert len(pd.read_csv(out)) == 250


def test_parquet_and_frames_in_chunks_equal_the_whole_table(core, population, tmp_path):
    pytest.importorskip("pyarrow")
    whole = score_frame(core, population)
    typed = _typed(core, population)
    path = tmp_path / "pop.parquet"
    typed.reset_index().to_parquet(path)
    pd.testing.assert_frame_equal(pd.concat(score_stream(core, path, chunksize=100)), whole)
    pd.testing.assert_frame_equal(pd.concat(score_stream(core, [typed.iloc[:120], typed.iloc[120:]], chunksize=50)), whole)
    out = tmp_path / "out.parquet"
    assert score_file(core, path, out, chunksize=100) == 250
    back = pd.read_parquet(out)
    assert list(back.index) == list(whole.index) and back["score"].equals(whole["score"])


def test_dask_partitions_equal_the_whole_table(core, population):
    dd = pytest.importorskip("dask.dataframe")
    import dask

    whole = score_frame(core, population)
    ddf = dd.from_pandas(_typed(core, population), npartitions=3)
    with dask.config.set(scheduler="threads"):
        got = score_dask(core, ddf).compute()
    got.index = got.index.astype(object)
    pd.testing.assert_frame_equal(got.loc[list(whole.index)], whole, check_dtype=False, check_index_type=False)
