"""Sheets read row by row: whatever the cells hold, each row is scored or reported, never a traceback."""

from __future__ import annotations

import csv

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maturity import InvalidFileError, load_core_ruleset
from maturity.spreadsheets import read_sheet_rows

RULESET = load_core_ruleset()
COLUMNS = ["territory", "name", "country", "level", "year", "population", "unit_exists", "unit_trained_staff",
           "sector_plans_with_migration", "migration_data"]
GOOD = ["t", "T", "PH", "city", "2023", "1000", "yes", "2", "50", "partial"]
cell = st.one_of(st.text(max_size=12), st.sampled_from(["", "unknown", "2023.0", "12,500", "inf", "1e400", "maybe", "YES",
                                                         "2.7", "-1", "=1+1", "barangay", "ph", "2023-05-01", ".nan"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(cell, min_size=len(COLUMNS), max_size=len(COLUMNS)), min_size=1, max_size=6))
def test_every_row_is_scored_or_reported_where_it_is(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("sheet") / "s.csv"
    rows = [[f"t{i}", *row[1:]] for i, row in enumerate(rows)]  # distinct ids: repeats are tested elsewhere
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    loaded, errors = read_sheet_rows(path, RULESET)
    assert len(loaded) + len(errors) == len(rows)
    for error in errors:
        assert isinstance(error, InvalidFileError) and error.problems
        for problem in error.problems:
            assert problem.file == str(path) and problem.line is not None and 2 <= problem.line <= len(rows) + 1
            assert "\n" not in problem.message
    for line, profile in loaded:
        assert profile.territory.id == f"t{line - 2}"


@given(st.sampled_from(range(len(COLUMNS))), st.sampled_from(["maybe", "inf", "2.7", "barangay", "Philippines", "twenty"]))
def test_one_bad_cell_is_located_and_the_good_row_still_loads(tmp_path_factory, column, value):
    path = tmp_path_factory.mktemp("sheet") / "s.csv"
    bad = [*GOOD]
    bad[0], bad[column] = "u", value if column else "U U"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([COLUMNS, GOOD, bad])
    loaded, errors = read_sheet_rows(path, RULESET)
    if not errors:  # some values fit some columns (a name can be anything)
        assert len(loaded) == 2
        return
    assert [line for line, _ in loaded] == [2] and len(errors) == 1
    assert any(p.line == 3 and p.column == "ABCDEFGHIJ"[column] for p in errors[0].problems)
