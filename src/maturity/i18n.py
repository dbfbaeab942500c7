"""Translations of a ruleset's texts, kept in files of their own (``kind: translation``).

A translation file names the ruleset and the language, and maps element ids to texts::

    kind: translation
    format_version: 2
    ruleset: core
    lang: es
    title: ...
    description: ...
    levels:     {1: {name: inicial, meaning: ...}}
    pillars:    {evidence: {title: ...}}
    indicators: {unit_exists: {question: ..., help: ...}}
    factors:    {dedicated_unit: {title: ..., description: ...}}
    caps:       {services_need_diagnostic: {reason: ...}}
    findings:   {unit_without_budget: {message: ..., action: ...}}
    stages:     {emerging: {name: ..., meaning: ...}}
    scales:     {budget_coverage: {none: ..., project_activities: ...}}   # the words for ordinal values
    notes:      {dedicated_unit: {3: ...}}                                # calibration notes, by level

``scales`` and ``notes`` need ``format_version: 2``; a version 1 file reads as before. A seal
has translation files of its own (``kind: translation`` naming ``seal:`` instead of
``ruleset:``, looked up as ``translations/<seal id>.<lang>.yaml`` beside the seal, then in the
bundled seals folder) with its ``title`` and the ``name`` of each gate it declares::

    kind: translation
    format_version: 2
    seal: md-sglg
    lang: es
    title: ...
    gates: {my_gate: {name: ...}}

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
from typing import Any, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ._yamlio import Document, read_yaml
from .errors import InvalidFileError, Problem, suggest
from .ruleset import OrdinalIndicator, Ruleset

__all__ = [
    "KEYED_SECTIONS",
    "TEXT_FIELDS",
    "SealTranslation",
    "Translation",
    "available_languages",
    "load_seal_translation_document",
    "load_translation_document",
    "missing_seal_translations",
    "missing_translations",
    "seal_translation_files",
    "translate",
    "translate_seal",
    "translation_files",
]

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
# Sections whose texts are keyed by a value of the element rather than by a field name
# (format_version 2): the words of each ordinal scale value, the note of each level rule.
KEYED_SECTIONS: dict[str, str] = {"scales": "indicators", "notes": "factors"}
Texts = dict[str, dict[str, str]]


def _str_keys(v: Any) -> Any:
    return {str(k): x for k, x in v.items()} if isinstance(v, dict) else v


class Translation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str = Field(pattern="^translation$")
    format_version: int = Field(ge=1, le=2)
    ruleset: str
    lang: str = Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$", description="an ISO 639-1 language code, e.g. es or fr")
    title: str | None = None
    description: str | None = None
    levels: Texts = Field(default_factory=dict)
    pillars: Texts = Field(default_factory=dict)
    indicators: Texts = Field(default_factory=dict)
    factors: Texts = Field(default_factory=dict)
    caps: Texts = Field(default_factory=dict)
    findings: Texts = Field(default_factory=dict)
    stages: Texts = Field(default_factory=dict)
    scales: Texts = Field(default_factory=dict)
    notes: Texts = Field(default_factory=dict)

    @field_validator("levels", mode="before")
    @classmethod
    def _level_keys(cls, v: Any) -> Any:
        return _str_keys(v)

    @field_validator("notes", mode="before")
    @classmethod
    def _note_keys(cls, v: Any) -> Any:
        return {k: _str_keys(x) for k, x in v.items()} if isinstance(v, dict) else v


class SealTranslation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str = Field(pattern="^translation$")
    format_version: int = Field(ge=2, le=2)
    seal: str
    lang: str = Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$", description="an ISO 639-1 language code, e.g. es or fr")
    title: str | None = None
    gates: Texts = Field(default_factory=dict)


def _elements(rs: Ruleset, section: str) -> dict[str, Any]:
    if section == "levels":
        return {str(lv.level): lv for lv in rs.levels}
    if section == "stages":
        return {s.id: s for s in rs.aggregation.stages}
    return {x.id: x for x in getattr(rs, section)}


def load_translation_document(doc: Document) -> Translation | SealTranslation:
    """Validate a translation file: its shape, and its fields and ids against the ruleset (when found).

    A file that names a ``seal`` instead of a ``ruleset`` is a seal's translation."""
    from .loading import validation_problems

    if isinstance(doc.data, dict) and "seal" in doc.data and "ruleset" not in doc.data:
        folder = Path(doc.file).parent if doc.file else Path.cwd()
        return load_seal_translation_document(doc, _find_seal_gates(str(doc.data.get("seal")), folder))

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
    problems += _keyed_problems(tr, rs, doc)
    if problems:
        raise InvalidFileError(doc.file, problems)
    return tr


def _keyed_allowed(rs: Ruleset, section: str, key: str) -> list[str] | None:
    """The keys a ``scales`` or ``notes`` entry may translate; None when the element has none."""
    if section == "scales":
        ind = next((i for i in rs.indicators if i.id == key), None)
        return list(ind.scale) if isinstance(ind, OrdinalIndicator) else None
    factor = next((f for f in rs.factors if f.id == key), None)
    return None if factor is None else [str(n) for n, rule in factor.levels.items() if rule.note]


