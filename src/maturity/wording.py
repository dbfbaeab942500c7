"""Results in words, in the reader's language: conditions, answers, stages, statuses, gap kinds.

Scoring writes the conditions of reasons, next steps and caps with :func:`condition_words`;
renderers write answers, stages and status words with the other functions. Ids stay as they
are (they are what a profile and the ruleset name); what surrounds them is translated through
:mod:`maturity.messages`. In English the conditions read as the ruleset writes them
(``help_desk is true``, ``diagnostic at least partial``).
"""

from __future__ import annotations

from typing import Any

from .messages import N_, _
from .plan import Atom, LevelLiteral
from .ruleset import BooleanIndicator, OrdinalIndicator, Ruleset

__all__ = [
    "answer_words",
    "cap_requirement_words",
    "condition_words",
    "gap_kind",
    "level_condition_words",
    "sector_name",
    "stage_name",
    "term",
    "territory_level",
]

_OPS = {
    "is": N_("%(indicator)s is %(value)s"),
    "is_not": N_("%(indicator)s is not %(value)s"),
    "at_least": N_("%(indicator)s at least %(value)s"),
    "at_most": N_("%(indicator)s at most %(value)s"),
    "above": N_("%(indicator)s above %(value)s"),
    "below": N_("%(indicator)s below %(value)s"),
}
_BOOLEAN: dict[tuple[str, Any], str] = {
    ("is", True): N_("%(indicator)s is true"),
    ("is", False): N_("%(indicator)s is false"),
    ("is_not", True): N_("%(indicator)s is not true"),
    ("is_not", False): N_("%(indicator)s is not false"),
}
_LEVEL_OPS = {
    "at_least": N_("level of %(factor)s at least %(level)s"),
    "below": N_("level of %(factor)s below %(level)s"),
}
_TERMS = {
    "info": N_("info"), "warning": N_("warning"), "critical": N_("critical"),
    "raised": N_("raised"), "possible": N_("possible"), "applied": N_("applied"),
    "unknown": N_("unknown"), "unmet": N_("unmet"), "unanswered": N_("unanswered"), "passed": N_("passed"),
    "failed": N_("failed"),
}
_TERRITORY_LEVELS = {"region": N_("region"), "province": N_("province"), "city": N_("city"),
                     "municipality": N_("municipality"), "district": N_("district"), "county": N_("county"),
                     "state": N_("state"), "other": N_("other")}
_SECTORS = {"labour": N_("labour"), "health": N_("health"), "education": N_("education"), "housing": N_("housing"),
            "public_security": N_("public security")}
_GAP_KINDS = {
    "vertical_alignment": N_("no alignment chain to a national plan"),
    "vertical_line": N_("no line to the regional or national level"),
    "horizontal_department": N_("sector department not linked"),
    "horizontal_no_interdepartmental_body": N_("no inter-departmental body"),
    "participation_intermediary": N_("migrants reach planning only through an intermediary"),
    "participation_unseated": N_("migrants' organisation without a seat"),
    "accountability_upward_only": N_("accountability upward only"),
    "accountability_downward_only": N_("accountability downward only"),
    "accountability_none": N_("no accountability line"),
    "cooperation_only_with_diaspora": N_("cooperation only with diaspora associations"),
    "overlapping_mandates": N_("overlapping mandates"),
    "isolation": N_("actor not connected"),
    "fragility_single_actor": N_("single actor as the only link"),
    "fragility_single_relation": N_("single relation as the only link"),
    "declared_vs_graph": N_("answer and governance graph disagree"),
}


def term(word: str | None) -> str:
    """A status or severity word (raised, possible, unmet, warning, passed ...) in the reader's language."""
    if word is None:
        return ""
    return _(_TERMS[word]) if word in _TERMS else word


def territory_level(level: Any) -> str:
    """A territory's level (region, province, city ...) in words."""
    return _(_TERRITORY_LEVELS[level]) if level in _TERRITORY_LEVELS else str(level)


def sector_name(sector: Any) -> str:
    """A key sector (labour, health, education, housing, public_security) in words."""
    return _(_SECTORS[sector]) if sector in _SECTORS else str(sector)


def gap_kind(kind: str) -> str:
    """The name of a kind of governance gap (its id when the kind is not known here)."""
    return _(_GAP_KINDS[kind]) if kind in _GAP_KINDS else kind


def answer_words(indicator: Any, value: Any) -> str:
    """An answer as a reader reads it: yes/no, the words of an ordinal value, the number."""
    if value is None or value == "unknown":
        return _("unknown")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(indicator, OrdinalIndicator) and isinstance(value, str) and value in indicator.scale:
        return indicator.label(value)
    return str(value)


def _value_words(indicator: Any, value: Any) -> str:
    if isinstance(indicator, OrdinalIndicator) and isinstance(value, int) and not isinstance(value, bool):
        return indicator.label(indicator.scale[value])  # atoms hold an ordinal value as its rank
    if isinstance(value, bool):
        return _("true") if value else _("false")
    return str(value)


def condition_words(atom: Atom, ruleset: Ruleset) -> str:
    """One comparison of a rule (``help_desk is true``) in the reader's language."""
    indicator = next((i for i in ruleset.indicators if i.id == atom.indicator), None)
    if isinstance(indicator, BooleanIndicator) and (atom.op, atom.value) in _BOOLEAN:
        return _(_BOOLEAN[(atom.op, atom.value)]) % {"indicator": atom.indicator}
    return _(_OPS[atom.op]) % {"indicator": atom.indicator, "value": _value_words(indicator, atom.value)}


def level_condition_words(literal: LevelLiteral) -> str:
    """A comparison of a factor's level (``level of needs_diagnostic at least 2``)."""
    return _(_LEVEL_OPS[literal.op]) % {"factor": literal.factor, "level": literal.level}


def cap_requirement_words(factor: str, level: int, cap: str | None = None) -> str:
    """What lifts a cap: ``needs_diagnostic at least 2``, or, as a missing part of a next step,
    ``level of needs_diagnostic at least 2 (cap services_need_diagnostic)``."""
    if cap is None:
        return _("%(factor)s at least %(level)s") % {"factor": factor, "level": level}
    return _("level of %(factor)s at least %(level)s (cap %(cap)s)") % {"factor": factor, "level": level, "cap": cap}


def stage_name(ruleset: Ruleset | None, stage_id: str | None) -> str:
    """The name of a stage of ``ruleset`` (its id without the ruleset; ``n/a`` without a stage)."""
    if stage_id is None or stage_id != stage_id:  # None or NaN
        return _("n/a")
    if ruleset is not None:
        for s in ruleset.aggregation.stages:
            if s.id == stage_id:
                return s.name
    return str(stage_id)
