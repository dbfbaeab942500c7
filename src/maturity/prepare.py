"""The one place where inputs become the plan's encoded answers.

Every entry point -- a profile, a YAML file, a sheet's rows, a data frame with object, typed,
nullable or numpy columns -- goes through :func:`prepare`, so the same input gives the same
answers everywhere:

- governance-derived answers are applied to profiles (:func:`maturity.governance.apply_governance`);
- what is unknown is decided once (:func:`maturity.cells.is_unknown`);
- every value is read once, with one vocabulary (:func:`maturity.cells.read_cell`);
- every problem is reported with its place (row and indicator), and the row is marked invalid.

The result, :class:`Prepared`, holds encoded values (ordinal ranks, booleans as 0/1) for the
indicators the plan reads, as the two ends of what each answer allows (equal for an exact
answer, apart for a range such as "at least 5"), which of them are known, how many of the ruleset's questions each
row answers, and which factors the known answers can assess.

>>> from maturity import bundled_profiles_dir, load_core_ruleset, load_profile
>>> rs = load_core_ruleset()
>>> p = prepare(rs, [load_profile(bundled_profiles_dir() / "ph-legazpi.yaml")])
>>> int(p.answered[0]), p.total
(19, 98)
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from .cells import EXACT, MAX_YEAR, MIN_YEAR, CellProblem, Range, is_unknown, read_cell
from .errors import InvalidFileError, Problem, suggest
from .plan import Plan, compile_plan, encode_value
from .profile import Profile
from .ruleset import BooleanIndicator, CountIndicator, NumberIndicator, OrdinalIndicator, Ruleset, YearIndicator

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Prepared",
    "answers_frame",
    "as_index",
    "assessed_factors",
    "concat_keys",
    "domain",
    "encode_answer",
    "open_ends",
    "prepare",
    "take_keys",
]

Source = Union[Profile, Sequence[Profile], "pd.DataFrame", str, Path]
Keys = Union["pd.Index", tuple[str, ...]]  # territory ids: a tuple when prepared from profiles (no pandas needed)


def as_index(keys: Keys) -> pd.Index:
    """Territory ids as a pandas ``Index`` named ``territory`` (pandas is imported here, when first needed)."""
    import pandas as pd

    return keys if isinstance(keys, pd.Index) else pd.Index(list(keys), name="territory", dtype=object)


def take_keys(keys: Keys, rows: np.ndarray) -> Keys:
    """The ids at some positions (or where a boolean mask holds), of the same kind as ``keys``."""
    if isinstance(keys, tuple):
        picked = np.arange(len(keys))[rows]
        return tuple(keys[int(i)] for i in picked)
    return keys[rows]


def concat_keys(parts: Sequence[Keys]) -> Keys:
    """The ids of several parts in order, a tuple when every part holds a tuple.

    >>> concat_keys([("a", "b"), ("c",)])
    ('a', 'b', 'c')
    >>> import pandas as pd
    >>> list(concat_keys([pd.Index(["a"]), ("b",)]))
    ['a', 'b']
    """
    if all(isinstance(keys, tuple) for keys in parts):
        return tuple(k for keys in parts for k in keys)
    first, *rest = [as_index(keys) for keys in parts]
    return first.append(rest) if rest else first


@dataclass(frozen=True)
class Prepared:
    """Encoded answers for the rows of one input, ready for any evaluator.

    ``low`` and ``high`` (float, rows x ``plan.indicators``) hold the ends of each encoded answer
    (equal for an exact answer; a range's open end is the end of the indicator's domain, which
    may be infinite; NaN where unknown), ``known`` which answers are known (exactly or as a range);
    ``answered`` counts each row's known answers over all
    ``total`` questions of the ruleset; ``assessed`` (rows x ``plan.factors``) tells which
    factors the known answers can judge. ``problems`` lists every bad value with its place;
    ``invalid`` marks the rows that have one (their bad cells are read as unknown).
    """

    plan: Plan
    index: Keys
    low: np.ndarray
    high: np.ndarray
    known: np.ndarray
    answered: np.ndarray
    total: int
    assessed: np.ndarray
    kinds: tuple[str, ...]
    problems: tuple[Problem, ...] = ()
    invalid: np.ndarray | None = None
    profiles: tuple[Profile, ...] | None = None

    def __len__(self) -> int:
        return len(self.index)

    def raise_problems(self, file: str | None = None) -> Prepared:
        """Raise :class:`InvalidFileError` with every problem, if there is one; else return self."""
        if self.problems:
            raise InvalidFileError(file, list(self.problems))
        return self

    def row_answers(self, row: int) -> dict[str, Any]:
        """One row's answers as plain ``(low, high)`` pairs (None for unknown), by indicator id.

        Booleans come as ``bool``, numbers as ``float``, the rest as ``int``. A range's open end is
        brought just past the plan's thresholds on that indicator, which decides every comparison
        exactly as the infinite end would, with small numbers for the rules engine.
        """
        low, high = self.bounded_ends(slice(row, row + 1))
        return {ind: (_plain_end(float(low[0, j]), self.kinds[j]), _plain_end(float(high[0, j]), self.kinds[j]))
                if self.known[row, j] else None for j, ind in enumerate(self.plan.indicators)}

    def bounded_ends(self, rows: slice | np.ndarray = slice(None)) -> tuple[np.ndarray, np.ndarray]:
        """The low and high ends of some rows' answers, brought within :func:`open_ends` (float).

        An open end of a range comes just past the plan's thresholds, which decides every
        comparison exactly as the infinite end would; an unknown answer is the whole span.
        """
        lowest, highest = np.array(open_ends(self.plan), dtype=float).reshape(-1, 2).T
        known = self.known[rows].astype(bool)
        return (np.where(known, np.clip(np.asarray(self.low[rows], dtype=float), lowest, highest), lowest),
                np.where(known, np.clip(np.asarray(self.high[rows], dtype=float), lowest, highest), highest))

    def take(self, rows: np.ndarray) -> Prepared:
        """The prepared answers of some rows (positions)."""
        return Prepared(self.plan, take_keys(self.index, rows), self.low[rows], self.high[rows], self.known[rows], self.answered[rows],
                        self.total, self.assessed[rows], self.kinds, (),
                        None if self.invalid is None else self.invalid[rows],
                        None if self.profiles is None else tuple(self.profiles[i] for i in rows))


def open_ends(plan: Plan) -> list[tuple[float, float]]:
    """For each of ``plan.indicators``, two values just past every threshold the plan compares it with.

    Between them, an open end of a range decides every comparison as the infinite end would, and
    the whole span reads like an unknown answer: it fails every comparison for certain and may pass each.
    """
    values: dict[str, list[float]] = {ind: [] for ind in plan.indicators}
    for atom in plan.atoms.values():
        values[atom.indicator].append(float(atom.value))
    return [(min(v) - 1.0, max(v) + 1.0) if v else (-1.0, 1.0) for v in values.values()]


def _plain_end(v: float, kind: str) -> Any:
    return bool(v) if kind == "boolean" else v if kind == "number" else int(v)


def domain(ind: Any) -> tuple[float, float]:
    """The encoded ends of an indicator's possible answers (what a range's open end stands for)."""
    if isinstance(ind, BooleanIndicator):
        return 0.0, 1.0
    if isinstance(ind, OrdinalIndicator):
        return 0.0, float(len(ind.scale) - 1)
    if isinstance(ind, CountIndicator):
        return 0.0, np.inf
    if isinstance(ind, YearIndicator):
        return float(MIN_YEAR), float(MAX_YEAR)
    return (float(ind.minimum) if ind.minimum is not None else -np.inf,
            float(ind.maximum) if ind.maximum is not None else np.inf)


def encode_answer(ind: Any, answer: Any) -> tuple[float, float]:
    """The encoded ``(low, high)`` of a read answer: equal ends, or a :class:`~maturity.cells.Range`'s."""
    if isinstance(answer, Range):
        lo, hi = domain(ind)
        return (float(encode_value(ind, answer.at_least)) if answer.at_least is not None else lo,
                float(encode_value(ind, answer.at_most)) if answer.at_most is not None else hi)
    v = float(encode_value(ind, answer))
    return v, v


