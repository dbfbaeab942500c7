"""Draw a governance graph: actors by level, relations by type, each coherence gap numbered.

The drawing is a :class:`matplotlib.figure.Figure` on its own Agg canvas: no pyplot, no global
state, no backend switch, so it is safe in servers, notebooks and threads. The caller owns the
figure; :func:`close_drawing` releases it (or pass ``ax`` to draw into axes of your own).

Layout: one horizontal band per level that has actors (transnational at the top, local at the
bottom), each band as tall as its rows of actors need; every actor a box with its full name
wrapped, coloured by group; relations as arrows whose colour and line style say their type, all
named in a legend; each gap a numbered red badge on the actors it involves, and listed under
the drawing with those actors. No relation is drawn in the gap red.
"""

from __future__ import annotations

import textwrap
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import networkx as nx
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch

from ..messages import N_, _
from ..wording import gap_kind
from .detectors import GapFinding
from .model import LEVELS, MIGRANT_ORGS, PLANS

__all__ = ["GAP_COLOUR", "GROUPS", "RELATION_STYLES", "close_drawing", "draw_governance"]

# actor group -> (types, colour): ColorBrewer Pastel1, one hue per group, none near the gap red
GROUPS: dict[str, tuple[frozenset[str], str]] = {
    "authority": (frozenset({"local_government", "department", "md_unit"}), "#b3cde3"),
    "planning bodies": (frozenset({"planning_council", "working_group"}), "#ccebc5"),
    "higher levels": (frozenset({"regional_body", "national_agency", "partner_authority"}), "#decbe4"),
    "plans": (PLANS, "#e5d8bd"),
    "migrants": (MIGRANT_ORGS, "#fed9a6"),
    "other stakeholders": (frozenset(), "#ffffcc"),
}
GAP_COLOUR = "#d62728"
#: relation type -> (colour, line style); none uses the gap red.
RELATION_STYLES: dict[str, tuple[str, Any]] = {
    "member_of": ("#2171b5", "solid"),
    "coordinates_with": ("#238b45", "solid"),
    "reports_to": ("#6a51a3", "solid"),
    "accountable_to": ("#8c564b", "solid"),
    "funds": ("#b8860b", "dashed"),
    "endorses": ("#17becf", "dashed"),
    "aligned_with": ("#7f7f7f", "dashed"),
    "partners_with": ("#1b9e77", "dotted"),
    "consults": ("#e377c2", "dashdot"),
    "informs": ("#bcbd22", "dashdot"),
    "represents": ("#ff7f0e", "solid"),
}
_PER_ROW = 4
_WRAP = 22


# Groups, levels and relation types in words (translated when drawn; keys stay as they are).
_WORDS = {
    "authority": N_("authority"), "planning bodies": N_("planning bodies"), "higher levels": N_("higher levels"),
    "plans": N_("plans"), "migrants": N_("migrants"), "other stakeholders": N_("other stakeholders"),
    "local": N_("local"), "regional": N_("regional"), "national": N_("national"), "transnational": N_("transnational"),
    "member_of": N_("member of"), "coordinates_with": N_("coordinates with"), "reports_to": N_("reports to"),
    "accountable_to": N_("accountable to"), "funds": N_("funds"), "endorses": N_("endorses"),
    "aligned_with": N_("aligned with"), "partners_with": N_("partners with"), "consults": N_("consults"),
    "informs": N_("informs"), "represents": N_("represents"),
}


def _words(key: str) -> str:
    return _(_WORDS[key]) if key in _WORDS else key.replace("_", " ")


def _group(node_type: str) -> str:
    for group, (types, _colour) in GROUPS.items():
        if node_type in types:
            return group
    return "other stakeholders"


def _label(G: nx.MultiDiGraph, n: Any) -> str:
    return textwrap.fill(str(G.nodes[n].get("name") or n), _WRAP, break_long_words=True)


def _layout(G: nx.MultiDiGraph) -> tuple[dict[Any, tuple[float, float]], list[tuple[str, float, float]]]:
    """Positions (x in 0-1, y downwards from 0) and the bands: (level, top, bottom), top level first."""
    by_level: dict[str, list[Any]] = defaultdict(list)
    for n, d in G.nodes(data=True):
        by_level[d.get("level") if d.get("level") in LEVELS else "local"].append(n)
    order = list(GROUPS)
    pos: dict[Any, tuple[float, float]] = {}
    bands = []
    y = 0.0
    for level in reversed(LEVELS):  # transnational at the top, local at the bottom
        members = sorted(by_level.get(level, []), key=lambda n: (order.index(_group(G.nodes[n].get("type", ""))), str(n)))
        if not members:
            continue
        top = y
        for start in range(0, len(members), _PER_ROW):
            row = members[start:start + _PER_ROW]
            lines = max(_label(G, n).count("\n") + 1 for n in row)
            height = 0.5 + 0.22 * lines
            for i, n in enumerate(row):
                pos[n] = ((i + 0.5) / len(row) if len(row) > 1 else 0.5, y + height / 2)
            y += height
        bands.append((level, top, y))
        y += 0.15
    return pos, bands


