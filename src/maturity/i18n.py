"""Translations of a ruleset's texts, kept in files of their own (``kind: translation``).

A translation file names the ruleset and the language, and maps element ids to texts::

    kind: translation
    format_version: 1
    ruleset: core
    lang: es
    title: ...
    levels:     {1: {name: inicial, meaning: ...}}
    pillars:    {evidence: {title: ...}}
    indicators: {unit_exists: {question: ..., help: ...}}
    factors:    {dedicated_unit: {title: ..., description: ...}}
    caps:       {services_need_diagnostic: {reason: ...}}
    findings:   {unit_without_budget: {message: ..., action: ...}}
    stages:     {emerging: {name: ..., meaning: ...}}

Files are looked up as ``translations/<ruleset id>.<lang>.yaml`` beside the ruleset, then in
the bundled rulesets folder, for the ruleset and every ruleset it extends (the nearest wins).
Anything untranslated stays in English. Translating never changes the compiled plan, so an
assessment's digest is the same in every language.

>>> from maturity import load_core_ruleset
>>> es = translate(load_core_ruleset(), "es")
>>> es.level_def(1).name
'inicial'
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ._yamlio import Document, read_yaml
from .errors import InvalidFileError, Problem, suggest
from .ruleset import Ruleset

__all__ = ["Translation", "translate", "missing_translations", "available_languages", "translation_files",
           "load_translation_document", "TEXT_FIELDS"]

PathLike = Union[str, os.PathLike]
TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "levels": ("name", "meaning"),
    "pillars": ("title", "description"),
    "indicators": ("question", "help"),
    "factors": ("title", "description"),
    "caps": ("reason",),
    "findings": ("message", "action"),
    "stages": ("name", "meaning"),
}
Texts = dict[str, dict[str, str]]


class Translation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str = Field(pattern="^translation$")
    format_version: int = Field(ge=1, le=1)
    ruleset: str
    lang: str = Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$", description="an ISO 639-1 language code, e.g. es or fr")
    title: Optional[str] = None
    description: Optional[str] = None
    levels: Texts = Field(default_factory=dict)
    pillars: Texts = Field(default_factory=dict)
    indicators: Texts = Field(default_factory=dict)
    factors: Texts = Field(default_factory=dict)
    caps: Texts = Field(default_factory=dict)
    findings: Texts = Field(default_factory=dict)
    stages: Texts = Field(default_factory=dict)

    @field_validator("levels", mode="before")
    @classmethod
    def _level_keys(cls, v: Any) -> Any:
        return {str(k): x for k, x in v.items()} if isinstance(v, dict) else v


def _elements(rs: Ruleset, section: str) -> dict[str, Any]:
    if section == "levels":
        return {str(lv.level): lv for lv in rs.levels}
    if section == "stages":
        return {s.id: s for s in rs.aggregation.stages}
    return {x.id: x for x in getattr(rs, section)}


def load_translation_document(doc: Document) -> Translation:
    """Validate a translation file: its shape, and its fields and ids against the ruleset (when found)."""
    from .loading import validation_problems

    try:
        tr = Translation.model_validate(doc.data)
    except ValidationError as exc:
        raise InvalidFileError(doc.file, validation_problems(exc, doc, "ruleset")) from None
    problems: list[Problem] = []
    rs = _find_ruleset(tr.ruleset, Path(doc.file).parent if doc.file else Path.cwd())
    for section, allowed in TEXT_FIELDS.items():
        elements = _elements(rs, section) if rs is not None else None
        for key, texts in getattr(tr, section).items():
            if elements is not None and key not in elements:
                problems.append(doc.problem(Problem("unknown-id", f"ruleset '{tr.ruleset}' has no {section[:-1]} '{key}'",
                                                    (section, key), hint=suggest(key, elements))))
            for fld in texts:
                if fld not in allowed:
                    problems.append(doc.problem(Problem("unknown-field", f"{section} translate {', '.join(allowed)}, not '{fld}'",
                                                        (section, key, fld), hint=suggest(fld, allowed))))
    if problems:
        raise InvalidFileError(doc.file, problems)
    return tr


def _find_ruleset(rid: str, folder: Path) -> Optional[Ruleset]:
    from .loading import bundled_ruleset_path, load_ruleset

    for d in (folder, folder.parent, bundled_ruleset_path().parent):
        for p in sorted(d.glob("*.yaml")) if d.is_dir() else []:
            try:
                data = read_yaml(p).data
            except InvalidFileError:
                continue
            if isinstance(data, dict) and data.get("kind") == "ruleset" and data.get("id") == rid:
                try:
                    return load_ruleset(p)
                except InvalidFileError:
                    return None
    return None


def _folders(ruleset_path: Optional[PathLike]) -> list[Path]:
    from .loading import bundled_ruleset_path

    out = []
    if ruleset_path is not None:
        out.append(Path(ruleset_path).resolve().parent / "translations")
    out.append(bundled_ruleset_path().parent / "translations")
    return out


def _lineage(rs: Ruleset, ruleset_path: Optional[PathLike]) -> list[str]:
    if ruleset_path is None:
        return [rs.id]
    from .tailoring import lineage

    try:
        return lineage(ruleset_path)
    except InvalidFileError:
        return [rs.id]


def translation_files(rs: Ruleset, lang: str, ruleset_path: Optional[PathLike] = None) -> list[Path]:
    """The translation files that apply, nearest first."""
    out: list[Path] = []
    for rid in _lineage(rs, ruleset_path):
        for folder in _folders(ruleset_path):
            p = folder / f"{rid}.{lang}.yaml"
            if p.is_file() and p.resolve() not in {x.resolve() for x in out}:
                out.append(p)
    return out


def available_languages(ruleset_path: Optional[PathLike] = None) -> list[str]:
    from .loading import load_ruleset, bundled_ruleset_path

    path = ruleset_path or bundled_ruleset_path()
    ids = _lineage(load_ruleset(path), path)
    langs = set()
    for folder in _folders(path):
        for p in folder.glob("*.yaml") if folder.is_dir() else []:
            rid, _, lang = p.stem.rpartition(".")
            if rid in ids:
                langs.add(lang)
    return sorted(langs)


def _texts(rs: Ruleset, lang: str, ruleset_path: Optional[PathLike]) -> dict[tuple[str, str, str], str]:
    """(section, id, field) -> text, the nearest translation winning."""
    out: dict[tuple[str, str, str], str] = {}
    for p in reversed(translation_files(rs, lang, ruleset_path)):
        tr = load_translation_document(read_yaml(p))
        for section in TEXT_FIELDS:
            for key, texts in getattr(tr, section).items():
                for fld, text in texts.items():
                    out[(section, key, fld)] = text
        for fld in ("title", "description"):
            if getattr(tr, fld) is not None and tr.ruleset == rs.id:
                out[("ruleset", rs.id, fld)] = getattr(tr, fld)
    return out


def translate(rs: Ruleset, lang: Optional[str], ruleset_path: Optional[PathLike] = None) -> Ruleset:
    """``rs`` with its texts in ``lang``, English where no translation exists (``en`` or None: unchanged)."""
    if not lang or lang == "en":
        return rs
    texts = _texts(rs, lang, ruleset_path)
    if not texts:
        return rs

    def apply(section: str, items: list[Any], key_of: Any) -> list[Any]:
        new = []
        for x in items:
            upd = {f: texts[(section, key_of(x), f)] for f in TEXT_FIELDS[section] if (section, key_of(x), f) in texts}
            new.append(x.model_copy(update=upd) if upd else x)
        return new

    update: dict[str, Any] = {
        "levels": apply("levels", rs.levels, lambda x: str(x.level)),
        "aggregation": rs.aggregation.model_copy(update={"stages": apply("stages", rs.aggregation.stages, lambda x: x.id)}),
    }
    for section in ("pillars", "indicators", "factors", "caps", "findings"):
        update[section] = apply(section, getattr(rs, section), lambda x: x.id)
    for fld in ("title", "description"):
        if ("ruleset", rs.id, fld) in texts:
            update[fld] = texts[("ruleset", rs.id, fld)]
    return rs.model_copy(update=update)


def missing_translations(rs: Ruleset, lang: str, ruleset_path: Optional[PathLike] = None) -> list[str]:
    """Every text of ``rs`` (``section.id.field``) that has no ``lang`` translation."""
    texts = _texts(rs, lang, ruleset_path)
    out = []
    for section, fields in TEXT_FIELDS.items():
        for key, el in _elements(rs, section).items():
            for fld in fields:
                if getattr(el, fld, None) and (section, key, fld) not in texts:
                    out.append(f"{section}.{key}.{fld}")
    return out
