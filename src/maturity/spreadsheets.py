"""Spreadsheets in and out: many territories in one CSV/XLSX sheet, blank questionnaires, result files.

A sheet has a row per territory and these columns: ``territory``, ``name``, ``country``,
``level`` (required), ``year``, ``region``, ``population`` (optional), one column per
indicator (empty or ``unknown`` for unknown) and, optionally, ``<indicator>__source`` with
the citation of that answer, ``"<source id> <where>"`` as in profiles (``ordinance-12 s.3``); each
source id cited in a row is declared for that row's profile. Answers without a source cite the
sheet itself, row by row (``sheet row 7``).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pandas as pd

from ._yamlio import write_atomic
from .errors import InvalidFileError, Problem, suggest
from .profile import Profile
from .messages import _
from .ruleset import OrdinalIndicator, Ruleset

__all__ = ["read_sheet", "write_template", "write_table"]

META = ["territory", "name", "country", "level", "year", "region", "population"]


def _read(path: Path) -> pd.DataFrame:
    try:
        if path.suffix.lower() == ".csv":
            return pd.read_csv(path, dtype=str, keep_default_na=False)
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            return pd.read_excel(path, dtype=str, keep_default_na=False)
    except Exception as exc:  # noqa: BLE001 - any reader failure is a bad file, reported with its cause
        raise InvalidFileError(str(path), [Problem("unreadable", f"cannot read the sheet: {exc}", (), file=str(path))]) from None
    raise InvalidFileError(str(path), [Problem("bad-suffix", "expected a .csv or .xlsx file", (), file=str(path))])


def _cell(raw: str, kind: str) -> Any:
    text = raw.strip()
    if text == "" or text.lower() == "unknown":
        return "unknown"
    if kind == "boolean":
        low = text.lower()
        if low in ("true", "yes", "1"):
            return True
        if low in ("false", "no", "0"):
            return False
        return text  # rejected by the profile checks with a clear message
    if kind in ("count", "year"):
        try:
            return int(float(text))
        except ValueError:
            return text
    if kind == "number":
        try:
            return float(text)
        except ValueError:
            return text
    return text


def read_sheet(path: str | Path, ruleset: Ruleset) -> tuple[list[Profile], list[InvalidFileError]]:
    """Profiles from a sheet; each bad row is an error naming the file, row and column, the rest load."""
    from .checks import check_answers, check_profile  # noqa: PLC0415

    path = Path(path)
    df = _read(path)
    ids = {i.id: i for i in ruleset.indicators}
    problems = []
    for col in df.columns:
        base = col.removesuffix("__source")
        if col not in META and base not in ids:
            problems.append(Problem("unknown-column", f"unknown column '{col}'", ("columns", col), file=str(path), line=1,
                                    hint=suggest(base, [*ids, *META])))
    for col in ("territory", "name", "country", "level"):
        if col not in df.columns:
            problems.append(Problem("missing-column", f"missing column '{col}'", ("columns",), file=str(path), line=1))
    if problems:
        raise InvalidFileError(str(path), problems)
    profiles, errors = [], []
    for i, row in df.iterrows():
        line = int(i) + 2  # header is line 1
        answers = {}
        for ind_id, ind in ids.items():
            if ind_id not in df.columns:
                continue
            value = _cell(row[ind_id], ind.type)
            if value == "unknown":
                continue
            source = row.get(f"{ind_id}__source", "").strip() or f"sheet row {line}"
            answers[ind_id] = {"value": value, "source": source}
        data = {"kind": "profile", "format_version": 1,
                "territory": {"id": row["territory"].strip(), "name": row["name"].strip(), "country": row["country"].strip(),
                              "level": row["level"].strip(),
                              "assessment_year": int(row["year"]) if row.get("year", "").strip() else None},
                "context": {"region": row.get("region", "").strip() or None,
                            "population": int(row["population"]) if row.get("population", "").strip() else None},
                "sources": [{"id": "sheet", "title": path.name},
                            *({"id": sid, "title": f"{sid} (cited in {path.name})"} for sid in sorted(
                                {str(a["source"]).split()[0] for a in answers.values()} - {"sheet"}))],
                "answers": answers}
        try:
            profile = Profile.model_validate(data)
            found = check_profile(profile) + check_answers(profile, ruleset)
        except Exception as exc:  # noqa: BLE001 - pydantic errors become located problems
            found = [Problem("bad-row", str(exc).splitlines()[0], ("row", line))]
        if found:
            errors.append(InvalidFileError(str(path), [Problem(p.code, p.message, ("row", line, *p.path[-1:]), file=str(path),
                                                               line=line, hint=p.hint) for p in found]))
        else:
            profiles.append(profile)
    return profiles, errors


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


def write_table(table: pd.DataFrame, path: str | Path) -> None:
    """Write a result table as CSV, XLSX, JSON or Parquet (by suffix), atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        write_atomic(path, table.to_csv(index=False))
    elif suffix == ".json":
        write_atomic(path, json.dumps(json.loads(table.to_json(orient="records")), indent=2, ensure_ascii=False))
    elif suffix == ".xlsx":
        buffer = io.BytesIO()
        table.to_excel(buffer, index=False, engine="openpyxl")
        write_atomic(path, buffer.getvalue())
    elif suffix == ".parquet":
        buffer = io.BytesIO()
        table.to_parquet(buffer, index=False)
        write_atomic(path, buffer.getvalue())
    else:
        raise ValueError(f"unknown output format {suffix!r}; use .csv, .xlsx, .json or .parquet")
