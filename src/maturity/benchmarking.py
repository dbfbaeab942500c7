"""Benchmarking runs: many territories scored, sealed, ranked and compared with their peers.

>>> from maturity import bundled_profiles_dir, load_core_ruleset
>>> rs = load_core_ruleset()
>>> profiles, failures = load_profiles([bundled_profiles_dir()], rs)
>>> run = benchmark(profiles, rs)
>>> sorted(run.table["territory"])[:2]
['cr-upala', 'ec-imbabura']
>>> bool(run.table.loc[run.table["territory"] == "sn-sedhiou", "rank"].isna().all())  # nothing known: unranked
True
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from .aggregate import RANK_MEASURES, Aggregator, aggregate, rank_measure
from .assessment import Assessment
from .cells import is_unknown, read_cell
from .engines import EngineName, Outcome, get_evaluator
from .engines.vectorised import compile_vectorised, evaluate
from .errors import InvalidFileError, MaturityError, UsageError
from .loading import iter_input_files, load_core_ruleset, load_profile
from .messages import _
from .plan import compile_plan
from .prepare import Prepared, as_index, domain, prepare
from .profile import Profile, ProfilesOnDemand, population_band
from .ruleset import CountIndicator, NumberIndicator, Ruleset, YearIndicator
from .seal import Seal, seal_results
from .table import DerivedLevels, TableScores, aggregate_table, answers_table

__all__ = [
    "BenchmarkRun",
    "Failure",
    "Inputs",
    "add_robustness",
    "benchmark",
    "benchmark_table",
    "competition_rank",
    "draw_ranks",
    "drop_repeats",
    "load_inputs",
    "load_profiles",
    "progress",
    "rank_by_default",
    "rank_table",
    "robust_definition",
    "robust_places",
    "robustness",
    "territory_meta",
    "year_labels",
]

#: A rank is robust when its interval spans at most this share of the ranked territories (and at least one place).
ROBUST_SHARE = 0.01


def robust_places(ranked: int) -> int:
    """How many places a robust rank's interval may span: max(1, 1% of the ranked territories).

    >>> robust_places(1716), robust_places(5)
    (17, 1)
    """
    return max(1, int(ROBUST_SHARE * ranked))


def robust_definition(ranked: int) -> str:
    """The one definition of "robust", as printed beside the intervals."""
    return _("robust: the rank's interval (the published rank and the 5th-95th percentiles of the draws) spans at most "
             "%(places)s place(s), max(1, 1%% of the %(ranked)s ranked territories)") % {
        "places": robust_places(ranked), "ranked": ranked}


def rank_by_default(seal: Any) -> str:
    """``lower`` (what is established) for runs with a seal, ``score`` without one."""
    return "lower" if seal is not None else "score"

Engine = EngineName


@dataclass(frozen=True)
class Failure:
    """A file that could not be scored, and why (every problem, with file and line)."""

    file: str
    message: str


@dataclass
class BenchmarkRun:
    """The result of a run: ``table`` has one row per territory and year."""

    table: pd.DataFrame
    ruleset: dict[str, str]
    seal: dict[str, Any] | None
    peers: str | None
    engine: str
    derived: DerivedLevels
    scores: TableScores
    failures: list[Failure] = field(default_factory=list)
    robustness: pd.DataFrame | None = None
    answers: pd.DataFrame | None = field(default=None, repr=False)
    profiles: Sequence[Profile] | None = field(default=None, repr=False)  # row order, when the run started from profiles
    scored_with: Ruleset | None = field(default=None, repr=False)
    rank_by: str = "score"  # the rank measure: "lower" (every unknown at its worst) or "score"
    held_prepared: Prepared | None = field(default=None, repr=False)  # see ``prepared``

    @property
    def prepared(self) -> Prepared | None:
        """The run's answers as the evaluators read them (:func:`maturity.prepare.prepare`).

        A run does not hold them after scoring (a million rows: about 0.8 GB); they are prepared
        again from ``answers`` with the run's plan when first asked for, and then kept.
        """
        if self.held_prepared is None and self.answers is not None and self.scored_with is not None:
            self.held_prepared = prepare(self.scored_with, self.answers, plan=self.derived.outcome.plan).raise_problems()
        return self.held_prepared

    @property
    def rank_line(self) -> str:
        """How this run ranks, in one line (printed on every output)."""
        what = (_("the overall score with every unknown answer at its worst (what is established: "
                  "a blank answer never raises it)") if self.rank_by == "lower" else
                _("the overall score over the assessed factors"))
        return _("ranked by %(measure)s: %(what)s; territories with insufficient evidence are not ranked") % {
            "measure": self.rank_by, "what": what}

    def explain(self, territory: str, year: Any = None) -> Assessment:
        """The full explained assessment of one territory of the run, from the durable_rules engine.

        The run's levels come from the evaluator it was given (vectorised by default); the
        explanation is always the reference engine's, on the same answers.
        """
        from .scoring import Scorer

        if self.scored_with is None:
            raise MaturityError("this run keeps no ruleset to explain with")
        return Scorer(self.scored_with).score(self.profile(territory, year), keep_session=False)

    def profile(self, territory: str, year: Any = None) -> Profile:
        """The profile one territory of the run was scored from (rebuilt from its answers for sheets)."""
        rows = self.table.index[(self.table["territory"] == territory)
                                & ((self.table["year"] == year) if year is not None else True)]
        if len(rows) != 1 or self.answers is None or self.scored_with is None:
            raise MaturityError(f"no single territory {territory!r}{f' in {year}' if year else ''} in this run")
        i = self.table.index.get_loc(rows[0])
        if self.profiles is not None:  # the profile itself: its own sources, notes and governance section
            return self.profiles[i]
        row, meta = self.answers.iloc[i], self.table.iloc[i]
        rs = self.scored_with
        known = {k: {"value": read_cell(rs.indicator(k), v), "source": "run input"}
                 for k, v in row.items() if not is_unknown(v)}
        return Profile.model_validate({
            "kind": "profile", "format_version": 1, "synthetic": bool(meta["synthetic"]),
            "territory": {"id": meta["territory"], "name": meta["name"], "country": meta["country"], "level": meta["level"],
                          "assessment_year": None if pd.isna(meta["year"]) else int(meta["year"])},
            "sources": [{"id": "run", "title": "the answers this benchmarking run scored"}],
            "answers": known})


def load_profiles(paths: Sequence[str | Path], ruleset: Ruleset) -> tuple[list[Profile], list[Failure]]:
    """Load every profile under ``paths`` (YAML files, folders, CSV/XLSX sheets).

    A bad file, or a bad row of a sheet, is reported as a :class:`Failure` with its file and
    line; everything else still loads. See :func:`load_inputs` for the same as tables.
    """
    inputs = load_inputs(paths, ruleset)
    return list(inputs.profiles), inputs.failures


@dataclass
class Inputs:
    """What a run scores, loaded from files: the answers table, the territories' meta, their profiles
    (built when asked for: a large sheet never holds them all) and the inputs that failed."""

    answers: pd.DataFrame
    meta: pd.DataFrame
    profiles: Sequence[Profile]
    failures: list[Failure]


class _Picked(ProfilesOnDemand):
    """The profiles at some positions of several sequences, in the order picked."""

    def __init__(self, parts: list[Sequence[Profile]], picks: list[tuple[int, int]]) -> None:
        self.parts, self.picks = parts, picks

    def __len__(self) -> int:
        return len(self.picks)

    def profile_at(self, i: int) -> Profile:
        part, k = self.picks[i]
        return self.parts[part][k]


def load_inputs(paths: Sequence[str | Path], ruleset: Ruleset) -> Inputs:
    """Load every territory under ``paths`` (YAML files, folders, CSV/XLSX sheets) as tables.

    Sheets are read column by column (:func:`maturity.spreadsheets.read_sheet_table`); a bad
    file, or a bad row of a sheet, is a :class:`Failure` with its file and line, and the rest
    loads. A territory and year given twice is scored once, from the first input (sheets first).
    """
    from .spreadsheets import SHEETS, read_sheet_table

    parts: list[tuple[pd.DataFrame, pd.DataFrame, Sequence[Profile], list[tuple[str, str]]]] = []  # (file, place) per row
    failures: list[Failure] = []
    files = list(iter_input_files(list(paths)))
    for sheet in (f for f in files if f.suffix.lower() in SHEETS):
        try:
            table = read_sheet_table(sheet, ruleset)
        except InvalidFileError as exc:
            failures.append(Failure(str(sheet), str(exc)))
            continue
        parts.append((table.answers, table.meta, table.profiles, [(str(sheet), f"{sheet}:{line}") for line in table.lines]))
        failures += [Failure(str(sheet), str(e)) for e in table.errors]
    profiles: list[Profile] = []
    loaded: list[tuple[str, str]] = []
    for path in (f for f in files if f.suffix.lower() not in SHEETS):
        try:
            profiles.append(load_profile(path, ruleset))
        except MaturityError as exc:
            failures.append(Failure(str(path), str(exc)))
            continue
        loaded.append((str(path), str(path)))
    if profiles:
        parts.append((answers_table(profiles, ruleset), territory_meta(profiles), profiles, loaded))
    if not parts:
        return Inputs(answers_table([], ruleset), territory_meta([]), [], failures)
    rows = [(k, r) for k, part in enumerate(parts) for r in range(len(part[3]))]  # part order, then row order
    places = [(file, where, (territory, None if pd.isna(year) else int(year)))
              for _answers, meta, _profiles, located in parts
              for (file, where), territory, year in zip(located, meta["territory"], meta["year"], strict=True)]
    kept, repeats = first_of_each(places)
    failures += repeats
    picks = [rows[i] for i in kept]
    by_part: list[list[int]] = [[] for _part in parts]
    for k, r in picks:
        by_part[k].append(r)
    ids = [i.id for i in ruleset.indicators]
    answers = pd.concat([part[0].iloc[taken].reindex(columns=ids) for part, taken in zip(parts, by_part, strict=True)])
    answers = answers.astype(object).where(answers.notna(), None)
    meta = pd.concat([part[1].iloc[taken] for part, taken in zip(parts, by_part, strict=True)], ignore_index=True)
    return Inputs(answers, meta, _Picked([part[2] for part in parts], picks), failures)


def drop_repeats(loaded: Sequence[tuple[str, str, Profile]]) -> tuple[list[Profile], list[Failure]]:
    """The profiles of ``(file, place, profile)`` triples without repeats of a territory and year: the first is kept."""
    kept, failures = first_of_each((file, where, (p.territory.id, p.territory.assessment_year)) for file, where, p in loaded)
    return [loaded[i][2] for i in kept], failures


def first_of_each(places: Iterable[tuple[str, str, tuple[Any, int | None]]]) -> tuple[list[int], list[Failure]]:
    """Positions of the first ``(file, place, (territory, year))`` of each territory and year, and a failure for each repeat."""
    kept: list[int] = []
    failures: list[Failure] = []
    first: dict[tuple[Any, int | None], str] = {}
    for i, (file, where, key) in enumerate(places):
        if key in first:
            year = f" in {key[1]}" if key[1] is not None else " (no year)"
            failures.append(Failure(file, f"{where}: territory '{key[0]}'{year} is already given by {first[key]}; not scored again"))
            continue
        first[key] = where
        kept.append(i)
    return kept, failures


def territory_meta(profiles: Iterable[Profile]) -> pd.DataFrame:
    """One row per profile: the columns a run groups and labels territories by."""
    rows = []
    for p in profiles:
        t = p.territory
        rows.append({"territory": t.id, "name": t.name, "country": t.country, "level": t.level,
                     "parent": t.parent, "region": p.context.region, "year": t.assessment_year,
                     "population": p.context.population, "population_band": population_band(p.context.population),
                     "decentralisation": p.context.decentralisation.degree if p.context.decentralisation else None,
                     "synthetic": p.synthetic})
    return pd.DataFrame(rows, columns=["territory", "name", "country", "level", "parent", "region", "year",
                                       "population", "population_band", "decentralisation", "synthetic"])


def competition_rank(scores: pd.Series) -> pd.Series:
    """Rank 1 for the highest score; ties share the best rank (1, 2, 2, 4); no score, no rank.

    >>> competition_rank(pd.Series([50.0, 75.0, 50.0, float("nan")])).tolist()
    [2, 1, 2, <NA>]
    """
    values = scores.to_numpy(dtype=float, na_value=np.nan)
    return pd.Series(_ranks(values, ~np.isnan(values)), index=scores.index).astype("Int64")


def benchmark(profiles: Sequence[Profile] | Sequence[str | Path] | str | Path, ruleset: Ruleset | None = None, *,
              seal: Seal | None = None, peers: str | None = None, engine: Engine = "vectorised", draws: int = 0,
              seed: int = 0, failures: Sequence[Failure] = (), rank_by: str | None = None) -> BenchmarkRun:
    """Score, seal, rank and compare territories; see :func:`benchmark_table` for the columns.

    ``profiles`` is a list of :class:`~maturity.Profile`, or a path (or a list of paths) to
    profile files, folders or CSV/XLSX sheets; files that fail to load are listed in
    ``run.failures`` and the rest is scored.
    """
    rs = ruleset or load_core_ruleset()
    if isinstance(profiles, (str, Path)):
        profiles = [profiles]
    if any(isinstance(p, (str, Path)) for p in profiles):
        profiles, bad = load_profiles(list(profiles), rs)  # type: ignore[arg-type]
        failures = [*failures, *bad]
    else:
        profiles, bad = drop_repeats([("(profiles)", f"profiles[{i}]", p) for i, p in enumerate(profiles)])  # type: ignore[misc]
        failures = [*failures, *bad]
    run = benchmark_table(answers_table(profiles, rs), territory_meta(profiles), rs, seal=seal, peers=peers,
                          engine=engine, draws=draws, seed=seed, failures=failures, rank_by=rank_by)
    run.profiles = list(profiles)
    return run


def benchmark_table(answers: pd.DataFrame, meta: pd.DataFrame, ruleset: Ruleset, *, seal: Seal | None = None,
                    peers: str | None = None, engine: Engine = "vectorised", draws: int = 0, seed: int = 0,
                    failures: Sequence[Failure] = (), show_progress: bool = False,
                    by_year: bool | None = None, rank_by: str | None = None) -> BenchmarkRun:
    """A run over an answers table (see :func:`maturity.table.answers_table`) and its territories' meta.

    ``run.table`` has one row per territory and year: the ``meta`` columns (``territory``,
    ``name``, ``country``, ``level``, ``region``, ``year``, ``population_band``, ``synthetic``,
    ...), ``score``/``lower``/``upper``, ``stage`` (and its bounds), ``completeness``,
    ``pillar.<id>``, ``level.<factor>`` and ``upper_level.<factor>``; with a seal ``seal``
    (passed, possible, failed), ``seal_binding_gate``, ``seal_reason`` and ``gate.<id>``;
    ``assessed_share`` and ``sufficient`` (the data-availability threshold, ``stage`` reads
    "insufficient evidence" below it); ``rank_value`` (the rank measure ``rank_by``: ``lower``,
    every unknown at its worst, the default with a seal, or ``score``, the default without; empty
    with insufficient evidence) and ``rank`` (competition ranking on it: ties share the best rank,
    no value no rank) and ``vs_sample``; with ``peers`` ``peer_group``, ``peer_rank``,
    ``peer_size``, ``vs_peers``; with ``draws`` (ranked territories only, integer ranks)
    ``rank_median``, ``rank_p05``, ``rank_p95``, ``rank_robust`` (weights and unknown answers
    drawn together, see :func:`robust_definition`), ``rank_p05_weights``/``rank_p95_weights``
    (weights alone) and ``rank_p05_unknowns``/``rank_p95_unknowns`` (unknown answers alone).

    Ranks, medians and peer groups are taken within each year when ``by_year`` is true; by
    default (None) when some territory appears in more than one year.
    """
    if peers is not None and peers not in meta.columns:
        raise UsageError(f"unknown peer column {peers!r}; choose one of: {', '.join(meta.columns)}")
    rank_by = rank_by or rank_by_default(seal)
    if rank_by not in RANK_MEASURES:
        raise UsageError(f"unknown rank measure {rank_by!r}; choose one of: {', '.join(RANK_MEASURES)}")
    rs = ruleset
    plan = compile_plan(ruleset, seal)
    answers = answers.reset_index(drop=True)
    meta = meta.reset_index(drop=True)
    # the prepared answers are not held through the run (at a million rows, 0.8 GB): run.prepared makes them again
    derived = DerivedLevels(_evaluate(prepare(ruleset, answers, plan=plan).raise_problems(), engine, show_progress))
    scores = aggregate_table(rs, derived)

    table = meta.copy(deep=False)  # copy on write: the caller's meta is never changed, and not copied whole
    o = scores.overall
    table["score"], table["lower"], table["upper"] = o["score"], o["lower"], o["upper"]
    table["stage"], table["stage_lower"], table["stage_upper"] = o["stage"], o["stage_lower"], o["stage_upper"]
    table["completeness"] = derived.answered / len(rs.indicators)
    table["assessed_share"], table["sufficient"] = o["assessed_share"], o["sufficient"]
    for p in ruleset.pillars:
        table[f"pillar.{p.id}"] = scores.pillar_score[p.id]
    levels, lower_level, upper_level = derived.level, derived.lower_level, derived.upper_level
    for f in ruleset.factors:
        table[f"level.{f.id}"] = levels[f.id]
        table[f"upper_level.{f.id}"] = upper_level[f.id]
    seal_info = None
    if seal is not None:
        sealed = seal_results(seal, ruleset, derived.gates, lower_level, upper_level,
                              scores.pillar_lower, scores.pillar_upper)
        for col in sealed.columns:
            table[col] = sealed[col].array
        assert plan.seal is not None
        seal_info = {"id": seal.id, "version": seal.version, "year": seal.year, "gates": seal.gate_ids(ruleset),
                     "digest": plan.seal.digest}
    year = year_labels(table, by_year)
    table["rank_value"] = rank_measure(scores.raw, rank_by)
    rank_table(table, peers, year)
    run = BenchmarkRun(table, {"id": ruleset.id, "version": ruleset.version, "digest": plan.digest}, seal_info,
                       peers, engine, derived, scores, list(failures), answers=answers, scored_with=rs,
                       rank_by=rank_by)
    if draws:
        assert run.prepared is not None
        run.robustness = robustness(ruleset, run.prepared, derived, draws=draws, seed=seed, engine=engine,
                                    show_progress=show_progress, rank_by=rank_by, within=year)
        add_robustness(table, run.robustness)
    return run


def add_robustness(table: pd.DataFrame, r: pd.DataFrame) -> None:
    """The columns of :func:`robustness`'s result in a run's table (in place)."""
    table["rank_median"] = r["median"]
    table["rank_p05"], table["rank_p95"] = r["p05"], r["p95"]
    table["rank_robust"] = r["robust"]
    for part in ("weights", "unknowns"):
        table[f"rank_p05_{part}"] = r[f"p05_{part}"]
        table[f"rank_p95_{part}"] = r[f"p95_{part}"]


def _evaluate(prepared: Prepared, engine: Engine, show_progress: bool) -> Outcome:
    """The evaluator's outcome, in chunks behind a progress bar on stderr when asked."""
    evaluator = get_evaluator(engine)
    if not show_progress or len(prepared) == 0:
        return evaluator.evaluate(prepared)
    size = 50 if engine == "durable" else 5_000
    parts = []
    with tqdm(total=len(prepared), desc="scoring", unit="territory", file=sys.stderr) as bar:
        for start in range(0, len(prepared), size):
            rows = np.arange(start, min(start + size, len(prepared)))
            parts.append(evaluator.evaluate(prepared.take(rows)))
            bar.update(len(rows))
    return Outcome.concat(parts)


