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

from pathlib import Path
from typing import Optional, Union

from .._yamlio import write_atomic
from ..assessment import Assessment
from .content import ProfileContent
from .figures import figure_data_uri, radar_figure
from .profile_mode import profile_mode
from .templating import environment, stylesheet

__all__ = ["render_profile_html", "write_profile_html"]


def _num(x: Optional[float]) -> str:
    return "n/a" if x is None else f"{x:.1f}"


def render_profile_html(content: Union[ProfileContent, Assessment], *, radar_uri: Optional[str] = None,
                        governance_uri: Optional[str] = None) -> str:
    """The profile page of one territory, as a self-contained HTML string.

    ``radar_uri``: an image data URI to embed instead of drawing the radar (tests, caching);
    ``governance_uri``: a data URI of the governance drawing, shown with the governance gaps.
    """
    if isinstance(content, Assessment):
        content = profile_mode(content)
    from .. import __version__  # noqa: PLC0415

    if radar_uri is None:
        radar_uri = figure_data_uri(radar_figure(content))
    if not radar_uri.startswith("data:image/"):
        raise ValueError("the radar must be embedded as a data:image/... URI (the page loads nothing from elsewhere)")
    if governance_uri is not None and not governance_uri.startswith("data:image/"):
        raise ValueError("the governance drawing must be embedded as a data:image/... URI")
    template = environment().get_template("profile.html.j2")
    return template.render(c=content, css=stylesheet(), radar_uri=radar_uri, governance_uri=governance_uri, num=_num,
                           version=__version__)


def write_profile_html(content: Union[ProfileContent, Assessment], path: Union[str, Path]) -> Path:
    """Render and write the page atomically (readers see the old file or the new one)."""
    target = Path(path)
    write_atomic(target, render_profile_html(content))
    return target
