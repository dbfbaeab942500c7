"""Evaluators of a compiled plan, behind one protocol; each returns one :class:`Outcome`.

``durable`` runs every rule in durable_rules (the reference, with explanations);
``vectorised`` evaluates the same plan with numpy for every row at once (for volume).
Parity tests prove them equal. Only :mod:`maturity.engines.durable` (and its
:mod:`~maturity.engines.durable_host`) import durable_rules, and only when that engine is used.
"""

from __future__ import annotations

from typing import Literal

from .outcome import CapStatus, Evaluator, FindingStatus, GateStatus, Outcome

__all__ = ["CapStatus", "EngineName", "Evaluator", "FindingStatus", "GateStatus", "Outcome", "get_evaluator"]

EngineName = Literal["durable", "vectorised"]


def get_evaluator(name: str = "vectorised") -> Evaluator:
    """The evaluator called ``name``: ``durable`` or ``vectorised``."""
    if name == "durable":
        from .durable import DurableEvaluator

        return DurableEvaluator()
    if name == "vectorised":
        from .vectorised import VectorisedEvaluator

        return VectorisedEvaluator()
    raise ValueError(f"unknown engine {name!r}; expected 'durable' or 'vectorised'")
