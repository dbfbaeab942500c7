"""Where one actor or one relation is the only link between migrants' organisations and government.

One depth-first pass (Tarjan's low-link, iterative) over the undirected simple view of the
graph finds articulation points and bridges together with, for each, the pieces the graph
falls into without it, so that the cost stays linear in actors plus relations.
"""

from __future__ import annotations

import networkx as nx

from ._graph import neighbours, typ
from .model import GOVERNMENT, MIGRANT_ORGS

__all__ = ["fragile_points"]


def _pair(u: object, v: object) -> tuple:
    return (u, v) if str(u) <= str(v) else (v, u)


def fragile_points(G: nx.MultiDiGraph) -> tuple[dict, dict]:
    """``(actors, relations)``: each fragile actor or relation (a 2-tuple, ordered by id) mapped to the migrants' organisations it cuts off.

    An actor is fragile when it is not governmental and removing it leaves some migrants'
    organisation that could reach a governmental actor with no path to any; a relation is
    fragile when removing it (with every other relation between the same two actors) does so.
    """
    adj = {n: neighbours(G, n) for n in G}
    is_gov = {n: typ(G, n) in GOVERNMENT for n in G}
    is_mig = {n: typ(G, n) in MIGRANT_ORGS for n in G}
    disc: dict = {}
    low: dict = {}
    size: dict = {}
    mig: dict = {}
    gov: dict = {}
    order: list = []
    points: dict = {}
    bridges: dict = {}

    def piece(start: int, length: int) -> list:
        return [n for n in order[start:start + length] if is_mig[n]]

    for root in G:
        if root in disc:
            continue
        comp_start = len(order)
        children: dict = {}

        def visit(n: object, children: dict = children) -> None:
            disc[n] = low[n] = len(order)
            order.append(n)
            size[n], mig[n], gov[n] = 1, int(is_mig[n]), int(is_gov[n])
            children[n] = []

        visit(root)
        stack = [(root, None, iter(adj[root]))]
        while stack:
            v, parent, it = stack[-1]
            for w in it:
                if w == parent:
                    continue
                if w not in disc:
                    visit(w)
                    children[v].append(w)
                    stack.append((w, v, iter(adj[w])))
                    break
                low[v] = min(low[v], disc[w])
            else:
                stack.pop()
                if parent is not None:
                    low[parent] = min(low[parent], low[v])
                    size[parent] += size[v]
                    mig[parent] += mig[v]
                    gov[parent] += gov[v]
        total_m, total_g = mig[root], gov[root]
        if total_m == 0 or total_g == 0:
            continue  # no migrants' organisation here, or none of them can reach government anyway
        for v in order[comp_start:]:
            cut_pieces = [w for w in children[v] if low[w] >= disc[v]]
            for w in children[v]:
                if low[w] > disc[v]:  # (v, w) is a bridge
                    sides = ((mig[w], gov[w]), (total_m - mig[w], total_g - gov[w]))
                    if sides[0][0] and not sides[0][1]:
                        bridges[_pair(v, w)] = piece(disc[w], size[w])
                    elif sides[1][0] and not sides[1][1]:
                        inside = set(order[disc[w]:disc[w] + size[w]])
                        bridges[_pair(v, w)] = [n for n in order[comp_start:] if is_mig[n] and n not in inside]
            if is_gov[v] or not cut_pieces:
                continue
            cut = []
            for w in cut_pieces:
                if mig[w] and not gov[w]:
                    cut += piece(disc[w], size[w])
            if v != root:
                rest_m = total_m - int(is_mig[v]) - sum(mig[w] for w in cut_pieces)
                rest_g = total_g - sum(gov[w] for w in cut_pieces)
                if rest_m and not rest_g:
                    inside = {n for w in cut_pieces for n in order[disc[w]:disc[w] + size[w]]} | {v}
                    cut += [n for n in order[comp_start:] if is_mig[n] and n not in inside]
            if cut:
                points[v] = cut
    return points, bridges
