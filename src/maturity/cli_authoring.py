"""Commands for ruleset authors: ``maturity test``, ``show``, ``diff`` and ``translations``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .errors import MaturityError
from .messages import _

__all__ = ["diff_command", "show_command", "test_command", "translations_command"]


def _fail(error: Exception) -> None:
    click.echo(str(error), err=True)
    sys.exit(1)


@click.command("test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--min-coverage", type=click.FloatRange(0, 100), default=None,
              help="Fail when rule coverage is below this percentage (overrides the tests file's min_coverage).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def test_command(paths: tuple[Path, ...], min_coverage: float | None, fmt: str) -> None:
    """Run the test cases beside rulesets (files or folders; default: the bundled rulesets) and report rule coverage."""
    from .loading import bundled_ruleset_path
    from .rulesettests import find_test_files, run_tests

    try:
        files = find_test_files(list(paths) or [bundled_ruleset_path().parent])
    except MaturityError as exc:
        _fail(exc)
        return
    if not files:
        click.echo("no tests files (*.tests.yaml) found", err=True)
        sys.exit(1)
    reports, ok = [], True
    for f in files:
        try:
            report = run_tests(f, min_coverage=min_coverage)
        except MaturityError as exc:
            click.echo(str(exc))
            ok = False
            continue
        reports.append(report)
        ok = ok and report.ok
        if fmt == "text":
            click.echo(report.render())
    if fmt == "json":
        click.echo(json.dumps([r.to_dict() for r in reports], indent=2))
    sys.exit(0 if ok else 1)


@click.command("show")
@click.argument("ruleset_path", metavar="RULESET", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--resolved", is_flag=True, help="Show the ruleset with its extends resolved (what is scored).")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
def show_command(ruleset_path: Path, resolved: bool, fmt: str) -> None:
    """Print a ruleset: as written, or resolved against the rulesets it extends."""
    from ._yamlio import dump_yaml, read_yaml
    from .loading import dump_model, load_ruleset
    from .plan import compile_plan

    try:
        rs = load_ruleset(ruleset_path)  # always validated, tailoring resolved
        if resolved:
            data = rs.model_dump(mode="json", by_alias=True, exclude_none=True)
            if fmt == "json":
                click.echo(json.dumps({**data, "digest": compile_plan(rs).digest}, indent=2, ensure_ascii=False))
            else:
                click.echo(f"# {rs.id} {rs.version}, resolved; plan digest {compile_plan(rs).digest}")
                click.echo(dump_model(rs), nl=False)
        else:
            data = read_yaml(ruleset_path).data
            click.echo(json.dumps(data, indent=2, ensure_ascii=False) if fmt == "json" else dump_yaml(data), nl=fmt == "json")
    except MaturityError as exc:
        _fail(exc)


@click.command("diff")
@click.argument("old", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--profiles", "profiles", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Profiles (files or folders) to score with both rulesets; repeatable.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def diff_command(old: Path, new: Path, profiles: tuple[Path, ...], fmt: str) -> None:
    """What changed between two rulesets, and which territories change level, score or stage, and why."""
    from .diff import diff_files

    try:
        result = diff_files(old, new, list(profiles))
    except MaturityError as exc:
        _fail(exc)
        return
    click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) if fmt == "json" else result.render())


@click.command("translations")
@click.argument("ruleset_path", metavar="RULESET", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=False)
@click.option("--lang", "langs", multiple=True, help="Languages to check (default: every translation found).")
@click.option("--seal", "seal_paths", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Seals whose texts to check too (default: the bundled seals written for the ruleset); repeatable.")
@click.option("--strict", is_flag=True, help="Exit 1 when any translation is missing.")
def translations_command(ruleset_path: Path | None, langs: tuple[str, ...], seal_paths: tuple[Path, ...], strict: bool) -> None:
    """List the texts of a ruleset (title, description, every element, calibration notes, scale values)
    and of its seals that have no translation, per language."""
    from .i18n import available_languages, missing_seal_translations, missing_translations
    from .loading import bundled_ruleset_path, load_ruleset
    from .seal import bundled_seals_dir, load_seal

    path = ruleset_path or bundled_ruleset_path()
    try:
        rs = load_ruleset(path)
        paths = list(seal_paths) or [p for p in sorted(bundled_seals_dir().glob("*.yaml")) if _names_ruleset(p, rs.id)]
        seals = [(p, load_seal(p, rs)) for p in paths]
        missing_any = False
        for lang in langs or available_languages(path):
            missing = missing_translations(rs, lang, path)
            for p, seal in seals:
                missing += [_("seal %(id)s: %(key)s") % {"id": seal.id, "key": key} for key in missing_seal_translations(seal, lang, p)]
            missing_any = missing_any or bool(missing)
            click.echo(_("%(lang)s: %(n)s missing translation(s)") % {"lang": lang, "n": len(missing)})
            for key in missing:
                click.echo(f"  {key}")
    except MaturityError as exc:
        _fail(exc)
        return
    sys.exit(1 if strict and missing_any else 0)


def _names_ruleset(seal_path: Path, ruleset_id: str) -> bool:
    from ._yamlio import read_yaml

    try:
        data = read_yaml(seal_path).data
    except MaturityError:
        return False
    return isinstance(data, dict) and data.get("kind") == "seal" and data.get("ruleset") == ruleset_id
