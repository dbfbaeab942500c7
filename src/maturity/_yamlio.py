"""Read YAML with line numbers and write it back; nothing in a file is ever executed.

Files are parsed with ruamel.yaml's round-trip loader, which keeps the line of
every key and item. Explicit tags (``!!python/object`` and the like) are refused:
a ruleset or profile is data, never code. Aliases (``*name``) may expand a document to at
most ``MAX_EXPANDED_NODES`` values and may not contain themselves, so that a small file cannot
expand into billions of values ("billion laughs").
"""

from __future__ import annotations

import errno
import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from .errors import InvalidFileError, Problem

__all__ = ["MAX_EXPANDED_NODES", "Document", "dump_yaml", "parse_yaml", "read_yaml", "to_plain", "write_atomic"]

MAX_BYTES = 20 * 1024 * 1024
MAX_EXPANDED_NODES = 1_000_000  # values (mappings, lists, scalars) once every alias is expanded


class _Expansion(Exception):
    """Raised while counting: the aliases expand too far, or a node contains itself."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _expanded_size(root: Any) -> int:
    """How many values ``root`` holds with every alias expanded; linear in the distinct nodes."""
    memo: dict[int, int] = {}
    active: set[int] = set()

    def size(node: Any) -> int:
        if not isinstance(node, (dict, list)):
            return 1
        key = id(node)
        if key in memo:
            return memo[key]
        if key in active:
            raise _Expansion("an alias refers to a node that contains it")
        active.add(key)
        items = [x for kv in node.items() for x in kv] if isinstance(node, dict) else node
        total = 1
        for item in items:
            total += size(item)
            if total > MAX_EXPANDED_NODES:
                raise _Expansion(f"its aliases expand it past {MAX_EXPANDED_NODES:,} values")
        active.discard(key)
        memo[key] = total
        return total

    return size(root)


def _first_alias_line(text: str) -> int | None:
    for event in YAML(typ="rt").parse(text):
        if type(event).__name__ == "AliasEvent":
            return event.start_mark.line + 1
    return None


def _check_aliases(raw: Any, text: str, file: str | None) -> None:
    try:
        _expanded_size(raw)
    except _Expansion as exc:
        line = _first_alias_line(text)
        if line is None:
            return  # a large document without aliases: its size is bounded by MAX_BYTES
        raise InvalidFileError(file, [Problem("yaml-aliases", f"refused: {exc.reason} (first alias here)",
                                              file=file, line=line,
                                              hint="write the values out instead of using YAML aliases")]) from None
    except RecursionError:
        raise InvalidFileError(file, [Problem("yaml-depth", "the document is nested too deeply", file=file)]) from None


class Document:
    """A parsed YAML file: plain data plus a way to find the line of any field path."""

    def __init__(self, raw: Any, file: str | None) -> None:
        self.raw = raw
        self.file = file
        self.data = to_plain(raw)

    def line_of(self, path: tuple[Any, ...]) -> int | None:
        """1-based line of the deepest node of ``path`` that exists in the file.

        Path parts that are not keys or indexes of the document (pydantic adds
        union tags to its error locations) are skipped.
        """
        node = self.raw
        line = 1 if isinstance(node, (CommentedMap, CommentedSeq)) else None
        for part in path:
            if isinstance(node, CommentedMap) and part in node:
                line = node.lc.key(part)[0] + 1
                node = node[part]
            elif isinstance(node, CommentedMap) and str(part) in node:
                line = node.lc.key(str(part))[0] + 1
                node = node[str(part)]
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
                line = node.lc.item(part)[0] + 1
                node = node[part]
        return line

    def problem(self, problem: Problem) -> Problem:
        """``problem`` with this document's file and the line of its path filled in."""
        from dataclasses import replace

        return replace(problem, file=self.file, line=self.line_of(problem.path))


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.allow_duplicate_keys = False
    return y


def parse_yaml(text: str, file: str | None = None) -> Document:
    """Parse YAML text into a ``Document``; raise ``InvalidFileError`` on bad YAML."""
    try:
        raw = _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        msg = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        raise InvalidFileError(file, [Problem("yaml-syntax", f"malformed YAML: {msg}", file=file, line=line)]) from None
    except YAMLError as exc:
        raise InvalidFileError(file, [Problem("yaml-syntax", f"malformed YAML: {exc}", file=file)]) from None
    except RecursionError:
        raise InvalidFileError(file, [Problem("yaml-depth", "the document is nested too deeply", file=file)]) from None
    _check_aliases(raw, text, file)
    tags = list(_explicit_tags(raw, ()))
    if tags:
        doc = Document(None, file)
        doc.raw = raw
        raise InvalidFileError(
            file,
            [
                Problem("yaml-tag", f"explicit YAML tag {tag!r} is not allowed: files are data, not code",
                        path, file=file, line=doc.line_of(path))
                for path, tag in tags
            ],
        )
    return Document(raw, file)


def read_yaml(path: str | os.PathLike[str]) -> Document:
    """Read and parse one YAML file."""
    name = str(path)
    try:
        size = os.path.getsize(path)
        if size > MAX_BYTES:
            raise InvalidFileError(name, [Problem("too-large", f"file is {size} bytes; the limit is {MAX_BYTES}", file=name)])
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidFileError(name, [Problem("encoding", f"not UTF-8 text: {exc.reason}", file=name)]) from None
    except OSError as exc:
        raise InvalidFileError(name, [Problem("unreadable", f"cannot read file: {exc.strerror}", file=name)]) from None
    return parse_yaml(text, name)


def _explicit_tags(node: Any, path: tuple[Any, ...]):
    value = getattr(getattr(node, "tag", None), "value", None)
    if value:
        yield path, value
    if isinstance(node, CommentedMap):
        for k, v in node.items():
            yield from _explicit_tags(v, (*path, k))
    elif isinstance(node, CommentedSeq):
        for i, v in enumerate(node):
            yield from _explicit_tags(v, (*path, i))


def to_plain(node: Any) -> Any:
    """Convert ruamel's round-trip containers into plain dicts, lists and scalars."""
    if isinstance(node, dict):
        return {to_plain(k): to_plain(v) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [to_plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node


def dump_yaml(data: Any) -> str:
    """Serialise plain data as block-style YAML."""
    y = YAML(typ="safe", pure=True)
    y.default_flow_style = False
    setattr(y, "sort_base_mapping_type_on_output", False)  # noqa: B010 - an attribute ruamel reads but does not declare
    y.allow_unicode = True
    y.width = 100
    buf = io.StringIO()
    y.dump(data, buf)
    return buf.getvalue()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: str | os.PathLike[str], data: str | bytes | Callable[[BinaryIO], None]) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half of it.

    ``data`` may be a function that writes to the (binary) file it is given, so that a large output
    is streamed rather than held in memory whole.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:  # name the file asked for, not the temporary one
        blocker = next((p for p in target.parents if p.exists() and not p.is_dir()), None)
        if blocker is not None:
            raise NotADirectoryError(errno.ENOTDIR, f"{blocker} is a file, not a folder", str(target)) from None
        raise OSError(exc.errno, exc.strerror, str(target)) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            if callable(data):
                data(fh)
            else:
                fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp makes the file private; give it the mode a plain open() would (or the old file's)
        os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask())
        os.replace(tmp, target)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if exc.errno is None:
            raise
        raise OSError(exc.errno, exc.strerror, str(target)) from None
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
