"""Sheet cells read one way everywhere: answers and profile columns, with the Excel realities.

A cell arrives as text (CSV), as a typed value (XLSX: ``int``, ``float``, ``bool``, dates) or as
a numpy / pandas scalar (a data frame). Every reader here takes any of those and returns the
value, ``None`` for unknown, or raises :class:`CellProblem` saying what was expected and which
values are allowed; it never raises anything else. The vocabulary (docs/formats.md, "Sheets"):

- **unknown**: an empty or blank cell, ``unknown`` (any case), ``None``, NaN, ``pd.NA``, ``NaT``;
- **yes/no**: ``true``/``yes``/``1`` and ``false``/``no``/``0`` in any case, ``1``/``0`` as
  numbers, booleans (numpy ones too);
- **whole numbers** (counts, years, population): ``2023``, ``2023.0``, numpy integers and
  integral floats; thousands separators ``12,500``, ``12 500``, ``12'500``, ``1.234.567``;
  ``12.500`` is refused as ambiguous (twelve and a half, or twelve thousand five hundred?);
- **numbers**: ``12.75`` or ``12,75`` (a decimal comma), ``1,234.5``, ``1.234,5``; a single
  comma before exactly three digits (``1,500``) is refused as ambiguous;
- **years** also from an ISO date (``2023-05-01``), a date cell or an Excel serial date;
- non-finite numbers (``inf``, ``1e400``, ``nan`` written as text) are refused, never unknown.

>>> from maturity.ruleset import CountIndicator
>>> count = CountIndicator(id="n", type="count", question="How many?", sources=["doc p.1"])
>>> read_cell(count, "12,500"), read_cell(count, 2.0), read_cell(count, " unknown ")
(12500, 2, None)
>>> read_cell(count, "2.7")
Traceback (most recent call last):
...
maturity.cells.CellProblem: '2.7' is not a whole number
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, model_serializer, model_validator

from .errors import MaturityError, Problem, suggest
from .messages import _
from .ruleset import BooleanIndicator, CountIndicator, NumberIndicator, OrdinalIndicator, YearIndicator

__all__ = [
    "ADMIN_LEVELS",
    "FALSE_WORDS",
    "RANGE_KEYS",
    "TRUE_WORDS",
    "UNKNOWN_WORDS",
    "CellProblem",
    "Range",
    "cell_problem",
    "column_letter",
    "is_unknown",
    "read_boolean",
    "read_cell",
    "read_country",
    "read_level",
    "read_name",
    "read_number",
    "read_population",
    "read_territory",
    "read_text",
    "read_whole",
    "read_year",
]

ADMIN_LEVELS = ("region", "province", "city", "municipality", "district", "county", "state", "other")
TRUE_WORDS = ("true", "yes", "1")
FALSE_WORDS = ("false", "no", "0")
UNKNOWN_WORDS = ("", "unknown")
MIN_YEAR, MAX_YEAR = 1900, 2200
EXACT = 2 ** 53  # whole numbers above this lose digits as floats: refused rather than rounded
EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 is 1900-01-01 (Excel's 1900 leap-year bug included)
_SERIAL_MIN = (dt.date(1927, 5, 18) - EXCEL_EPOCH).days  # 10,000: below it a number is never a date
_SERIAL_MAX = (dt.date(MAX_YEAR, 12, 31) - EXCEL_EPOCH).days
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?")
_PLAIN = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_SPACED = re.compile(r"\d{1,3}([ \u00a0\u202f'\u2019]\d{3})+([.,]\d+)?")
_TERRITORY = re.compile(r"[a-z0-9][a-z0-9_-]*")
_COUNTRY = re.compile(r"[A-Z]{2}")


@dataclass
class CellProblem(MaturityError):
    """A cell that cannot be read: why, what was expected and, where there is a list, the allowed values."""

    message: str
    expected: str = ""
    allowed: Sequence[str] = ()
    hint: str | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def detail(self) -> str:
        """The message with what was expected (and the allowed values, or a did-you-mean)."""
        text = self.message
        if self.expected:
            text = _("%(message)s; expected %(expected)s") % {"message": text, "expected": self.expected}
        if self.allowed:
            text += f" ({', '.join(self.allowed)})"
        return f"{text}; {self.hint}" if self.hint else text


class Range(BaseModel):
    """An answer known only as a range: ``{at_least: 5}``, ``{at_most: 8}`` or ``{between: [5, 8]}``.

    For counts, numbers, years and ordinal answers (scale values). In sheets: ``>=5``, ``<=8``,
    ``5-8`` (``≥`` and ``≤`` too). A comparison on a range is certain when the whole range
    decides it, possible when part of it does.

    >>> Range.model_validate({"between": [5, 8]}), Range.model_validate({"at_least": 5}).model_dump()
    (Range(at_least=5, at_most=8), {'at_least': 5})
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    at_least: int | float | str | None = None
    at_most: int | float | str | None = None

    @model_validator(mode="before")
    @classmethod
    def _between(cls, data: Any) -> Any:
        if isinstance(data, dict) and "between" in data:
            ends = data["between"]
            if not isinstance(ends, (list, tuple)) or len(ends) != 2:
                raise ValueError(_("between takes two values, the lower end first: between: [5, 8]"))
            rest = {k: v for k, v in data.items() if k != "between"}
            if rest:
                raise ValueError(_("write a range as one of at_least, at_most or between"))
            return {"at_least": ends[0], "at_most": ends[1]}
        return data

    @model_validator(mode="after")
    def _one_end_at_least(self) -> Range:
        if self.at_least is None and self.at_most is None:
            raise ValueError(_("a range needs at_least, at_most or between"))
        return self

    @model_serializer
    def _dump(self) -> dict[str, Any]:
        if self.at_least is not None and self.at_most is not None:
            return {"between": [self.at_least, self.at_most]}
        return {"at_least": self.at_least} if self.at_least is not None else {"at_most": self.at_most}

    def __str__(self) -> str:
        if self.at_least is not None and self.at_most is not None:
            return _("%(low)s to %(high)s") % {"low": self.at_least, "high": self.at_most}
        if self.at_least is not None:
            return _("at least %(value)s") % {"value": self.at_least}
        return _("at most %(value)s") % {"value": self.at_most}


