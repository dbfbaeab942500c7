"""Render profile-mode content to one self-contained HTML page.

CSS is inline, figures are embedded as base64 PNG data URIs, there are no scripts and the page
loads nothing from the network (its Content-Security-Policy forbids it). Every text comes
through jinja2 with autoescaping on, so territory names and notes written by users are
shown, never interpreted.

>>> from maturity import load_profile, score
>>> from maturity.loading import bundled_profiles_dir
>>> from maturity.report import profile_mode
>>> page = render_profile_html(profile_mode(score(load_profile(bundled_profiles_dir() / "cr-upala.yaml"))))
>>> page.startswith("<!DOCTYPE html>") and "<script" not in page and 'src="data:image/png;base64,' in page
True
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Optional, Union

import jinja2

from .._yamlio import write_atomic
from ..assessment import Assessment
from ..messages import _, current_language, ngettext
from ..ruleset import Ruleset
from ..wording import gap_kind, term, territory_level
from .content import ProfileContent
from .figures import figure_data_uri, radar_figure
from .profile_mode import profile_mode

__all__ = ["render_profile_html", "write_profile_html"]


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("maturity.report", "templates"),
        autoescape=True,  # every template, whatever its suffix
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    # the messages of the current language, looked up when a page is rendered
    env.install_gettext_callables(gettext=lambda m: _(m), ngettext=lambda s, p, n: ngettext(s, p, n),  # type: ignore[attr-defined]
                                  newstyle=True)
    env.globals.update(term=term, gap_kind=gap_kind, territory_level=territory_level)
    return env


def page_language() -> str:
    """The ``lang`` attribute of a page: the language of the run."""
    return current_language() or "en"


def _css() -> str:
    return resources.files("maturity.report").joinpath("templates/report.css").read_text(encoding="utf-8")


def _num(x: Optional[float]) -> str:
    return _("n/a") if x is None else f"{x:.1f}"


def render_profile_html(content: Union[ProfileContent, Assessment], *, radar_uri: Optional[str] = None,
                        governance_uri: Optional[str] = None, ruleset: Optional[Ruleset] = None) -> str:
    """The profile page of one territory, as a self-contained HTML string, in the current language.

    ``radar_uri``: an image data URI to embed instead of drawing the radar (tests, caching);
    ``governance_uri``: a data URI of the governance drawing, shown with the governance gaps;
    ``ruleset``: the ruleset that scored, for stage names and the words of answers.
    """
    if isinstance(content, Assessment):
        content = profile_mode(content, ruleset=ruleset)
    from .. import __version__  # noqa: PLC0415

    if radar_uri is None:
        radar_uri = figure_data_uri(radar_figure(content))
    if not radar_uri.startswith("data:image/"):
        raise ValueError("the radar must be embedded as a data:image/... URI (the page loads nothing from elsewhere)")
    if governance_uri is not None and not governance_uri.startswith("data:image/"):
        raise ValueError("the governance drawing must be embedded as a data:image/... URI")
    template = _environment().get_template("profile.html.j2")
    return template.render(c=content, css=_css(), radar_uri=radar_uri, governance_uri=governance_uri, num=_num,
                           version=__version__, lang=page_language())


def write_profile_html(content: Union[ProfileContent, Assessment], path: Union[str, Path]) -> Path:
    """Render and write the page atomically (readers see the old file or the new one)."""
    target = Path(path)
    write_atomic(target, render_profile_html(content))
    return target
