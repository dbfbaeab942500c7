"""``maturity benchmark`` and ``maturity template``: benchmarking runs from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import click

from ._yamlio import write_atomic
from .aggregate import RANK_MEASURES
from .benchmarking import Failure, benchmark_table, load_profiles, progress, robust_definition, territory_meta
from .errors import MaturityError, UsageError
from .loading import bundled_profiles_dir, bundled_ruleset_path, load_ruleset
from .seal import bundled_seals_dir, load_seal
from .spreadsheets import write_table, write_template
from .table import answers_table

SHOWN = ["rank", "territory", "name", "score", "lower", "upper", "stage", "seal", "seal_binding_gate", "rank_p05", "rank_p95",
         "rank_robust"]


@click.command("benchmark")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--ruleset", "ruleset_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Ruleset file (default: the bundled core ruleset).")
@click.option("--seal", "seal_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Seal definition (default: the bundled md-sglg seal; 'none' is not a path: use --no-seal).")
@click.option("--no-seal", is_flag=True, help="Do not apply any seal.")
@click.option("--peers", default=None, help="Column that defines peer groups: level, country, region, population_band, decentralisation, ...")
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
def benchmark_command(paths: tuple[Path, ...], ruleset_path: Optional[Path], seal_path: Optional[Path], no_seal: bool,
                      peers: Optional[str], draws: int, seed: int, rank_by: Optional[str], engine: str,
                      synthetic_seed: Optional[int], out_dir: Path, report_pages: int) -> None:
    """Score, seal, rank and compare many territories (profiles, folders, CSV or XLSX sheets).

    With no PATH, runs on the bundled profiles. Writes results.csv, results.json, results.xlsx,
    results.parquet (with pyarrow), run.json, summary.txt and, for
    several years, progress.csv to --out. Exit 1 when any input failed (the rest is still scored).
    """
    try:
        rs = load_ruleset(ruleset_path or bundled_ruleset_path())
        seal = None if no_seal else load_seal(seal_path or bundled_seals_dir() / "md-sglg.yaml", rs)
    except MaturityError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    failures: list[Failure] = []
    if synthetic_seed is not None:
        from .synthetic import philippines_like  # noqa: PLC0415

        answers, meta = philippines_like(rs, seed=synthetic_seed)
    else:
        profiles, failures = load_profiles(list(paths) or [bundled_profiles_dir()], rs)
        if not profiles:
            for f in failures:
                click.echo(f.message, err=True)
            click.echo("no profile could be loaded", err=True)
            sys.exit(1)
        answers, meta = answers_table(profiles, rs), territory_meta(profiles)
    try:
        run = benchmark_table(answers, meta, rs, seal=seal, peers=peers, engine=engine,
                              draws=draws, seed=seed, failures=failures, rank_by=rank_by,
                              show_progress=sys.stderr.isatty() and (len(answers) >= 200 or draws >= 50))
    except MaturityError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2 if isinstance(exc, UsageError) else 1)
    if synthetic_seed is None:
        run.profiles = profiles  # explanations and report pages use the profiles themselves
    table = run.table.sort_values(["rank", "territory"], na_position="last")
    for name in ("results.csv", "results.json", "results.xlsx"):
        write_table(table, out_dir / name)
    try:
        import pyarrow  # noqa: F401, PLC0415

        write_table(table, out_dir / "results.parquet")
    except ImportError:  # Parquet is optional: pip install maturity[parquet]
        pass
    steps = progress(run)
    if len(steps):
        write_table(steps, out_dir / "progress.csv")
    write_atomic(out_dir / "run.json", json.dumps({
        "ruleset": run.ruleset, "seal": run.seal, "peers": run.peers, "engine": run.engine, "rank_by": run.rank_by,
        "draws": draws,
        "seed": seed, "territories": len(table), "synthetic": bool(table["synthetic"].any()),
        "failures": [{"file": f.file, "message": f.message} for f in run.failures]}, indent=2, ensure_ascii=False))
    shown = [c for c in SHOWN if c in table.columns]
    with_names = table[shown].head(25).to_string(index=False, float_format=lambda v: f"{v:.1f}")
    seal_line = f"seal {run.seal['id']} {run.seal['version']}: " + ", ".join(
        f"{k} {v}" for k, v in table["seal"].value_counts().items()) if run.seal else "no seal"
    ranked = int(table["rank"].notna().sum())
    robust_line = f"{robust_definition(ranked)}\n" if "rank_robust" in table.columns else ""
    summary = (f"{len(table)} territories scored with ruleset {run.ruleset['id']} {run.ruleset['version']} "
               f"({run.engine} engine){'; SYNTHETIC data' if table['synthetic'].any() else ''}\n{seal_line}\n"
               f"{run.rank_line}\n{ranked} ranked, {len(table) - ranked} with insufficient evidence\n{robust_line}"
               f"{len(run.failures)} input(s) failed\n\n{with_names}\n")
    write_atomic(out_dir / "summary.txt", summary)
    if report_pages >= 0:
        from .report.benchmark_report import write_benchmark_report  # noqa: PLC0415

        write_benchmark_report(run, out_dir, pages=report_pages, group=peers or "level")
    click.echo(summary)
    for f in run.failures:
        click.echo(f.message, err=True)
    click.echo(f"results written to {out_dir}/", err=True)
    if run.failures:
        sys.exit(1)


@click.command("template")
@click.option("--ruleset", "ruleset_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
@click.option("--format", "fmt", type=click.Choice(["yaml", "xlsx", "csv"]), default="yaml", show_default=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
def template_command(ruleset_path: Optional[Path], fmt: str, out_path: Path) -> None:
    """Write a blank questionnaire (a profile to fill in, or a sheet with a column per indicator)."""
    try:
        rs = load_ruleset(ruleset_path or bundled_ruleset_path())
    except MaturityError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    write_template(out_path, rs, fmt)
    click.echo(f"wrote {out_path}", err=True)
