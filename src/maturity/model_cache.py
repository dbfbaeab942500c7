"""A cache of validated rulesets, by content, so that each command does not parse the same YAML again.

Parsing and checking the core ruleset's YAML (with the line numbers its error messages need)
takes about a third of a second; reading back the validated model as JSON takes a few
milliseconds. An entry is keyed by the file's bytes and by the source of the modules that
define and check rulesets, so a changed file or a changed maturity never reads a stale entry.
Only files that loaded without a problem are cached, and only plain JSON is read back, through
the same pydantic model: nothing in the cache is run as code. A tailored ruleset (``extends``)
is not cached, since its meaning depends on other files.

The cache lives in ``$MATURITY_CACHE_DIR``, else ``$XDG_CACHE_HOME/maturity``, else
``~/.cache/maturity``; ``MATURITY_NO_CACHE=1`` turns it off. A cache that cannot be read or
written is skipped silently: it only ever saves time.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from functools import cache
from pathlib import Path

from pydantic import ValidationError

from .ruleset import Ruleset

__all__ = ["cache_dir", "cached_ruleset"]

_DEFINING_MODULES = ("ruleset.py", "conditions.py", "citations.py", "cells.py", "checks.py", "plan.py", "loading.py",
                     "_yamlio.py", "model_cache.py")


def cache_dir() -> Path | None:
    """Where validated rulesets are kept; None when the cache is turned off."""
    if os.environ.get("MATURITY_NO_CACHE", "").strip() not in ("", "0"):
        return None
    if os.environ.get("MATURITY_CACHE_DIR"):
        return Path(os.environ["MATURITY_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "maturity"


@cache
def _code_fingerprint() -> bytes:
    """The source of the modules that decide what a valid ruleset is and what it means."""
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for name in _DEFINING_MODULES:
        try:
            digest.update((here / name).read_bytes())
        except OSError:
            digest.update(name.encode())
    return digest.digest()


def cached_ruleset(path: str | os.PathLike[str], load: Callable[[], Ruleset]) -> Ruleset:
    """The ruleset at ``path``: from the cache when an entry for these bytes exists, else ``load()`` (then kept)."""
    folder = cache_dir()
    try:
        data = Path(path).read_bytes()
    except OSError:
        data = b""
    if folder is None or not data or b"extends:" in data:
        return load()
    key = hashlib.sha256(_code_fingerprint() + data).hexdigest()
    entry = folder / f"ruleset-{key}.json"
    try:
        return Ruleset.model_validate_json(entry.read_bytes())
    except (OSError, ValidationError, ValueError):
        pass
    ruleset = load()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = entry.with_name(f".{entry.name}.{os.getpid()}.tmp")
        tmp.write_text(ruleset.model_dump_json(by_alias=True), encoding="utf-8")
        os.replace(tmp, entry)
    except OSError:
        pass
    return ruleset
