"""Spreadsheets in and out: many territories in one CSV/XLSX sheet, blank questionnaires, result files.

A sheet has a row per territory and these columns: ``territory``, ``name``, ``country``,
``level`` (required), ``year``, ``region``, ``population``, ``decentralisation`` (``low``,
``medium`` or ``high``: context, never scored) (optional), one column per
indicator (empty or ``unknown`` for unknown) and, optionally, ``<indicator>__source`` with
the citation of that answer, ``"<source id> <where>"`` as in profiles (``ordinance-12 s.3``); each
source id cited in a row is declared for that row's profile. Answers without a source cite the
sheet itself, row by row (``sheet row 7``).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from ._yamlio import write_atomic
from .cells import (
    CellProblem,
    cell_problem,
    column_letter,
    is_unknown,
    read_cell,
    read_country,
    read_level,
    read_name,
    read_population,
    read_territory,
    read_text,
    read_year,
)
from .errors import InvalidFileError, Problem, suggest
from .messages import _
from .profile import Answer, Context, Profile, ProfilesOnDemand, Territory, population_band
from .ruleset import OrdinalIndicator, Ruleset

__all__ = ["SHEETS", "SheetProfiles", "SheetTable", "neutralise_formulas", "profile_data", "read_sheet", "read_sheet_rows",
           "read_sheet_table", "write_table", "write_template"]

META = ["territory", "name", "country", "level", "year", "region", "population", "decentralisation"]


MAX_LISTED = 20  # unknown columns listed one by one; the rest are counted
SHEETS = (".csv", ".xlsx", ".xlsm")


def _fail(path: Path, code: str, message: str, line: int | None = None) -> InvalidFileError:
    return InvalidFileError(str(path), [Problem(code, message, (), file=str(path), line=line)])


def _decode(path: Path, data: bytes) -> str:
    """UTF-8 (with or without a BOM); otherwise the Windows/Latin-1 encoding older Excel versions write."""
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _fail(path, "encoding", _("cannot decode the sheet as UTF-8 or Latin-1 text"))  # unreachable: latin-1 decodes all


def _separator(header: str) -> str:
    """``,`` unless the header line has more ``;`` (a European Excel export) or tabs."""
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda sep: (counts[sep], sep == ","))


def _read(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix not in SHEETS:
        raise _fail(path, "bad-suffix", _("expected a .csv or .xlsx file"))
    try:
        if suffix == ".csv":
            text = _decode(path, path.read_bytes())
            if not text.strip():
                raise _fail(path, "empty-sheet",
                            _("the sheet is empty: expected a header row (territory, name, country, level, ...)"))
            sep = _separator(text.lstrip().split("\n", 1)[0].splitlines()[0])
            data = text.encode("utf-8")  # as bytes: a StringIO would hold the text at four bytes a character
            del text
            frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, sep=sep, encoding="utf-8",
                                skip_blank_lines=False)  # blank lines keep their row number
        else:
            frame = pd.read_excel(path, dtype=object, keep_default_na=False)
    except InvalidFileError:
        raise
    except Exception as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise _fail(path, "unreadable", _("cannot read the sheet: %(reason)s") % {"reason": reason}) from None
    frame.columns = [str(c).replace("\ufeff", "").strip() for c in frame.columns]
    blank = [c for c in frame.columns if c.startswith("Unnamed:") and frame[c].map(is_unknown).all()]
    return frame.drop(columns=blank)  # empty columns Excel leaves at the right of a sheet


def _columns(path: Path, frame: pd.DataFrame, ids: set[str]) -> None:
    problems = []
    unknown = [c for c in frame.columns if c not in META and c.removesuffix("__source") not in ids]
    for col in unknown[:MAX_LISTED]:
        base = col.removesuffix("__source")
        problems.append(Problem("unknown-column", _("unknown column '%(column)s'") % {"column": col}, (col,),
                                file=str(path), line=1,
                                column=column_letter(list(frame.columns).index(col)), hint=suggest(base, [*ids, *META])))
    if len(unknown) > MAX_LISTED:
        problems.append(Problem("unknown-column", _("and %(n)s more unknown columns") % {"n": f"{len(unknown) - MAX_LISTED:,}"},
                                ("columns",),
                                file=str(path), line=1))
    for col in ("territory", "name", "country", "level"):
        if col not in frame.columns:
            problems.append(Problem("missing-column", _("missing column '%(column)s'") % {"column": col}, ("columns",),
                                    file=str(path), line=1, hint=_("the header row needs territory, name, country and level")))
    if problems:
        raise InvalidFileError(str(path), problems)


def read_sheet(path: str | Path, ruleset: Ruleset) -> tuple[list[Profile], list[InvalidFileError]]:
    """Profiles from a sheet; each bad row is an error naming the file, row and column, the rest load."""
    rows, errors = read_sheet_rows(path, ruleset)
    return [profile for _, profile in rows], errors


def read_sheet_rows(path: str | Path, ruleset: Ruleset) -> tuple[list[tuple[int, Profile]], list[InvalidFileError]]:
    """As :func:`read_sheet`, each profile with its row number (the header is row 1).

    Cells are read by :mod:`maturity.cells`. A row whose territory and year repeat an earlier
    row's is an error; the first is kept. Rows with every cell empty are skipped. See
    :func:`read_sheet_table` for the same rows as tables, without a profile object per row.
    """
    table = read_sheet_table(path, ruleset)
    return list(zip(table.lines, table.profiles, strict=True)), table.errors


@dataclass
class SheetTable:
    """A sheet's good rows as tables, in row order, and an error for each bad row.

    ``answers`` is as :func:`maturity.table.answers_table` builds it (indexed by territory,
    a column per indicator, ``None`` for unknown), ``meta`` as
    :func:`maturity.benchmarking.territory_meta`; ``lines`` are the rows' numbers in the sheet
    (the header is row 1) and ``profiles`` each row's profile, built when asked for.
    """

    answers: pd.DataFrame
    meta: pd.DataFrame
    lines: list[int]
    profiles: Sequence[Profile]
    errors: list[InvalidFileError]


def read_sheet_table(path: str | Path, ruleset: Ruleset) -> SheetTable:
    """The good rows of a sheet as tables, each bad row an error naming the file, row and column.

    Each column is read once per distinct value (:mod:`maturity.cells`); a row goes through the
    row-by-row reader only when one of its values cannot be read or does not make a valid
    profile, so that its errors are those of that reader, word for word. Sheets with
    ``<indicator>__source`` columns are read row by row.
    """
    path = Path(path)
    frame = _read(path)
    indicators = {i.id: i for i in ruleset.indicators}
    _columns(path, frame, set(indicators))
    if frame.empty:
        raise _fail(path, "no-rows", _("the sheet has a header but no territory rows"), line=2)
    pos = {c: k for k, c in enumerate(frame.columns)}
    present = [(i, ind) for i, ind in indicators.items() if i in pos]
    reader = _SheetRows(path, frame, pos, present, ruleset)
    n = len(frame)
    cited = any(c.endswith("__source") for c in frame.columns)
    columns: dict[str, _Column] = {}
    if not cited:
        readers: list[tuple[str, Callable[[Any], Any]]] = [
            ("territory", read_territory), ("name", read_name), ("country", read_country), ("level", read_level),
            ("year", read_year), ("decentralisation", read_text), ("region", read_text), ("population", read_population),
            *((ind_id, partial(_answer_value, ind)) for ind_id, ind in present)]
        text = path.suffix.lower() == ".csv"  # every cell a string
        columns = {col: _Column.read(frame[col], read, text=text) for col, read in readers if col in pos}
    blank = np.ones(n, dtype=bool)
    for col in frame.columns:
        blank &= columns[col].unknown if col in columns else frame[col].map(is_unknown).to_numpy(dtype=bool)
    slow = np.zeros(n, dtype=bool) if not cited else np.ones(n, dtype=bool)
    for column in columns.values():
        slow |= column.bad
    lines: list[int] = []
    kept: list[int | Profile] = []  # the frame row of a row read by columns, or the profile the row reader made
    errors: list[InvalidFileError] = []
    first_row: dict[tuple[str, int | None], int] = {}
    meta = {c: columns[c].values if c in columns else None for c in META}
    for r in range(n):
        line = r + 2
        if blank[r]:
            continue
        data: dict[str, Any] | None = None
        if slow[r]:
            data = reader.read(r, errors)
            if data is None:
                continue
            key = (data["territory"]["id"], data["territory"]["assessment_year"])
        else:
            key = (meta["territory"][r], _at(meta["year"], r))  # type: ignore[index]
        if key in first_row:
            said = (_("territory '%(id)s' in %(year)s is already on row %(row)s; this row is not scored") if key[1] is not None
                    else _("territory '%(id)s' (no year) is already on row %(row)s; this row is not scored"))
            errors.append(InvalidFileError(str(path), [Problem(
                "duplicate-territory", said % {"id": key[0], "year": key[1], "row": first_row[key]},
                ("territory",), file=str(path), line=line, column=column_letter(pos["territory"]),
                hint=_("give the row its own year, or remove it"))]))
            continue
        if data is None and not reader.valid({c: _at(v, r) for c, v in meta.items()}):
            data = reader.read(r, errors)  # the same values: the row reader says what is wrong with them
            assert data is not None
        if data is not None:
            made = reader.make(r, data, errors)
            if made is None:
                continue
            kept.append(made)
        else:
            kept.append(r)
        first_row[key] = line
        lines.append(line)
    return _tables(path, kept, lines, columns, present, errors)


def _at(values: np.ndarray | None, r: int) -> Any:
    return None if values is None else values[r]


def _answer_value(indicator: Any, raw: Any) -> Any:
    """``read_cell``, refusing too what a profile's answer would refuse (its model, then its check)."""
    from .checks import value_problem

    value = read_cell(indicator, raw)
    if value is not None:
        try:
            Answer.model_validate({"value": value, "source": "sheet row 2"})
        except ValidationError:
            raise CellProblem("not a valid answer") from None
        if value_problem(indicator, value):
            raise CellProblem("not a valid answer")
    return value


