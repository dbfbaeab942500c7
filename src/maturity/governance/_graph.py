"""Small helpers shared by the detectors: typed node sets, typed edges, undirected reach."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator

import networkx as nx

from .model import GOVERNMENT

__all__ = ["AUTHORITY", "HIGHER", "edges", "is_higher", "name", "neighbours", "of_type", "reach", "typ"]

# The assessed authority and its own bodies.
AUTHORITY = frozenset({"local_government", "department", "planning_council", "working_group", "md_unit"})
# Actors above the authority.
HIGHER = frozenset({"regional_body", "national_agency", "national_plan"})


def typ(G: nx.MultiDiGraph, n: object) -> str:
    return G.nodes[n].get("type", "")


def name(G: nx.MultiDiGraph, n: object) -> str:
    return str(G.nodes[n].get("name", n))


def is_higher(G: nx.MultiDiGraph, n: object) -> bool:
    """A regional or national actor (by type, or by a national level) other than the authority's own bodies."""
    t = typ(G, n)
    return t in HIGHER or (G.nodes[n].get("level") == "national" and t in GOVERNMENT and t not in AUTHORITY)


def of_type(G: nx.MultiDiGraph, types: Iterable[str]) -> list:
    wanted = frozenset(types)
    return [n for n, t in G.nodes(data="type") if t in wanted]


def edges(G: nx.MultiDiGraph, *types: str) -> Iterator[tuple]:
    """``(u, v, type)`` for every edge (of the given types, when some are given)."""
    wanted = frozenset(types)
    for u, v, k, t in G.edges(keys=True, data="relation", default=None):
        t = t or k
        if not wanted or t in wanted:
            yield u, v, t


def neighbours(G: nx.MultiDiGraph, n: object) -> set:
    """Neighbours of ``n`` ignoring direction and relation type (itself excluded)."""
    out = set(G._succ[n]) | set(G._pred[n])
    out.discard(n)
    return out


def reach(G: nx.MultiDiGraph, sources: Iterable, *, cutoff: int | None = None) -> dict:
    """Hops from the nearest of ``sources`` to every node reachable ignoring direction."""
    dist = dict.fromkeys(sources, 0)
    queue = deque(dist)
    while queue:
        n = queue.popleft()
        d = dist[n]
        if cutoff is not None and d >= cutoff:
            continue
        for m in neighbours(G, n):
            if m not in dist:
                dist[m] = d + 1
                queue.append(m)
    return dist
