"""The one cell parser (maturity.cells): examples from Excel exports and hypothesis properties."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from maturity.cells import (
    EXCEL_EPOCH,
    FALSE_WORDS,
    TRUE_WORDS,
    CellProblem,
    cell_problem,
    read_cell,
    read_country,
    read_level,
    read_number,
    read_territory,
    read_whole,
    read_year,
)
from maturity.ruleset import (
    BooleanIndicator,
    CountIndicator,
    NumberIndicator,
    OrdinalIndicator,
    YearIndicator,
)

COUNT = CountIndicator(id="staff", type="count", question="How many?", sources=["doc p.1"])
YEAR = YearIndicator(id="since", type="year", question="Since when?", sources=["doc p.1"])
FLAG = BooleanIndicator(id="unit", type="boolean", question="Is there a unit?", sources=["doc p.1"])
SHARE = NumberIndicator(id="share", type="number", unit="percent", minimum=0, maximum=100, question="What share?",
                        sources=["doc p.1"])
SCALE = OrdinalIndicator(id="data", type="ordinal", scale=["none", "partial", "complete"], question="Which data?",
                         sources=["doc p.1"])
INDICATORS = [COUNT, YEAR, FLAG, SHARE, SCALE]


@pytest.mark.parametrize(("indicator", "raw", "value"), [
    (COUNT, "2023.0", 2023), (COUNT, 2.0, 2), (COUNT, np.float64(3.0), 3), (COUNT, np.int64(4), 4),
    (COUNT, "12,500", 12500), (COUNT, "12 500", 12500), (COUNT, "12\u00a0500", 12500), (COUNT, "1.234.567", 1234567),
    (COUNT, "1,234,567", 1234567), (COUNT, " 7 ", 7),
    (YEAR, "2023.0", 2023), (YEAR, 2023.0, 2023), (YEAR, "2023-05-01", 2023), (YEAR, dt.datetime(2021, 3, 1), 2021),
    (YEAR, pd.Timestamp("2019-12-31"), 2019), (YEAR, 45047, 2023),  # an Excel date cell read as its serial
    (FLAG, "YES", True), (FLAG, "No", False), (FLAG, "true", True), (FLAG, 1, True), (FLAG, 0.0, False),
    (FLAG, np.bool_(True), True), (FLAG, "0", False),
    (SHARE, "12,75", 12.75), (SHARE, "1.5", 1.5), (SHARE, "50", 50.0), (SHARE, np.float32(2.5), 2.5),
    (SCALE, "Partial", "partial"), (SCALE, " complete ", "complete"),
])
def test_excel_realities_are_read(indicator, raw, value):
    assert read_cell(indicator, raw) == value


@pytest.mark.parametrize("raw", [None, float("nan"), np.nan, pd.NA, pd.NaT, "", "   ", "unknown", "UNKNOWN", " Unknown "])
@pytest.mark.parametrize("indicator", INDICATORS, ids=lambda i: i.type)
def test_unknown_is_decided_once(indicator, raw):
    assert read_cell(indicator, raw) is None


@pytest.mark.parametrize(("indicator", "raw", "words"), [
    (COUNT, "2.7", "not a whole number"), (COUNT, 2.7, "not a whole number"), (COUNT, "inf", "not a finite number"),
    (COUNT, float("inf"), "not a finite number"), (COUNT, "1e400", "not a finite number"), (COUNT, "nan", "finite"),
    (COUNT, ".nan", "finite"), (COUNT, "twenty", "not a number"), (COUNT, "-3", "below 0"),
    (COUNT, "12.500", "ambiguous"), (COUNT, True, "yes/no value"), (COUNT, "9" * 30, "too large"),
    (SHARE, "1,500", "ambiguous"), (SHARE, "101", "above the maximum"), (SHARE, "-inf", "finite"),
    (YEAR, "twenty", "not a number"), (YEAR, "01/05/2023", "local order"), (YEAR, 3000, "not a year"),
    (YEAR, "2023-02-30", "not a date"),
    (FLAG, "maybe", "not a yes/no answer"), (FLAG, 2, "not a yes/no answer"),
    (SCALE, "halfway", "not on the scale"),
])
def test_bad_cells_are_refused_with_what_was_expected(indicator, raw, words):
    with pytest.raises(CellProblem) as caught:
        read_cell(indicator, raw)
    assert words in caught.value.message and caught.value.expected


def test_allowed_values_and_suggestions_are_given():
    with pytest.raises(CellProblem) as caught:
        read_cell(SCALE, "complet")
    assert tuple(caught.value.allowed) == ("none", "partial", "complete") and "did you mean 'complete'" in caught.value.detail()
    with pytest.raises(CellProblem) as caught:
        read_cell(FLAG, "maybe")
    assert set(TRUE_WORDS) | set(FALSE_WORDS) <= set(caught.value.allowed)


def test_profile_columns():
    assert read_level(" City ") == "city" and read_country("ph") == "PH" and read_territory("ph-legazpi") == "ph-legazpi"
    with pytest.raises(CellProblem) as caught:
        read_level("barangay")
    assert "other" in caught.value.detail() and "municipality" in caught.value.allowed
    with pytest.raises(CellProblem, match="not a country code"):
        read_country("Philippines")
    with pytest.raises(CellProblem) as caught:
        read_territory("Legazpi City")
    assert "legazpi-city" in caught.value.detail()
    with pytest.raises(CellProblem, match="empty"):
        read_level("  ")


def test_a_problem_is_located_by_file_row_column_and_header():
    with pytest.raises(CellProblem) as caught:
        read_cell(FLAG, "maybe")
    text = str(cell_problem(caught.value, file="s.csv", row=4, column=6, header="unit"))
    assert text.startswith("s.csv:4:G (unit): 'maybe' is not a yes/no answer; expected yes or no")


anything = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.text(),
    st.text(alphabet="0123456789,.- '+eE\u00a0").filter(bool), st.dates(), st.datetimes(), st.decimals(),
    st.integers(-(2 ** 63), 2 ** 63 - 1).map(np.int64), st.floats().map(np.float64), st.booleans().map(np.bool_),
    st.just(pd.NA), st.just(pd.NaT), st.lists(st.integers(), max_size=2), st.binary(max_size=4),
)


@given(st.sampled_from(INDICATORS), anything)
def test_never_raises_anything_but_its_problem_type(indicator, raw):
    try:
        value = read_cell(indicator, raw)
    except CellProblem as exc:
        assert exc.message and "\n" not in exc.detail()
        return
    if value is not None and not isinstance(value, (bool, str)):
        assert math.isfinite(value)


@given(st.integers(0, 2 ** 53 - 1))
def test_whole_numbers_round_trip_as_written_by_excel_and_pandas(n):
    for raw in (n, str(n), float(n) if n < 2 ** 52 else n, f"{n:,}", f"{n:,}".replace(",", " "), np.int64(n)):
        assert read_cell(COUNT, raw) == n and isinstance(read_cell(COUNT, raw), int)


@given(st.floats(0, 100))
def test_numbers_round_trip(x):
    assert read_cell(SHARE, repr(x)) == x and read_cell(SHARE, x) == x and read_cell(SHARE, str(np.float64(x))) == x


@given(st.floats(0, 10 ** 6).filter(lambda x: x != math.floor(x)))
def test_a_fraction_is_never_truncated_to_a_count(x):
    with pytest.raises(CellProblem):
        read_whole(repr(x))


@given(st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31)))
def test_years_from_dates_iso_text_and_excel_serials(day):
    assert read_year(day) == read_year(day.isoformat()) == read_year(str(day.year)) == day.year
    serial = (day - EXCEL_EPOCH).days
    if serial >= 10_000:
        assert read_year(serial) == read_year(float(serial)) == day.year


@given(st.sampled_from(TRUE_WORDS + FALSE_WORDS), st.lists(st.booleans(), min_size=5, max_size=5), st.text(" \t", max_size=2))
def test_yes_no_words_in_any_case(word, upper, pad):
    cased = "".join(ch.upper() if up else ch for ch, up in zip(word, upper * 2))
    assert read_cell(FLAG, pad + cased + pad) is (word in TRUE_WORDS)


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300))
def test_number_bounds_are_checked(x):
    try:
        value = read_number(x, minimum=0, maximum=100)
    except CellProblem:
        assert not 0 <= x <= 100
    else:
        assert value == x
