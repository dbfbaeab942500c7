"""Tailored rulesets: ``extends: <ruleset id>@<version>``, resolved into one plain ruleset.

A tailored ruleset names its parent and then says what changes::

    kind: ruleset
    format_version: 1
    id: ph_lgu
    version: "1.0.0"
    title: ...
    extends: core@1.0.0
    select:   {factors: [...], indicators: [...], caps: [...], findings: [...]}   # keep only these
    deselect: {factors: [...], indicators: [...], caps: [...], findings: [...]}
    refine:                                            # change parts of the parent, by id
      factors:  {participation: {weight: 2, core: true, levels: {2: {when: ..., sources: [...]}}}}
      indicators: {...}; pillars: {...}; caps: {...}; findings: {...}
      stages:   {consolidating: {min_score: 45}}
    sources: [...]; indicators: [...]; pillars: [...]; factors: [...]; caps: [...]; findings: [...]   # added
    aggregation: {...}                                 # replaces the parent's, if given

Parents are looked up in the folder of the file, then in the bundled rulesets folder, by an index
of the ``*.yaml`` files there that declare ``kind: ruleset`` and their ``id`` at the top level of
their first 64 KB (:func:`ruleset_index`); other files are never parsed.
Resolution happens before validation, so every later check (references, monotonicity, cap
cycles) runs on the resolved ruleset; problems are reported at the line of the tailoring
that caused them, or in the parent file when they come from it.

>>> from maturity.loading import bundled_ruleset_path, load_ruleset
>>> rs = load_ruleset(bundled_ruleset_path().parent / "ph-lgu.yaml")
>>> rs.id, "participation" in [f.id for f in rs.factors]
('ph_lgu', True)
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Union

from ._yamlio import Document, read_yaml
from .bundled import bundled_ruleset_path
from .errors import InvalidFileError, Problem, suggest

__all__ = ["TAILORING_KEYS", "ResolvedDocument", "find_parent", "lineage", "resolve_document", "ruleset_index"]

PathLike = Union[str, os.PathLike]
TAILORING_KEYS = ("extends", "select", "deselect", "refine")
SECTIONS = ("indicators", "pillars", "factors", "caps", "findings")
SELECTABLE = ("factors", "indicators", "caps", "findings")
DESELECTABLE = ("factors", "indicators", "caps", "findings", "pillars")
REFINABLE = ("indicators", "pillars", "factors", "caps", "findings", "stages")
IDENTITY = ("id", "version", "title", "description")


class ResolvedDocument(Document):
    """A merged ruleset whose problems point back at the file (tailoring or parent) that caused them."""

    def __init__(self, data: dict[str, Any], child: Document, parent: Document, origin: dict[tuple[str, str], tuple[Any, ...]]):
        self.raw = None
        self.file = child.file
        self.data = data
        self._child = child
        self._parent = parent
        self._origin = origin  # (section, id) -> path in the child document

    def line_of(self, path: tuple[Any, ...]) -> int | None:
        return self._child.line_of(path)

    def problem(self, problem: Problem) -> Problem:
        from dataclasses import replace

        path = problem.path
        if (path and path[0] in SECTIONS) or path[:2] == ("aggregation", "stages"):
            section, rest = (path[0], path[1:]) if path[0] in SECTIONS else ("stages", path[2:])
            items = self.data[section] if section in SECTIONS else self.data["aggregation"]["stages"]
            if rest and isinstance(rest[0], int) and 0 <= rest[0] < len(items):
                item_id = items[rest[0]].get("id") if isinstance(items[rest[0]], dict) else None
                where = self._origin.get((section, str(item_id)))
                if where is not None:
                    return replace(problem, file=self._child.file, line=self._child.line_of((*where, *rest[1:])))
                if section == "stages" and "aggregation" in self._child.data:
                    return replace(problem, file=self._child.file, line=self._child.line_of(path))
                # from the parent: say so, at the parent's line
                parent_path = _parent_path(self._parent.data, section, item_id, rest[1:])
                if parent_path is not None:
                    return replace(problem, file=self._parent.file, line=self._parent.line_of(parent_path),
                                   message=f"{problem.message} (inherited from the parent ruleset)")
        top = path[0] if path else None
        line = self._child.line_of((top,)) if top in self._child.data else self._child.line_of(("extends",))
        return replace(problem, file=self._child.file, line=line)


def _parent_path(parent: Any, section: str, item_id: Any, rest: tuple[Any, ...]) -> tuple[Any, ...] | None:
    items = parent.get(section) if section in SECTIONS else parent.get("aggregation", {}).get("stages")
    for i, item in enumerate(items or []):
        if isinstance(item, dict) and item.get("id") == item_id:
            return (section, i, *rest) if section in SECTIONS else ("aggregation", "stages", i, *rest)
    return None


def _fail(doc: Document, code: str, message: str, path: tuple[Any, ...], hint: str | None = None) -> InvalidFileError:
    return InvalidFileError(doc.file, [doc.problem(Problem(code, message, path, hint=hint))])


def _parse_ref(doc: Document) -> tuple[str, str | None]:
    ref = doc.data.get("extends")
    if not isinstance(ref, str) or not ref.strip():
        raise _fail(doc, "bad-extends", "extends takes '<ruleset id>@<version>', e.g. 'core@1.0.0'", ("extends",))
    rid, _, version = ref.strip().partition("@")
    return rid, (version or None)


HEADER_BYTES = 64 * 1024
_KIND_LINE = re.compile(r"""^kind:[ \t]*["']?ruleset["']?[ \t]*(#.*)?$""", re.M)
_ID_LINE = re.compile(r"""^id:[ \t]*["']?([^"'#\s]+)["']?[ \t]*(#.*)?$""", re.M)


def ruleset_index(folders: Iterable[Path]) -> dict[str, list[Path]]:
    """Ruleset files by id, found by reading the first ``HEADER_BYTES`` of each ``*.yaml`` file.

    Only files whose top level declares ``kind: ruleset`` (and an ``id:``) within that header are
    listed; nothing is parsed, so a large or hostile file beside a ruleset costs one short read.
    """
    index: dict[str, list[Path]] = {}
    seen: set[Path] = set()
    for folder in folders:
        if not folder.is_dir():
            continue
        for p in sorted(folder.glob("*.yaml")):
            rp = p.resolve()
            if rp in seen or not p.is_file():
                continue
            seen.add(rp)
            try:
                with open(p, "rb") as fh:
                    head = fh.read(HEADER_BYTES).decode("utf-8", errors="replace")
            except OSError:
                continue
            found = _ID_LINE.search(head)
            if _KIND_LINE.search(head) and found:
                index.setdefault(found.group(1), []).append(p)
    return index


def _candidates(folders: Iterable[Path], rid: str) -> list[tuple[Path, Document]]:
    """The parsed rulesets with id ``rid`` in ``folders`` (a parent that does not parse is reported as such)."""
    out = []
    for p in ruleset_index(folders).get(rid, []):
        d = read_yaml(p)
        if isinstance(d.data, dict) and d.data.get("kind") == "ruleset" and str(d.data.get("id")) == rid:
            out.append((p, d))
    return out


def _search_folders(doc: Document) -> list[Path]:
    here = Path(doc.file).resolve().parent if doc.file else Path.cwd()
    return [here, bundled_ruleset_path().parent]


def find_parent(doc: Document) -> tuple[Path, Document]:
    """The file of the ruleset ``doc`` extends: same folder first, then the bundled rulesets."""
    rid, version = _parse_ref(doc)
    found = _candidates(_search_folders(doc), rid)
    if not found:
        ids = ruleset_index(_search_folders(doc))
        raise _fail(doc, "unknown-parent", f"extends '{rid}', but no ruleset with that id is in "
                    f"{' or '.join(map(str, _search_folders(doc)))}", ("extends",), hint=suggest(rid, list(ids)))
    if version is None:
        raise _fail(doc, "bad-extends", f"extends '{rid}' without a version; write '{rid}@{found[0][1].data.get('version')}'",
                    ("extends",))
    for p, d in found:
        if str(d.data.get("version")) == version:
            return p, d
    have = ", ".join(sorted({str(d.data.get("version")) for _, d in found}))
    raise _fail(doc, "unknown-parent-version", f"extends '{rid}@{version}', but '{rid}' is at version {have}", ("extends",))


def lineage(path: PathLike) -> list[str]:
    """The ruleset ids from ``path``'s ruleset up through its parents, child first."""
    doc = read_yaml(path)
    out = [str(doc.data.get("id"))]
    seen = {Path(path).resolve()}
    while isinstance(doc.data, dict) and "extends" in doc.data:
        p, doc = find_parent(doc)
        if p.resolve() in seen:
            break
        seen.add(p.resolve())
        out.append(str(doc.data.get("id")))
    return out


def _ids(items: Any) -> list[str]:
    return [str(x.get("id")) for x in items or [] if isinstance(x, dict)]


def _deep_merge(base: Any, patch: Any) -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for k, v in patch.items():
            key = k
            if isinstance(base, dict) and k not in base and str(k) in base:
                key = str(k)
            elif isinstance(k, str) and k.isdigit() and int(k) in base:
                key = int(k)
            # a level rule is replaced whole: its condition and its sources go together
            out[key] = v if (key in out and isinstance(key, int)) else _deep_merge(out.get(key), v)
        return out
    return copy.deepcopy(patch)


def _as_id_list(doc: Document, value: Any, path: tuple[Any, ...]) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(doc, "bad-tailoring", "expected a list of ids", path)
    return list(value)


def resolve_document(doc: Document, check_parent: Callable[[Document], object],
                     _stack: tuple[Path, ...] = ()) -> ResolvedDocument:
    """Resolve a tailored ruleset (a document with ``extends``) into the data of a plain ruleset.

    ``check_parent`` validates the resolved parent as a ruleset on its own (the loader's check),
    raising :class:`InvalidFileError` with its problems.
    """
    data = doc.data
    here = Path(doc.file).resolve() if doc.file else Path("<input>")
    stack = (*_stack, here)
    parent_path, parent_doc = find_parent(doc)
    if parent_path.resolve() in stack:
        chain = " -> ".join(f"{p.name}" for p in (*stack, parent_path.resolve()))
        raise _fail(doc, "cyclic-extends", f"extends forms a cycle: {chain}", ("extends",))
    if isinstance(parent_doc.data, dict) and "extends" in parent_doc.data:
        parent_doc = resolve_document(parent_doc, check_parent, stack)
    check_parent(parent_doc)  # the parent must be a valid ruleset on its own
    parent = copy.deepcopy(parent_doc.data)
    problems: list[Problem] = []

    def problem(code: str, message: str, path: tuple[Any, ...], hint: str | None = None) -> None:
        problems.append(doc.problem(Problem(code, message, path, hint=hint)))

    pref = f"{parent.get('id')}@{parent.get('version')}"
    for key in data:
        if key in ("kind", "format_version", *IDENTITY, *TAILORING_KEYS, *SECTIONS, "sources", "levels", "aggregation"):
            continue
        problem("schema-extra_forbidden", f"unknown key '{key}'", (key,),
                hint=suggest(str(key), [*TAILORING_KEYS, *SECTIONS, "sources", "aggregation"]))
    for key in ("select", "deselect", "refine"):
        if key in data and not isinstance(data[key], dict):
            problem("bad-tailoring", f"{key} takes a mapping of sections", (key,))
    if problems:
        raise InvalidFileError(doc.file, problems)

    select = data.get("select") or {}
    deselect = data.get("deselect") or {}
    refine = data.get("refine") or {}
    for key, allowed in (("select", SELECTABLE), ("deselect", DESELECTABLE), ("refine", REFINABLE)):
        for section in (data.get(key) or {}):
            if section not in allowed:
                problem("bad-tailoring", f"{key} does not take '{section}'; it takes {', '.join(allowed)}",
                        (key, section), hint=suggest(str(section), allowed))
    if problems:
        raise InvalidFileError(doc.file, problems)

    existing = {s: _ids(parent.get(s)) for s in SECTIONS}
    existing["stages"] = _ids(parent.get("aggregation", {}).get("stages"))
    drop: dict[str, set[str]] = {s: set() for s in SECTIONS}

    for section in SELECTABLE:
        if section in select:
            keep = _as_id_list(doc, select[section], ("select", section))
            for i, x in enumerate(keep):
                if x not in existing[section]:
                    problem("unknown-id", f"selects {section[:-1]} '{x}', which {pref} does not have",
                            ("select", section, i), hint=suggest(x, existing[section]))
            drop[section] |= set(existing[section]) - set(keep)
    for section in DESELECTABLE:
        if section in deselect:
            for i, x in enumerate(_as_id_list(doc, deselect[section], ("deselect", section))):
                if x not in existing[section]:
                    problem("unknown-id", f"deselects {section[:-1]} '{x}', which {pref} does not have",
                            ("deselect", section, i), hint=suggest(x, existing[section]))
                elif section in select and x in (select.get(section) or []):
                    problem("bad-tailoring", f"{section[:-1]} '{x}' is both selected and deselected", ("deselect", section, i))
                drop[section].add(x)

    origin: dict[tuple[str, str], tuple[Any, ...]] = {}
    # refinements
    for section, changes in refine.items():
        if section not in REFINABLE:
            continue
        if not isinstance(changes, dict):
            problem("bad-tailoring", f"refine.{section} maps ids to the fields to change", ("refine", section))
            continue
        for item_id, patch in changes.items():
            path = ("refine", section, item_id)
            if item_id not in existing[section]:
                problem("unknown-id", f"refines {section[:-1]} '{item_id}', which {pref} does not have", path,
                        hint=suggest(str(item_id), existing[section]))
                continue
            if section in drop and item_id in drop[section]:
                problem("bad-tailoring", f"refines {section[:-1]} '{item_id}', which this ruleset deselects", path)
                continue
            if not isinstance(patch, dict):
                problem("bad-tailoring", "a refinement is a mapping of the fields to change", path)
                continue
            if "id" in patch:
                problem("bad-tailoring", "a refinement cannot change an id; deselect it and add a new one", (*path, "id"))
                continue
            items = parent["aggregation"]["stages"] if section == "stages" else parent[section]
            for i, item in enumerate(items):
                if item.get("id") == item_id:
                    items[i] = _deep_merge(item, patch)
            origin[(section, item_id)] = path

    # deselection, with what still needs the deselected parts
    factors_left = [f for f in parent["factors"] if f["id"] not in drop["factors"]]
    caps_left = []
    for cap in parent.get("caps", []):
        if cap["id"] in drop["caps"] or cap.get("factor") in drop["factors"]:
            continue  # a cap on a factor that is gone caps nothing
        needed = (cap.get("unless") or {}).get("factor")
        if needed in drop["factors"]:
            problem("needed-factor", f"factor '{needed}' is deselected, but cap '{cap['id']}' on '{cap['factor']}' "
                    f"still needs it; deselect the cap too or keep the factor", _where(data, "factors", needed),
                    hint=f"add '{cap['id']}' to deselect.caps")
        caps_left.append(cap)
    findings_left = []
    for fd in parent.get("findings", []):
        if fd["id"] in drop["findings"]:
            continue
        factors, indicators = _refs(fd.get("when"))
        for f in sorted(factors & drop["factors"]):
            problem("needed-factor", f"factor '{f}' is deselected, but finding '{fd['id']}' still reads its level",
                    _where(data, "factors", f), hint=f"add '{fd['id']}' to deselect.findings")
        for ind in sorted(indicators & drop["indicators"]):
            problem("needed-indicator", f"indicator '{ind}' is deselected, but finding '{fd['id']}' still asks it",
                    _where(data, "indicators", ind), hint=f"add '{fd['id']}' to deselect.findings")
        findings_left.append(fd)
    for f in factors_left:
        for n, rule in (f.get("levels") or {}).items():
            _, indicators = _refs(rule.get("when") if isinstance(rule, dict) else None)
            for ind in sorted(indicators & drop["indicators"]):
                problem("needed-indicator", f"indicator '{ind}' is deselected, but level {n} of factor '{f['id']}' "
                        "still asks it", _where(data, "indicators", ind),
                        hint=f"refine factors.{f['id']}.levels.{n}, or deselect the factor")
    if problems:
        raise InvalidFileError(doc.file, problems)

    merged: dict[str, Any] = {k: v for k, v in parent.items() if k not in IDENTITY}
    for k in ("kind", "format_version", *IDENTITY):
        if k in data:
            merged[k] = data[k]
        elif k == "description":
            merged.pop(k, None)
    merged["factors"] = factors_left
    merged["caps"] = caps_left
    merged["findings"] = findings_left
    merged["indicators"] = [i for i in parent["indicators"] if i["id"] not in drop["indicators"]]
    used_pillars = {f.get("pillar") for f in factors_left} | {f.get("pillar") for f in data.get("factors") or [] if isinstance(f, dict)}
    merged["pillars"] = [p for p in parent["pillars"] if p["id"] not in drop["pillars"] and p["id"] in used_pillars]
    # additions
    for section in (*SECTIONS, "sources"):
        added = data.get(section)
        if added is None:
            continue
        if not isinstance(added, list):
            raise _fail(doc, "bad-tailoring", f"{section} adds a list of new {section}", (section,))
        have = set(_ids(merged.get(section)))
        for i, item in enumerate(added):
            if isinstance(item, dict) and item.get("id") in have:
                word = "refine it" if section != "sources" else "it is declared already"
                problem("duplicate-id", f"{section[:-1]} '{item.get('id')}' is already in {pref}; {word}", (section, i, "id"))
                continue
            merged.setdefault(section, []).append(item)
            if isinstance(item, dict):
                origin[(section, str(item.get("id")))] = (section, i)
    if "levels" in data:
        merged["levels"] = data["levels"]
    if "aggregation" in data:
        merged["aggregation"] = data["aggregation"]
        for i, st in enumerate((data["aggregation"] or {}).get("stages") or []):
            if isinstance(st, dict):
                origin[("stages", str(st.get("id")))] = ("aggregation", "stages", i)
    if problems:
        raise InvalidFileError(doc.file, problems)
    return ResolvedDocument(merged, doc, parent_doc, origin)


def _where(data: dict[str, Any], section: str, item_id: str) -> tuple[Any, ...]:
    """The path of ``item_id`` in the tailoring's select/deselect lists (where it was dropped)."""
    for key in ("deselect", "select"):
        ids = (data.get(key) or {}).get(section)
        if isinstance(ids, list):
            if item_id in ids:
                return (key, section, ids.index(item_id))
            if key == "select":
                return (key, section)
    return ("extends",)


def _refs(cond: Any) -> tuple[set[str], set[str]]:
    """The factors and indicators a condition (plain data) refers to."""
    factors: set[str] = set()
    indicators: set[str] = set()

    def walk(c: Any) -> None:
        if isinstance(c, dict):
            if "indicator" in c:
                indicators.add(str(c["indicator"]))
            if "factor" in c:
                factors.add(str(c["factor"]))
            for k in ("all", "any", "of"):
                for x in c.get(k) or []:
                    walk(x)
            if "not" in c:
                walk(c["not"])

    walk(cond)
    return factors, indicators