RANGE_KEYS = ("at_least", "at_most", "between")
_RANGE_TEXT = re.compile(r"\s*(>=|≥|<=|≤)\s*(\S.*?)\s*")
_SPAN_TEXT = re.compile(r"\s*(\d[\d.,' ]*?)\s*[-–]\s*(\d[\d.,' ]*?)\s*")


def _range_of(raw: Any) -> Range | None:
    """The range ``raw`` writes, if it writes one: a Range, a mapping, or ``>=5``, ``<=5``, ``5-8`` text."""
    if isinstance(raw, Range):
        return raw
    if isinstance(raw, dict) and raw and set(raw) <= set(RANGE_KEYS):
        try:
            return Range.model_validate(raw)
        except ValueError as exc:
            raise CellProblem(_("%(raw)s is not a range") % {"raw": repr(raw)}, _("at_least, at_most or between: [low, high]"),
                              hint=str(exc).splitlines()[-1].strip()) from None
    if isinstance(raw, str):
        if m := _RANGE_TEXT.fullmatch(raw):
            return Range(at_least=m[2]) if m[1] in (">=", "≥") else Range(at_most=m[2])
        if m := _SPAN_TEXT.fullmatch(raw):
            return Range(at_least=m[1], at_most=m[2])
    return None


def _read_range(indicator: Any, span: Range, raw: Any) -> Any:
    """Both ends read as the indicator's values; an exact answer when they meet."""
    if isinstance(indicator, BooleanIndicator):
        raise CellProblem(_("%(raw)s is a range; a yes/no answer cannot be one") % {"raw": _show(raw)}, _("yes or no"))
    low = read_cell(indicator, span.at_least) if span.at_least is not None else None
    high = read_cell(indicator, span.at_most) if span.at_most is not None else None
    if low is not None and high is not None:
        order = indicator.scale.index if isinstance(indicator, OrdinalIndicator) else (lambda v: v)
        if order(low) > order(high):
            raise CellProblem(_("%(raw)s has its ends the wrong way round") % {"raw": _show(raw)},
                              _("the lower end first, e.g. 5-8"))
        if low == high:
            return low
    return Range(at_least=low, at_most=high)


def column_letter(index: int) -> str:
    """The spreadsheet letter of the 0-based column ``index``.

    >>> column_letter(0), column_letter(25), column_letter(26), column_letter(9999)
    ('A', 'Z', 'AA', 'NTP')
    """
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def cell_problem(problem: CellProblem, *, file: str | None, row: int, column: int | None, header: str,
                 code: str = "bad-cell") -> Problem:
    """``problem`` located in a sheet: printed as ``file:row:column (header): message; expected ...``."""
    return Problem(code, problem.detail(), (header,), file=file, line=row,
                   column=column_letter(column) if column is not None else None)


