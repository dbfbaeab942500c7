"""Report figures: matplotlib ``Figure`` objects, drawn with the Agg canvas (no pyplot state).

Single-territory figures take an :class:`~maturity.Assessment` or a
:class:`~maturity.report.content.ProfileContent`; the many-territory figures take plain
pandas tables so that benchmarking reports can reuse them.

Examples
--------
>>> import pandas as pd
>>> fig = stage_distribution_figure(pd.DataFrame({"stage": ["emerging", "emerging", "exploring"]}),
...                                 order=["exploring", "emerging", "consolidating"])
>>> [int(p.get_height()) for p in fig.axes[0].patches]
[1, 2, 0]
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any, Union

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from ..assessment import Assessment
from ..messages import N_, _
from .content import ProfileContent

__all__ = [
    "LEVEL_COLOURS",
    "UNKNOWN_COLOUR",
    "factor_bars_figure",
    "factor_bars_svg",
    "figure_data_uri",
    "figure_png",
    "heatmap_figure",
    "levels_frame",
    "new_figure",
    "radar_figure",
    "stage_distribution_figure",
    "svg_data_uri",
]

Scored = Union[Assessment, ProfileContent]
LEVEL_COLOURS = ["#d7301f", "#fc8d59", "#fdcc8a", "#91bfdb", "#4575b4"]  # levels 0-4
UNKNOWN_COLOUR = "#dddddd"
LEVEL_NAMES = [N_("absent"), N_("initial"), N_("emerging"), N_("established"), N_("mainstreamed")]  # translated when drawn


def new_figure(width: float, height: float) -> Figure:
    """A figure on its own Agg canvas: no pyplot, nothing global; drop it (or ``fig.clear()``) when done."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _rows(scored: Scored) -> list[dict[str, Any]]:
    """Per factor: id, title, score (None when unassessed), lower, upper, level and level bounds."""
    if isinstance(scored, ProfileContent):
        items: Sequence[Any] = scored.factors
        return [{"id": a.factor, "title": a.title, "score": a.score, "lower": a.lower, "upper": a.upper,
                 "level": a.level, "lower_level": a.lower_level, "upper_level": a.upper_level} for a in items]
    if isinstance(scored, Assessment):
        return [{"id": f.id, "title": f.title, "score": f.score, "lower": f.lower, "upper": f.upper,
                 "level": f.level, "lower_level": f.lower_level, "upper_level": f.upper_level} for f in scored.factors]
    raise TypeError(f"expected an Assessment or a ProfileContent, not {type(scored).__name__}")


def _name(scored: Scored, limit: int = 60) -> str:
    """The territory's name for titles and legends, cut to ``limit`` characters."""
    name = str(scored.territory.get("name") or scored.territory.get("id"))
    return name if len(name) <= limit else name[: limit - 1] + "\u2026"


def radar_figure(scored: Scored, peers: Sequence[Scored] | None = None, *, title: str | None = None,
                 peer_average: Mapping[str, float] | None = None, peer_label: str | None = None) -> Figure:
    """A radar of the factor scores (0-100), the band between lower and upper bounds shaded.

    Unassessed factors have no score: the score line breaks there, the band still shows their
    bounds. ``peers`` adds one line per other territory (scores only); ``peer_average`` (factor id
    to score) adds the peer group's mean as a dotted line. The first line of the
    polar axes is the territory's scores (``NaN`` where unassessed), closing back on the first factor.
    """
    rows = _rows(scored)
    n = len(rows)
    angles = np.linspace(0, 2 * math.pi, n, endpoint=False)
    closed = np.append(angles, angles[:1])

    def loop(values: Sequence[float | None]) -> np.ndarray:
        arr = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
        return np.append(arr, arr[:1])

    fig = new_figure(7, 7)
    ax = fig.add_subplot(projection="polar")
    ax.plot(closed, loop([r["score"] for r in rows]), color="#08519c", linewidth=2, marker="o", label=_name(scored))
    ax.fill_between(closed, loop([r["lower"] for r in rows]), loop([r["upper"] for r in rows]),
                    color="#6baed6", alpha=0.25, label=_("bounds (unknowns at worst / best)"))
    for peer in peers or ():
        peer_rows = {r["id"]: r["score"] for r in _rows(peer)}
        ax.plot(closed, loop([peer_rows.get(r["id"]) for r in rows]), linewidth=1, linestyle="--", label=_name(peer))
    if peer_average:
        ax.plot(closed, loop([peer_average.get(r["id"]) for r in rows]), color="#d94801", linewidth=1.5,
                linestyle=":", label=peer_label if peer_label is not None else _("peer average"))
    ax.set_xticks(angles)
    ax.set_xticklabels([r["id"].replace("_", " ") for r in rows], fontsize=7)
    ax.set_ylim(0, 100)
    ax.set_yticks([25, 50, 75, 100])
    ax.set_yticklabels(["25", "50", "75", "100"], fontsize=6)
    ax.set_title(title if title is not None else _("%(name)s: factor scores with bounds") % {"name": _name(scored)}, fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=2, fontsize=7, frameon=False)
    return fig