def _keyed_problems(tr: Translation, rs: Ruleset | None, doc: Document) -> list[Problem]:
    problems: list[Problem] = []
    for section, of in KEYED_SECTIONS.items():
        entries = getattr(tr, section)
        if entries and tr.format_version < 2:
            problems.append(doc.problem(Problem("format-version", f"{section} need format_version: 2", (section,))))
            continue
        if rs is None:
            continue
        elements = {x.id for x in getattr(rs, of)}
        for key, texts in entries.items():
            if key not in elements:
                problems.append(doc.problem(Problem("unknown-id", f"ruleset '{tr.ruleset}' has no {of[:-1]} '{key}'",
                                                    (section, key), hint=suggest(key, elements))))
                continue
            allowed = _keyed_allowed(rs, section, key)
            if allowed is None:
                problems.append(doc.problem(Problem("not-ordinal", f"'{key}' is not an ordinal indicator: it has no scale to translate",
                                                    (section, key))))
                continue
            for value in texts:
                if value not in allowed:
                    what = f"not on the scale of '{key}' ({', '.join(allowed)})" if section == "scales" else \
                        f"not a level of '{key}' with a note ({', '.join(allowed) or 'none has one'})"
                    problems.append(doc.problem(Problem("unknown-value", f"'{value}' is {what}", (section, key, value),
                                                        hint=suggest(value, allowed))))
    return problems


def _find_ruleset(rid: str, folder: Path) -> Ruleset | None:
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


def _folders(ruleset_path: PathLike | None) -> list[Path]:
    from .loading import bundled_ruleset_path

    out = []
    if ruleset_path is not None:
        out.append(Path(ruleset_path).resolve().parent / "translations")
    out.append(bundled_ruleset_path().parent / "translations")
    return out


def _lineage(rs: Ruleset, ruleset_path: PathLike | None) -> list[str]:
    if ruleset_path is None:
        return [rs.id]
    from .tailoring import lineage

    try:
        return lineage(ruleset_path)
    except InvalidFileError:
        return [rs.id]


def translation_files(rs: Ruleset, lang: str, ruleset_path: PathLike | None = None) -> list[Path]:
    """The translation files that apply, nearest first."""
    out: list[Path] = []
    for rid in _lineage(rs, ruleset_path):
        for folder in _folders(ruleset_path):
            p = folder / f"{rid}.{lang}.yaml"
            if p.is_file() and p.resolve() not in {x.resolve() for x in out}:
                out.append(p)
    return out


def available_languages(ruleset_path: PathLike | None = None) -> list[str]:
    from .loading import bundled_ruleset_path, load_ruleset

    path = ruleset_path or bundled_ruleset_path()
    ids = _lineage(load_ruleset(path), path)
    langs = set()
    for folder in _folders(path):
        for p in folder.glob("*.yaml") if folder.is_dir() else []:
            rid, _, lang = p.stem.rpartition(".")
            if rid in ids:
                langs.add(lang)
    return sorted(langs)


def _texts(rs: Ruleset, lang: str, ruleset_path: PathLike | None) -> dict[tuple[str, str, str], str]:
    """(section, id, field) -> text, the nearest translation winning."""
    out: dict[tuple[str, str, str], str] = {}
    for p in reversed(translation_files(rs, lang, ruleset_path)):
        tr = load_translation_document(read_yaml(p))
        for section in (*TEXT_FIELDS, *KEYED_SECTIONS):
            for key, texts in getattr(tr, section).items():
                for fld, text in texts.items():
                    out[(section, key, fld)] = text
        for fld in ("title", "description"):
            if getattr(tr, fld) is not None and getattr(tr, "ruleset", None) == rs.id:
                out[("ruleset", rs.id, fld)] = getattr(tr, fld)
    return out


def translate(rs: Ruleset, lang: str | None, ruleset_path: PathLike | None = None) -> Ruleset:
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
    update["indicators"] = [_with_labels(i, texts) for i in update["indicators"]]
    update["factors"] = [_with_notes(f, texts) for f in update["factors"]]
    for fld in ("title", "description"):
        if ("ruleset", rs.id, fld) in texts:
            update[fld] = texts[("ruleset", rs.id, fld)]
    return rs.model_copy(update=update)


def _with_labels(ind: Any, texts: dict[tuple[str, str, str], str]) -> Any:
    if not isinstance(ind, OrdinalIndicator):
        return ind
    words = {v: texts[("scales", ind.id, v)] for v in ind.scale if ("scales", ind.id, v) in texts}
    return ind.model_copy(update={"labels": {**(ind.labels or {}), **words}}) if words else ind


def _with_notes(factor: Any, texts: dict[tuple[str, str, str], str]) -> Any:
    levels = {n: rule.model_copy(update={"note": texts[("notes", factor.id, str(n))]})
              if rule.note and ("notes", factor.id, str(n)) in texts else rule for n, rule in factor.levels.items()}
    return factor.model_copy(update={"levels": levels})


