"""The program's own text in the reader's language: the standard library's ``gettext``.

Messages are marked with :func:`_` (and :func:`ngettext` where a number decides the form) and
extracted with Babel (``babel.cfg``); the catalogues are ``locale/<lang>/LC_MESSAGES/maturity.po``
inside the package. The ``.po`` files are the only form kept in the repository and installed:
the first time a language is used, its catalogue is compiled in memory with Babel and read by
``gettext.GNUTranslations``, so a plain ``pip install .``, an editable install and a source
checkout all work without a build step. Fuzzy entries are left out, as ``msgfmt`` does.

The language is chosen once per run: :func:`use_language` (the command line's ``--lang``), else
:func:`language_from_environment` (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``, in
gettext's order). English needs no catalogue.

With ``MATURITY_STRICT_MESSAGES=1`` in the environment, every message asked for in a language
whose catalogue lacks it is reported on standard error (``untranslated message``): the suite
runs the commands that way.

>>> use_language("fr_SN.UTF-8")
'fr'
>>> _("unknown")
'inconnu'
>>> use_language(None) is None and _("unknown") == "unknown"
True
"""

from __future__ import annotations

import gettext
import io
import os
import sys
from collections.abc import Mapping
from functools import cache
from importlib import resources

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "N_",
    "_",
    "catalogue_path",
    "current_language",
    "language_from_environment",
    "ngettext",
    "normalise_language",
    "translations",
    "use_language",
]

DOMAIN = "maturity"
LANGUAGES = ("es", "fr")  # languages with a catalogue; English is the source language
_state: dict[str, str | None] = {"lang": None}


def normalise_language(tag: str | None) -> str | None:
    """``es_EC.UTF-8`` -> ``es``; None for English, ``C`` and ``POSIX``.

    A language without a catalogue is kept (a ruleset may have texts in it); the program's own
    messages then stay in English."""
    if not tag:
        return None
    code = tag.split(".")[0].split("@")[0].replace("-", "_").split("_")[0].lower()
    return None if code in ("", "c", "posix", "en") or not code.isalpha() else code


def language_from_environment(environ: Mapping[str, str] | None = None) -> str | None:
    """The language the environment asks for, as gettext reads it (None: English)."""
    env = os.environ if environ is None else environ
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if not value:
            continue
        if var == "LANGUAGE":  # preferences in order: English or the first with a catalogue wins
            tags = [t.split(".")[0].split("_")[0].lower() for t in value.split(":") if t]
            for tag in tags:
                if tag == "en" or tag in LANGUAGES:
                    return normalise_language(tag)
            if any(normalise_language(t) for t in tags):
                return next(normalise_language(t) for t in tags if normalise_language(t))
            continue
        return normalise_language(value)
    return None


def use_language(lang: str | None) -> str | None:
    """Write the program's messages in ``lang`` from now on (None or ``en``: English); returns the code used."""
    _state["lang"] = normalise_language(lang)
    return _state["lang"]


def current_language() -> str | None:
    return _state["lang"]


def catalogue_path(lang: str) -> str:
    return str(resources.files("maturity").joinpath(f"locale/{lang}/LC_MESSAGES/{DOMAIN}.po"))


class _ReportMissing(gettext.NullTranslations):
    """The fallback behind a catalogue: says which messages were asked for but not translated."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang
        self.reported: set[str] = set()

    def _report(self, message: str) -> None:
        if os.environ.get("MATURITY_STRICT_MESSAGES") == "1" and message not in self.reported:
            self.reported.add(message)
            print(f"maturity: untranslated message ({self.lang}): {message!r}", file=sys.stderr)

    def gettext(self, message: str) -> str:
        self._report(message)
        return message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        self._report(msgid1)
        return msgid1 if n == 1 else msgid2


@cache
def translations(lang: str | None) -> gettext.NullTranslations:
    """The catalogue of ``lang``, compiled from its ``.po`` file (English: no translation)."""
    if lang is None:
        return gettext.NullTranslations()
    if lang not in LANGUAGES:
        return _ReportMissing(lang)
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(catalogue_path(lang), "rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    out = gettext.GNUTranslations(buffer)
    out.add_fallback(_ReportMissing(lang))
    return out


def _(message: str) -> str:
    """``message`` in the current language."""
    return translations(_state["lang"]).gettext(message)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now (tables built at import)."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_state["lang"]).ngettext(singular, plural, n)
