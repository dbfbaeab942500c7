"""Governance graphs: who takes part in mainstreaming migration, and how they are linked.

The optional ``governance`` section of a profile lists actors and relations
(:mod:`.model`); :func:`build_graph` turns it into a networkx ``MultiDiGraph``
(:mod:`.build`); detectors find coherence gaps in that graph (:mod:`.detectors`);
:mod:`.derive` computes graph-derived indicator answers for scoring; :mod:`.export`
writes GraphML, GEXF and node-link JSON; :mod:`.draw` draws the graph with matplotlib.
"""

from .build import build_graph
from .derive import DERIVED_INDICATORS, apply_governance, declared_vs_graph, derived_answers, governance_gaps
from .detectors import (
    GapFinding,
    detect_accountability,
    detect_decentralised_cooperation,
    detect_fragility,
    detect_horizontal,
    detect_isolation,
    detect_overlapping_mandates,
    detect_participation,
    detect_vertical,
    find_gaps,
)
from .model import Actor, Governance, Relation, check_governance

__all__ = [
    "Actor",
    "DERIVED_INDICATORS",
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
