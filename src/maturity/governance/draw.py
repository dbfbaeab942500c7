"""Draw a governance graph: levels as horizontal bands, actor types by colour and shape, gaps highlighted.

Uses matplotlib's Agg backend (no display needed); the figure saves to PNG or SVG.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable

import matplotlib

matplotlib.use("Agg")  # noqa: E402 (before pyplot)
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from ..messages import N_, _  # noqa: E402
from .detectors import GapFinding  # noqa: E402
from .model import LEVELS, MIGRANT_ORGS, PLANS  # noqa: E402

__all__ = ["draw_governance", "GROUPS"]

# actor group -> (types, colour, marker)
GROUPS: dict[str, tuple[frozenset[str], str, str]] = {
    "authority": (frozenset({"local_government", "department", "md_unit"}), "#1f77b4", "s"),
    "planning bodies": (frozenset({"planning_council", "working_group"}), "#17becf", "h"),
    "higher levels": (frozenset({"regional_body", "national_agency", "partner_authority"}), "#9467bd", "D"),
    "plans": (PLANS, "#7f7f7f", "p"),
    "migrants": (MIGRANT_ORGS, "#ff7f0e", "o"),
    "other stakeholders": (frozenset(), "#2ca02c", "^"),
}
_EDGE_STYLE = {"aligned_with": ("#7f7f7f", "dashed"), "reports_to": ("#9467bd", "solid"),
               "accountable_to": ("#8c564b", "solid"), "partners_with": ("#d62728", "dotted")}


_WORDS = {"authority": N_("authority"), "planning bodies": N_("planning bodies"), "higher levels": N_("higher levels"),
          "plans": N_("plans"), "migrants": N_("migrants"), "other stakeholders": N_("other stakeholders"),
          "local": N_("local"), "regional": N_("regional"), "national": N_("national"), "international": N_("international")}


def _words(key: str) -> str:
    return _(_WORDS[key]) if key in _WORDS else key


def _group(node_type: str) -> str:
    for group, (types, _colour, _marker) in GROUPS.items():
        if node_type in types:
            return group
    return "other stakeholders"


def _positions(G: nx.MultiDiGraph) -> dict[Any, tuple[float, float]]:
    """Each level a band (local at the bottom); inside it one row per actor group, actors spread along it."""
    rows: dict[tuple[str, str], list] = defaultdict(list)
    for n, d in G.nodes(data=True):
        rows[(d.get("level") if d.get("level") in LEVELS else "local", _group(d.get("type", "")))].append(n)
    order = list(GROUPS)
    pos = {}
    for y, level in enumerate(LEVELS):
        groups = [g for g in order if rows.get((level, g))]
        for r, group in enumerate(groups):
            dy = 0.0 if len(groups) == 1 else -0.32 + 0.64 * r / (len(groups) - 1)
            members = sorted(rows[(level, group)], key=str)
            for i, n in enumerate(members):
                shift = 0.5 / (len(members) + 1) if r % 2 else 0.0
                pos[n] = ((i + 1) / (len(members) + 1) + shift / 2, y + dy)
    return pos


def draw_governance(G: nx.MultiDiGraph, gaps: Iterable[GapFinding] | None = None, ax: Any = None,
                    *, labels: bool = True) -> Figure:
    """Draw ``G``; actors named in ``gaps`` are ringed in red. Returns the matplotlib figure.

    Examples
    --------
    >>> from maturity.governance import Governance, build_graph
    >>> G = build_graph(Governance.model_validate({"actors": [
    ...     {"id": "lg", "name": "City", "type": "local_government", "level": "local"}]}))
    >>> fig = draw_governance(G)
    >>> fig.axes[0].get_title()
    'Governance graph'
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(12, 7))
    else:
        fig = ax.figure
    pos = _positions(G)
    for y, level in enumerate(LEVELS):
        ax.axhspan(y - 0.45, y + 0.45, color="#f2f2f2" if y % 2 == 0 else "#e6e6e6", zorder=0)
        ax.text(-0.02, y, _words(level), ha="right", va="center", fontsize=10, fontweight="bold")
    simple = nx.DiGraph()
    simple.add_nodes_from(G)
    for u, v, k, t in G.edges(keys=True, data="relation"):
        simple.add_edge(u, v, type=t or k)
    for rtype in sorted({d["type"] for _u, _v, d in simple.edges(data=True)}):
        colour, style = _EDGE_STYLE.get(rtype, ("#bbbbbb", "solid"))
        nx.draw_networkx_edges(simple, pos, ax=ax, edgelist=[(u, v) for u, v, d in simple.edges(data=True) if d["type"] == rtype],
                               edge_color=colour, style=style, arrows=True, arrowsize=10, width=1.0, node_size=300)
    flagged = {a for gap in (gaps or ()) for a in gap.actors if a in G}
    handles = []
    for group, (_types, colour, marker) in GROUPS.items():
        nodes = [n for n in G if _group(G.nodes[n].get("type", "")) == group]
        if not nodes:
            continue
        nx.draw_networkx_nodes(G, pos, nodelist=nodes, node_color=colour, node_shape=marker, node_size=300, ax=ax,
                               edgecolors=["#d62728" if n in flagged else "white" for n in nodes],
                               linewidths=[2.5 if n in flagged else 0.5 for n in nodes])
        handles.append(Line2D([], [], marker=marker, color="w", markerfacecolor=colour, markersize=10, label=_words(group)))
    if flagged:
        handles.append(Line2D([], [], marker="o", color="w", markerfacecolor="w", markeredgecolor="#d62728",
                              markeredgewidth=2, markersize=10, label=_("in a gap")))
    if labels and G.number_of_nodes() <= 200:
        nx.draw_networkx_labels(G, pos, labels={n: G.nodes[n].get("name", str(n))[:28] for n in G}, font_size=6, ax=ax,
                                verticalalignment="bottom")
    ax.set_xlim(-0.15, 1.05)
    ax.set_ylim(-0.6, len(LEVELS) - 0.4)
    ax.set_axis_off()
    ax.set_title(_("Governance graph: %(territory)s") % {"territory": G.graph["territory"]} if G.graph.get("territory")
                 else _("Governance graph"))
    ax.legend(handles=handles, loc="upper right", fontsize=8, frameon=False)
    return fig
