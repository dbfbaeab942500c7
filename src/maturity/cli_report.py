"""``maturity profile PROFILE``: profile mode (one territory, no rank) as text, JSON or HTML.

Exit codes as for every maturity command: 0 success, 1 invalid input, 2 usage error.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ._yamlio import write_atomic
from .cli_lang import lang_option, reader_language
from .errors import MaturityError
from .loading import bundled_ruleset_path, load_profile, load_ruleset

__all__ = ["profile_command"]


@click.command("profile")
@click.argument("profile_path", metavar="PROFILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--ruleset", "ruleset_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Ruleset file (default: the bundled core ruleset).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text", show_default=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False, writable=True, path_type=Path), default=None,
              help="Write to this file (atomically) instead of standard output.")
@click.option("--scores", is_flag=True, help="Show the scores and their bounds (off by default, as in IOM's profiles).")
@lang_option
def profile_command(profile_path: Path, ruleset_path: Path | None, fmt: str, out_path: Path | None,
                    scores: bool) -> None:
    """Profile mode for one territory: well-developed areas, areas with potential, next steps, findings.

    No rank and, unless --scores, no numbers: the territory is described on its own, in words,
    as in IOM's Local Migration Governance Indicators profiles. --format html writes one self-contained page (inline CSS, embedded
    figures, no scripts, no network).
    """
    from .report import profile_mode, render_profile_text
    from .scoring import Scorer

    try:
        ruleset = load_ruleset(ruleset_path or bundled_ruleset_path())
        if reader_language():
            from .i18n import translate

            ruleset = translate(ruleset, reader_language(), ruleset_path or bundled_ruleset_path())
        profile = load_profile(profile_path, ruleset)
        assessment = Scorer(ruleset).score(profile, keep_session=False)
    except MaturityError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    content = profile_mode(assessment, ruleset=ruleset, profile=profile)
    if fmt == "json":
        output = content.to_json() + "\n"
    elif fmt == "html":
        from .report.html import render_profile_html

        output = render_profile_html(content, scores=scores, profile=profile)
    else:
        output = render_profile_text(content, scores=scores)
    if out_path is None:
        click.echo(output, nl=False)
        return
    write_atomic(out_path, output)
    from .messages import _

    click.echo(_("%(file)s: %(format)s profile of %(territory)s written") % {
        "file": out_path, "format": fmt, "territory": assessment.territory["id"]}, err=True)