def year_labels(table: pd.DataFrame, by_year: bool | None) -> pd.Series | None:
    """The year of each row as a label to rank within (``(no year)`` where missing), or None to rank the whole sample.

    ``by_year=None``: within years when some territory appears in several years.
    """
    if by_year is None:
        by_year = bool("year" in table.columns and table.groupby("territory")["year"].nunique().gt(1).any())
    return table["year"].astype(object).where(table["year"].notna(), "(no year)") if by_year else None


def rank_table(table: pd.DataFrame, peers: str | None, year: pd.Series | None) -> None:
    """Add ``rank``, ``vs_sample`` and, with ``peers``, the peer columns to a scored table (in place).

    They need the whole sample, so they are taken here, from ``rank_value`` and ``score``, once
    every row is scored (row by row, or partition by partition on Dask).
    """
    measure = table["rank_value"].to_numpy(dtype=float, na_value=np.nan)
    table["rank"] = _int_ranks(_ranks(measure, ~np.isnan(measure), year), ~np.isnan(measure))
    table["vs_sample"] = table["score"] - (table.groupby(year)["score"].transform("median") if year is not None
                                           else table["score"].median())
    if peers is not None:
        group = table[peers].astype(object).where(table[peers].notna(), "(none)")
        if year is not None:
            group = group.astype(str) + " / " + year.astype(str)
        table["peer_group"] = group
        table["peer_rank"] = table.groupby(group)["rank_value"].rank(method="min", ascending=False).astype("Int64")
        table["peer_size"] = table.groupby(group)["territory"].transform("size")
        table["vs_peers"] = table["score"] - table.groupby(group)["score"].transform("median")


