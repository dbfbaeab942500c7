"""The ``maturity`` command line. Exit codes: 0 success, 1 invalid input, 2 usage error."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import click

from . import __version__
from ._yamlio import read_yaml
from .errors import InvalidFileError, MaturityError, Problem
from .loading import bundled_ruleset_path, iter_yaml_files, load_file, load_profile, load_ruleset
from .profile import Profile
from .render_text import render_assessment
from .ruleset import Ruleset
from .schema import json_schema
from .scoring import Scorer

RULESET_OPTION = click.option(
    "--ruleset", "ruleset_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
    help="Ruleset file (default: the bundled core ruleset).",
)


def _fail(error: MaturityError) -> None:
    click.echo(str(error), err=True)
    sys.exit(1)


def _ruleset(path: Optional[Path]) -> Ruleset:
    try:
        return load_ruleset(path or bundled_ruleset_path())
    except MaturityError as exc:
        _fail(exc)
        raise  # unreachable


# Commands defined in other modules, imported only when run or listed (so `maturity score` starts fast).
LAZY_COMMANDS = {
    "test": ("cli_authoring", "test_command"), "show": ("cli_authoring", "show_command"),
    "diff": ("cli_authoring", "diff_command"), "translations": ("cli_authoring", "translations_command"),
    "gaps": ("cli_gaps", "gaps"), "benchmark": ("cli_benchmarking", "benchmark_command"),
    "template": ("cli_benchmarking", "template_command"), "profile": ("cli_report", "profile_command"),
}


class LazyGroup(click.Group):
    """A click group whose commands from :data:`LAZY_COMMANDS` are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> Optional[click.Command]:
        if cmd_name in LAZY_COMMANDS and cmd_name not in self.commands:
            from importlib import import_module  # noqa: PLC0415

            module, attr = LAZY_COMMANDS[cmd_name]
            self.add_command(getattr(import_module(f".{module}", __package__), attr), cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="maturity")
def main() -> None:
    """Score how far local and regional authorities have mainstreamed migration into development planning."""


def _kind_of(file: Path) -> Optional[str]:
    try:
        data = read_yaml(file).data
    except MaturityError:
        return None
    return data.get("kind") if isinstance(data, dict) else None


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@RULESET_OPTION
def validate(paths: tuple[Path, ...], ruleset_path: Optional[Path]) -> None:
    """Check rulesets and profiles (files or folders). Profiles are checked against --ruleset."""
    rs: Optional[Ruleset] = None
    ruleset_error: Optional[InvalidFileError] = None
    try:
        rs = load_ruleset(ruleset_path or bundled_ruleset_path())
    except InvalidFileError as exc:
        ruleset_error = exc
    files = list(iter_yaml_files(list(paths)))
    bad = 0
    for file in files:
        try:
            if _kind_of(file) == "seal":  # seals are checked against the ruleset they name
                if rs is None:
                    raise InvalidFileError(str(file), [Problem("no-ruleset", "cannot check the seal: the ruleset is invalid", (), file=str(file))])
                from .seal import load_seal  # noqa: PLC0415

                load_seal(file, rs)
                click.echo(f"{file}: ok (seal)", err=True)
                continue
            obj = load_file(file, rs)
        except InvalidFileError as exc:
            bad += 1
            for problem in exc.problems:
                click.echo(str(problem))
            continue
        if isinstance(obj, Profile) and rs is None:
            bad += 1
            click.echo(f"{file}: cannot check answers: the ruleset is invalid")
            continue
        click.echo(f"{file}: ok ({obj.kind})", err=True)
    checked_ruleset = (ruleset_path or bundled_ruleset_path()).resolve()
    if ruleset_error is not None and checked_ruleset not in {f.resolve() for f in files}:
        bad += 1  # the ruleset profiles are checked against is itself invalid: say so once
        for problem in ruleset_error.problems:
            click.echo(str(problem))
    click.echo(f"{len(files)} file(s) checked: {len(files) - bad} valid, {bad} invalid", err=True)
    sys.exit(1 if bad else 0)


@main.command()
@click.argument("profile_path", metavar="PROFILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@RULESET_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--lang", default=None, help="Language of the ruleset's texts (e.g. es, fr); English where untranslated.")
def score(profile_path: Path, ruleset_path: Optional[Path], fmt: str, lang: Optional[str]) -> None:
    """Score one territorial profile and explain the result."""
    rs = _ruleset(ruleset_path)
    if lang:
        from .i18n import translate

        rs = translate(rs, lang, ruleset_path or bundled_ruleset_path())
    try:
        assessment = Scorer(rs).score(load_profile(profile_path, rs), keep_session=False)
    except MaturityError as exc:
        _fail(exc)
        return
    click.echo(assessment.to_json() if fmt == "json" else render_assessment(assessment), nl=fmt == "json")


@main.command()
@click.argument("kind", type=click.Choice(["ruleset", "profile"]))
def schema(kind: str) -> None:
    """Print the JSON Schema of the ruleset or profile format."""
    click.echo(json.dumps(json_schema(kind), indent=2))  # type: ignore[arg-type]


if __name__ == "__main__":  # pragma: no cover
    main()