def _show(raw: Any) -> str:
    if not isinstance(raw, str):
        return str(raw.item() if hasattr(raw, "item") else raw)
    text = raw.strip()
    return repr(text if len(text) <= 60 else text[:57] + "...")


def is_unknown(raw: Any) -> bool:
    """True for what a sheet means by "not known": blank, ``unknown``, None, NaN, ``pd.NA``, ``NaT``."""
    if raw is None:
        return True
    if isinstance(raw, str):
        return raw.strip().lower() in UNKNOWN_WORDS
    if isinstance(raw, float):
        return math.isnan(raw)
    if type(raw).__name__ in ("NAType", "NaTType"):  # pandas' missing values (NaT is a datetime subclass)
        return True
    if isinstance(raw, (bool, int, dt.date)):
        return False
    if isinstance(raw, numbers.Real) and not isinstance(raw, numbers.Integral):
        try:
            return math.isnan(float(raw))
        except (TypeError, ValueError, OverflowError):
            return False
    return False


def _boolean_like(raw: Any) -> bool | None:
    kind = type(raw)
    if isinstance(raw, bool) or (kind.__module__ == "numpy" and kind.__name__ in ("bool_", "bool")):
        return bool(raw)
    return None


def read_boolean(raw: Any) -> bool | None:
    """A yes/no answer; None when unknown."""
    if is_unknown(raw):
        return None
    flag = _boolean_like(raw)
    if flag is not None:
        return flag
    if isinstance(raw, numbers.Real):
        if raw == 1:
            return True
        if raw == 0:
            return False
    elif isinstance(raw, str):
        word = raw.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise CellProblem(_("%(raw)s is not a yes/no answer") % {"raw": _show(raw)}, _("yes or no"),
                      (*TRUE_WORDS, *FALSE_WORDS, "unknown", _("an empty cell")))


def _from_text(text: str, whole: bool) -> float | int:
    """A number written as text, with the separators documented in the module."""
    body = text.strip()
    if body.isdigit() and body.isascii():  # the common case, first
        return int(body) if whole else float(body)
    body = body.replace("\u2212", "-")
    sign = ""
    if body[:1] in "+-":
        sign, body = body[:1], body[1:].strip()
    if _SPACED.fullmatch(body):
        body = re.sub(r"[ \u00a0\u202f'\u2019]", "", body)
    commas, dots = body.count(","), body.count(".")
    def ambiguous(head: str, tail: str) -> CellProblem:
        return CellProblem(_("%(raw)s is ambiguous: the separator could mark thousands or decimals") % {"raw": _show(text)},
                           _("a number without thousands separators"),
                           hint=(_("write %(number)s") % {"number": f"{sign}{head}{tail}"} if whole else
                                 _("write %(number)s or %(decimal)s") % {"number": f"{sign}{head}{tail}",
                                                                        "decimal": f"{sign}{head}.{tail}"}))

    if commas and dots:
        dec = "," if body.rfind(",") > body.rfind(".") else "."
        group = "." if dec == "," else ","
        head, _dec, frac = body.rpartition(dec)
        if not re.fullmatch(rf"\d{{1,3}}(\{group}\d{{3}})*", head) or not frac.isdigit():
            raise CellProblem(_("%(raw)s is not a number") % {"raw": _show(text)}, _("a number such as 1,234.5 or 1234.5"))
        body = head.replace(group, "") + "." + frac
    elif commas > 1 or dots > 1:
        sep = "," if commas > 1 else "."
        if not re.fullmatch(rf"\d{{1,3}}(\{sep}\d{{3}})+", body):
            raise CellProblem(_("%(raw)s is not a number") % {"raw": _show(text)}, _("a number such as 1,234,567 or 1234567"))
        body = body.replace(sep, "")
    elif commas == 1:
        head, _comma, tail = body.partition(",")
        if re.fullmatch(r"\d{1,3}", head) and re.fullmatch(r"\d{3}", tail):
            if not whole:
                raise ambiguous(head, tail)
            body = head + tail
        else:
            body = head + "." + tail  # a decimal comma
    elif dots == 1 and whole:
        head, _dot, tail = body.partition(".")
        if re.fullmatch(r"[1-9]\d{0,2}", head) and re.fullmatch(r"\d{3}", tail):
            raise ambiguous(head, tail)
    if not _PLAIN.fullmatch(body):
        raise CellProblem(_("%(raw)s is not a number") % {"raw": _show(text)}, _("a number such as 12, 12.5 or 12,500"))
    if whole and re.fullmatch(r"\d+", body):
        return int(sign + body)
    value = float(sign + body)
    if not math.isfinite(value):
        raise CellProblem(_("%(raw)s is not a finite number") % {"raw": _show(text)}, _("a finite number"))
    return value


