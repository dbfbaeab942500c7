"""``maturity benchmark`` and ``maturity template``: benchmarking runs from the command line."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import click
import pandas as pd
from tqdm import tqdm

from ._yamlio import write_atomic
from .aggregate import INSUFFICIENT, RANK_MEASURES
from .benchmarking import BenchmarkRun, Failure, benchmark_table, load_inputs, progress, robust_definition
from .cli_lang import lang_option, reader_language
from .engines import EngineName
from .errors import MaturityError, UsageError
from .loading import bundled_profiles_dir, bundled_ruleset_path, load_ruleset
from .messages import _
from .output import OutputError, staged_output
from .seal import Seal, bundled_seals_dir, load_seal
from .spreadsheets import write_table, write_template
from .wording import term

# No tqdm monitor thread: the report's page workers are forked, and a process should fork with no other thread running.
tqdm.monitor_interval = 0


class StepReporter:
    """Says what a long piece of work is doing, on stderr: a progress bar on a terminal, one line per step otherwise."""

    def __init__(self, total: int, what: str) -> None:
        self.what = what
        self.bar = tqdm(total=total, desc=what, unit="step", file=sys.stderr, leave=False) if sys.stderr.isatty() else None

    def __call__(self, message: str) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(message[:60], refresh=False)
            self.bar.update(1)
        else:
            click.echo(f"{self.what}: {message}", err=True)

    def __enter__(self) -> StepReporter:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()


#: Rows up to which results.xlsx is written (beyond, spreadsheet writing alone would take minutes: the full table
#: is in results.csv and results.parquet) and rows results.json holds (the first in rank order; it says so in run.json).
READER_ROWS = 10_000

SHOWN = ["rank", "territory", "name", "score", "lower", "upper", "stage", "seal", "seal_binding_gate", "rank_p05", "rank_p95",
         "rank_robust"]


@click.command("benchmark")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--ruleset", "ruleset_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Ruleset file (default: the bundled core ruleset).")
@click.option("--seal", "seal_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Seal definition (default: the bundled md-sglg seal; 'none' is not a path: use --no-seal).")
@click.option("--no-seal", is_flag=True, help="Do not apply any seal.")
@click.option("--peers", default=None,
              help="Column that defines peer groups: level, country, region, population_band, decentralisation, ...")
@click.option("--draws", type=click.IntRange(0, 100_000), default=100, show_default=True,
              help="Monte Carlo draws for rank robustness (weights and unknown answers); 0 to skip.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--rank-by", "rank_by", type=click.Choice(list(RANK_MEASURES)), default=None,
              help="Rank measure: lower (every unknown answer at its worst: a blank never pays; default with a seal) "
                   "or score (default without a seal).")
@click.option("--engine", type=click.Choice(["durable", "vectorised"]), default="vectorised", show_default=True,
              help="Rules evaluator; durable_rules is the reference, slower.")
@click.option("--synthetic", "synthetic_seed", type=int, default=None,
              help="Run on the synthetic Philippines-like population (1,716 territories) drawn with this seed.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("benchmark-out"),
              show_default=True)
@click.option("--report-pages", "report_pages", type=click.IntRange(-1, None), default=50, show_default=True,
              help="Write report.html with a profile page for up to this many territories (best ranks first); -1: no report.")
@lang_option
def benchmark_command(paths: tuple[Path, ...], ruleset_path: Path | None, seal_path: Path | None, no_seal: bool,
                      peers: str | None, draws: int, seed: int, rank_by: str | None, engine: EngineName,
                      synthetic_seed: int | None, out_dir: Path, report_pages: int) -> None:
    """Score, seal, rank and compare many territories (profiles, folders, CSV or XLSX sheets).

    With no PATH, runs on the bundled profiles. Writes results.csv, results.json (the first 10,000
    rows in rank order), results.xlsx (up to 10,000 rows), results.parquet (with pyarrow), run.json,
    summary.txt and, for several years, progress.csv to --out. Exit 1 when any input failed (the rest is still scored).
    """
    try:
        rs = load_ruleset(ruleset_path or bundled_ruleset_path())
        seal = None if no_seal else load_seal(seal_path or bundled_seals_dir() / "md-sglg.yaml", rs)
        if reader_language():  # the ruleset's and the seal's texts in the reader's language (same plan)
            from .i18n import translate, translate_seal

            rs = translate(rs, reader_language(), ruleset_path or bundled_ruleset_path())
            if seal is not None:
                seal = translate_seal(seal, reader_language(), seal_path or bundled_seals_dir() / "md-sglg.yaml")
    except MaturityError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    failures: list[Failure] = []
    if synthetic_seed is not None:
        from .synthetic import philippines_like

        answers, meta = philippines_like(rs, seed=synthetic_seed)
    else:
        inputs = load_inputs(list(paths) or [bundled_profiles_dir()], rs)
        failures = inputs.failures
        if not len(inputs.profiles):
            for f in failures:
                click.echo(f.message, err=True)
            click.echo(_("no profile could be loaded"), err=True)
            sys.exit(1)
        answers, meta = inputs.answers, inputs.meta
    try:
        run = benchmark_table(answers, meta, rs, seal=seal, peers=peers, engine=engine,
                              draws=draws, seed=seed, failures=failures, rank_by=rank_by,
                              show_progress=sys.stderr.isatty() and (len(answers) >= 200 or draws >= 50))
    except MaturityError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2 if isinstance(exc, UsageError) else 1)
    except KeyboardInterrupt:
        click.echo(_("interrupted while scoring: nothing was written; %(dir)s/ is as it was") % {"dir": out_dir}, err=True)
        sys.exit(130)
    if synthetic_seed is None:
        run.profiles = inputs.profiles  # explanations and report pages use the profiles themselves
    table = run.table.sort_values(["year", "rank", "territory"] if by_year(run.table) else ["rank", "territory"],
                                  na_position="last")
    try:
        with staged_output(out_dir) as staging:
            summary = _write_outputs(run, table, staging, draws=draws, seed=seed, peers=peers, report_pages=report_pages,
                                     seal=seal)
    except OutputError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo(_("interrupted: nothing was written; %(dir)s/ is as it was") % {"dir": out_dir}, err=True)
        sys.exit(130)
    click.echo(summary)
    for f in run.failures:
        click.echo(f.message, err=True)
    click.echo(_("results written to %(dir)s/") % {"dir": out_dir}, err=True)
    if run.failures:
        sys.exit(1)


def by_year(table: pd.DataFrame) -> bool:
    """Whether some territory has rows in several years (ranks are then within each year)."""
    return bool("year" in table.columns and table.groupby("territory")["year"].nunique().gt(1).any())


def _write_outputs(run: BenchmarkRun, table: pd.DataFrame, out: Path, *, draws: int, seed: int, peers: str | None,
                   report_pages: int, seal: Seal | None) -> str:
    """Every file of a run into ``out``; returns the summary text."""
    notes = []
    write_table(table, out / "results.csv")
    json_rows = min(len(table), READER_ROWS)
    write_table(table.head(json_rows), out / "results.json")
    if json_rows < len(table):
        notes.append(_("results.json holds the first %(n)s of %(total)s rows in rank order; results.csv "
                       "and results.parquet hold them all") % {"n": f"{json_rows:,}", "total": f"{len(table):,}"})
    if len(table) <= READER_ROWS:
        write_table(table, out / "results.xlsx")
    else:
        notes.append(_("results.xlsx not written: %(total)s rows, more than %(n)s; results.csv opens in a spreadsheet")
                     % {"n": f"{READER_ROWS:,}", "total": f"{len(table):,}"})
    if importlib.util.find_spec("pyarrow") is not None:
        write_table(table, out / "results.parquet")
    else:
        notes.append(_("results.parquet not written: it needs pyarrow (pip install 'maturity[parquet]')"))
    steps = progress(run)
    if len(steps):
        write_table(steps, out / "progress.csv")
    yearly = by_year(table)
    write_atomic(out / "run.json", json.dumps({
        "ruleset": run.ruleset, "seal": run.seal, "peers": run.peers, "engine": run.engine, "rank_by": run.rank_by,
        "draws": draws,
        "seed": seed, "territories": len(table), "ranked_within_year": yearly, "synthetic": bool(table["synthetic"].any()),
        "results_json_rows": json_rows, "results_xlsx": len(table) <= READER_ROWS,
        "failures": [{"file": f.file, "message": f.message} for f in run.failures]}, indent=2, ensure_ascii=False))
    shown = [c for c in SHOWN if c in table.columns]
    if table["year"].notna().any():
        shown.insert(shown.index("territory") + 1, "year")
    head = table[shown].head(25).copy()
    for col in ("territory", "name"):  # long ids and names are shortened on screen (the files keep them whole)
        head[col] = head[col].astype(str).map(lambda v: v if len(v) <= 40 else v[:39] + "…")
    stage_names = {INSUFFICIENT: _("insufficient evidence"),
                   **({s.id: s.name for s in run.scored_with.aggregation.stages} if run.scored_with else {})}
    head["stage"] = head["stage"].map(lambda s: stage_names.get(s, s) if isinstance(s, str) else s)  # words; files keep ids
    if "seal" in head.columns:
        head["seal"] = head["seal"].astype(object).map(lambda s: term(s) if isinstance(s, str) else s)
    with_names = head.to_string(index=False, float_format=lambda v: f"{v:.1f}")
    seal_line = _("seal %(id)s %(version)s: %(counts)s") % {
        "id": run.seal["id"], "version": run.seal["version"],
        "counts": ", ".join(f"{term(str(k))} {v}" for k, v in table["seal"].value_counts().items() if v)} \
        if run.seal else _("no seal")
    years = sorted(int(y) for y in table["year"].dropna().unique())
    year_line = (_("years %(years)s; ranked within each year") % {"years": ", ".join(map(str, years))} + "\n" if yearly
                 else _("year %(year)s") % {"year": years[0]} + "\n" if len(years) == 1 else "")
    ranked = int(table["rank"].notna().sum())
    robust_line = f"{robust_definition(ranked)}\n" if "rank_robust" in table.columns else ""
    summary = (_("%(n)s territories scored with ruleset %(id)s %(version)s (%(engine)s engine)") % {
        "n": len(table), "id": run.ruleset["id"], "version": run.ruleset["version"], "engine": run.engine}
        + (_("; SYNTHETIC data") if table["synthetic"].any() else "") + f"\n{year_line}{seal_line}\n"
        + f"{run.rank_line}\n"
        + _("%(ranked)s ranked, %(insufficient)s with insufficient evidence") % {
            "ranked": ranked, "insufficient": len(table) - ranked} + f"\n{robust_line}"
        + _("%(n)s input(s) failed") % {"n": len(run.failures)} + "\n" + "".join(f"{n}\n" for n in notes)
        + f"\n{with_names}\n")
    write_atomic(out / "summary.txt", summary)
    if report_pages >= 0:
        from .report.benchmark_report import write_benchmark_report

        steps = min(report_pages, len(table)) + 4  # pages, three figures, the report itself
        with StepReporter(steps, _("report")) as say:
            write_benchmark_report(run, out, pages=report_pages, group=peers or "level", seal=seal,
                                   draws=draws, say=say)
    return summary


@click.command("template")
@click.option("--ruleset", "ruleset_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
@click.option("--format", "fmt", type=click.Choice(["yaml", "xlsx", "csv"]), default="yaml", show_default=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@lang_option
def template_command(ruleset_path: Path | None, fmt: str, out_path: Path) -> None:
    """Write a blank questionnaire (a profile to fill in, or a sheet with a column per indicator)."""
    try:
        rs = load_ruleset(ruleset_path or bundled_ruleset_path())
        if reader_language():  # the questions in the reader's language; ids and values stay as written
            from .i18n import translate

            rs = translate(rs, reader_language(), ruleset_path or bundled_ruleset_path())
    except MaturityError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    write_template(out_path, rs, fmt)
    click.echo(_("wrote %(file)s") % {"file": out_path}, err=True)
