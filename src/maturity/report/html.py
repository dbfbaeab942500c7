"""Render profile-mode content to one self-contained HTML page.

CSS is inline, figures are embedded as base64 data URIs (the factor chart as SVG, drawings as
PNG), there are no scripts and the page loads nothing from the network (its
Content-Security-Policy forbids it). Every text comes through jinja2 with autoescaping on, so
territory names and notes written by users are shown, never interpreted.

Examples
--------
>>> from maturity import load_profile, score
>>> from maturity.loading import bundled_profiles_dir
>>> from maturity.report import profile_mode
>>> page = render_profile_html(profile_mode(score(load_profile(bundled_profiles_dir() / "cr-upala.yaml"))))
>>> page.startswith("<!DOCTYPE html>") and "<script" not in page and 'src="data:image/svg+xml;base64,' in page
True
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from .._yamlio import write_atomic
from ..assessment import Assessment
from ..messages import _
from ..profile import Profile
from ..ruleset import Ruleset
from .content import ProfileContent
from .figures import factor_bars_svg, figure_data_uri, svg_data_uri
from .profile_mode import profile_mode
from .seal_view import SealBox
from .templating import environment, page_language, stylesheet

__all__ = ["governance_drawing_uri", "render_profile_html", "write_profile_html"]


def _num(x: float | None) -> str:
    return _("n/a") if x is None else f"{x:.1f}"


def render_profile_html(content: ProfileContent | Assessment, *, bars_uri: str | None = None,
                        governance_uri: str | None = None, seal_box: SealBox | None = None, scores: bool = False,
                        ruleset: Ruleset | None = None, profile: Profile | None = None) -> str:
    """The profile page of one territory, as a self-contained HTML string.

    ``bars_uri``: an image data URI to embed instead of drawing the per-factor bars (tests,
    peer averages); ``governance_uri``: a data URI of the governance drawing (drawn from
    ``profile`` when it has a governance section and none is given); ``seal_box``: the
    territory's seal result in a benchmarking run; ``scores``: show the numbers (off in
    profile mode, as in IOM's profiles). ``ruleset``/``profile`` put the conditions in words.
    """
    if isinstance(content, Assessment):
        content = profile_mode(content, ruleset=ruleset, profile=profile)
    if seal_box is not None:
        content = replace(content, seal_box=seal_box)
    from .. import __version__

    if bars_uri is None:
        bars_uri = svg_data_uri(factor_bars_svg(content))
    if governance_uri is None and profile is not None and profile.governance is not None:
        governance_uri = governance_drawing_uri(profile)
    for what, uri in (("the factor chart", bars_uri), ("the governance drawing", governance_uri)):
        if uri is not None and not uri.startswith("data:image/"):
            raise ValueError(f"{what} must be embedded as a data:image/... URI (the page loads nothing from elsewhere)")
    template = environment().get_template("profile.html.j2")
    return template.render(c=content, css=stylesheet(), bars_uri=bars_uri, governance_uri=governance_uri, num=_num,
                           version=__version__, scores=scores, lang=page_language())


def governance_drawing_uri(profile: Profile) -> str:
    """The profile's governance drawing, gaps numbered, as a PNG data URI (the figure is closed after)."""
    from ..governance import build_graph, find_gaps
    from ..governance.draw import close_drawing, draw_governance

    graph = build_graph(profile)
    fig = draw_governance(graph, find_gaps(graph))
    try:
        return figure_data_uri(fig)
    finally:
        close_drawing(fig)


def write_profile_html(content: ProfileContent | Assessment, path: str | Path, **options: Any) -> Path:
    """Render and write the page atomically (readers see the old file or the new one); options as for
    :func:`render_profile_html`."""
    target = Path(path)
    write_atomic(target, render_profile_html(content, **options))
    return target