def _real(raw: Any, whole: bool) -> float | int:
    """Any cell as a finite number (an int when it is one); CellProblem otherwise."""
    if _boolean_like(raw) is not None:
        raise CellProblem(_("%(raw)s is a yes/no value, not a number") % {"raw": _show(raw)}, _("a number"))
    if isinstance(raw, str):
        lowered = raw.strip().lower().lstrip("+-.")
        if lowered in ("inf", "infinity", "nan", "∞"):
            raise CellProblem(_("%(raw)s is not a finite number") % {"raw": _show(raw)}, _("a finite number"))
        return _from_text(raw, whole)
    if isinstance(raw, numbers.Integral):
        return int(raw)
    if isinstance(raw, numbers.Real):
        try:
            value = float(raw)
        except (TypeError, ValueError, OverflowError):
            raise CellProblem(_("%(raw)s is not a number") % {"raw": _show(raw)}, _("a number")) from None
        if not math.isfinite(value):
            raise CellProblem(_("%(raw)s is not a finite number") % {"raw": _show(raw)}, _("a finite number"))
        return value
    raise CellProblem(_("%(raw)s is not a number") % {"raw": _show(raw)}, _("a number"))


def read_whole(raw: Any, *, minimum: int | None = 0, what: str | None = None) -> int | None:
    """A whole number (``2023.0`` is 2023, ``2.7`` is refused); None when unknown. ``what``: what is
    expected, in words (default: a whole number)."""
    if is_unknown(raw):
        return None
    what = what if what is not None else _("a whole number")
    try:
        value = _real(raw, whole=True)
    except CellProblem as exc:
        raise CellProblem(exc.message, what, exc.allowed, exc.hint) from None
    if isinstance(value, float):
        if value != math.floor(value):
            raise CellProblem(_("%(raw)s is not a whole number") % {"raw": _show(raw)}, what)
        value = int(value)
    if abs(value) >= EXACT:
        raise CellProblem(_("%(raw)s is too large") % {"raw": _show(raw)},
                          _("%(what)s below %(limit)s") % {"what": what, "limit": f"{EXACT:,}"})
    if minimum is not None and value < minimum:
        raise CellProblem(_("%(value)s is below %(minimum)s") % {"value": value, "minimum": minimum},
                          _("%(what)s of at least %(minimum)s") % {"what": what, "minimum": minimum})
    return value


def read_number(raw: Any, *, minimum: float | None = None, maximum: float | None = None,
                unit: str = "") -> float | None:
    """A finite number within ``minimum``..``maximum``; None when unknown."""
    if is_unknown(raw):
        return None
    value = float(_real(raw, whole=False))
    what = _("a number (%(unit)s)") % {"unit": unit} if unit else _("a number")
    if minimum is not None and value < minimum:
        raise CellProblem(_("%(value)s is below the minimum %(minimum)s") % {"value": f"{value:g}", "minimum": f"{minimum:g}"},
                          _("%(what)s of at least %(minimum)s") % {"what": what, "minimum": f"{minimum:g}"})
    if maximum is not None and value > maximum:
        raise CellProblem(_("%(value)s is above the maximum %(maximum)s") % {"value": f"{value:g}", "maximum": f"{maximum:g}"},
                          _("%(what)s of at most %(maximum)s") % {"what": what, "maximum": f"{maximum:g}"})
    return value


def read_year(raw: Any) -> int | None:
    """A calendar year from a whole number, an ISO date, a date cell or an Excel serial date."""
    if is_unknown(raw):
        return None
    expected = _("a year from %(min)s to %(max)s, an ISO date (2023-05-01) or a date cell") % {"min": MIN_YEAR, "max": MAX_YEAR}
    if isinstance(raw, dt.date):  # datetime and pandas Timestamp too
        year = raw.year
    elif isinstance(raw, str) and (m := _ISO_DATE.fullmatch(raw.strip())):
        try:
            year = dt.date(int(m[1]), int(m[2]), int(m[3])).year
        except ValueError:
            raise CellProblem(_("%(raw)s is not a date") % {"raw": _show(raw)}, expected) from None
    elif isinstance(raw, str) and re.fullmatch(r"\s*\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\s*", raw):
        raise CellProblem(_("%(raw)s is a date in a local order (day/month or month/day)") % {"raw": _show(raw)}, expected,
                          hint=_("write the year, or the date as 2023-05-01"))
    else:
        try:
            whole = read_whole(raw, minimum=None, what=_("a year"))
        except CellProblem as exc:
            raise CellProblem(exc.message, expected) from None
        year = whole if whole is not None else 0
        if _SERIAL_MIN <= year <= _SERIAL_MAX and not isinstance(raw, str):
            year = (EXCEL_EPOCH + dt.timedelta(days=year)).year  # a date cell read as its serial number
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise CellProblem(_("%(year)s is not a year from %(min)s to %(max)s") % {"year": year, "min": MIN_YEAR, "max": MAX_YEAR},
                          expected)
    return year