def assessed_factors(plan: Plan, known: np.ndarray) -> np.ndarray:
    """Which factors the known answers can judge: every answer of one way to its level 1 is known.

    It depends on which answers are known, never on their values, so better answers cannot
    move a factor in or out of the means (which keeps scores monotone).
    """
    col = {i: k for k, i in enumerate(plan.indicators)}
    fix = {f: k for k, f in enumerate(plan.factors)}
    out = np.zeros((known.shape[0], len(plan.factors)), dtype=bool)
    for clause in plan.level_clauses:
        if clause.level != 1:
            continue
        cols = sorted({col[plan.atoms[a].indicator] for a in clause.atoms})
        out[:, fix[clause.factor]] |= known[:, cols].all(axis=1) if cols else True
    return out


def prepare(ruleset: Ruleset, source: Source, *, plan: Plan | None = None, file: str | None = None) -> Prepared:
    """Encode ``source`` for ``plan`` (compiled from ``ruleset`` when not given).

    ``source`` is a :class:`Profile`, a list of them, a YAML profile's path, or a data frame
    with a row per territory and a column per indicator (any dtype; see :mod:`maturity.cells`).
    Problems are collected, never raised; call :meth:`Prepared.raise_problems` to refuse them.
    """
    plan = plan or compile_plan(ruleset)
    if isinstance(source, (str, Path)):
        from .loading import load_profile

        source = load_profile(source, ruleset)
    if isinstance(source, Profile):
        source = [source]
    pandas = sys.modules.get("pandas")  # a data frame exists only once pandas is imported
    if pandas is not None and isinstance(source, pandas.DataFrame):
        return _prepare_frame(ruleset, plan, source, file)
    return _prepare_profiles(ruleset, plan, list(source), file)


