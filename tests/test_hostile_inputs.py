"""Every kind of input a user can send, through the command line as users run it.

Each case builds its input in a fresh folder, runs ``maturity`` in a subprocess and states the exit
code and the words the answer must contain; no case may print a traceback. Cases with more to
check (the files written) have a ``check``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from conftest import ROOT

EXE = Path(sys.executable).with_name("maturity")
MATURITY = [str(EXE)] if EXE.exists() else [shutil.which("maturity") or "maturity"]
HEADER = "territory,name,country,level,year,population,unit_exists,unit_trained_staff,sector_plans_with_migration,migration_data"
GOOD = "ph-good,Good,PH,city,2023,1000,yes,2,50,partial"


def _full_row() -> tuple[str, str]:
    """A header and a row answering every question of the core ruleset: enough evidence to be ranked."""
    from maturity import load_core_ruleset

    rs = load_core_ruleset()
    values = {"boolean": "yes", "count": "3", "year": "2020", "number": "50"}
    cells = [ind.scale[-1] if ind.type == "ordinal" else values[ind.type] for ind in rs.indicators]
    return ("territory,name,country,level,year," + ",".join(i.id for i in rs.indicators),
            "ph-good,Good,PH,city,2023," + ",".join(cells))


FULL_HEADER, FULL = _full_row()
QUIET = ["--draws", "0", "--report-pages", "-1"]
PATCHED = """import sys
import maturity.report.benchmark_report as report
def fail(*args, **kwargs):
    raise {error}
