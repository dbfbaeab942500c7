"""The benchmarking report: a content model computed from a run, then one self-contained HTML page.

The page leads with what a seal's users read first: passers, possible passers and failures,
pass rates by group with counts, and what holds territories back, gate by gate and factor by
factor; then the top and bottom of the league table (the full table is results.csv/xlsx), the
levels of the top territories, the stages in scale order and the robustness of the ranks.

The content (:class:`BenchmarkContent`) is plain data; the template renders it with
autoescaping, figures are embedded as data URIs (PNG; SVG for the pages' factor charts), and nothing is loaded from the network.
The rank measure is named in the content (``measure``) so that runs ranked on another measure
say so on every output.

Examples
--------
>>> from maturity import bundled_profiles_dir, load_core_ruleset
>>> from maturity.benchmarking import benchmark
>>> run = benchmark([bundled_profiles_dir()], load_core_ruleset())
>>> c = benchmark_content(run)
>>> c.territories, [r["rank"] for r in c.league], c.seal_summary is None  # the sources describe each case in part
(5, [None, None, None, None, None], True)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .._yamlio import write_atomic
from ..aggregate import INSUFFICIENT
from ..messages import _
from ..seal import Seal
from .figures import (
    LEVEL_COLOURS,
    figure_data_uri,
    heatmap_figure,
    levels_frame,
    new_figure,
    stage_distribution_figure,
)
from .seal_view import SealSummary, count_text, seal_summary
from .templating import environment, page_language, stylesheet

__all__ = [
    "LEAGUE_COLUMNS",
    "BenchmarkContent",
    "benchmark_content",
    "page_key",
    "render_benchmark_html",
    "robustness_figure",
    "summary_figure",
    "summary_figure_names",
    "write_benchmark_report",
]

LEAGUE_COLUMNS = ["rank", "territory", "year", "name", "level", "country", "score", "lower", "upper", "stage", "completeness",
                  "seal", "seal_binding_gate", "rank_median", "rank_p05", "rank_p95", "rank_robust", "peer_group", "peer_rank",
                  "sufficient", "rank_value", "rank_p05_weights", "rank_p95_weights", "rank_p05_unknowns", "rank_p95_unknowns"]

Progress = Callable[[str], None]
MAX_STEM = 100  # characters of a page's file name before ".html"


def page_key(territory: str, year: int | None) -> str:
    """The stem of a territory's page: its id, with ``.<year>`` when the row has a year.

    Ids are lower-case letters, digits, ``-`` and ``_``, so the dot cannot be part of an id.
    Stems longer than ``MAX_STEM`` keep their start with a hash of the whole, so that they stay
    unique on every file system.

    Examples
    --------
    >>> page_key("ph-legazpi", 2023), page_key("x", None)
    ('ph-legazpi.2023', 'x')
    >>> len(page_key("a" * 300, 2023)) == MAX_STEM
    True
    """
    stem = territory if year is None else f"{territory}.{int(year)}"
    if len(stem) <= MAX_STEM:
        return stem
    digest = hashlib.sha256(stem.encode("utf-8")).hexdigest()[:16]
    return f"{stem[:MAX_STEM - 17]}-{digest}"


@dataclass(frozen=True)
class BenchmarkContent:
    """What the report shows, as plain data (tested on its own, rendered by the template)."""

    title: str
    ruleset: dict[str, str]
    seal: dict[str, Any] | None
    engine: str
    territories: int
    synthetic: bool
    league: list[dict[str, Any]]  # every territory, in rank order (unranked last)
    measure: str = "score"  # what ranks are computed on
    shown: int = 25  # rows shown at the top and at the bottom of the league table
    seal_summary: SealSummary | None = None
    stages: list[dict[str, Any]] = field(default_factory=list)  # scale order, empty stages included: id, name, count
    unscored: int = 0
    draws: int | None = None
    robust_share: float | None = None
    progress: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)
    pages: dict[str, str] = field(default_factory=dict)  # territory id -> relative link of its profile page
    governance_gaps: dict[str, int] = field(default_factory=dict)  # gap kind -> count, over the territories with pages
    files: list[str] = field(default_factory=list)  # full results beside the report (results.csv, results.xlsx, ...)
    rank_line: str | None = None  # how the run ranks (its rank measure)
    robust_definition: str | None = None  # what "robust" means beside the intervals

    @property
    def ranked(self) -> int:
        return sum(1 for r in self.league if r.get("rank") is not None)

    @property
    def league_top(self) -> list[dict[str, Any]]:
        return self.league[: self.shown]

    @property
    def league_bottom(self) -> list[dict[str, Any]]:
        """The last ``shown`` ranked territories, when the table is longer than top and bottom together."""
        ranked = [r for r in self.league if r.get("rank") is not None]
        return ranked[-self.shown:] if len(ranked) > 2 * self.shown else ranked[self.shown:]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _plain(v: Any) -> Any:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    return v.item() if hasattr(v, "item") else v


def _stages(run: Any) -> tuple[list[dict[str, Any]], int]:
    stages = run.table["stage"]
    out = [{"id": s.id, "name": s.name, "count": int((stages.astype("string") == s.id).sum())}
           for s in run.scored_with.aggregation.stages]
    known = {s.id for s in run.scored_with.aggregation.stages}
    return out, int((~stages.astype("string").isin(known).fillna(False)).sum())  # no score, or insufficient evidence


def benchmark_content(run: Any, *, group: str = "level", title: str | None = None, seal: Seal | None = None,
                      draws: int | None = None, shown: int = 25) -> BenchmarkContent:
    """The report's content from a run: seal summary by ``group`` (with ``seal``), league, stages, robustness."""
    from ..benchmarking import progress, robust_definition

    t = run.table.sort_values(["rank", "territory"], na_position="last")
    shown_columns = [c for c in LEAGUE_COLUMNS if c in t.columns]
    league = [dict(zip(shown_columns, map(_plain, row), strict=True))
              for row in t[shown_columns].itertuples(index=False, name=None)]
    for row in league:
        row["year"] = int(row["year"]) if row.get("year") is not None else None
        row["key"] = page_key(row["territory"], row["year"])
    stages, unscored = _stages(run)
    robust = None
    if "rank_robust" in t.columns:  # the share of the ranked territories (unranked ones have no interval)
        ranked_robust = t["rank_robust"].dropna().astype(bool)
        robust = float(ranked_robust.mean()) if len(ranked_robust) else 0.0
    ranked = int(t["rank"].notna().sum())
    steps = progress(run)
    summary = seal_summary(run, seal, group=group) if seal is not None and "seal" in t.columns else None
    return BenchmarkContent(
        title=title if title is not None else _("Benchmarking run"), ruleset=dict(run.ruleset), seal=run.seal,
        engine=run.engine, territories=len(t),
        synthetic=bool(t["synthetic"].any()), league=league, shown=shown, seal_summary=summary, stages=stages,
        unscored=unscored, draws=draws, robust_share=robust,
        progress=[{k: _plain(v) for k, v in r.items()} for r in steps.to_dict("records")],
        failures=[{"file": f.file, "message": f.message} for f in run.failures],
        measure="lower bound" if getattr(run, "rank_by", "score") == "lower" else "score",
        rank_line=getattr(run, "rank_line", None),
        robust_definition=robust_definition(ranked) if "rank_robust" in t.columns else None)