def _filler(ruleset: Ruleset, prepared: Prepared):
    """Draws of what the answers leave open -- every unknown answer over its indicator's values, every
    range answer within its range -- as encoded values, evaluated with the vectorised kernel."""
    plan = prepared.plan
    cp = compile_vectorised(plan)
    low, high, known = prepared.low, prepared.high, prepared.known
    bounds, whole = [], []
    for j, ind_id in enumerate(plan.indicators):
        ind = ruleset.indicator(ind_id)
        lo, hi = domain(ind)
        if isinstance(ind, CountIndicator):  # no upper end: draw up to the largest count seen, at least 10
            ends = np.where(known[:, j], np.where(np.isfinite(high[:, j]), high[:, j], low[:, j]), np.nan)
            hi = float(max(np.nanmax(ends) if np.isfinite(ends).any() else 0, 10))
        elif isinstance(ind, NumberIndicator):
            lo, hi = (lo if np.isfinite(lo) else 0.0), (hi if np.isfinite(hi) else 100.0)
        elif isinstance(ind, YearIndicator):
            lo, hi = 1990.0, 2030.0
        bounds.append((lo, hi))
        whole.append(not isinstance(ind, NumberIndicator))
    dom_lo = np.array([b[0] for b in bounds], dtype=float)
    dom_hi = np.array([b[1] for b in bounds], dtype=float)
    open_cells = ~known | (low < high)  # unknown answers and ranges
    rows, cols = np.nonzero(open_cells)
    cell_lo = np.where(known[rows, cols], np.maximum(low[rows, cols], dom_lo[cols]), dom_lo[cols])
    cell_hi = np.where(known[rows, cols], np.minimum(high[rows, cols], np.maximum(dom_hi[cols], low[rows, cols])),
                       dom_hi[cols])
    kinds = np.array(whole, dtype=bool)[cols]
    span = cell_hi - cell_lo
    filled = np.array(low, order="F")  # one buffer for every draw: only the open cells are written, in place; column-major,
    # so that the kernel's view of it (one row per indicator) needs no copy
    u = np.empty(len(rows))
    drawn = np.empty(len(rows))

    def fill(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        rng.random(out=u)
        np.multiply(u, span, out=drawn)
        drawn[kinds] = np.floor(u[kinds] * (span[kinds] + 1))
        np.add(drawn, cell_lo, out=drawn)
        filled[rows, cols] = drawn
        ev = evaluate(cp, filled, filled, None, findings=False)  # every answer exact: one world, no findings or gates
        return ev["lv_lo"], ev["lv_hi"]

    return fill


def robustness(ruleset: Ruleset, prepared: Prepared, derived: DerivedLevels, *, draws: int = 200, seed: int = 0,
               engine: Engine = "vectorised", weight_spread: float = 0.5, unknowns: bool = True,
               show_progress: bool = False, rank_by: str = "score",
               within: pd.Series | None = None, client: Any = None) -> pd.DataFrame:
    """Monte Carlo over weights (each weight times U(1-spread, 1+spread)) and over unknown answers.

    Each draw ranks the territories the run ranks (those with sufficient evidence) on the run's
    measure ``rank_by`` three times: with the drawn weights alone (unknowns as the run reads
    them), with the drawn unknown answers alone (the ruleset's weights), and with both. Unknown
    answers are drawn as encoded values and evaluated with the vectorised kernel (equal to the
    durable engine by the parity tests), whichever ``engine`` scored the run. With ``within`` (a
    label per row, e.g. the year) ranks are taken within each label.

    Returns, per territory, the median rank and three intervals (``p05``/``p95`` for both,
    ``p05_weights``/``p95_weights``, ``p05_unknowns``/``p95_unknowns``): each runs from the
    better of the published rank and the 5th percentile of the draws to the worse of the
    published rank and the 95th, so the published rank always lies inside. Ranks are integers
    (percentiles are ranks some draw gave). ``robust`` follows :func:`robust_definition`.
    Territories the run does not rank get no interval.

    Draw ``d`` uses its own generator, seeded with ``(seed, d)``: with a Dask ``client`` the
    draws are spread over the cluster's workers (:func:`draw_ranks` per chunk) and the result is
    the same as in one process.
    """
    del engine  # the draws need levels only, which every evaluator gives equally
    n = len(prepared)
    o = derived.outcome
    nominal = aggregate(ruleset, o.lower, o.upper, o.assessed)
    ranked = ~np.isnan(rank_measure(nominal, rank_by))
    published = _ranks(rank_measure(nominal, rank_by), ranked, within)
    options: dict[str, Any] = {"seed": seed, "weight_spread": weight_spread, "unknowns": unknowns, "rank_by": rank_by, "within": within}
    if client is not None and draws:
        parts = _draw_on_cluster(client, ruleset, prepared, o, draws, options)
    else:
        parts = draw_ranks(ruleset, prepared, o, range(draws), show_progress=show_progress, **options)
    out: dict[str, Any] = {}
    for name, suffix in (("both", ""), ("weights", "_weights"), ("unknowns", "_unknowns")):
        low, high = _interval(parts[name], published, ranked, draws)
        out[f"p05{suffix}"], out[f"p95{suffix}"] = low, high
    median = published.copy()
    if draws:
        median[ranked] = np.percentile(parts["both"][:, ranked], 50, axis=0, method="inverted_cdf")
    out["median"] = _int_ranks(median, ranked)
    ranked_in_group = (pd.Series(ranked).groupby(within.to_numpy()).transform("sum").to_numpy()
                       if within is not None else np.full(n, ranked.sum()))
    width = np.array([robust_places(int(k)) for k in ranked_in_group])
    spans = (out["p95"] - out["p05"]).to_numpy(dtype=float, na_value=np.nan)
    out["robust"] = pd.array(np.where(ranked, spans <= width, False), dtype="boolean")
    out["robust"][~ranked] = pd.NA
    columns = ["median", "p05", "p95", "robust", "p05_weights", "p95_weights", "p05_unknowns", "p95_unknowns"]
    return pd.DataFrame({c: out[c] for c in columns}, index=as_index(prepared.index))


def draw_ranks(ruleset: Ruleset, prepared: Prepared, outcome: Outcome, draws: Iterable[int], *, seed: int = 0,
               weight_spread: float = 0.5, unknowns: bool = True, rank_by: str = "score",
               within: pd.Series | None = None, show_progress: bool = False) -> dict[str, np.ndarray]:
    """The ranks of every territory in each of ``draws`` (draw numbers), as :func:`robustness` takes them:
    ``both``, ``weights`` and ``unknowns``, a row per draw."""
    o = outcome
    draws = list(draws)
    n = len(prepared)
    agg = Aggregator(ruleset)
    nominal = agg.rank_values(o.lower, o.upper, o.assessed, rank_by)
    ranked = ~np.isnan(nominal)
    published = _ranks(nominal, ranked, within)
    fill = _filler(ruleset, prepared) if unknowns else None
    everywhere = np.ones_like(o.assessed)
    shares, shares_everywhere = agg.shares(o.assessed), agg.shares(everywhere)  # the ruleset's weights: same in every draw
    parts = {name: np.full((len(draws), n), np.nan) for name in ("both", "weights", "unknowns")}
    for i, d in enumerate(tqdm(draws, desc="robustness draws", unit="draw", disable=not show_progress, file=sys.stderr)):
        rng = np.random.default_rng([seed, d])
        fw = {f.id: f.weight * rng.uniform(1 - weight_spread, 1 + weight_spread) for f in ruleset.factors}
        pw = {p.id: p.weight * rng.uniform(1 - weight_spread, 1 + weight_spread) for p in ruleset.pillars}
        parts["weights"][i] = _ranks(agg.rank_values(o.lower, o.upper, o.assessed, rank_by, factor_weights=fw,
                                                     pillar_weights=pw, shares=shares), ranked, within)
        if fill is None:  # nothing drawn for the unknowns: their interval is the published rank
            parts["both"][i], parts["unknowns"][i] = parts["weights"][i], published
            continue
        lower, upper = fill(rng)
        parts["unknowns"][i] = _ranks(agg.rank_values(lower, upper, everywhere, rank_by, shares=shares_everywhere),
                                      ranked, within)
        parts["both"][i] = _ranks(agg.rank_values(lower, upper, everywhere, rank_by, factor_weights=fw, pillar_weights=pw,
                                                  shares=shares_everywhere), ranked, within)
    return parts


def _draw_on_cluster(client: Any, ruleset: Ruleset, prepared: Prepared, outcome: Outcome, draws: int,
                     options: dict[str, Any]) -> dict[str, np.ndarray]:
    """:func:`draw_ranks` in chunks on a Dask cluster's workers, gathered in draw order."""
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    size = max(1, -(-draws // (4 * workers)))
    shared = client.scatter([ruleset, prepared, outcome], broadcast=True)
    futures = [client.submit(draw_ranks, *shared, range(start, min(draws, start + size)), pure=False, **options)
               for start in range(0, draws, size)]
    chunks = client.gather(futures)
    return {name: np.concatenate([c[name] for c in chunks], axis=0) for name in chunks[0]}


def _ranks(measure: np.ndarray, ranked: np.ndarray, within: pd.Series | None = None) -> np.ndarray:
    """Competition ranks of ``measure`` among the ``ranked`` territories (within each label of
    ``within`` when given, e.g. the year); NaN elsewhere."""
    if within is None:  # one plus how many of the ranked territories are strictly higher
        out = np.full(len(measure), np.nan)
        values = measure[ranked]
        out[ranked] = np.searchsorted(np.sort(-values), -values, side="left") + 1
        return out
    values = pd.Series(np.where(ranked, measure, np.nan))
    ranks = values.groupby(within.to_numpy()).rank(method="min", ascending=False)
    return ranks.astype(float).to_numpy(dtype=float, na_value=np.nan)


def _int_ranks(values: np.ndarray, ranked: np.ndarray) -> Any:
    return pd.array(np.where(ranked, np.round(values), np.nan), dtype="Float64").astype("Int64")


def _interval(ranks: np.ndarray, published: np.ndarray, ranked: np.ndarray, draws: int) -> tuple[pd.Series, pd.Series]:
    """5th-95th percentile ranks of the draws, widened to hold the published rank; integers."""
    if draws and ranked.any():  # every draw ranks the ranked territories; the others' columns are all NaN
        low, high = np.full(len(published), np.nan), np.full(len(published), np.nan)
        low[ranked] = np.percentile(ranks[:, ranked], 5, axis=0, method="lower")
        high[ranked] = np.percentile(ranks[:, ranked], 95, axis=0, method="higher")
    else:
        low = high = published
    low, high = np.fmin(low, published), np.fmax(high, published)
    return _int_ranks(low, ranked), _int_ranks(high, ranked)


def progress(run: BenchmarkRun) -> pd.DataFrame:
    """The same territory across years: one row per pair of consecutive years.

    Columns: ``territory``, ``from_year``, ``to_year``, ``score_change``, ``change.<factor>``
    (level change, ``<NA>`` where either year leaves the factor unassessed), ``factors_up``,
    ``factors_down``, ``most_improved`` (the largest score change of the sample, ties included),
    ``seal`` in ``to_year`` and ``seal_history``: ``first-time`` when the seal is passed for
    the first time, ``repeat`` when it was passed in an earlier year too; ``synthetic``.
    """
    t = run.table.dropna(subset=["year"])
    t = t[t["territory"].duplicated(keep=False)].sort_values(["territory", "year"])  # territories seen in several years
    level_cols = [c for c in t.columns if c.startswith("level.")]
    rows = []
    for territory, g in t.groupby("territory", sort=True):
        g = g.reset_index(drop=True)
        for i in range(1, len(g)):
            a, b = g.iloc[i - 1], g.iloc[i]
            changes = {f"change.{c.removeprefix('level.')}": (b[c] - a[c]) if pd.notna(a[c]) and pd.notna(b[c]) else pd.NA
                       for c in level_cols}
            known = [v for v in changes.values() if not pd.isna(v)]
            passed_before = "seal" in g and (g["seal"][:i] == "passed").any()
            rows.append({"territory": territory, "from_year": int(a["year"]), "to_year": int(b["year"]),
                         "score_change": b["score"] - a["score"], **changes,
                         "factors_up": sum(1 for v in known if v > 0), "factors_down": sum(1 for v in known if v < 0),
                         "seal": b.get("seal"),
                         "seal_history": ("repeat" if passed_before else "first-time") if b.get("seal") == "passed" else None,
                         "synthetic": bool(b.get("synthetic", False))})
    columns = ["territory", "from_year", "to_year", "score_change", *(f"change.{c.removeprefix('level.')}" for c in level_cols),
               "factors_up", "factors_down", "most_improved", "seal", "seal_history", "synthetic"]
    out = pd.DataFrame(rows, columns=[c for c in columns if c != "most_improved"])
    best = pd.to_numeric(out["score_change"], errors="coerce").max()
    out.insert(columns.index("most_improved"), "most_improved", out["score_change"].eq(best) & pd.notna(best))
    for c in out.columns:
        if c.startswith("change."):
            out[c] = out[c].astype("Int64")
    return out