def draw_governance(G: nx.MultiDiGraph, gaps: Iterable[GapFinding] | None = None, ax: Any = None,
                    *, labels: bool = True) -> Figure:
    """Draw ``G`` with its ``gaps`` numbered; returns the figure (close it with :func:`close_drawing`).

    Examples
    --------
    >>> from maturity.governance import Governance, build_graph
    >>> G = build_graph(Governance.model_validate({"actors": [
    ...     {"id": "lg", "name": "City", "type": "local_government", "level": "local"}]}))
    >>> fig = draw_governance(G)
    >>> fig.axes[0].get_title()
    'Governance graph'
    >>> close_drawing(fig)
    """
    gaps = list(gaps or ())
    pos, bands = _layout(G)
    height = bands[-1][2] if bands else 1.0
    if ax is None:
        fig = Figure(figsize=(11, max(3.0, 1.2 * height + 1.2 + 0.22 * len(gaps))), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    for i, (level, top, bottom) in enumerate(bands):
        ax.axhspan(top - 0.05, bottom + 0.05, color="#f4f4f4" if i % 2 == 0 else "#e9e9e9", zorder=0)
        ax.text(-0.01, (top + bottom) / 2, _words(level), ha="right", va="center", fontsize=9, fontweight="bold")
    boxes = {}
    for n, (x, y) in pos.items():
        colour = GROUPS[_group(G.nodes[n].get("type", ""))][1]
        text = _label(G, n) if labels else ""
        boxes[n] = ax.text(x, y, text, ha="center", va="center", fontsize=7, zorder=3,
                           bbox={"boxstyle": "round,pad=0.35", "facecolor": colour, "edgecolor": "#555555", "linewidth": 0.6})
    seen_types: list[str] = []
    pair_count: dict[tuple[Any, Any], int] = defaultdict(int)
    for u, v, k, t in G.edges(keys=True, data="relation"):
        rtype = str(t or k)
        if u not in pos or v not in pos or u == v:
            continue
        colour, style = RELATION_STYLES.get(rtype, ("#444444", "solid"))
        key = (min(str(u), str(v)), max(str(u), str(v)))
        rad = 0.12 * pair_count[key] + 0.08
        pair_count[key] += 1
        ax.add_patch(FancyArrowPatch(pos[u], pos[v], arrowstyle="-|>", mutation_scale=9, color=colour, linestyle=style,
                                     linewidth=1.1, connectionstyle=f"arc3,rad={rad}", shrinkA=14, shrinkB=14, zorder=2))
        if rtype not in seen_types:
            seen_types.append(rtype)
    badges: dict[Any, list[int]] = defaultdict(list)
    for i, gap in enumerate(gaps, 1):
        for a in dict.fromkeys(gap.actors):
            if a in pos:
                badges[a].append(i)
    for n, numbers in badges.items():
        x, y = pos[n]
        ax.annotate(",".join(map(str, numbers)), (x, y), xytext=(0, 14), textcoords="offset points", ha="center",
                    va="bottom", fontsize=7, color="white", fontweight="bold", zorder=4,
                    bbox={"boxstyle": "circle,pad=0.25" if len(numbers) == 1 else "round,pad=0.25",
                          "facecolor": GAP_COLOUR, "edgecolor": GAP_COLOUR})
    ax.set_xlim(-0.12, 1.05)
    ax.set_ylim(height + 0.1, -0.2)
    ax.set_axis_off()
    ax.set_title(_("Governance graph: %(territory)s") % {"territory": G.graph["territory"]} if G.graph.get("territory")
                 else _("Governance graph"))
    handles: list[Any] = [Patch(facecolor=c, edgecolor="#555555", label=_words(g)) for g, (_types, c) in GROUPS.items()
                          if any(_group(G.nodes[n].get("type", "")) == g for n in G)]
    handles += [Line2D([], [], color=RELATION_STYLES.get(t, ("#444444", "solid"))[0],
                       linestyle=RELATION_STYLES.get(t, ("#444444", "solid"))[1], label=_words(t))
                for t in seen_types]
    if gaps:
        handles.append(Line2D([], [], marker="o", color="w", markerfacecolor=GAP_COLOUR, markersize=9,
                              label=_("gap (numbered below)")))
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
    if gaps:
        names = {n: str(G.nodes[n].get("name") or n) for n in G}
        listed = [f"{i}. {gap_kind(g.kind)}: " + ", ".join(names.get(a, str(a)) for a in dict.fromkeys(g.actors))
                  for i, g in enumerate(gaps, 1)]
        ax.text(0.0, -0.02, "\n".join(textwrap.shorten(s, 160) for s in listed), transform=ax.transAxes,
                ha="left", va="top", fontsize=7, color="#333333")
    return fig


def close_drawing(fig: Figure | None) -> None:
    """Release a drawing made by :func:`draw_governance` (its artists and canvas)."""
    if fig is not None:
        fig.clear()
