"""``maturity gaps PROFILE``: coherence gaps in a profile's governance graph.

Exit codes as for every maturity command: 0 success, 1 invalid input, 2 usage error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .cli_lang import lang_option
from .errors import MaturityError
from .loading import load_profile
from .messages import _
from .wording import gap_kind, term

__all__ = ["gaps"]


@click.command()
@click.argument("profile_path", metavar="PROFILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--draw", "draw_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also draw the graph, gaps highlighted, to this file (.png or .svg).")
@click.option("--max-hops", type=click.IntRange(min=1), default=2, show_default=True,
              help="How far a sector department may be from the M&D unit or working group.")
@lang_option
def gaps(profile_path: Path, fmt: str, draw_path: Path | None, max_hops: int) -> None:
    """List the coherence gaps in PROFILE's governance section, and the graph-derived answers."""
    from .governance import build_graph, declared_vs_graph, derived_answers, find_gaps

    if draw_path is not None and draw_path.suffix.lower() not in (".png", ".svg"):
        raise click.UsageError(_("--draw writes .png or .svg files, not %(suffix)r") % {"suffix": draw_path.suffix or _("no suffix")})
    try:
        profile = load_profile(profile_path)
    except MaturityError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    G = build_graph(profile)
    findings = find_gaps(G, max_hops=max_hops) + declared_vs_graph(profile, G)
    derived = derived_answers(G) if profile.governance is not None else {}
    if draw_path is not None:
        from .governance.draw import close_drawing, draw_governance

        fig = draw_governance(G, findings)
        fig.savefig(draw_path, bbox_inches="tight")
        close_drawing(fig)
    if fmt == "json":
        click.echo(json.dumps({
            "territory": profile.territory.id,
            "governance": profile.governance is not None,
            "complete": bool(G.graph.get("complete")),
            "actors": G.number_of_nodes(),
            "relations": G.number_of_edges(),
            "gaps": [f.to_dict() for f in findings],
            "derived": {k: {"value": a.value, "note": a.note} for k, a in derived.items()},
        }, indent=2, ensure_ascii=False))
        return
    name = profile.territory.name
    if profile.governance is None:
        click.echo(_("%(name)s: the profile has no governance section; nothing to analyse.") % {"name": name})
        return
    scope = _("complete") if G.graph.get("complete") else _("not marked complete: a gap may be a gap in the description")
    click.echo(_("%(name)s: %(actors)s actors, %(relations)s relations (%(scope)s)") % {
        "name": name, "actors": G.number_of_nodes(), "relations": G.number_of_edges(), "scope": scope})
    click.echo(_("%(n)s gap(s)") % {"n": len(findings)})
    for f in findings:
        click.echo(f"- [{term(f.severity)}] {gap_kind(f.kind)} ({f.kind}): {f.explanation}")
        click.echo("    " + _("actors: %(actors)s") % {"actors": ", ".join(f.actors)})
        click.echo("    " + _("action: %(action)s") % {"action": f.action})
        click.echo("    " + _("sources: %(sources)s") % {"sources": "; ".join(f.sources)})
    click.echo(_("graph-derived answers:"))
    for k, a in derived.items():
        click.echo(f"- {k} = {a.value}" + (f"  ({a.note})" if a.note else ""))