def answers_frame(profiles: Sequence[Profile], ruleset: Ruleset) -> pd.DataFrame:
    """One row per profile (indexed by territory id), one column per indicator; None is unknown.

    Governance-derived answers are applied, as :func:`prepare` applies them.
    """
    import pandas as pd

    from .governance.derive import apply_governance

    ids = [i.id for i in ruleset.indicators]
    rows, index = [], []
    for p in profiles:
        p = apply_governance(p, ruleset)
        index.append(p.territory.id)
        rows.append([p.answer(i).value if p.answer(i).known else None for i in ids])
    return pd.DataFrame(rows, index=pd.Index(index, name="territory"), columns=ids, dtype=object)


def _prepare_profiles(ruleset: Ruleset, plan: Plan, profiles: list[Profile], file: str | None) -> Prepared:
    from .governance.derive import apply_governance

    applied = tuple(apply_governance(p, ruleset) for p in profiles)
    ids = {i.id for i in ruleset.indicators}
    col = {i: k for k, i in enumerate(plan.indicators)}
    n = len(applied)
    low, high = np.full((n, len(col)), np.nan), np.full((n, len(col)), np.nan)
    known = np.zeros((n, len(col)), dtype=bool)
    answered = np.zeros(n, dtype=np.int64)
    invalid = np.zeros(n, dtype=bool)
    problems: list[Problem] = []
    for r, p in enumerate(applied):
        for key, answer in p.answers.items():
            if key not in ids:
                problems.append(Problem("unknown-indicator", f"ruleset '{ruleset.id}' has no indicator '{key}'",
                                        ("answers", key), file=file, hint=suggest(key, ids)))
                invalid[r] = True
                continue
            if not answer.known:
                continue
            ind = ruleset.indicator(key)
            try:
                value = read_cell(ind, answer.value)
            except CellProblem as exc:
                path = ("answers", key, "value") if answer.source or answer.note else ("answers", key)
                problems.append(Problem("bad-value", exc.detail(), path, file=file))
                invalid[r] = True
                continue
            answered[r] += 1
            if key in col:
                low[r, col[key]], high[r, col[key]] = encode_answer(ind, value)
                known[r, col[key]] = True
    index = tuple(p.territory.id for p in applied)
    return Prepared(plan, index, low, high, known, answered, len(ruleset.indicators), assessed_factors(plan, known),
                    _kinds(ruleset, plan), tuple(problems), invalid, applied)


def _kinds(ruleset: Ruleset, plan: Plan) -> tuple[str, ...]:
    return tuple(str(ruleset.indicator(i).type) for i in plan.indicators)


# -- frames, column by column -------------------------------------------------------------------


def _prepare_frame(ruleset: Ruleset, plan: Plan, table: pd.DataFrame, file: str | None) -> Prepared:
    import pandas as pd

    ids = [i.id for i in ruleset.indicators]
    known_ids = set(ids)
    problems = [Problem("unknown-indicator", f"ruleset '{ruleset.id}' has no indicator '{c}'", ("columns", str(c)),
                        file=file, hint=suggest(str(c), ids))
                for c in table.columns if c not in known_ids]
    n = len(table)
    col = {i: k for k, i in enumerate(plan.indicators)}
    low = np.full((n, len(col)), np.nan)
    ranged: dict[int, np.ndarray] = {}  # high ends of the columns holding ranges; elsewhere high is low
    known = np.zeros((n, len(col)), dtype=bool)
    answered = np.zeros(n, dtype=np.int64)
    invalid = np.zeros(n, dtype=bool)
    keys = table.index
    for c in table.columns:  # problems in column order
        if c not in known_ids:
            continue
        ind = ruleset.indicator(c)
        lo, hi, ok, bad = _read_column(ind, table[c])
        for r in np.flatnonzero(bad):
            try:
                read_cell(ind, table[c].iloc[r])
                why = f"cannot read {table[c].iloc[r]!r}"  # the column-wise reading refused what the cell reader accepts
            except CellProblem as exc:
                why = exc.detail()
            problems.append(Problem("bad-value", why, (str(keys[r]), str(c)), file=file))
        invalid |= bad
        answered += ok
        if c in col:
            low[:, col[c]] = np.where(ok, lo, np.nan)
            if hi is not lo and not np.array_equal(lo[ok], hi[ok]):
                ranged[col[c]] = np.where(ok, hi, np.nan)
            known[:, col[c]] = ok
    high = low  # one matrix when every answer is exact (a million rows: hundreds of MB saved)
    if ranged:
        high = low.copy()
        for j, ends in ranged.items():
            high[:, j] = ends
    return Prepared(plan, pd.Index(keys), low, high, known, answered, len(ids), assessed_factors(plan, known),
                    _kinds(ruleset, plan), tuple(problems), invalid, None)


