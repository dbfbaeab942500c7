"""Reports: profile mode (one territory, no rank), HTML pages and figures.

The content model (:mod:`.content`) comes first; :mod:`.html` renders it to one
self-contained HTML file (inline CSS, figures as base64 PNG or SVG, no scripts, no network);
:mod:`.figures` draws matplotlib figures and returns ``Figure`` objects.
"""

from .content import AreaItem, PillarSection, ProfileContent, StepItem
from .profile_mode import profile_mode, render_profile_text

__all__ = ["AreaItem", "PillarSection", "ProfileContent", "StepItem", "profile_mode", "render_profile_text"]
