"""The condition language: a typed syntax tree parsed from YAML, never evaluated as Python.

A condition is one of::

    {indicator: ID, is: VALUE}            # also is_not, at_least, at_most, above, below
    {factor: ID, at_least: LEVEL}         # also below; findings only
    {all: [COND, ...]}
    {any: [COND, ...]}
    {not: COND}                           # findings only
    {at_least: K, of: [COND, ...]}

Every evaluator compiles from this tree (see ``maturity.plan``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal, TypeVar, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_serializer, model_validator

__all__ = [
    "COMPARE_OPS",
    "NEGATE",
    "AllOf",
    "AnyOf",
    "Compare",
    "Condition",
    "KOf",
    "LevelCheck",
    "Not",
    "atoms",
    "children",
    "fold",
    "has_not",
    "nodes",
]

COMPARE_OPS: tuple[str, ...] = ("is", "is_not", "at_least", "at_most", "above", "below")
LEVEL_OPS: tuple[str, ...] = ("at_least", "below")
Scalar = Union[bool, int, float, str]
NEGATE = {"is": "is_not", "is_not": "is", "at_least": "below", "below": "at_least", "at_most": "above", "above": "at_most"}
T = TypeVar("T")


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _single_op(data: Any, ops: tuple[str, ...], subject: str) -> Any:
    if not isinstance(data, dict) or "op" in data:
        return data
    present = [op for op in ops if op in data]
    if len(present) != 1:
        raise ValueError(
            f"a comparison on {subject} '{data.get(subject)}' needs exactly one of: {', '.join(ops)}"
            + (f" (found {', '.join(present)})" if present else "")
        )
    out = {k: v for k, v in data.items() if k not in ops}
    out["op"] = present[0]
    out["value"] = data[present[0]]
    return out


class Compare(_Node):
    """An answer compared with a value: ``{indicator: budget_line, is: true}``."""

    indicator: str
    op: Literal["is", "is_not", "at_least", "at_most", "above", "below"]
    value: Scalar

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, data: Any) -> Any:
        return _single_op(data, COMPARE_OPS, "indicator")

    @model_serializer
    def _dump(self) -> dict[str, Any]:
        return {"indicator": self.indicator, self.op: self.value}


class LevelCheck(_Node):
    """A factor's level compared with a level: ``{factor: needs_diagnostic, at_least: 2}``."""

    factor: str
    op: Literal["at_least", "below"]
    value: int

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, data: Any) -> Any:
        return _single_op(data, LEVEL_OPS, "factor")

    @model_serializer
    def _dump(self) -> dict[str, Any]:
        return {"factor": self.factor, self.op: self.value}


class AllOf(_Node):
    all: list[Condition] = Field(min_length=1)


class AnyOf(_Node):
    any: list[Condition] = Field(min_length=1)


class Not(_Node):
    not_: Condition = Field(alias="not")

    @model_serializer
    def _dump(self) -> dict[str, Any]:
        return {"not": self.not_}


class KOf(_Node):
    """At least ``at_least`` of the conditions in ``of`` hold."""

    at_least: int = Field(ge=1)
    of: list[Condition] = Field(min_length=1)

    @model_validator(mode="after")
    def _k_fits(self) -> KOf:
        if self.at_least > len(self.of):
            raise ValueError(f"at_least: {self.at_least} asks for more than the {len(self.of)} conditions listed")
        return self


def _kind(data: Any) -> str | None:
    if isinstance(data, BaseModel):
        return {Compare: "compare", LevelCheck: "level", AllOf: "all", AnyOf: "any", Not: "not", KOf: "k_of"}.get(type(data))
    if not isinstance(data, dict):
        return None
    for key, kind in (("indicator", "compare"), ("factor", "level"), ("of", "k_of"), ("all", "all"), ("any", "any"), ("not", "not")):
        if key in data:
            return kind
    return None


Condition = Annotated[
    Union[
        Annotated[Compare, Tag("compare")],
        Annotated[LevelCheck, Tag("level")],
        Annotated[AllOf, Tag("all")],
        Annotated[AnyOf, Tag("any")],
        Annotated[Not, Tag("not")],
        Annotated[KOf, Tag("k_of")],
    ],
    Discriminator(
        _kind,
        custom_error_type="condition",
        custom_error_message="a condition is a mapping with one of: indicator, factor, all, any, not, at_least+of",
    ),
]

for _model in (AllOf, AnyOf, Not, KOf):
    _model.model_rebuild()


def children(cond: Any) -> list[Any]:
    """The sub-conditions of ``cond`` (none for a comparison or a level check)."""
    if isinstance(cond, AllOf):
        return list(cond.all)
    if isinstance(cond, AnyOf):
        return list(cond.any)
    if isinstance(cond, KOf):
        return list(cond.of)
    if isinstance(cond, Not):
        return [cond.not_]
    return []


def nodes(cond: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Yield ``(path, node)`` for ``cond`` and every condition inside it; paths use the YAML keys."""
    yield path, cond
    keys: dict[type, str] = {AllOf: "all", AnyOf: "any", KOf: "of", Not: "not"}
    key = keys.get(type(cond))
    if key == "not":
        yield from nodes(cond.not_, (*path, "not"))
    elif key is not None:
        for i, c in enumerate(children(cond)):
            yield from nodes(c, (*path, key, i))


def atoms(cond: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Compare | LevelCheck]]:
    """Yield ``(path, atom)`` for every comparison and level check in ``cond``."""
    for p, node in nodes(cond, path):
        if isinstance(node, (Compare, LevelCheck)):
            yield p, node


def has_not(cond: Any) -> bool:
    """True when ``not`` appears anywhere in ``cond``."""
    return any(isinstance(node, Not) for _p, node in nodes(cond))


def fold(cond: Any, leaf: Callable[[Any, bool], T], all_of: Callable[[list[T]], T],
         k_of: Callable[[int, list[T]], T], negate: bool = False) -> T:
    """Evaluate ``cond`` bottom-up with negation pushed down to its leaves.

    ``leaf(atom, negated)`` handles a comparison or level check; ``all_of`` a conjunction;
    ``k_of(k, parts)`` "at least k of the parts" (a disjunction is ``k_of(1, ...)``). Under a
    negation a conjunction becomes a disjunction and "at least k of n" becomes "at least
    n - k + 1 of the negations" (De Morgan), so every caller sees one normal form.
    """
    def rec(c: Any, neg: bool) -> T:
        if isinstance(c, (Compare, LevelCheck)):
            return leaf(c, neg)
        if isinstance(c, Not):
            return rec(c.not_, not neg)
        parts = [rec(x, neg) for x in children(c)]
        if isinstance(c, KOf):
            return k_of(len(parts) - c.at_least + 1 if neg else c.at_least, parts)
        conjunctive = isinstance(c, AllOf) != neg
        return all_of(parts) if conjunctive else k_of(1, parts)

    return rec(cond, negate)