report.write_benchmark_report = fail
from maturity.cli import main
main()
"""
NO_PYARROW = """import sys
sys.modules["pyarrow"] = None
from maturity.cli import main
main()
"""


@dataclass
class Case:
    """Input files (name -> text or bytes, or a function of the folder), the command, and the answer expected."""

    id: str
    files: dict[str, object]
    args: list[str]
    code: int
    says: list[str]
    check: Callable[[Path], None] | None = None
    before: list[str] | None = None  # a command run first (e.g. a previous run's output)
    python: str | None = None  # run this script with the args instead of the installed command
    slow: bool = False
    marks: list = field(default_factory=list)


def sheet(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def bad(column_value: dict[str, str]) -> str:
    """The good row with other values in some columns (and its own territory id)."""
    cols = HEADER.split(",")
    values = dict(zip(cols, GOOD.split(",")))
    values |= {"territory": "ph-bad", **column_value}
    return ",".join(f'"{values[c]}"' if "," in values[c] else values[c] for c in cols)


def results(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "out" / "results.csv")


def scored(*ids: str) -> Callable[[Path], None]:
    def check(folder: Path) -> None:
        assert sorted(results(folder)["territory"]) == sorted(ids)
    return check


def xlsx(rows: list[list[object]]) -> Callable[[Path], bytes]:
    def build(folder: Path) -> bytes:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(HEADER.split(","))
        for row in rows:
            ws.append(row)
        wb.save(folder / "_tmp.xlsx")
        return (folder / "_tmp.xlsx").read_bytes()
    return build


def no_formulas(folder: Path) -> None:
    wb = openpyxl.load_workbook(folder / "out" / "results.xlsx")
    kinds = {c.data_type for row in wb.active.iter_rows() for c in row}
    assert "f" not in kinds, kinds
    header = [c.value for c in next(wb.active.iter_rows(max_row=1))]
    column = header.index("name") + 1
    names = [c.value for c in next(wb.active.iter_cols(min_col=column, max_col=column))]
    assert "'=HYPERLINK(\"http://evil\")" in names and "'+cmd" in names and "'@SUM(A1)" in names and "'-2+3" in names
    csv = (folder / "out" / "results.csv").read_text()
    assert "'=HYPERLINK" in csv and ",=HYPERLINK" not in csv and '"=HYPERLINK' not in csv
    assert results(folder).set_index("territory").loc["ph-good", "population"] == 1000  # numbers stay numbers


def ranked_by_year(folder: Path) -> None:
    t = results(folder)
    assert sorted(t.loc[t["year"] == 2022, "rank"]) == [1, 2] and sorted(t.loc[t["year"] == 2023, "rank"]) == [1, 2]
    assert (folder / "out" / "territories" / "ph-a.2023.html").exists() and (folder / "out" / "territories" / "ph-a.2022.html").exists()
    assert json.loads((folder / "out" / "run.json").read_text())["ranked_within_year"] is True


def long_id_page(folder: Path) -> None:
    pages = [p.name for p in (folder / "out" / "territories").iterdir()]
    assert len(pages) == 2 and all(len(p) <= 105 for p in pages)
    assert "a" * 300 in set(results(folder)["territory"])


def previous_output_kept(folder: Path) -> None:
    assert json.loads((folder / "out" / "run.json").read_text())["territories"] == 5  # the bundled run, whole
    assert (folder / "out" / "report.html").exists() and (folder / "out" / "results.xlsx").exists()
    assert not [p for p in folder.iterdir() if p.name.startswith(".out.")]  # no staging folder left behind


def no_lingering_pages(folder: Path) -> None:
    assert not list((folder / "out" / "territories").glob("*.html")) if (folder / "out" / "territories").exists() else True
    assert (folder / "out" / "report.html").exists()


def nothing_written(folder: Path) -> None:
    assert not (folder / "out").exists() and not [p for p in folder.iterdir() if p.name.startswith(".out.")]


def bomb() -> str:
    lines = ["kind: profile", 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    return "\n".join(lines) + "\n"


def wide(folder: Path) -> str:
    return sheet(GOOD + "," * 10_000, header=HEADER + "".join(f",extra_{i}" for i in range(10_000)))


def big(folder: Path) -> str:
    return sheet(*(f"t{i},T {i},PH,municipality,2023,{1000 + i},{('yes', 'no', '')[i % 3]},{i % 7},,none"
                   for i in range(200_000)))


CASES = [
    # cells of a sheet: the bad row is reported where it is and why; the good row is still scored
    Case("year-integral-float", {"s.csv": sheet(GOOD.replace(",2023,", ",2023.0,"))}, ["benchmark", "s.csv", *QUIET], 0,
         ["1 territories scored", "year 2023"], scored("ph-good")),
    Case("year-as-words", {"s.csv": sheet(GOOD, bad({"year": "twenty"}))}, ["benchmark", "s.csv", *QUIET], 1,
         ["s.csv:3:E (year): 'twenty' is not a number; expected a year from 1900 to 2200", "1 territories scored"],
         scored("ph-good")),
    Case("year-excel-date-cell", {"s.xlsx": xlsx([["ph-good", "Good", "PH", "city", dt.datetime(2023, 5, 1), 1000, "yes"]])},
         ["benchmark", "s.xlsx", *QUIET], 0, ["year 2023"], scored("ph-good")),
    Case("year-iso-date", {"s.csv": sheet(GOOD.replace(",2023,", ",2023-05-01,"))}, ["benchmark", "s.csv", *QUIET], 0,
         ["year 2023"]),
    Case("year-local-date", {"s.csv": sheet(GOOD, bad({"year": "01/05/2023"}))}, ["benchmark", "s.csv", *QUIET], 1,
         ["s.csv:3:E (year): '01/05/2023' is a date in a local order"]),
    Case("population-thousands", {"s.csv": sheet(GOOD.replace(",1000,", ',"12,500",'))}, ["benchmark", "s.csv", *QUIET], 0,
         ["1 territories scored"], lambda f: results(f)["population"].tolist() == [12500] or pytest.fail("population")),
    Case("population-ambiguous", {"s.csv": sheet(GOOD, bad({"population": "12.500"}))}, ["benchmark", "s.csv", *QUIET], 1,
         ["s.csv:3:F (population): '12.500' is ambiguous", "write 12500"], scored("ph-good")),
    Case("count-infinite", {"s.csv": sheet(GOOD, bad({"unit_trained_staff": "inf"}))}, ["benchmark", "s.csv", *QUIET], 1,
         ["s.csv:3:H (unit_trained_staff): 'inf' is not a finite number"], scored("ph-good")),
    Case("count-overflow", {"s.csv": sheet(GOOD, bad({"unit_trained_staff": "1e400"}))}, ["benchmark", "s.csv", *QUIET], 1,
         ["s.csv:3:H (unit_trained_staff): '1e400' is not a finite number"], scored("ph-good")),
    Case("count-fraction", {"s.csv": sheet(GOOD, bad({"unit_trained_staff": "2.7"}))}, ["benchmark", "s.csv", *QUIET], 1,
         ["s.csv:3:H (unit_trained_staff): '2.7' is not a whole number"], scored("ph-good")),
    Case("number-nan-text", {"s.csv": sheet(GOOD, bad({"sector_plans_with_migration": ".nan"}))},
         ["benchmark", "s.csv", *QUIET], 1, ["s.csv:3:I (sector_plans_with_migration): '.nan' is not a finite number"]),
    Case("boolean-maybe", {"s.csv": sheet(GOOD, bad({"unit_exists": "maybe"}))}, ["benchmark", "s.csv", *QUIET], 1,
         ["s.csv:3:G (unit_exists): 'maybe' is not a yes/no answer; expected yes or no (true, yes, 1, false, no, 0"]),
    Case("boolean-any-case", {"s.csv": sheet(GOOD.replace(",yes,", ",YES,"), bad({"unit_exists": "False"}))},
         ["benchmark", "s.csv", *QUIET], 0, ["2 territories scored"]),
    Case("ordinal-off-scale", {"s.csv": sheet(GOOD, bad({"migration_data": "parcial"}))}, ["benchmark", "s.csv", *QUIET], 1,
         ["s.csv:3:J (migration_data): 'parcial' is not on the scale; expected one of (none, fragmentary, partial, comprehensive)",
          "did you mean 'partial'"]),
    Case("level-barangay", {"s.csv": sheet(GOOD, bad({"level": "barangay"}))}, ["benchmark", "s.csv", *QUIET], 1,
         ["s.csv:3:D (level): 'barangay' is not an administrative level", "municipality", "use 'other'"]),
    Case("country-name", {"s.csv": sheet(GOOD, bad({"country": "Philippines"}))}, ["benchmark", "s.csv", *QUIET], 1,
         ["s.csv:3:C (country): 'Philippines' is not a country code; expected a two-letter ISO 3166-1 code"]),
    Case("territory-id-with-spaces", {"s.csv": sheet(GOOD, bad({"territory": "Legazpi City"}))},
         ["benchmark", "s.csv", *QUIET], 1, ["s.csv:3:A (territory): 'Legazpi City' is not a territory id", "legazpi-city"]),
    # identity
    Case("duplicate-territory", {"s.csv": sheet(GOOD, GOOD.replace("Good", "Again"))}, ["benchmark", "s.csv", *QUIET], 1,
         ["s.csv:3:A (territory): territory 'ph-good' in 2023 is already on row 2", "1 input(s) failed"], scored("ph-good")),
    Case("duplicate-across-files", {"s.csv": sheet(GOOD), "t.csv": sheet(GOOD)}, ["benchmark", "s.csv", "t.csv", *QUIET], 1,
         ["t.csv:2: territory 'ph-good' in 2023 is already given by s.csv:2"], scored("ph-good")),
    Case("several-years", {"s.csv": sheet(FULL.replace("ph-good", "ph-a"), FULL.replace("ph-good", "ph-b").replace(",yes,", ",no,", 3),
                                          FULL.replace("ph-good", "ph-a").replace("2023", "2022").replace(",yes,", ",no,", 3),
                                          FULL.replace("ph-good", "ph-b").replace("2023", "2022"), header=FULL_HEADER)},
         ["benchmark", "s.csv", "--draws", "2"], 0, ["years 2022, 2023; ranked within each year", " year "], ranked_by_year),
    # formula injection
    Case("formula-injection", {"s.csv": sheet(GOOD, *(bad({"territory": f"ph-{i}", "name": name}) for i, name in
                                                      enumerate(['=HYPERLINK("http://evil")', "+cmd", "@SUM(A1)", "-2+3"])))},
         ["benchmark", "s.csv", *QUIET], 0, ["5 territories scored"], no_formulas),
    # YAML limits
    Case("alias-bomb", {"bomb.yaml": bomb()}, ["validate", "bomb.yaml"], 1,
         ["bomb.yaml:3: (document): refused: its aliases expand it past 1,000,000 values"]),
    Case("alias-bomb-beside-a-tailored-ruleset", {"ph.yaml": (ROOT / "rulesets" / "ph-lgu.yaml").read_text(encoding="utf-8"), "bomb.yaml": bomb(), "core.yaml":
                                                  (ROOT / "rulesets" / "core.yaml").read_text(encoding="utf-8")},
         ["validate", "ph.yaml"], 0, ["1 file(s) checked: 1 valid"]),
    # output folder
    Case("out-under-a-file", {"blocker": "x"}, ["benchmark", "--out", "blocker/out", *QUIET], 1,
         ["cannot write the results to blocker/out/: ", "blocker is a file, not a folder"]),
    Case("out-holds-other-files", {"out/notes.txt": "mine"}, ["benchmark", "--out", "out", *QUIET], 1,
         ["out/ already holds files that are not the output of a run"],
         lambda f: (f / "out" / "notes.txt").read_text() == "mine" or pytest.fail("notes")),
    Case("profile-out-under-a-file", {"blocker": "x"},
         ["profile", str(ROOT / "profiles" / "cr-upala.yaml"), "--format", "html", "--out", "blocker/p.html"], 1,
         ["cannot write or read blocker/p.html: blocker is a file, not a folder"]),
    Case("template-out-under-a-file", {"blocker": "x"}, ["template", "--format", "xlsx", "--out", "blocker/t.xlsx"], 1,
         ["blocker/t.xlsx: blocker is a file, not a folder"]),
    Case("long-territory-id", {"s.csv": sheet(GOOD, bad({"territory": "a" * 300}))},
         ["benchmark", "s.csv", "--draws", "0", "--report-pages", "5"], 0, ["2 territories scored"], long_id_page),
    Case("interrupted-late", {}, ["benchmark", "--draws", "0", "--out", "out"], 130,
         ["interrupted: nothing was written; out/ is as it was"], previous_output_kept,
         before=["benchmark", "--draws", "0", "--report-pages", "2", "--out", "out"],
         python=PATCHED.format(error="KeyboardInterrupt")),
    Case("failed-late", {}, ["benchmark", "--draws", "0", "--out", "out"], 1,
         ["cannot write the results to out/", "the previous output is untouched"], previous_output_kept,
         before=["benchmark", "--draws", "0", "--report-pages", "2", "--out", "out"],
         python=PATCHED.format(error="OSError(28, 'No space left on device')")),
    Case("interrupted-first-run", {}, ["benchmark", "--draws", "0", "--out", "out"], 130, ["interrupted"], nothing_written,
         python=PATCHED.format(error="KeyboardInterrupt")),
    Case("pages-of-an-earlier-run-removed", {}, ["benchmark", "--draws", "0", "--report-pages", "0", "--out", "out"], 0,
         ["5 territories scored"], no_lingering_pages, before=["benchmark", "--draws", "0", "--report-pages", "3", "--out", "out"]),
    # maturity validate
    Case("validate-sheet", {"s.csv": sheet(GOOD, bad({"unit_exists": "maybe"}))}, ["validate", "s.csv"], 1,
         ["s.csv:3:G (unit_exists): 'maybe' is not a yes/no answer", "s.csv: 1 row(s) valid, 1 row(s) with problems"]),
    Case("validate-folder-of-sheets", {"in/a.csv": sheet(GOOD), "in/b.xlsx": xlsx([["ph-x", "X", "PH", "city", 2023]])},
         ["validate", "in"], 0, ["in/a.csv: ok (sheet, 1 row(s))", "2 file(s) checked: 2 valid, 0 invalid"]),
    Case("validate-empty-folder", {"in/readme.txt": "x"}, ["validate", "in"], 1, ["in: nothing to check"]),
    Case("validate-directory-named-yaml", {"x.yaml/readme.txt": "x"}, ["validate", "x.yaml"], 1, ["x.yaml: nothing to check"]),
    # optional outputs
    Case("parquet-without-pyarrow", {}, ["benchmark", *QUIET, "--out", "out"], 0,
         ["results.parquet not written: it needs pyarrow (pip install 'maturity[parquet]')"],
         lambda f: not (f / "out" / "results.parquet").exists() or pytest.fail("parquet"), python=NO_PYARROW),
    # sheets as they come
    Case("empty-sheet", {"s.csv": ""}, ["benchmark", "s.csv", *QUIET], 1, ["s.csv:?: (document): the sheet is empty"]),
    Case("header-only", {"s.csv": sheet()}, ["benchmark", "s.csv", *QUIET], 1, ["the sheet has a header but no territory rows"]),
    Case("byte-order-mark", {"s.csv": ("\ufeff" + sheet(GOOD)).encode("utf-8")}, ["benchmark", "s.csv", *QUIET], 0,
         ["1 territories scored"]),
    Case("semicolons-and-decimal-commas", {"s.csv": sheet("ph-good;Good;PH;city;2023;1.000.000;yes;2;12,5;partial",
                                                          header=HEADER.replace(",", ";"))},
         ["benchmark", "s.csv", *QUIET], 0, ["1 territories scored"],
         lambda f: results(f)["population"].tolist() == [1_000_000] or pytest.fail("population")),
    Case("latin-1-file", {"s.csv": sheet(GOOD.replace("Good", "Sédhiou")).encode("latin-1")}, ["benchmark", "s.csv", *QUIET],
         0, ["Sédhiou"], lambda f: results(f)["name"].tolist() == ["Sédhiou"] or pytest.fail("name")),
    Case("blank-rows-and-columns", {"s.csv": sheet(GOOD, ",,,,,,,,,") + ",,,,,,,,,\n"}, ["benchmark", "s.csv", *QUIET], 0,
         ["1 territories scored"]),
    Case("blank-line-keeps-row-numbers", {"s.csv": sheet(GOOD, "", bad({"level": "barangay"}))}, ["validate", "s.csv"], 1,
         ["s.csv:4:D (level): 'barangay'"]),
    Case("ten-thousand-columns", {"s.csv": wide}, ["benchmark", "s.csv", *QUIET], 1,
         ["s.csv:1:K (extra_0): unknown column 'extra_0'", "and 9,980 more unknown columns", "no profile could be loaded"]),
    Case("garbage-xlsx", {"s.xlsx": b"PK\x03\x04 not really a workbook"}, ["benchmark", "s.xlsx", *QUIET], 1,
         ["s.xlsx:?: (document): cannot read the sheet"]),
    Case("sheet-given-to-score", {"s.csv": sheet(GOOD)}, ["score", "s.csv"], 1, ["s.csv is a sheet", "maturity benchmark s.csv"]),
    Case("two-hundred-thousand-rows", {"s.csv": big}, ["validate", "s.csv"], 0, ["s.csv: ok (sheet, 200000 row(s))"], slow=True),
]


def _write(folder: Path, files: dict[str, object]) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content(folder) if callable(content) else content
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(str(data), encoding="utf-8")
    for tmp in folder.glob("_tmp.*"):
        tmp.unlink()


def _run(folder: Path, args: list[str], python: str | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", python, *args] if python else [*MATURITY, *args]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=600, env=env)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=[pytest.mark.slow] if c.slow else []) for c in CASES])
def test_every_input_gets_a_clear_answer(case: Case, tmp_path: Path) -> None:
    _write(tmp_path, case.files)
    if case.before:
        first = _run(tmp_path, case.before)
        assert first.returncode == 0, first.stderr
    result = _run(tmp_path, [*case.args, *(["--out", "out"] if case.args[0] == "benchmark" and "--out" not in case.args else [])],
                  case.python)
    said = result.stdout + result.stderr
    assert "Traceback" not in said, said
    assert result.returncode == case.code, said
    for words in case.says:
        assert words in said, f"{words!r} not in:\n{said}"
    if case.check is not None:
        case.check(tmp_path)