def factor_bars_figure(scored: Scored, *, max_level: int = 4, title: str | None = None,
                       peer_average: Mapping[str, float] | None = None, peer_label: str | None = None,
                       level_names: Sequence[str] | None = None) -> Figure:
    """Horizontal bars of each factor's known level, bounds as a whisker; unassessed factors hatched.

    Bars are in the factors' order from top to bottom; their widths are the levels (0 where
    unassessed, the bar then drawn hatched and empty, marked "unknown"), the whiskers span
    lower to upper level. ``peer_average`` (factor id to mean level) adds a marker per factor.
    """
    rows = _rows(scored)
    y = np.arange(len(rows))[::-1]
    fig = new_figure(8, 0.34 * len(rows) + 1.6)
    ax = fig.add_subplot()
    widths = [r["level"] if r["level"] is not None else 0 for r in rows]
    colours = [LEVEL_COLOURS[min(int(w), len(LEVEL_COLOURS) - 1)] if r["level"] is not None else "white"
               for w, r in zip(widths, rows)]
    bars = ax.barh(y, widths, color=colours, edgecolor="#555555", height=0.6)
    for bar, r in zip(bars, rows):
        if r["level"] is None:
            bar.set_hatch("//")
            ax.text(0.05, bar.get_y() + bar.get_height() / 2, _("unknown"), va="center", fontsize=7, color="#555555")
    ax.hlines(y, [r["lower_level"] for r in rows], [r["upper_level"] for r in rows], color="#222222", linewidth=1.2,
              label=_("could be, with the unknown answers"))
    ax.plot([r["upper_level"] for r in rows], y, "|", color="#222222", markersize=8)
    if peer_average:
        px = [peer_average.get(r["id"], np.nan) for r in rows]
        ax.plot(px, y, "v", color="#7b3294", markersize=6, linestyle="none",
                label=peer_label if peer_label is not None else _("peer average"))
    ax.set_yticks(y)
    ax.set_yticklabels([r["title"] for r in rows], fontsize=8)
    ax.set_xlim(0, max_level + 0.2)
    ax.set_xticks(range(max_level + 1))
    names = list(level_names if level_names is not None else [_(n) for n in LEVEL_NAMES])[: max_level + 1]
    ax.set_xticklabels([f"{i} {names[i]}" if i < len(names) else str(i) for i in range(max_level + 1)], fontsize=7)
    ax.set_xlabel(_("level the known answers establish"))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=7, frameon=False)
    ax.set_title(title if title is not None else _("%(name)s: level of each factor") % {"name": _name(scored)}, fontsize=10)
    return fig


PX = 100 / 72  # pixels per point: the figures are drawn at 100 dpi


def _svg_text(x: float, y: float, text: str, size: float, *, anchor: str = "start", colour: str = "#000000",
              extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size * PX:.1f}" text-anchor="{anchor}" fill="{colour}" '
            f'dominant-baseline="central"{extra}>{escape(text)}</text>')


def _text_width(text: str, size: float) -> float:
    """Width in pixels of ``text`` at ``size`` points, estimated (DejaVu Sans averages about 0.55 em a character)."""
    return len(text) * size * PX * 0.55


