"""The jinja2 environment of the HTML reports and their stylesheet.

Every template renders with autoescaping on: data text (names, notes, messages) is shown,
never interpreted. Texts are written in the current language (:mod:`maturity.messages`,
through jinja2's i18n extension: ``{{ _("...") }}`` and ``ngettext``). The stylesheet is the
package's own file, not data, so it is marked safe and inserted as written; escaping it would
turn ``"Segoe UI"`` into ``&#34;Segoe UI&#34;`` and ``tr.good > th`` into ``tr.good &gt; th``,
and browsers would drop those rules.

Examples
--------
>>> "&#34;" in stylesheet() or "&gt;" in stylesheet()
False
>>> environment().from_string("<style>{{ css }}</style>{{ name }}").render(css=stylesheet(), name="<b>")[-9:]
'&lt;b&gt;'
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import jinja2
from markupsafe import Markup

from ..messages import _, current_language, ngettext
from ..wording import gap_kind, term, territory_level

__all__ = ["environment", "page_language", "stylesheet"]


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The reports' environment: package templates, autoescaping on for every template, strict undefined,
    messages in the language current when a page is rendered."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("maturity.report", "templates"),
        autoescape=True,  # every template, whatever its suffix
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(gettext=_, ngettext=ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(term=term, gap_kind=gap_kind, territory_level=territory_level)
    return env


def page_language() -> str:
    """The ``lang`` attribute of a page: the language of the run (``en`` without one)."""
    return current_language() or "en"


@lru_cache(maxsize=1)
def stylesheet() -> Markup:
    """The reports' CSS (``templates/report.css``), safe to insert unescaped inside ``<style>``."""
    css = resources.files("maturity.report").joinpath("templates/report.css").read_text(encoding="utf-8")
    if "</" in css or "<!--" in css:  # it could close the <style> element; our own file never does
        raise ValueError("report.css must not contain '</' or '<!--'")
    return Markup(css)
