"""Write and read governance graphs: GraphML, GEXF and node-link JSON.

Every node and edge attribute is a string (see :mod:`.build`), so the three formats
round-trip the graph unchanged; the relation type is also the edge key.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal, Union

import networkx as nx

__all__ = ["FORMATS", "from_node_link", "read_graph", "to_node_link", "write_graph"]

PathLike = Union[str, "os.PathLike[str]"]
Format = Literal["graphml", "gexf", "json"]
FORMATS: tuple[str, ...] = ("graphml", "gexf", "json")


def to_node_link(G: nx.MultiDiGraph) -> dict[str, Any]:
    """The graph as node-link data (plain JSON-ready dicts); links use ``from``/``to``, as ``source`` is the citation."""
    return nx.node_link_data(G, edges="links", source="from", target="to")


def from_node_link(data: dict[str, Any]) -> nx.MultiDiGraph:
    """The inverse of :func:`to_node_link`."""
    return nx.node_link_graph(data, directed=True, multigraph=True, edges="links", source="from", target="to")


def _format(path: Path, fmt: str | None) -> str:
    fmt = fmt or path.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise ValueError(f"unknown graph format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return fmt


def write_graph(G: nx.MultiDiGraph, path: PathLike, *, fmt: Format | None = None) -> None:
    """Write ``G`` to ``path``; the format follows ``fmt`` or the file's suffix."""
    from .._yamlio import write_atomic

    target = Path(path)
    kind = _format(target, fmt)
    if kind == "json":
        write_atomic(target, json.dumps(to_node_link(G), indent=2, ensure_ascii=False) + "\n")
        return
    lines = nx.generate_graphml(G) if kind == "graphml" else nx.generate_gexf(G)
    write_atomic(target, "\n".join(lines) + "\n")


def read_graph(path: PathLike, *, fmt: Format | None = None) -> nx.MultiDiGraph:
    """Read a graph written by :func:`write_graph`."""
    source = Path(path)
    kind = _format(source, fmt)
    if kind == "json":
        return from_node_link(json.loads(source.read_text(encoding="utf-8")))
    if kind == "graphml":
        G = nx.read_graphml(source, force_multigraph=True)
    else:
        G = _from_gexf(nx.read_gexf(source))
    return G


def _from_gexf(R: nx.Graph) -> nx.MultiDiGraph:
    """Undo what GEXF adds: a ``label`` per node (when it repeats the id), an ``id`` per edge, integer keys."""
    G = nx.MultiDiGraph(**R.graph)
    for n, d in R.nodes(data=True):
        G.add_node(n, **{k: v for k, v in d.items() if not (k == "label" and v == n)})
    for u, v, d in R.edges(data=True):
        attrs = {k: val for k, val in d.items() if k != "id"}
        G.add_edge(u, v, key=attrs.get("relation"), **attrs)
    return G