def missing_translations(rs: Ruleset, lang: str, ruleset_path: PathLike | None = None) -> list[str]:
    """Every text of ``rs`` that has no ``lang`` translation: ``title``, ``description``,
    ``section.id.field``, ``scales.indicator.value`` and ``notes.factor.level``."""
    texts = _texts(rs, lang, ruleset_path)
    out = [fld for fld in ("title", "description") if getattr(rs, fld) and ("ruleset", rs.id, fld) not in texts]
    for section, fields in TEXT_FIELDS.items():
        for key, el in _elements(rs, section).items():
            for fld in fields:
                if getattr(el, fld, None) and (section, key, fld) not in texts:
                    out.append(f"{section}.{key}.{fld}")
    for section, of in KEYED_SECTIONS.items():
        for el in getattr(rs, of):
            for value in _keyed_allowed(rs, section, el.id) or ():
                if (section, el.id, value) not in texts:
                    out.append(f"{section}.{el.id}.{value}")
    return out


# -- seals ---------------------------------------------------------------------------------
def seal_translation_files(seal_id: str, lang: str, seal_path: PathLike | None = None) -> list[Path]:
    """The translation files of a seal, nearest first: beside the seal, then the bundled ones."""
    from .seal import bundled_seals_dir

    folders = ([Path(seal_path).resolve().parent / "translations"] if seal_path is not None else []) \
        + [bundled_seals_dir() / "translations"]
    out: list[Path] = []
    for folder in folders:
        p = folder / f"{seal_id}.{lang}.yaml"
        if p.is_file() and p.resolve() not in {x.resolve() for x in out}:
            out.append(p)
    return out


def _find_seal_gates(seal_id: str, folder: Path) -> list[str] | None:
    """The ids of the gates a seal declares, the seal found beside ``folder`` or bundled (None: not found)."""
    from .seal import bundled_seals_dir

    for d in (folder, folder.parent, bundled_seals_dir()):
        for p in sorted(d.glob("*.yaml")) if d.is_dir() else []:
            try:
                data = read_yaml(p).data
            except InvalidFileError:
                continue
            if isinstance(data, dict) and data.get("kind") == "seal" and data.get("id") == seal_id:
                gates = data.get("gates") or []
                return [str(g.get("id")) for g in gates if isinstance(g, dict)] if isinstance(gates, list) else []
    return None


def load_seal_translation_document(doc: Document, gate_ids: list[str] | None = None) -> SealTranslation:
    """Validate a seal's translation file; with ``gate_ids`` (the gates the seal declares), its keys too."""
    from .loading import validation_problems

    try:
        tr = SealTranslation.model_validate(doc.data)
    except ValidationError as exc:
        raise InvalidFileError(doc.file, validation_problems(exc, doc, "seal")) from None
    problems: list[Problem] = []
    for key, texts in tr.gates.items():
        if gate_ids is not None and key not in gate_ids:
            problems.append(doc.problem(Problem("unknown-id", f"seal '{tr.seal}' declares no gate '{key}'", ("gates", key),
                                                hint=suggest(key, gate_ids))))
        for fld in texts:
            if fld != "name":
                problems.append(doc.problem(Problem("unknown-field", f"gates translate name, not '{fld}'", ("gates", key, fld),
                                                    hint=suggest(fld, ["name"]))))
    if problems:
        raise InvalidFileError(doc.file, problems)
    return tr


def _seal_texts(seal: Any, lang: str, seal_path: PathLike | None) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for p in reversed(seal_translation_files(seal.id, lang, seal_path)):
        tr = load_seal_translation_document(read_yaml(p), [g.id for g in seal.gates])
        if tr.seal != seal.id:
            raise InvalidFileError(str(p), [read_yaml(p).problem(Problem(
                "wrong-seal", f"this file translates seal '{tr.seal}', not '{seal.id}'", ("seal",)))])
        if tr.title is not None:
            out[("title", "")] = tr.title
        for key, texts in tr.gates.items():
            if "name" in texts:
                out[("gates", key)] = texts["name"]
    return out


def translate_seal(seal: Any, lang: str | None, seal_path: PathLike | None = None) -> Any:
    """``seal`` with its title and gate names in ``lang`` (the shorthand gates are named by the program)."""
    if not lang or lang == "en":
        return seal
    texts = _seal_texts(seal, lang, seal_path)
    gates = [g.model_copy(update={"name": texts[("gates", g.id)]}) if ("gates", g.id) in texts else g for g in seal.gates]
    return seal.model_copy(update={"title": texts.get(("title", ""), seal.title), "gates": gates})


def missing_seal_translations(seal: Any, lang: str, seal_path: PathLike | None = None) -> list[str]:
    """The seal's texts with no ``lang`` translation (``title``, ``gates.<id>.name``)."""
    texts = _seal_texts(seal, lang, seal_path)
    return ([] if ("title", "") in texts else ["title"]) + [f"gates.{g.id}.name" for g in seal.gates if ("gates", g.id) not in texts]