@dataclass
class _Column:
    """One column read once per distinct value: each row's value, where it is unknown, where it cannot be read."""

    values: np.ndarray
    unknown: np.ndarray
    bad: np.ndarray

    @classmethod
    def read(cls, cells: pd.Series, read: Callable[[Any], Any], *, text: bool) -> _Column:
        if text:
            codes, uniques = pd.factorize(cells, use_na_sentinel=False)
            distinct = list(uniques)
        else:  # typed cells (XLSX): 1, 1.0 and True are different cells
            seen: dict[tuple[type, Any], int] = {}
            codes = np.fromiter((seen.setdefault((type(v), v), len(seen)) for v in cells), dtype=np.int64, count=len(cells))
            distinct = [v for _t, v in seen]
        values = np.empty(len(distinct), dtype=object)
        bad = np.zeros(len(distinct), dtype=bool)
        unknown = np.array([is_unknown(v) for v in distinct], dtype=bool)
        for k, raw in enumerate(distinct):
            try:
                values[k] = read(raw)
            except CellProblem:
                bad[k] = True
        return cls(values[codes], unknown[codes], bad[codes])


class _SheetRows:
    """The row-by-row reader: a row's cells read one by one, its profile validated and checked."""

    def __init__(self, path: Path, frame: pd.DataFrame, pos: dict[str, int], present: list[tuple[str, Any]],
                 ruleset: Ruleset) -> None:
        self.path, self.frame, self.pos, self.present, self.ruleset = path, frame, pos, present, ruleset
        self.name = str(path)

    def read(self, r: int, errors: list[InvalidFileError]) -> dict[str, Any] | None:
        """Row ``r``'s profile data, or None with an error for each cell that cannot be read."""
        line = r + 2
        get = _RowReader(self.frame.iloc[r].to_numpy(dtype=object), self.pos, self.name, line)
        territory = {"id": get("territory", read_territory), "name": get("name", read_name),
                     "country": get("country", read_country), "level": get("level", read_level),
                     "assessment_year": get("year", read_year)}
        degree = get("decentralisation", read_text)
        context = {"region": get("region", read_text), "population": get("population", read_population),
                   "decentralisation": {"degree": degree} if degree else None}
        answers: dict[str, dict[str, Any]] = {}
        for ind_id, ind in self.present:
            value = get(ind_id, partial(read_cell, ind))
            if value is not None:
                answers[ind_id] = {"value": value, "source": get(f"{ind_id}__source", read_text) or f"sheet row {line}"}
        if get.problems:
            errors.append(InvalidFileError(self.name, get.problems))
            return None
        return profile_data(self.path.name, territory, context, answers)

    def make(self, r: int, data: dict[str, Any], errors: list[InvalidFileError]) -> Profile | None:
        """The profile of row ``r`` from its data, or None with its errors (model, then checks)."""
        from .checks import check_answers, check_profile

        line = r + 2
        try:
            profile = Profile.model_validate(data)
        except ValidationError as exc:
            errors.append(InvalidFileError(self.name, [
                _row_problem(self.name, line, self.pos, ".".join(map(str, e["loc"])), e["msg"]) for e in exc.errors()]))
            return None
        found = check_profile(profile) + check_answers(profile, self.ruleset)
        if found:
            errors.append(InvalidFileError(self.name, [
                _row_problem(self.name, line, self.pos, _column_of(p.path), p.message, p.code, p.hint) for p in found]))
            return None
        return profile

    def valid(self, meta: dict[str, Any]) -> bool:
        """Whether a row's territory and context, read by columns, make a valid profile (answers are checked by value)."""
        try:
            Territory.model_validate({"id": meta["territory"], "name": meta["name"], "country": meta["country"],
                                      "level": meta["level"], "assessment_year": meta["year"]})
            Context.model_validate({"region": meta["region"], "population": meta["population"], "decentralisation":
                                    {"degree": meta["decentralisation"]} if meta["decentralisation"] else None})
        except ValidationError:
            return False
        return True


