"""Load rulesets and profiles from YAML, validated in full, with every problem located.

>>> from maturity import load_ruleset
>>> rs = load_ruleset(bundled_ruleset_path())
>>> rs.id
'core'
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Union

from pydantic import BaseModel, ValidationError

from . import checks
from ._yamlio import Document, parse_yaml, read_yaml
from .bundled import bundled_dir, bundled_profiles_dir, bundled_ruleset_path
from .errors import InvalidFileError, Problem, suggest
from .messages import _
from .model_cache import cached_ruleset
from .profile import Profile
from .ruleset import SUPPORTED_FORMAT_VERSIONS, Ruleset
from .tailoring import resolve_document

__all__ = [
    "build_document",
    "bundled_dir",
    "bundled_profiles_dir",
    "bundled_ruleset_path",
    "dump_model",
    "iter_yaml_files",
    "load_core_ruleset",
    "load_file",
    "load_profile",
    "load_ruleset",
    "parse_profile",
    "parse_ruleset",
    "validation_problems",
]

PathLike = Union[str, os.PathLike]
KINDS: dict[str, type[BaseModel]] = {"ruleset": Ruleset, "profile": Profile}


def load_core_ruleset() -> Ruleset:
    return load_ruleset(bundled_ruleset_path())


def _field_names(model: type[BaseModel], seen: set[type] | None = None) -> set[str]:
    seen = seen if seen is not None else set()
    if model in seen:
        return set()
    seen.add(model)
    names: set[str] = set()
    for name, info in model.model_fields.items():
        names.add(info.alias or name)
        for arg in _walk_types(info.annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                names |= _field_names(arg, seen)
    return names


def _walk_types(tp: Any) -> Iterator[Any]:
    yield tp
    for arg in getattr(tp, "__args__", ()) or ():
        yield from _walk_types(arg)
    for meta in getattr(tp, "__metadata__", ()) or ():
        yield from _walk_types(meta)


_VOCABULARY = {kind: _field_names(model) | {"is", "is_not", "at_least", "at_most", "above", "below", "not"}
               for kind, model in KINDS.items()}


def _clean_path(data: Any, loc: tuple[Any, ...], keep_last: bool) -> tuple[Any, ...]:
    """Drop the parts of a pydantic location that are union tags, not keys of the document.

    With ``keep_last`` the final part stays even when absent (the name of a missing field).
    """
    node, out = data, []
    for i, part in enumerate(loc):
        if isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
        elif isinstance(node, dict) and str(part) in node:
            out.append(str(part))
            node = node[str(part)]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(part)
            node = node[part]
        elif keep_last and i == len(loc) - 1:
            out.append(part)
    return tuple(out)


def validation_problems(exc: ValidationError, doc: Document, kind: str) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[Any, ...]] = set()
    for err in exc.errors(include_url=False):
        etype = err["type"]
        path = _clean_path(doc.data, tuple(err["loc"]), keep_last=etype == "missing")
        hint = None
        if etype == "extra_forbidden":
            message = _("unknown key '%(key)s'") % {"key": path[-1] if path else err["loc"][-1]}
            hint = suggest(str(err["loc"][-1]), _VOCABULARY.get(kind, ()))
        elif etype == "missing":
            message = _("missing required field '%(field)s'") % {"field": err["loc"][-1]}
        else:
            message = err["msg"].removeprefix("Value error, ")
            if etype.startswith("literal_error") or etype in ("union_tag_invalid",):
                got = err.get("input")
                if isinstance(got, (str, int, float, bool)):
                    message += f" (got {got!r})"
        key = (path, message)
        if key in seen:
            continue
        seen.add(key)
        problems.append(doc.problem(Problem(f"schema-{etype}", message, path, hint=hint)))
    return problems


def _gate(doc: Document, expected: str | None) -> str:
    """Check the document is a mapping of a known kind and format version; return its kind."""
    data = doc.data
    if not isinstance(data, dict):
        raise InvalidFileError(doc.file, [doc.problem(Problem("not-a-mapping", "expected a YAML mapping at the top of the file"))])
    kind = data.get("kind")
    if kind not in KINDS:
        msg = "missing 'kind'" if kind is None else f"unknown kind {kind!r}"
        raise InvalidFileError(doc.file, [doc.problem(Problem(
            "unknown-kind", f"{msg}; expected one of: {', '.join(KINDS)}", ("kind",), hint=suggest(str(kind), KINDS)))])
    if expected is not None and kind != expected:
        raise InvalidFileError(doc.file, [doc.problem(Problem("wrong-kind", f"expected a {expected}, found a {kind}", ("kind",)))])
    version = data.get("format_version")
    if version not in SUPPORTED_FORMAT_VERSIONS:
        supported = ", ".join(map(str, SUPPORTED_FORMAT_VERSIONS))
        msg = "missing 'format_version'" if version is None else f"unsupported format_version {version!r}"
        raise InvalidFileError(doc.file, [doc.problem(Problem(
            "unsupported-version", f"{msg}; this maturity reads format_version {supported}", ("format_version",)))])
    return kind


def build_document(doc: Document, expected: str | None, ruleset: Ruleset | None = None) -> Ruleset | Profile:
    """Check a parsed document's kind and version, validate it and cross-check it; every problem at once."""
    kind = _gate(doc, expected)
    if kind == "ruleset" and "extends" in doc.data:  # a tailored ruleset: resolve it against its parent first
        doc = resolve_document(doc, lambda parent: build_document(parent, "ruleset"))
    model = KINDS[kind]
    try:
        obj = model.model_validate(doc.data)
    except ValidationError as exc:
        raise InvalidFileError(doc.file, validation_problems(exc, doc, kind)) from None
    if isinstance(obj, Ruleset):
        problems = checks.check_ruleset(obj)
    else:
        assert isinstance(obj, Profile)
        problems = checks.check_profile(obj)
        if ruleset is not None:
            problems += checks.check_answers(obj, ruleset)
    if problems:
        raise InvalidFileError(doc.file, [doc.problem(p) for p in problems])
    return obj


