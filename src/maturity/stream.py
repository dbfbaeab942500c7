"""Score large populations in chunks, with bounded memory: CSV or Parquet in, result frames out.

Each chunk of territories is read by :func:`maturity.prepare.prepare` (one vocabulary for every
cell) and scored with the vectorised evaluator; only one chunk is held at a time. A result frame has one row per
territory and the columns ``score, lower, upper, stage, stage_lower, stage_upper``, then
``level.<factor>`` (``<NA>`` when unassessed), ``lower_level.<factor>``, ``upper_level.<factor>``,
``pillar.<pillar>``, ``cap.<cap>`` and ``finding.<finding>``.

Input columns are indicator ids plus an optional ``territory`` column (the row key); cells are
read as :mod:`maturity.cells` says (an empty cell or ``unknown`` is unknown).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Union, cast

import pandas as pd

from .plan import Plan, compile_plan
from .ruleset import Ruleset
from .table import aggregate_table, derive_levels

__all__ = ["score_dask", "score_file", "score_frame", "score_stream"]

Source = Union[str, Path, Iterable[pd.DataFrame]]


def score_frame(ruleset: Ruleset, table: pd.DataFrame, *, plan: Plan | None = None,
                factor_weights: Mapping[str, float] | None = None,
                pillar_weights: Mapping[str, float] | None = None) -> pd.DataFrame:
    """The flat result frame (see the module) for one answers table."""
    plan = plan or compile_plan(ruleset)
    derived = derive_levels(ruleset, table, engine="vectorised", plan=plan)
    s = aggregate_table(ruleset, derived, factor_weights=factor_weights, pillar_weights=pillar_weights)
    parts = [s.overall, derived.level.add_prefix("level."), derived.lower_level.add_prefix("lower_level."),
             derived.upper_level.add_prefix("upper_level."), s.pillar_score.add_prefix("pillar."),
             derived.caps.add_prefix("cap."), derived.findings.add_prefix("finding.")]
    return pd.concat(parts, axis=1)


def _chunks(ruleset: Ruleset, source: Source, chunksize: int, key: str) -> Iterator[pd.DataFrame]:
    if isinstance(source, (str, Path)):
        path = Path(source)
        if path.suffix.lower() in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            for batch in pq.ParquetFile(path).iter_batches(batch_size=chunksize):
                frame = batch.to_pandas()
                yield frame.set_index(key) if key in frame.columns else frame
        else:
            with pd.read_csv(path, dtype=str, keep_default_na=False, chunksize=chunksize) as reader:
                for chunk in reader:
                    chunk = chunk.set_index(key) if key in chunk.columns else chunk
                    yield chunk
    else:
        for frame in cast(Iterable[pd.DataFrame], source):
            frame = frame.set_index(key) if key in frame.columns else frame
            for start in range(0, len(frame), chunksize):
                yield frame.iloc[start:start + chunksize]


def score_stream(ruleset: Ruleset, source: Source, *, chunksize: int = 100_000, key: str = "territory",
                 plan: Plan | None = None, factor_weights: Mapping[str, float] | None = None,
                 pillar_weights: Mapping[str, float] | None = None) -> Iterator[pd.DataFrame]:
    """Result frames, one per chunk of ``source`` (a CSV or Parquet path, or frames)."""
    plan = plan or compile_plan(ruleset)
    for chunk in _chunks(ruleset, source, chunksize, key):
        yield score_frame(ruleset, chunk, plan=plan, factor_weights=factor_weights, pillar_weights=pillar_weights)


def score_file(ruleset: Ruleset, source: Source, dest: str | Path, **kwargs: Any) -> int:
    """Score ``source`` chunk by chunk into ``dest`` (``.csv`` or ``.parquet``); returns the rows written.

    Chunks go to a partial file beside ``dest`` that replaces it once every chunk is written: a
    failed or interrupted run leaves ``dest`` as it was.
    """
    dest = Path(dest)
    partial = dest.with_name(f".{dest.name}.partial-{os.getpid()}")
    rows, writer = 0, None
    try:
        for k, frame in enumerate(score_stream(ruleset, source, **kwargs)):
            if dest.suffix.lower() in (".parquet", ".pq"):
                import pyarrow as pa
                import pyarrow.parquet as pq

                table = pa.Table.from_pandas(_for_parquet(frame), preserve_index=True)
                if writer is None:
                    writer = pq.ParquetWriter(partial, table.schema)
                writer.write_table(table.cast(writer.schema))
            else:
                frame.to_csv(partial, mode="w" if k == 0 else "a", header=k == 0)
            rows += len(frame)
        if writer is not None:
            writer.close()
            writer = None
        if partial.exists():
            os.replace(partial, dest)
    except BaseException:
        if writer is not None:
            writer.close()
        partial.unlink(missing_ok=True)
        raise
    return rows


def _for_parquet(frame: pd.DataFrame) -> pd.DataFrame:
    """Stable column types across chunks (an all-empty chunk would otherwise change a schema)."""
    out = frame.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c].dtype):
            out[c] = out[c].astype("string")
    return out


def score_dask(ruleset: Ruleset, ddf: Any, *, plan: Plan | None = None, **weights: Any) -> Any:
    """Score a ``dask.dataframe`` partition by partition (lazy; ``.compute()`` it)."""
    plan = plan or compile_plan(ruleset)
    meta = score_frame(ruleset, ddf._meta, plan=plan, **weights)
    return ddf.map_partitions(_score_partition, ruleset, plan=plan, meta=meta, **weights)


def _score_partition(table: pd.DataFrame, ruleset: Ruleset, **kwargs: Any) -> pd.DataFrame:
    return score_frame(ruleset, table, **kwargs)
