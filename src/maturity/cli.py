"""The ``maturity`` command line. Exit codes: 0 success, 1 invalid input, 2 usage error."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import __version__
from ._yamlio import read_yaml
from .cli_lang import lang_option, reader_language
from .errors import InvalidFileError, MaturityError, Problem
from .loading import SHEET_SUFFIXES, bundled_ruleset_path, iter_input_files, load_file, load_profile, load_ruleset
from .messages import _, language_from_environment, use_language
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


def _ruleset(path: Path | None) -> Ruleset:
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

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS and cmd_name not in self.commands:
            from importlib import import_module

            module, attr = LAZY_COMMANDS[cmd_name]
            self.add_command(getattr(import_module(f".{module}", __package__), attr), cmd_name)
        return super().get_command(ctx, cmd_name)


class _Commands(LazyGroup):
    """The command group, with the last word on errors: a one-line message and an exit code, never a traceback.

    Exit codes: 1 for bad input, an unwritable path or an unexpected error, 130 when interrupted.
    """

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except MaturityError as exc:
            click.echo(str(exc), err=True)
            ctx.exit(1)
        except OSError as exc:
            where = f" {exc.filename}" if exc.filename else ""
            click.echo(f"maturity: cannot write or read{where}: {exc.strerror or exc}", err=True)
            ctx.exit(1)
        except RecursionError:
            click.echo("maturity: the input is nested too deeply to process", err=True)
            ctx.exit(1)
        except MemoryError:
            click.echo("maturity: out of memory: the input is too large for this machine", err=True)
            ctx.exit(1)
        except Exception as exc:
            message = " ".join(str(exc).split())[:300]
            click.echo(f"maturity: unexpected error ({type(exc).__name__}: {message}); please report it with the "
                       "command and input that caused it", err=True)
            ctx.exit(1)
        return None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="maturity")
def main() -> None:
    """Score how far local and regional authorities have mainstreamed migration into development planning."""
    use_language(language_from_environment())  # a command's --lang overrides it


def _kind_of(file: Path) -> str | None:
    try:
        data = read_yaml(file).data
    except MaturityError:
        return None
    return data.get("kind") if isinstance(data, dict) else None


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@RULESET_OPTION
@lang_option
def validate(paths: tuple[Path, ...], ruleset_path: Path | None) -> None:
    """Check rulesets, profiles and seals (YAML) and CSV/XLSX sheets of profiles, every row (files or folders).

    Profiles and sheets are checked against --ruleset.
    """
    rs: Ruleset | None = None
    ruleset_error: InvalidFileError | None = None
    try:
        rs = load_ruleset(ruleset_path or bundled_ruleset_path())
    except InvalidFileError as exc:
        ruleset_error = exc
    files = list(iter_input_files(list(paths)))
    empty = [p for p in paths if p.is_dir() and not any(f.is_relative_to(p) for f in files)]
    for folder in empty:
        click.echo(f"{folder}: nothing to check: no .yaml/.yml files (rulesets, profiles, seals) or .csv/.xlsx sheets "
                   "in this folder", err=True)
    bad = 0
    for file in files:
        if file.suffix.lower() in SHEET_SUFFIXES:
            bad += _validate_sheet(file, rs)
            continue
        try:
            if _kind_of(file) == "seal":  # seals are checked against the ruleset they name
                if rs is None:
                    raise InvalidFileError(str(file), [Problem("no-ruleset", _("cannot check the seal: the ruleset is invalid"),
                                                               (), file=str(file))])
                from .seal import load_seal

                load_seal(file, rs)
                click.echo(_("%(file)s: ok (seal)") % {"file": file}, err=True)
                continue
            obj = load_file(file, rs)
        except InvalidFileError as exc:
            bad += 1
            for problem in exc.problems:
                click.echo(str(problem))
            continue
        if isinstance(obj, Profile) and rs is None:
            bad += 1
            click.echo(_("%(file)s: cannot check answers: the ruleset is invalid") % {"file": file})
            continue
        click.echo(_("%(file)s: ok (%(kind)s)") % {"file": file, "kind": obj.kind}, err=True)
    checked_ruleset = (ruleset_path or bundled_ruleset_path()).resolve()
    ruleset_failed = ruleset_error is not None and checked_ruleset not in {f.resolve() for f in files}
    if ruleset_failed and ruleset_error is not None:  # the ruleset profiles are checked against is invalid: say so once
        for problem in ruleset_error.problems:
            click.echo(str(problem))
    click.echo(_("%(files)s file(s) checked: %(valid)s valid, %(invalid)s invalid")
               % {"files": len(files), "valid": len(files) - bad, "invalid": bad}, err=True)
    sys.exit(1 if bad or empty or ruleset_failed else 0)


def _validate_sheet(file: Path, rs: Ruleset | None) -> int:
    """Check every row of a sheet; 1 when it has a problem (each printed), else 0."""
    from .spreadsheets import read_sheet_rows

    if rs is None:
        click.echo(f"{file}: cannot check the sheet: the ruleset is invalid")
        return 1
    try:
        rows, errors = read_sheet_rows(file, rs)
    except InvalidFileError as exc:
        errors, rows = [exc], []
    for error in errors:
        for problem in error.problems:
            click.echo(str(problem))
    if errors:
        click.echo(f"{file}: {len(rows)} row(s) valid, {len(errors)} row(s) with problems", err=True)
        return 1
    click.echo(f"{file}: ok (sheet, {len(rows)} row(s))", err=True)
    return 0


@main.command()
@click.argument("profile_path", metavar="PROFILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@RULESET_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@lang_option
def score(profile_path: Path, ruleset_path: Path | None, fmt: str) -> None:
    """Score one territorial profile and explain the result."""
    if profile_path.suffix.lower() in SHEET_SUFFIXES:
        click.echo(f"{profile_path} is a sheet; maturity score takes one profile (YAML): use "
                   f"'maturity benchmark {profile_path}' to score its rows, 'maturity validate {profile_path}' to check them",
                   err=True)
        sys.exit(1)
    rs = _ruleset(ruleset_path)
    if reader_language():
        from .i18n import translate

        rs = translate(rs, reader_language(), ruleset_path or bundled_ruleset_path())
    try:
        assessment = Scorer(rs).score(load_profile(profile_path, rs), keep_session=False)
    except MaturityError as exc:
        _fail(exc)
        return
    click.echo(assessment.to_json() if fmt == "json" else render_assessment(assessment, ruleset=rs), nl=fmt == "json")


@main.command()
@click.argument("kind", type=click.Choice(["ruleset", "profile"]))
def schema(kind: str) -> None:
    """Print the JSON Schema of the ruleset or profile format."""
    click.echo(json.dumps(json_schema(kind), indent=2))  # type: ignore[arg-type]


if __name__ == "__main__":  # pragma: no cover
    main()
