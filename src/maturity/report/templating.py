"""The jinja2 environment of the HTML reports and their stylesheet.

Every template renders with autoescaping on: data text (names, notes, messages) is shown,
never interpreted. The stylesheet is the package's own file, not data, so it is marked safe
and inserted as written; escaping it would turn ``"Segoe UI"`` into ``&#34;Segoe UI&#34;``
and ``tr.good > th`` into ``tr.good &gt; th``, and browsers would drop those rules.

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

__all__ = ["environment", "stylesheet"]


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The reports' environment: package templates, autoescaping on for every template, strict undefined."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("maturity.report", "templates"),
        autoescape=True,  # every template, whatever its suffix
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
    )


@lru_cache(maxsize=1)
def stylesheet() -> Markup:
    """The reports' CSS (``templates/report.css``), safe to insert unescaped inside ``<style>``."""
    css = resources.files("maturity.report").joinpath("templates/report.css").read_text(encoding="utf-8")
    if "</" in css or "<!--" in css:  # it could close the <style> element; our own file never does
        raise ValueError("report.css must not contain '</' or '<!--'")
    return Markup(css)