def profile_data(sheet: str, territory: dict[str, Any], context: dict[str, Any],
                 answers: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A sheet row's profile as data: the sheet is its source, and each source id its answers cite."""
    cited = sorted({str(a["source"]).split()[0] for a in answers.values()} - {"sheet"})
    return {"kind": "profile", "format_version": 1, "territory": territory, "context": context,
            "sources": [{"id": "sheet", "title": sheet},
                        *({"id": sid, "title": f"{sid} (cited in {sheet})"} for sid in cited)],
            "answers": answers}


class SheetProfiles(ProfilesOnDemand):
    """The profiles of a sheet's good rows, each built when asked for (a large sheet never holds them all)."""

    def __init__(self, sheet: str, kept: list[int | Profile], lines: list[int], answers: pd.DataFrame,
                 meta: pd.DataFrame) -> None:
        self.sheet, self.kept, self.lines, self.answers, self.meta = sheet, kept, lines, answers, meta

    def __len__(self) -> int:
        return len(self.kept)

    def profile_at(self, i: int) -> Profile:
        made = self.kept[i]
        if isinstance(made, Profile):
            return made
        m = self.meta.iloc[i]
        line = self.lines[i]
        territory = {"id": m["territory"], "name": m["name"], "country": m["country"], "level": m["level"],
                     "assessment_year": None if pd.isna(m["year"]) else int(m["year"])}
        context = {"region": m["region"], "population": None if pd.isna(m["population"]) else int(m["population"]),
                   "decentralisation": {"degree": m["decentralisation"]} if m["decentralisation"] else None}
        row = self.answers.iloc[i]
        answers = {k: {"value": v, "source": f"sheet row {line}"} for k, v in row.items() if v is not None}
        return Profile.model_validate(profile_data(self.sheet, territory, context, answers))


def _tables(path: Path, kept: list[int | Profile], lines: list[int], columns: dict[str, _Column],
            present: list[tuple[str, Any]], errors: list[InvalidFileError]) -> SheetTable:
    """The kept rows as the answers and meta tables (rows read by columns, or profiles the row reader made)."""
    fast = np.array([k for k in kept if not isinstance(k, Profile)], dtype=np.int64)
    where = np.array([j for j, k in enumerate(kept) if not isinstance(k, Profile)], dtype=np.int64)
    made = [(j, k) for j, k in enumerate(kept) if isinstance(k, Profile)]
    n = len(kept)

    def column(col: str, from_profile: Callable[[Profile], Any]) -> np.ndarray:
        out = np.full(n, None, dtype=object)
        if col in columns:
            out[where] = columns[col].values[fast]
        for j, p in made:
            out[j] = from_profile(p)
        return out

    ids = [ind_id for ind_id, _ind in present]
    def answer(ind_id: str) -> Callable[[Profile], Any]:
        return lambda p: p.answer(ind_id).value if p.answer(ind_id).known else None

    answers = pd.DataFrame({i: column(i, answer(i)) for i in ids}, columns=ids, dtype=object)
    population = column("population", lambda p: p.context.population)
    meta = pd.DataFrame({
        "territory": column("territory", lambda p: p.territory.id), "name": column("name", lambda p: p.territory.name),
        "country": column("country", lambda p: p.territory.country), "level": column("level", lambda p: p.territory.level),
        "parent": np.full(n, None, dtype=object),
        "region": column("region", lambda p: p.context.region),
        "year": column("year", lambda p: p.territory.assessment_year),
        "population": population,
        "population_band": np.array([population_band(v) for v in population], dtype=object),
        "decentralisation": column("decentralisation", lambda p: p.context.decentralisation.degree
                                   if p.context.decentralisation else None),
        "synthetic": np.full(n, False, dtype=object)})
    meta = meta.infer_objects()  # the dtypes territory_meta gives: whole years as integers, with a blank as floats
    answers.index = pd.Index(meta["territory"], name="territory")
    return SheetTable(answers, meta, lines, SheetProfiles(path.name, kept, lines, answers, meta), errors)


class _RowReader:
    """Reads the cells of one row, collecting a located problem for each cell it cannot read."""

    def __init__(self, cells: Any, pos: dict[str, int], file: str, line: int) -> None:
        self.cells, self.pos, self.file, self.line = cells, pos, file, line
        self.problems: list[Problem] = []

    def __call__(self, col: str, reader: Callable[[Any], Any]) -> Any:
        if col not in self.pos:
            return None
        try:
            return reader(self.cells[self.pos[col]])
        except CellProblem as exc:
            self.problems.append(cell_problem(exc, file=self.file, row=self.line, column=self.pos[col], header=col))
            return None


def _column_of(path: tuple[Any, ...]) -> str:
    """The sheet column a profile field comes from: ``("answers", "x", "source")`` is ``x__source``."""
    if len(path) >= 2 and path[0] == "answers":
        return f"{path[1]}__source" if path[-1] == "source" else str(path[1])
    return str(path[-1]) if path else "row"


def _row_problem(file: str, line: int, pos: dict[str, int], column: str, message: str, code: str = "bad-row",
                 hint: str | None = None) -> Problem:
    column = column.split(".")[-1].replace("assessment_year", "year")
    return Problem(code, message, (column,), file=file, line=line,
                   column=column_letter(pos[column]) if column in pos else None, hint=hint)


def write_template(path: str | Path, ruleset: Ruleset, fmt: str) -> None:
    """A blank questionnaire: a profile YAML listing every question, or a sheet with a column per indicator."""
    path = Path(path)
    if fmt == "yaml":
        lines = ["# " + _("Questionnaire for ruleset %(id)s %(version)s: answer each indicator with a value") % {
                     "id": ruleset.id, "version": ruleset.version},
                 "# " + _("and a source, or leave it unknown. Write the values in brackets as they are written."),
                 "kind: profile", "format_version: 1", "territory:",
                 "  id: my-territory", "  name: My territory", "  country: XX", "  level: municipality",
                 "sources:", "  - {id: my-source, title: The document the answers come from}", "answers:"]
        for ind in ruleset.indicators:
            if isinstance(ind, OrdinalIndicator):
                allowed = " [" + " | ".join(v if ind.label(v) == v else f"{v} = {ind.label(v)}" for v in ind.scale) + "]"
            else:
                allowed = " (" + {"boolean": "true | false", "count": _("a whole number"), "number": _("a number"),
                                  "year": _("a year")}.get(ind.type, ind.type) + ")"
            lines.append(f"  # {' '.join(ind.question.split())}{allowed}")
            lines.append(f"  {ind.id}: unknown")
        write_atomic(path, "\n".join(lines) + "\n")
        return
    columns = META + [c for ind in ruleset.indicators for c in (ind.id, f"{ind.id}__source")]
    questions = {ind.id: " ".join(ind.question.split()) for ind in ruleset.indicators}
    frame = pd.DataFrame(columns=columns)
    if fmt == "csv":
        write_atomic(path, frame.to_csv(index=False))
    elif fmt == "xlsx":
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as xl:
            frame.to_excel(xl, sheet_name="answers", index=False)
            pd.DataFrame({"indicator": list(questions), "question": list(questions.values())}).to_excel(
                xl, sheet_name="questions", index=False)
        write_atomic(path, buffer.getvalue())
    else:
        raise ValueError(f"unknown template format {fmt!r}")


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """A copy in which every text cell that a spreadsheet could run as a formula starts with ``'``.

    Text beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
    apostrophe, as OWASP recommends against CSV injection; numbers, booleans and empty cells are
    left as they are.

    >>> neutralise_formulas(pd.DataFrame({"name": ["=HYPERLINK(1)", "Upala", -3]}))["name"].tolist()
    ["'=HYPERLINK(1)", 'Upala', -3]
    """
    out = table.copy(deep=False)  # columns with nothing to neutralise are shared, not copied
    for col in out.columns:
        series = out[col]
        if series.dtype != object and not pd.api.types.is_string_dtype(series.dtype):
            continue
        if pd.api.types.infer_dtype(series, skipna=True) not in ("string", "mixed", "mixed-integer"):
            continue  # no text in the column
        risky = series.astype(object).str.startswith(FORMULA_START).fillna(False).to_numpy(dtype=bool)  # non-text: NaN
        if risky.any():
            series = series.astype(object).copy()
            series[risky] = ["'" + v for v in series[risky]]
            out[col] = series
    header = [("'" + c) if isinstance(c, str) and c.startswith(FORMULA_START) else c for c in out.columns]
    out.columns = header
    return out


def _excel_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value


def _xlsx(table: pd.DataFrame) -> bytes:
    """The table as one worksheet, streamed row by row (openpyxl's write-only mode: large tables fit)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("results")
    sheet.append([str(c) for c in table.columns])
    for row in table.itertuples(index=False, name=None):
        sheet.append([_excel_value(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_table(table: pd.DataFrame, path: str | Path) -> None:
    """Write a result table as CSV, XLSX, JSON or Parquet (by suffix), atomically.

    In CSV and XLSX, text that a spreadsheet would run as a formula is neutralised
    (:func:`neutralise_formulas`); JSON and Parquet keep every value as it is.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".xlsx"):
        table = neutralise_formulas(table)
    if suffix == ".csv":
        write_atomic(path, lambda fh: table.to_csv(fh, index=False, encoding="utf-8"))  # streamed
    elif suffix == ".json":
        write_atomic(path, json.dumps(json.loads(table.to_json(orient="records")), indent=2, ensure_ascii=False))
    elif suffix == ".xlsx":
        write_atomic(path, _xlsx(table))
    elif suffix == ".parquet":
        buffer = io.BytesIO()
        table.to_parquet(buffer, index=False)
        write_atomic(path, buffer.getvalue())
    else:
        raise ValueError(f"unknown output format {suffix!r}; use .csv, .xlsx, .json or .parquet")
