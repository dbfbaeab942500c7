"""The ``--lang`` option of the commands that write for readers (``LANG``/``LANGUAGE`` by default)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from .messages import current_language, language_from_environment, use_language

__all__ = ["lang_option", "reader_language"]


def _select(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    return use_language(value if value else language_from_environment())


def lang_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--lang``: the language of the program's messages and of the ruleset's texts."""
    return click.option(
        "--lang", default=None, expose_value=False, is_eager=True, callback=_select,
        help="Language of the output (e.g. es, fr); default: from LANGUAGE, LC_ALL, LC_MESSAGES or LANG. "
             "English where a text is untranslated.")(command)


def reader_language() -> str | None:
    """The language chosen for this run (None: English)."""
    return current_language()
