"""Governance graphs: who takes part in mainstreaming migration, and how they are linked.

The optional ``governance`` section of a profile lists actors and relations
(:mod:`.model`); :func:`build_graph` turns it into a networkx ``MultiDiGraph``
(:mod:`.build`); detectors find coherence gaps in that graph (:mod:`.detectors`);
:mod:`.derive` computes graph-derived indicator answers for scoring; :mod:`.export`
writes GraphML, GEXF and node-link JSON; :mod:`.draw` draws the graph with matplotlib.
"""

from importlib import import_module
from typing import Any

from .model import Actor, Governance, Relation, check_governance

# The graph modules need networkx: imported on first use, so loading a profile does not pay for it.
_LAZY = {"build_graph": "build", "GapFinding": "detectors", "find_gaps": "detectors",
         **dict.fromkeys(("DERIVED_INDICATORS", "apply_governance", "declared_vs_graph", "derived_answers", "governance_gaps"), "derive"),
         **{f"detect_{kind}": "detectors" for kind in ("accountability", "decentralised_cooperation", "fragility",
                                                       "horizontal", "isolation", "overlapping_mandates",
                                                       "participation", "vertical")}}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DERIVED_INDICATORS",
    "Actor",
    "GapFinding",
    "Governance",
    "Relation",
    "apply_governance",
    "build_graph",
    "check_governance",
    "declared_vs_graph",
    "derived_answers",
    "detect_accountability",
    "detect_decentralised_cooperation",
    "detect_fragility",
    "detect_horizontal",
    "detect_isolation",
    "detect_overlapping_mandates",
    "detect_participation",
    "detect_vertical",
    "find_gaps",
    "governance_gaps",
]