def factor_bars_svg(scored: Scored, *, max_level: int = 4, title: str | None = None,
                    peer_average: Mapping[str, float] | None = None, peer_label: str | None = None,
                    level_names: Sequence[str] | None = None) -> str:
    """The chart of :func:`factor_bars_figure` written directly as SVG text, for HTML pages.

    The same marks at the same size (800 pixels wide, 100 dpi): a bar per factor in the factors'
    order from top to bottom, as wide as its known level and coloured by it (hatched, empty and
    marked "unknown" where unassessed), a whisker from the lower to the upper level, a marker for
    ``peer_average`` (factor id to mean level) and a legend below. Drawn without matplotlib, in
    about a millisecond, so that a report of many territory pages stays fast; texts are escaped.
    Text widths are estimated, so long factor titles may sit a little off their reserved margin.

    Examples
    --------
    >>> from maturity import bundled_profiles_dir, load_profile, score
    >>> svg = factor_bars_svg(score(load_profile(bundled_profiles_dir() / "ph-legazpi.yaml")))
    >>> svg.startswith("<svg ") and svg.count('class="bar"') == 19
    True
    """
    rows = _rows(scored)
    names = list(level_names if level_names is not None else [_(n) for n in LEVEL_NAMES])[: max_level + 1]
    width, row_h = 800.0, 0.34 * 100
    left = min(380.0, max([_text_width(str(r["title"]), 8) for r in rows] + [40.0]) + 20)
    right, top = 20.0, 40.0
    plot_h = row_h * len(rows)
    legend = [("whisker", _("could be, with the unknown answers"))]
    if peer_average:
        legend.append(("peer", peer_label if peer_label is not None else _("peer average")))
    height = top + plot_h + 100

    def x(level: float) -> float:
        return left + (width - left - right) * float(level) / (max_level + 0.2)

    def y(i: int) -> float:  # centre of the i-th row, the first factor at the top
        return top + row_h * (i + 0.5)

    out = [(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="DejaVu Sans, Verdana, Arial, sans-serif">'),
           ('<defs><pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
            '<line x1="0" y1="0" x2="0" y2="8" stroke="#555555" stroke-width="1"/></pattern></defs>'),
           f'<rect width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>',
           _svg_text(width / 2, 18, title if title is not None else _("%(name)s: level of each factor") % {"name": _name(scored)},
                     10, anchor="middle")]
    for i, r in enumerate(rows):
        level = r["level"]
        fill = LEVEL_COLOURS[min(int(level), len(LEVEL_COLOURS) - 1)] if level is not None else "url(#hatch)"
        bar_w = x(level if level is not None else 0) - left
        out.append(f'<rect class="bar" x="{left:.1f}" y="{y(i) - 0.3 * row_h:.1f}" width="{bar_w:.1f}" '
                   f'height="{0.6 * row_h:.1f}" fill="{fill}" stroke="#555555"/>')
        if level is None:
            out.append(_svg_text(x(0.05), y(i), _("unknown"), 7, colour="#555555"))
        out.append(_svg_text(left - 6, y(i), str(r["title"]), 8, anchor="end"))
        if r["lower_level"] is not None and r["upper_level"] is not None:
            x0, x1 = x(r["lower_level"]), x(r["upper_level"])
            out.append(f'<path d="M{x0:.1f} {y(i):.1f}H{x1:.1f}M{x1:.1f} {y(i) - 4 * PX:.1f}V{y(i) + 4 * PX:.1f}" '
                       f'stroke="#222222" stroke-width="{1.2 * PX:.1f}" fill="none"/>')
        peer = peer_average.get(r["id"]) if peer_average else None
        if peer is not None and not math.isnan(peer):
            out.append(_svg_marker(x(peer), y(i)))
    bottom = top + plot_h
    out.append(f'<rect x="{left:.1f}" y="{top:.1f}" width="{width - left - right:.1f}" height="{plot_h:.1f}" '
               f'fill="none" stroke="#000000" stroke-width="1"/>')
    for k in range(max_level + 1):
        out.append(f'<path d="M{x(k):.1f} {bottom:.1f}v5" stroke="#000000"/>')
        out.append(_svg_text(x(k), bottom + 14, f"{k} {names[k]}" if k < len(names) else str(k), 7, anchor="middle"))
    out.append(_svg_text((left + width - right) / 2, bottom + 36, _("level the known answers establish"), 10, anchor="middle"))
    spans = [40 + _text_width(text, 7) for _kind, text in legend]
    lx = (width - sum(spans) - 20 * (len(spans) - 1)) / 2
    ly = bottom + 64
    for (kind, text), span in zip(legend, spans):
        if kind == "whisker":
            out.append(f'<path d="M{lx:.1f} {ly:.1f}h28" stroke="#222222" stroke-width="{1.2 * PX:.1f}"/>')
        else:
            out.append(_svg_marker(lx + 14, ly))
        out.append(_svg_text(lx + 36, ly, text, 7))
        lx += span + 20
    out.append("</svg>")
    return "\n".join(out)


def _svg_marker(cx: float, cy: float) -> str:
    """The peer-average marker: a downward triangle (matplotlib's ``v``, 6 points)."""
    h = 3 * PX
    return (f'<path d="M{cx - h:.1f} {cy - h:.1f}L{cx + h:.1f} {cy - h:.1f}L{cx:.1f} {cy + h:.1f}Z" '
            f'fill="#7b3294" stroke="#7b3294"/>')


def svg_data_uri(svg: str) -> str:
    """SVG text as a ``data:image/svg+xml;base64,...`` URI, for self-contained HTML (shown by ``<img>``)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def levels_frame(table: pd.DataFrame, *, prefix: str = "level.", id_column: str = "territory") -> pd.DataFrame:
    """A benchmarking table (a row per territory, ``level.<factor>`` columns) as factor-by-territory levels."""
    columns = [c for c in table.columns if str(c).startswith(prefix)]
    if not columns:
        raise ValueError(f"no '{prefix}<factor>' columns in the table")
    out = table[columns].copy()
    if id_column in table.columns:
        out.index = table[id_column].astype(str)
    out.columns = [str(c)[len(prefix):] for c in columns]
    return out.T.apply(pd.to_numeric, errors="coerce")


def heatmap_figure(levels_df: pd.DataFrame, *, max_level: int = 4, title: str | None = None,
                   level_names: Sequence[str] | None = None) -> Figure:
    """A heat map of levels: one row per index entry, one column per column, read as a table.

    Values are levels (0 to ``max_level``); missing values (unassessed) are drawn grey and
    marked ``?``. The legend names every colour, the grey "unknown" included. The figure is
    at most 11 inches wide, so that a page can show it whole. The image's array is the table's
    values (masked where missing).
    """
    values = levels_df.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    masked = np.ma.masked_invalid(values)
    rows, cols = values.shape
    fig = new_figure(min(11.0, max(5.0, 0.42 * cols + 3.5)), max(3.0, 0.28 * rows + 2.6))
    ax = fig.add_subplot()
    cmap = ListedColormap(LEVEL_COLOURS[: max_level + 1]).with_extremes(bad=UNKNOWN_COLOUR)
    ax.imshow(masked, cmap=cmap, vmin=-0.5, vmax=max_level + 0.5, aspect="auto")
    for i in range(rows):
        for j in range(cols):
            v = values[i, j]
            ax.text(j, i, "?" if np.isnan(v) else str(int(v)), ha="center", va="center", fontsize=6)
    ax.set_xticks(range(cols))
    ax.xaxis.tick_top()
    ax.set_xticklabels([str(c) for c in levels_df.columns], rotation=55, ha="left", va="bottom",
                       rotation_mode="anchor", fontsize=7)
    ax.set_yticks(range(rows))
    ax.set_yticklabels([str(i)[:40] for i in levels_df.index], fontsize=7)
    plt_names = list(level_names if level_names is not None else [_(n) for n in LEVEL_NAMES])
    handles = [Patch(facecolor=LEVEL_COLOURS[i], edgecolor="#555555",
                     label=f"{i} {plt_names[i]}" if i < len(plt_names) else str(i)) for i in range(max_level + 1)]
    handles.append(Patch(facecolor=UNKNOWN_COLOUR, edgecolor="#555555", label=_("? unknown (not assessed)")))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=min(6, len(handles)),
              fontsize=7, frameon=False, title=_("level"), title_fontsize=7)
    ax.set_title(title if title is not None else _("Factor levels by territory"), fontsize=10)
    return fig


def stage_distribution_figure(df: pd.DataFrame, *, column: str = "stage", order: Sequence[str] | None = None,
                              labels: Sequence[str] | None = None, title: str | None = None) -> Figure:
    """Bars counting territories per stage (``column``), in ``order`` (the ruleset's stages, lowest first).

    Every stage in ``order`` has a bar, empty ones included, with its count written above it;
    ``labels`` names them (stage names). Without ``order`` the stages appear in the order first
    met. Rows without a stage (no score) are counted in a last ``no score`` bar when there are any.
    """
    stages = df[column]
    ids = list(order) if order is not None else list(dict.fromkeys(stages.dropna().astype(str)))
    names = list(labels) if labels is not None else list(ids)
    counts = [int((stages.astype("string") == s).sum()) for s in ids]
    missing = int(stages.isna().sum())
    if missing:
        names, counts = [*names, _("no score")], [*counts, missing]
    fig = new_figure(6, 3.5)
    ax = fig.add_subplot()
    bars = ax.bar(range(len(names)), counts, color="#4575b4")
    ax.bar_label(bars, labels=[f"{n:,}" for n in counts], fontsize=8, padding=2)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, fontsize=8)
    ax.set_ylabel(_("territories"))
    ax.set_ylim(0, max([*counts, 1]) * 1.15)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title if title is not None else _("Territories by stage"), fontsize=10)
    return fig


def figure_png(fig: Figure, *, dpi: int = 100) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def figure_data_uri(fig: Figure, *, dpi: int = 100) -> str:
    """The figure as a ``data:image/png;base64,...`` URI, for self-contained HTML."""
    return "data:image/png;base64," + base64.b64encode(figure_png(fig, dpi=dpi)).decode("ascii")
