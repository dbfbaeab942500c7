"""Build the governance graph of a profile: one networkx ``MultiDiGraph``, the only place it is built.

Nodes are actor ids with the attributes ``name``, ``type``, ``level`` and, where given,
``sector``, ``mandate``, ``source`` and ``note``. Edges run from a relation's source to its
target, keyed by relation type, with the attribute ``relation`` (the type; GEXF reserves ``type``) and, where given,
``agreement``, ``years`` (text, e.g. ``"2013 2014"``), ``source`` (the citation) and ``note``.
Attributes that are not stated are left out, so that every value is a string and the graph
writes to GraphML and GEXF unchanged. The graph attribute ``complete`` carries the
section's flag; ``territory`` the profile's territory id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx

from .model import Governance

if TYPE_CHECKING:  # pragma: no cover
    from ..profile import Profile

__all__ = ["build_graph"]


def build_graph(source: Profile | Governance, *, territory: str | None = None) -> nx.MultiDiGraph:
    """The governance graph of a profile (or of a bare ``Governance`` section).

    A profile without a governance section gives an empty graph. Relations naming an
    undeclared actor are skipped (a loaded profile has none: the loader rejects them).

    Examples
    --------
    >>> from maturity.governance import Governance, build_graph
    >>> gov = Governance.model_validate({"actors": [
    ...     {"id": "lg", "name": "City", "type": "local_government", "level": "local"},
    ...     {"id": "twg", "name": "M&D working group", "type": "working_group", "level": "local"}],
    ...     "relations": [{"source": "lg", "target": "twg", "type": "coordinates_with"}]})
    >>> G = build_graph(gov)
    >>> G.nodes["twg"]["type"], list(G.edges(keys=True))
    ('working_group', [('lg', 'twg', 'coordinates_with')])
    """
    gov = source if isinstance(source, Governance) else source.governance
    if territory is None and not isinstance(source, Governance):
        territory = source.territory.id
    G = nx.MultiDiGraph(complete=bool(gov.complete) if gov else False, territory=territory or "")
    if gov is None:
        return G
    for actor in gov.actors:
        attrs = {"name": actor.name, "type": actor.type, "level": actor.level, "sector": actor.sector,
                 "mandate": actor.mandate, "source": str(actor.source) if actor.source else None, "note": actor.note}
        G.add_node(actor.id, **{k: v for k, v in attrs.items() if v is not None})
    for rel in gov.relations:
        if rel.source not in G or rel.target not in G:
            continue
        attrs = {"relation": rel.type, "agreement": rel.agreement,
                 "years": " ".join(map(str, rel.years)) if rel.years else None,
                 "source": str(rel.citation) if rel.citation else None, "note": rel.note}
        G.add_edge(rel.source, rel.target, key=rel.type, **{k: v for k, v in attrs.items() if v is not None})
    return G
