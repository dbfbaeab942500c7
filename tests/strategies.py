"""Hypothesis strategies: answers to a ruleset's indicators, fillings and improvements."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from maturity.ruleset import BooleanIndicator, CountIndicator, NumberIndicator, OrdinalIndicator, Ruleset, YearIndicator


def value_strategy(ind: Any) -> st.SearchStrategy[Any]:
    if isinstance(ind, BooleanIndicator):
        return st.booleans()
    if isinstance(ind, OrdinalIndicator):
        return st.sampled_from(ind.scale)
    if isinstance(ind, CountIndicator):
        return st.integers(0, 12)
    if isinstance(ind, YearIndicator):
        return st.integers(1995, 2030)
    if isinstance(ind, NumberIndicator):
        lo = ind.minimum if ind.minimum is not None else -100.0
        hi = ind.maximum if ind.maximum is not None else 1000.0
        return st.integers(int(lo), int(hi)).map(float)
    raise TypeError(ind)


def answers(rs: Ruleset, unknown_share: float = 0.3) -> st.SearchStrategy[dict[str, Any | None]]:
    """A value or None (unknown) for every indicator."""
    return st.fixed_dictionaries({
        ind.id: st.one_of(st.none(), value_strategy(ind)) if unknown_share else value_strategy(ind)
        for ind in rs.indicators
    })


def known_answers(rs: Ruleset) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({ind.id: value_strategy(ind) for ind in rs.indicators})


def better_or_equal(ind: Any, a: Any, b: Any) -> Any:
    """Of two values, the one that is at least as good as ``a`` (``a`` itself when ``b`` is worse)."""
    if isinstance(ind, BooleanIndicator):
        return ind.better if ind.better in (a, b) else a
    if isinstance(ind, OrdinalIndicator):
        return max(a, b, key=ind.scale.index)
    higher = ind.better == "higher"
    return max(a, b) if higher else min(a, b)