def robustness_figure(table: pd.DataFrame, *, limit: int = 40, draws: int | None = None) -> Figure:
    """The best ``limit`` territories in published-rank order: each one's 5th-95th percentile rank
    interval over the draws (line), the median (dot) and the published rank (diamond)."""
    t = table.dropna(subset=["rank", "rank_median"]).sort_values(["rank", "territory"]).head(limit)
    t = t.assign(**{c: t[c].astype(float) for c in ("rank", "rank_median", "rank_p05", "rank_p95")})
    fig = new_figure(8, max(2.5, 0.25 * len(t) + 1.4))
    ax = fig.add_subplot(111)
    y = np.arange(len(t))
    ax.hlines(y, t["rank_p05"], t["rank_p95"], color="#9bbbd4", linewidth=3, label=_("5th-95th percentile over the draws"))
    ax.plot(t["rank_median"], y, "o", color="#1f5f8b", markersize=4, label=_("median rank over the draws"))
    ax.plot(t["rank"].astype(float), y, "D", color="#d95f02", markersize=5, label=_("published rank"))
    ax.set_yticks(y, [_short(n) for n in t["name"]], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel(_("rank"))
    if len(t):
        ax.set_xlim(0, float(np.nanmax(t[["rank_p95", "rank"]].to_numpy(dtype=float))) * 1.05 + 1)
    title = _("Rank robustness of the top %(n)s, in published-rank order") % {"n": len(t)}
    if draws:
        title += "\n" + _("over %(draws)s draws of the weights and the unknown answers") % {"draws": f"{draws:,}"}
    ax.set_title(title, fontsize=9, pad=22)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, fontsize=7, frameon=False)
    return fig


