"""The benchmarking report: a content model computed from a run, then one self-contained HTML page.

The content (:class:`BenchmarkContent`) is plain data computed from a
:class:`~maturity.benchmarking.BenchmarkRun`; the template renders it with autoescaping, the
figures are embedded as PNG data URIs, and nothing is loaded from the network.

>>> from maturity import bundled_profiles_dir, load_core_ruleset
>>> from maturity.benchmarking import benchmark
>>> run = benchmark([bundled_profiles_dir()], load_core_ruleset())
>>> c = benchmark_content(run)
>>> c.territories, sorted(r["territory"] for r in c.league if r["rank"] == 1)
(5, ['ec-pichincha', 'ph-legazpi'])
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .._yamlio import write_atomic
from .figures import _new_figure, figure_data_uri, heatmap_figure, levels_frame, stage_distribution_figure

__all__ = ["BenchmarkContent", "benchmark_content", "robustness_figure", "render_benchmark_html", "write_benchmark_report"]

LEAGUE_COLUMNS = ["rank", "territory", "name", "level", "country", "score", "lower", "upper", "stage", "completeness",
                  "seal", "seal_binding_gate", "rank_median", "rank_p05", "rank_p95", "rank_robust", "peer_group", "peer_rank"]


@dataclass(frozen=True)
class BenchmarkContent:
    """What the report shows, as plain data (tested on its own, rendered by the template)."""

    title: str
    ruleset: dict[str, str]
    seal: Optional[dict[str, Any]]
    engine: str
    territories: int
    synthetic: bool
    league: list[dict[str, Any]]
    pass_rates: list[dict[str, Any]] = field(default_factory=list)  # per group: territories, passed, possible, failed
    binding_gates: dict[str, int] = field(default_factory=dict)
    stages: dict[str, int] = field(default_factory=dict)
    robust_share: Optional[float] = None
    progress: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)
    pages: dict[str, str] = field(default_factory=dict)  # territory id -> relative link of its profile page
    governance_gaps: dict[str, int] = field(default_factory=dict)  # gap kind -> count, over the territories with pages

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _plain(v: Any) -> Any:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    return v.item() if hasattr(v, "item") else v


def benchmark_content(run: Any, *, group: str = "level", title: str = "Benchmarking run") -> BenchmarkContent:
    """The report's content from a run: league table, seal pass rates by ``group``, stages, robustness."""
    from ..benchmarking import progress  # noqa: PLC0415

    t = run.table.sort_values(["rank", "territory"], na_position="last")
    league = [{c: _plain(row.get(c)) for c in LEAGUE_COLUMNS if c in t.columns} for _, row in t.iterrows()]
    rates = []
    if "seal" in t.columns:
        for name, g in t.groupby(t[group].astype(object).where(t[group].notna(), "(none)")):
            counts = g["seal"].value_counts()
            rates.append({"group": str(name), "territories": int(len(g)), "passed": int(counts.get("passed", 0)),
                          "possible": int(counts.get("possible", 0)), "failed": int(counts.get("failed", 0)),
                          "pass_rate": float(counts.get("passed", 0)) / len(g)})
    gates = {str(k): int(v) for k, v in t["seal_binding_gate"].dropna().value_counts().items()} if "seal_binding_gate" in t else {}
    stages = {str(k): int(v) for k, v in t["stage"].dropna().value_counts().items()}
    robust = float(t["rank_robust"].mean()) if "rank_robust" in t.columns else None
    steps = progress(run)
    return BenchmarkContent(
        title=title, ruleset=dict(run.ruleset), seal=run.seal, engine=run.engine, territories=int(len(t)),
        synthetic=bool(t["synthetic"].any()), league=league, pass_rates=rates, binding_gates=gates, stages=stages,
        robust_share=robust, progress=[{k: _plain(v) for k, v in r.items()} for r in steps.to_dict("records")],
        failures=[{"file": f.file, "message": f.message} for f in run.failures])