def parse_ruleset(text: str, file: str | None = None) -> Ruleset:
    """Parse and validate a ruleset from YAML text."""
    return build_document(parse_yaml(text, file), "ruleset")  # type: ignore[return-value]


def parse_profile(text: str, file: str | None = None, ruleset: Ruleset | None = None) -> Profile:
    """Parse and validate a profile from YAML text; with ``ruleset``, check its answers fit it."""
    return build_document(parse_yaml(text, file), "profile", ruleset)  # type: ignore[return-value]


def load_ruleset(path: PathLike) -> Ruleset:
    """Load and validate a ruleset file; raise ``InvalidFileError`` listing every problem.

    A file that loaded once is read back from :mod:`maturity.model_cache` while its bytes stay the same.
    """
    return cached_ruleset(path, lambda: build_document(read_yaml(path), "ruleset"))  # type: ignore[arg-type,return-value]


def load_profile(path: PathLike, ruleset: Ruleset | None = None) -> Profile:
    """Load and validate a profile file; with ``ruleset``, also check its answers fit it."""
    return build_document(read_yaml(path), "profile", ruleset)  # type: ignore[return-value]


def load_file(path: PathLike, ruleset: Ruleset | None = None) -> Ruleset | Profile:
    """Load a ruleset or a profile (or another kind in ``OTHER_KINDS``), whichever the file's ``kind`` says."""
    doc = read_yaml(path)
    kind = doc.data.get("kind") if isinstance(doc.data, dict) else None
    if kind in OTHER_KINDS:
        import importlib

        module, _, func = OTHER_KINDS[kind].partition(":")
        return getattr(importlib.import_module(module), func)(doc)
    return build_document(doc, None, ruleset)


# Kinds that live beside rulesets (loaded by their own modules): ruleset tests and translations.
OTHER_KINDS = {"ruleset-tests": "maturity.rulesettests:load_tests_document",
               "translation": "maturity.i18n:load_translation_document"}


def iter_yaml_files(paths: list[PathLike]) -> Iterator[Path]:
    """The YAML files named by ``paths`` (files, or folders searched recursively), sorted."""
    for p in map(Path, paths):
        if p.is_dir():
            yield from sorted(x for x in p.rglob("*") if x.suffix in (".yaml", ".yml") and x.is_file())
        else:
            yield p


SHEET_SUFFIXES = (".csv", ".xlsx", ".xlsm")


def iter_input_files(paths: list[PathLike]) -> Iterator[Path]:
    """The YAML files and CSV/XLSX sheets named by ``paths`` (files, or folders searched recursively), sorted.

    In folders, hidden files, Excel's lock files (``~$...``) and the output folders of benchmarking
    runs (folders holding a ``run.json``) are skipped.
    """
    for p in map(Path, paths):
        if p.is_dir():
            outputs = [d.parent for d in p.rglob("run.json")]
            yield from sorted(x for x in p.rglob("*") if x.suffix.lower() in (".yaml", ".yml", *SHEET_SUFFIXES)
                              and x.is_file() and not x.name.startswith((".", "~$"))
                              and not any(x.is_relative_to(d) for d in outputs))
        else:
            yield p


def dump_model(obj: Ruleset | Profile) -> str:
    """Serialise a ruleset or profile back to YAML that loads to an equal object."""
    from ._yamlio import dump_yaml

    data = obj.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(obj, Ruleset):  # YAML mappings keep integer level keys
        for factor in data["factors"]:
            factor["levels"] = {int(k): v for k, v in factor["levels"].items()}
    return dump_yaml(data)