def _short(name: Any, limit: int = 40) -> str:
    s = str(name)
    return s if len(s) <= limit else s[: limit - 1] + "\u2026"


def render_benchmark_html(content: BenchmarkContent, run: Any, *, top: int = 30, say: Progress | None = None,
                          figures: dict[str, str] | None = None) -> str:
    """The report page (self-contained HTML) for ``content`` computed from ``run``.

    ``figures``: the figures' data URIs when already drawn (:func:`summary_figures`), else drawn here.
    """
    say = say or (lambda _: None)
    if figures is None:
        figures = {}
        for name in summary_figure_names(run, top=top):
            say(FIGURE_STEPS[name]())
            figures[name] = summary_figure(run, content, name, top=top)
    ranked = int(run.table["rank"].notna().sum())
    template = environment().get_template("benchmark.html.j2")
    return template.render(c=content, css=stylesheet(), figures=figures, count=count_text, top=min(top, ranked),
                           level_colours=LEVEL_COLOURS, lang=page_language(),
                           stage_names={INSUFFICIENT: _("insufficient evidence"), **{s["id"]: s["name"] for s in content.stages}})


FIGURE_STEPS: dict[str, Callable[[], str]] = {  # what the progress line says while a figure is drawn
    "heatmap": lambda: _("drawing the heat map of the top territories"),
    "stages": lambda: _("drawing the stage chart"),
    "robustness": lambda: _("drawing the rank robustness chart"),
}


def summary_figure_names(run: Any, *, top: int = 30) -> list[str]:
    """The report's figures for ``run``: the heat map of the top ranks (when some are ranked), the stages,
    and the rank robustness (when ranks were drawn)."""
    ranked = bool(run.table["rank"].notna().any())
    return [name for name, shown in (("heatmap", ranked and top > 0), ("stages", True),
                                     ("robustness", ranked and top > 0 and "rank_median" in run.table.columns)) if shown]


def summary_figure(run: Any, content: BenchmarkContent, name: str, *, top: int = 30) -> str:
    """One of the report's figures (``heatmap``, ``stages`` or ``robustness``) as a PNG data URI."""
    if name == "heatmap":
        ranked = run.table.dropna(subset=["rank"]).sort_values(["rank", "territory"]).head(top)
        titles = {f.id: f.title for f in run.scored_with.factors}
        frame = levels_frame(ranked, id_column="name").T.rename(columns=lambda f: titles.get(f, f))
        return figure_data_uri(heatmap_figure(
            frame, title=_("Factor levels of the top %(n)s territories, by rank") % {"n": len(ranked)}))
    if name == "stages":
        return figure_data_uri(stage_distribution_figure(
            run.table, order=[s["id"] for s in content.stages], labels=[s["name"] for s in content.stages]))
    if name == "robustness":
        return figure_data_uri(robustness_figure(run.table, draws=content.draws))
    raise ValueError(f"no report figure {name!r}")


def _pages(run: Any, content: BenchmarkContent, out_dir: Path, pages: int, group: str, seal: Seal | None,
           say: Progress) -> tuple[dict[str, str], dict[str, int], dict[str, str]]:
    """Write the territory pages; returns their links, the governance gaps they show and the report's figures
    (drawn by the same workers)."""
    links: dict[str, str] = {}
    gaps: dict[str, int] = {}
    figures: dict[str, str] = {}
    groups = run.table[group].astype(object).where(run.table[group].notna(), "(none)")
    chosen = content.league[:pages]
    tasks: list[tuple[Any, ...]] = []
    for i, row in enumerate(chosen, 1):
        tid, year = row["territory"], row["year"]
        same_year = run.table["year"] == year if year is not None else run.table["year"].isna()
        matches = run.table.index[(run.table["territory"] == tid) & same_year]
        if len(matches) == 1:
            tasks.append((i, len(chosen), row, matches[0]))
    tasks += [("figure", name) for name in summary_figure_names(run)]  # drawn by the same workers
    for task, done in _render((run, content, groups, group, seal), tasks, say):
        if task[0] == "figure":
            figures[task[1]] = done
            continue
        key, name, html, kinds = done
        write_atomic(out_dir / name, html)
        links[key] = name
        for kind in kinds:
            gaps[kind] = gaps.get(kind, 0) + 1
    return links, gaps, figures