def robustness_figure(table: pd.DataFrame, *, limit: int = 40) -> Figure:
    """Median rank with its 5th-95th percentile interval, for the best ``limit`` territories."""
    t = table.dropna(subset=["rank_median"]).sort_values("rank_median").head(limit)
    fig = _new_figure(8, max(2.5, 0.25 * len(t) + 1))
    ax = fig.add_subplot(111)
    y = np.arange(len(t))
    ax.errorbar(t["rank_median"], y, xerr=[t["rank_median"] - t["rank_p05"], t["rank_p95"] - t["rank_median"]],
                fmt="o", color="#1f5f8b", ecolor="#9bbbd4", capsize=2)
    ax.set_yticks(y, [str(n)[:40] for n in t["name"]])
    ax.invert_yaxis()
    ax.set_xlabel("rank (median and 5th-95th percentile over the draws)")
    ax.set_title("Rank robustness")
    return fig


def render_benchmark_html(content: BenchmarkContent, run: Any) -> str:
    """The report page (self-contained HTML) for ``content`` computed from ``run``."""
    from .html import _css, _environment  # noqa: PLC0415

    figures = {"heatmap": figure_data_uri(heatmap_figure(levels_frame(run.table.head(60)))),
               "stages": figure_data_uri(stage_distribution_figure(run.table))}
    if "rank_median" in run.table.columns:
        figures["robustness"] = figure_data_uri(robustness_figure(run.table))
    template = _environment().get_template("benchmark.html.j2")
    return template.render(c=content, css=_css(), figures=figures)


def write_benchmark_report(run: Any, out_dir: str | Path, *, pages: int = 50, group: str = "level") -> Path:
    """Write ``report.html`` and, for up to ``pages`` territories, a profile page each (atomically).

    Pages are rendered on every core (a forked worker per core, where the platform forks); the
    files are written by this process, in league order.
    """
    out_dir = Path(out_dir)
    content = benchmark_content(run, group=group)
    groups = run.table[group].astype(object).where(run.table[group].notna(), "(none)")
    tasks = []
    for row in content.league[:pages]:
        matches = run.table.index[run.table["territory"] == row["territory"]]
        if len(matches) == 1:
            tasks.append((row["territory"], matches[0]))
    links, gaps = {}, {}
    for tid, html, kinds in _render_pages(run, groups, group, tasks):
        name = f"territories/{tid}.html"
        write_atomic(out_dir / name, html)
        links[tid] = name
        for kind in kinds:
            gaps[kind] = gaps.get(kind, 0) + 1
    content = BenchmarkContent(**{**content.__dict__, "pages": links, "governance_gaps": gaps})
    path = out_dir / "report.html"
    write_atomic(path, render_benchmark_html(content, run))
    return path


_shared: dict[str, Any] = {}  # what forked page workers read: the run and its peer groups


def _render_pages(run: Any, groups: pd.Series, group: str, tasks: list[tuple[str, Any]]):
    """``(territory, html, governance gap kinds)`` per task, in task order; on two processes when it pays."""
    import multiprocessing  # noqa: PLC0415
    import os  # noqa: PLC0415

    workers = min(os.cpu_count() or 1, 4)
    if len(tasks) < 8 or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [_page(run, groups, group, task) for task in tasks]
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

    _shared.update(run=run, groups=groups, group=group)
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(_page_in_worker, tasks, chunksize=max(1, len(tasks) // (4 * workers))))
    finally:
        _shared.clear()


def _page_in_worker(task: tuple[str, Any]) -> tuple[str, str, list[str]]:
    return _page(_shared["run"], _shared["groups"], _shared["group"], task)


def _page(run: Any, groups: pd.Series, group: str, task: tuple[str, Any]) -> tuple[str, str, list[str]]:
    from .figures import figure_data_uri, radar_figure  # noqa: PLC0415
    from .html import render_profile_html  # noqa: PLC0415

    tid, label = task
    assessment = run.explain(tid)
    peers = groups == groups[label]
    average = run.scores.factor_score[peers.to_numpy()].mean(skipna=True).dropna().to_dict()
    radar = figure_data_uri(radar_figure(assessment, peer_average=average,
                                         peer_label=f"average of its peers ({group}: {groups[label]})"))
    drawing = None
    profile = run.profiles[run.table.index.get_loc(label)] if run.profiles is not None else None
    if profile is not None and profile.governance is not None:
        from ..governance import build_graph, find_gaps  # noqa: PLC0415
        from ..governance.draw import draw_governance  # noqa: PLC0415

        graph = build_graph(profile)
        drawing = figure_data_uri(draw_governance(graph, find_gaps(graph)))
    html = render_profile_html(assessment, radar_uri=radar, governance_uri=drawing)
    return tid, html, [g["kind"] for g in assessment.governance_gaps]