def _blank(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower() in ("", "unknown")


def _unknown_mask(col: pd.Series) -> np.ndarray:
    import pandas as pd
    from pandas.api import types as ptypes

    miss = np.array(pd.isna(col), dtype=bool)
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):  # one test per category, not per cell
        blank = np.array([_blank(v) for v in dtype.categories] + [False], dtype=bool)
        miss |= blank[col.cat.codes.to_numpy()]
    elif ptypes.is_object_dtype(dtype) or ptypes.is_string_dtype(dtype):
        text = col.astype(object)
        strings = np.fromiter((isinstance(v, str) for v in text), dtype=bool, count=len(text))
        if strings.any():
            stripped = text[strings].map(lambda s: s.strip().lower())
            miss[strings] |= np.asarray(stripped.isin(["", "unknown"]), dtype=bool)
    return miss


def _read_column(ind: Any, col: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(low, high, known, bad)`` for one column: typed columns column-wise, others per distinct value."""
    import pandas as pd
    from pandas.api import types as ptypes

    unknown = _unknown_mask(col)
    dtype = col.dtype
    typed_numeric = (ptypes.is_numeric_dtype(dtype) and not ptypes.is_bool_dtype(dtype)
                     and not isinstance(dtype, pd.CategoricalDtype))
    if typed_numeric and isinstance(ind, (CountIndicator, YearIndicator, NumberIndicator)):
        v, ok, bad = _numeric_column(ind, col.to_numpy(dtype=np.float64, na_value=np.nan), unknown)
        return v, v, ok, bad
    if ptypes.is_bool_dtype(dtype) and isinstance(ind, BooleanIndicator):
        v = np.nan_to_num(col.to_numpy(dtype=np.float64, na_value=np.nan))
        return v, v, ~unknown, np.zeros(len(col), dtype=bool)
    if isinstance(dtype, pd.CategoricalDtype):  # each category read once, spread by the codes
        return _distinct_values(ind, col.cat.codes.to_numpy(), np.asarray(dtype.categories, dtype=object), unknown)
    raw = col.astype(object).to_numpy()
    if any(isinstance(v, dict) for v in raw):  # ranges written as mappings: hashable for factorize
        raw = np.array([_hashable_range(v) if isinstance(v, dict) else v for v in raw], dtype=object)
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    return _distinct_values(ind, codes, uniques, unknown)


def _numeric_column(ind: Any, v: np.ndarray, unknown: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The column-wise twin of :func:`maturity.cells.read_cell` for numbers (tested equal to it)."""
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(v)
        if isinstance(ind, NumberIndicator):
            ok = finite.copy()
            if ind.minimum is not None:
                ok &= v >= ind.minimum
            if ind.maximum is not None:
                ok &= v <= ind.maximum
            out = v
        else:
            whole = finite & (np.floor(v) == v) & (np.abs(v) < EXACT)
            if isinstance(ind, CountIndicator):
                ok, out = whole & (v >= 0), v
            else:
                in_range = whole & (v >= MIN_YEAR) & (v <= MAX_YEAR)
                ok, out = in_range, v.copy()
                for r in np.flatnonzero(whole & ~in_range):  # Excel serial dates: read one by one
                    try:
                        out[r] = read_cell(ind, float(v[r]))
                        ok[r] = True
                    except CellProblem:
                        pass
    bad = ~unknown & ~ok
    return np.where(ok, out, np.nan), ~unknown & ok, bad


def _distinct_values(ind: Any, codes: np.ndarray, uniques: Any,
                     unknown: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Read each distinct value once (sheets hold few) and spread the results over the rows (code -1: NA)."""
    enc_low = np.full(len(uniques) + 1, np.nan)  # the last slot serves code -1 (NA)
    enc_high = np.full(len(uniques) + 1, np.nan)
    good = np.zeros(len(uniques) + 1, dtype=bool)
    for k, value in enumerate(uniques):
        if is_unknown(value):
            continue
        try:
            answer = read_cell(ind, value)
        except CellProblem:
            continue
        if answer is not None:
            enc_low[k], enc_high[k] = encode_answer(ind, answer)
            good[k] = True
    ok = good[codes] & ~unknown
    return enc_low[codes], enc_high[codes], ok, ~unknown & ~ok


def _hashable_range(value: dict[str, Any]) -> Any:
    try:
        return Range.model_validate(value)
    except ValueError:
        return repr(value)  # refused, with its text, by the cell reader