_shared: dict[str, Any] = {}  # what forked workers read: the run, its content and peer groups


def _render(context: tuple[Any, ...], tasks: list[tuple[Any, ...]],
            say: Progress) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Each task (a figure or a page) with its result, in task order; on every core (forked workers) where
    the platform forks and it pays."""
    import multiprocessing
    import os

    workers = min(os.cpu_count() or 1, 4)
    if len(tasks) < 8 or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for task in tasks:
            _say(say, task)
            yield task, _task(context, task)
        return
    from concurrent.futures import ProcessPoolExecutor

    _shared["context"] = context
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            # the figures (the longest tasks) start first, one each, then the pages in chunks; results in task order
            figures = {t[1]: pool.submit(_task_in_worker, t) for t in tasks if t[0] == "figure"}
            pages = [t for t in tasks if t[0] != "figure"]
            done = iter(pool.map(_task_in_worker, pages, chunksize=max(1, len(pages) // (4 * workers))))
            for task in tasks:
                _say(say, task)
                yield task, figures[task[1]].result() if task[0] == "figure" else next(done)
    finally:
        _shared.clear()


def _say(say: Progress, task: tuple[Any, ...]) -> None:
    if task[0] == "figure":
        say(FIGURE_STEPS[task[1]]())
        return
    i, total, row, _label = task
    say(_("page %(i)s of %(n)s: %(territory)s") % {"i": i, "n": total, "territory": row["territory"]}
        + (f" ({row['year']})" if row["year"] is not None else ""))


def _task_in_worker(task: tuple[Any, ...]) -> Any:
    return _task(_shared["context"], task)


def _task(context: tuple[Any, ...], task: tuple[Any, ...]) -> Any:
    run, content = context[0], context[1]
    if task[0] == "figure":
        return summary_figure(run, content, task[1])
    return _page(context, task)


def _page(context: tuple[Any, ...], task: tuple[Any, ...]) -> tuple[Any, ...]:
    """``(key, file name, html, governance gap kinds)`` of one territory's page."""
    from .figures import factor_bars_svg, svg_data_uri
    from .html import render_profile_html
    from .seal_view import seal_box_from_run

    run, _content, groups, group, seal = context
    _i, _total, row, label = task
    tid, year = row["territory"], row["year"]
    assessment = run.explain(tid, year)  # the reference engine's explanation of the run's answers
    peers = (groups == groups[label]).to_numpy()
    levels = run.table.loc[peers, [f"level.{f.id}" for f in run.scored_with.factors]].astype("Float64")
    average = {c.removeprefix("level."): float(v) for c, v in levels.mean(skipna=True).dropna().items()}
    bars = factor_bars_svg(assessment, peer_average=average,
                              peer_label=_("average of its peers (%(group)s: %(value)s)") % {
                                  "group": group, "value": groups[label]})
    profile = run.profile(tid, year)
    box = None
    if seal is not None and "seal" in run.table.columns:
        box = seal_box_from_run(run, seal, label, {p.id: (p.lower, p.upper) for p in assessment.pillars})
    html = render_profile_html(assessment, bars_uri=svg_data_uri(bars), seal_box=box, scores=True,
                               ruleset=run.scored_with, profile=profile)
    return row["key"], f"territories/{row['key']}.html", html, [g["kind"] for g in assessment.governance_gaps]


def write_benchmark_report(run: Any, out_dir: str | Path, *, pages: int = 50, group: str = "level",
                           seal: Seal | None = None, draws: int | None = None,
                           say: Progress | None = None) -> Path:
    """Write ``report.html`` and, for up to ``pages`` territories, a profile page each (atomically).

    ``seal``: the seal the run applied, for its gates in words; ``draws``: the robustness draws,
    stated on the page; ``say``: called with a line on each step (figures, pages) for progress.
    """
    say = say or (lambda _: None)
    out_dir = Path(out_dir)
    content = benchmark_content(run, group=group, seal=seal, draws=draws)
    links, gaps, figures = _pages(run, content, out_dir, pages, group, seal, say) if pages > 0 else ({}, {}, None)
    files = [n for n in ("results.csv", "results.xlsx", "results.json", "results.parquet") if (out_dir / n).exists()]
    content = replace(content, pages=links, governance_gaps=gaps, files=files)
    path = out_dir / "report.html"
    html = render_benchmark_html(content, run, say=say, figures=figures)
    say(_("writing report.html"))
    write_atomic(path, html)
    return path
