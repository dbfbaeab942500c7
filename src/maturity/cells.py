"""One vocabulary for answers, wherever they come from: YAML, a sheet cell, a data frame.

:func:`is_unknown` decides what counts as no answer: ``None``, NaN, ``pd.NA``, a blank cell or
the word ``unknown`` (any case). :func:`read_value` turns any other raw value into the
answer's canonical Python value, or raises :class:`CellError` saying what was expected:

- yes/no: ``true``, ``false``, ``yes``, ``no``, ``1``, ``0`` (any case), booleans, 0 and 1;
- ordinal: a value of the indicator's scale (any case);
- count: a whole number of zero or more (``2.0`` is 2; ``2.7`` is refused); year: a whole
  number from 1900 to 2200, an ISO date (``2023-05-01``) or an Excel serial date;
- number: a finite number within the indicator's minimum and maximum;
- in text, thousands separators are read where unambiguous: ``12,500`` and ``12 500``.

>>> from maturity.ruleset import CountIndicator
>>> ind = CountIndicator(id="n", type="count", question="How many?", sources=["s"])
>>> read_value(ind, "12,500"), read_value(ind, 3.0)
(12500, 3)
>>> read_value(ind, "2.7")
Traceback (most recent call last):
...
maturity.cells.CellError: expected a whole number of zero or more, got '2.7'
"""

from __future__ import annotations

import datetime as dt
import math
import re
from numbers import Integral, Real
from typing import Any

from .errors import suggest
from .ruleset import BooleanIndicator, CountIndicator, NumberIndicator, OrdinalIndicator, YearIndicator

__all__ = ["CellError", "is_unknown", "read_value", "TRUE_WORDS", "FALSE_WORDS", "YEAR_RANGE", "expected"]

TRUE_WORDS = ("true", "yes", "1")
FALSE_WORDS = ("false", "no", "0")
YEAR_RANGE = (1900, 2200)
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_MAX = 2_958_465  # 9999-12-31
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:([,\u00a0\u202f ])\d{3})(?:\1\d{3})*(?:\.\d+)?$")
_ISO_DATE = re.compile(r"^(\d{4})-\d{2}-\d{2}(?:[T ][\d:.]+)?$")


class CellError(ValueError):
    """A value that is not a valid answer; the message says what was expected."""


def is_unknown(raw: Any) -> bool:
    """Whether ``raw`` is no answer: None, NaN, ``pd.NA``, a blank cell or ``unknown``.

    >>> [is_unknown(x) for x in (None, float("nan"), "", "  ", "Unknown", 0, "no")]
    [True, True, True, True, True, False, False]
    """
    if raw is None:
        return True
    if isinstance(raw, str):
        text = raw.strip()
        return text == "" or text.lower() == "unknown"
    if isinstance(raw, float):  # numpy's float64 is a float too
        return math.isnan(raw)
    if type(raw).__name__ in ("NAType", "NaTType"):
        return True
    try:
        return bool(raw != raw)  # NaN of other numeric types
    except (TypeError, ValueError):
        return False


def expected(ind: Any) -> str:
    """What a valid answer to ``ind`` looks like, in words."""
    if isinstance(ind, BooleanIndicator):
        return "true or false (also yes/no, 1/0)"
    if isinstance(ind, OrdinalIndicator):
        return "one of " + ", ".join(ind.scale)
    if isinstance(ind, CountIndicator):
        return "a whole number of zero or more"
    if isinstance(ind, YearIndicator):
        return f"a year from {YEAR_RANGE[0]} to {YEAR_RANGE[1]}"
    if isinstance(ind, NumberIndicator):
        bounds = [f"at least {ind.minimum:g}" if ind.minimum is not None else "",
                  f"at most {ind.maximum:g}" if ind.maximum is not None else ""]
        said = " and ".join(b for b in bounds if b)
        return f"a number ({ind.unit})" + (f", {said}" if said else "")
    return "a value"


def _fail(ind: Any, raw: Any, extra: str = "") -> CellError:
    return CellError(f"expected {expected(ind)}, got {raw!r}" + (f"; {extra}" if extra else ""))


def _number(raw: Any) -> float | None:
    """A finite number from ``raw`` (text with unambiguous thousands separators too); None if it is none."""
    if isinstance(raw, bool) or type(raw).__name__ == "bool_":
        return None
    if isinstance(raw, (Integral, Real)):
        value = float(raw) if not isinstance(raw, Integral) else raw
    elif isinstance(raw, str):
        text = raw.strip()
        match = _THOUSANDS.match(text)
        if match:
            text = text.replace(match.group(1), "")
        try:
            value = float(text) if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text) else None
        except OverflowError:
            return None
        if value is None:
            return None
    else:
        return None
    try:
        return value if math.isfinite(value) else None
    except OverflowError:
        return None


def _whole(raw: Any) -> int | None:
    number = _number(raw)
    if number is None:
        return None
    if isinstance(number, int):
        return number
    return int(number) if number.is_integer() else None


def read_value(ind: Any, raw: Any) -> Any:
    """The canonical answer ``raw`` gives to indicator ``ind``; :class:`CellError` when it gives none."""
    if isinstance(ind, BooleanIndicator):
        if isinstance(raw, bool) or type(raw).__name__ == "bool_":
            return bool(raw)
        if isinstance(raw, str):
            low = raw.strip().lower()
            if low in TRUE_WORDS or low in FALSE_WORDS:
                return low in TRUE_WORDS
        elif _number(raw) in (0, 1):
            return _number(raw) == 1
        raise _fail(ind, raw)
    if isinstance(ind, OrdinalIndicator):
        if isinstance(raw, str):
            low = raw.strip().lower()
            for value in ind.scale:
                if value.lower() == low:
                    return value
            hint = suggest(raw.strip(), ind.scale)
            raise _fail(ind, raw, hint or "")
        raise _fail(ind, raw)
    if isinstance(ind, CountIndicator):
        count = _whole(raw)
        if count is None:
            raise _fail(ind, raw)
        if count < 0:
            raise CellError(f"a count cannot be negative, got {raw!r}")
        return count
    if isinstance(ind, YearIndicator):
        return _year(ind, raw)
    if isinstance(ind, NumberIndicator):
        number = _number(raw)
        if number is None:
            raise _fail(ind, raw)
        if ind.minimum is not None and number < ind.minimum:
            raise CellError(f"{raw!r} is below the minimum {ind.minimum:g}")
        if ind.maximum is not None and number > ind.maximum:
            raise CellError(f"{raw!r} is above the maximum {ind.maximum:g}")
        return number
    raise CellError(f"unsupported indicator type {type(ind).__name__}")


def _year(ind: Any, raw: Any) -> int:
    if isinstance(raw, (dt.date, dt.datetime)):
        return raw.year
    if isinstance(raw, str):
        iso = _ISO_DATE.match(raw.strip())
        if iso:
            return int(iso.group(1))
    whole = _whole(raw)
    if whole is not None and YEAR_RANGE[0] <= whole <= YEAR_RANGE[1]:
        return whole
    if whole is not None and YEAR_RANGE[1] < whole <= _EXCEL_MAX:  # an Excel serial date
        year = (_EXCEL_EPOCH + dt.timedelta(days=whole)).year
        if YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
            return year
    raise _fail(ind, raw)
