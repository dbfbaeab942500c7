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


def _write(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(cell, min_size=len(COLUMNS), max_size=len(COLUMNS)), min_size=1, max_size=8),
       st.lists(st.integers(0, 7), max_size=3))
def test_read_by_columns_equals_row_by_row(tmp_path_factory, rows, repeats):
    """The column reader reports what the row-by-row reader reports, word for word, and keeps the same rows
    with the same values; a sheet with a ``__source`` column goes row by row (the source cells are all empty)."""
    import pandas as pd

    from maturity.benchmarking import territory_meta
    from maturity.spreadsheets import read_sheet_table
    from maturity.table import answers_table

    rows = [[f"t{i}" if i not in repeats else "t0", *row[1:]] for i, row in enumerate(rows)]
    by_columns = read_sheet_table(_write(tmp_path_factory.mktemp("a") / "s.csv", COLUMNS, rows), RULESET)
    folder = tmp_path_factory.mktemp("b")
    by_rows = read_sheet_table(_write(folder / "s.csv", [*COLUMNS, "migration_data__source"], [[*r, ""] for r in rows]),
                               RULESET)
    assert [str(e).replace(str(folder), "") for e in by_rows.errors] == \
        [str(e).replace(str(by_columns.errors[0].file).rsplit("/", 1)[0], "") for e in by_columns.errors]
    assert by_columns.lines == by_rows.lines
    assert by_columns.answers.equals(by_rows.answers) and by_columns.meta.equals(by_rows.meta)
    assert [p.model_dump() for p in by_columns.profiles] == [p.model_dump() for p in by_rows.profiles]
    profiles = list(by_columns.profiles)  # the tables are those the profiles make
    pd.testing.assert_frame_equal(territory_meta(profiles), by_columns.meta)
    pd.testing.assert_frame_equal(answers_table(profiles, RULESET).reindex(columns=by_columns.answers.columns),
                                  by_columns.answers)


def test_a_bad_cell_among_many_rows_is_reported_where_it_is(tmp_path):
    """2,000 rows, three bad cells and a repeated territory: each reported with file, row, column and header;
    every other row scored by the command."""
    import subprocess
    import sys

    rows = [[f"t{i}", f"T {i}", "PH", "city", "2023", "1000", "yes", "2", "50", "partial"] for i in range(2000)]
    rows[500][6] = "maybe"
    rows[1200][8] = "lots"
    rows[1500][2] = "Philippines"
    rows[1700][0] = "t3"
    path = _write(tmp_path / "many.csv", COLUMNS, rows)
    result = subprocess.run([sys.executable, "-m", "maturity", "benchmark", str(path), "--draws", "0", "--report-pages", "-1",
                             "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=600)
    assert result.returncode == 1, result.stderr  # some rows failed, the rest is scored
    assert f"{path}:502:G (unit_exists): 'maybe' is not a yes/no answer" in result.stderr
    assert f"{path}:1202:I (sector_plans_with_migration): 'lots' is not a number" in result.stderr
    assert f"{path}:1502:C (country): 'Philippines' is not a country code" in result.stderr
    assert f"{path}:1702:A (territory): territory 't3' in 2023 is already on row 5" in result.stderr
    assert "1996 territories scored" in result.stdout and "4 input(s) failed" in result.stdout