def read_population(raw: Any) -> int | None:
    """A population: a whole number of at least 0; None when unknown."""
    return read_whole(raw, minimum=0, what=_("a whole number of people"))


def read_text(raw: Any) -> str | None:
    """Text as written (trimmed); an integral number is written without ``.0``; None when unknown."""
    if is_unknown(raw):
        return None
    if isinstance(raw, str):
        return " ".join(raw.split())
    if _boolean_like(raw) is not None:
        return str(bool(raw)).lower()
    if isinstance(raw, numbers.Real) and not isinstance(raw, numbers.Integral):
        value = float(raw)
        return str(int(value)) if math.isfinite(value) and value == math.floor(value) and abs(value) < EXACT else str(raw)
    return str(raw)


def _required(raw: Any, what: str) -> str:
    text = read_text(raw)
    if text is None:
        raise CellProblem(_("the cell is empty"), what)
    return text


def read_level(raw: Any) -> str:
    """The administrative level (any case): one of ``ADMIN_LEVELS``; required."""
    text = _required(raw, _("an administrative level")).lower()
    if text in ADMIN_LEVELS:
        return text
    close = suggest(text, ADMIN_LEVELS)
    raise CellProblem(_("%(raw)s is not an administrative level of the profile format") % {"raw": _show(raw)}, _("one of"),
                      ADMIN_LEVELS, hint=close or _("use 'other' for a level not on the list"))


def read_country(raw: Any) -> str:
    """A two-letter ISO 3166-1 country code (any case: ``ph`` is ``PH``); required."""
    text = _required(raw, _("a two-letter ISO 3166-1 code such as PH"))
    if _COUNTRY.fullmatch(text.upper()):
        return text.upper()
    raise CellProblem(_("%(raw)s is not a country code") % {"raw": _show(raw)},
                      _("a two-letter ISO 3166-1 code such as PH, EC or SN"))


def read_territory(raw: Any) -> str:
    """A territory id: lower-case letters, digits, ``-`` and ``_``, starting with a letter or digit; required."""
    text = _required(raw, _("a territory id"))
    if _TERRITORY.fullmatch(text):
        return text
    slug = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-_")
    raise CellProblem(_("%(raw)s is not a territory id") % {"raw": _show(raw)}, _("lower-case letters, digits, '-' and '_'"),
                      hint=_("for example '%(id)s'") % {"id": slug} if slug else None)


def read_name(raw: Any) -> str:
    """The territory's name; required."""
    return _required(raw, _("the territory's name"))


def read_cell(indicator: Any, raw: Any) -> Any:
    """The answer ``raw`` gives to ``indicator`` (any indicator of a ruleset); None when unknown.

    A range (:class:`Range`, a mapping, or ``>=5``, ``<=5``, ``5-8`` text) gives a :class:`Range`
    whose ends are read as the indicator's values. Raises :class:`CellProblem` (and nothing
    else) when the cell cannot be read. A numpy scalar (as pandas columns give, ``np.False_``,
    ``np.int64(2)``) is read as the Python value it holds.
    """
    if type(raw).__module__ == "numpy" and hasattr(raw, "item"):
        raw = raw.item()
    span = _range_of(raw)
    if span is not None:
        return _read_range(indicator, span, raw)
    if isinstance(indicator, BooleanIndicator):
        return read_boolean(raw)
    if isinstance(indicator, OrdinalIndicator):
        if is_unknown(raw):
            return None
        text = read_text(raw) or ""
        for value in indicator.scale:
            if text.lower() == value.lower():
                return value
        raise CellProblem(_("%(raw)s is not on the scale") % {"raw": _show(raw)}, _("one of"), tuple(indicator.scale),
                          hint=suggest(text, indicator.scale))
    if isinstance(indicator, CountIndicator):
        return read_whole(raw, minimum=0)
    if isinstance(indicator, YearIndicator):
        return read_year(raw)
    if isinstance(indicator, NumberIndicator):
        return read_number(raw, minimum=indicator.minimum, maximum=indicator.maximum, unit=indicator.unit)
    raise CellProblem(f"indicator type {type(indicator).__name__} has no cell reader")
