"""The command line as installed, run as a user runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DATA, ROOT

EXE = Path(sys.executable).with_name("maturity")
MATURITY = [str(EXE)] if EXE.exists() else [shutil.which("maturity") or "maturity"]


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MATURITY, *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})


def test_validate_bundled_rulesets_and_profiles():
    result = run("validate", "rulesets", "profiles", "seals")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 invalid" in result.stderr


def test_validate_reports_every_problem_with_file_and_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text((DATA / "mini.yaml").read_text().replace("unit_staff, at_least: 2", "unit_staf, at_least: 2")
                   .replace("max_level: 1", "max_level: 2"))
    good = tmp_path / "good.yaml"
    good.write_text((DATA / "mini.yaml").read_text())
    result = run("validate", str(tmp_path), "--ruleset", str(DATA / "mini.yaml"))
    assert result.returncode == 1
    assert f"{bad}:28: factors[0].levels[2].when.all[0].indicator: unknown indicator 'unit_staf' (did you mean 'unit_staff'?)" in result.stdout
    assert f"{bad}:46: caps[0].max_level:" in result.stdout
    assert "2 file(s) checked: 1 valid, 1 invalid" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_validate_usage_errors_exit_2():
    assert run("validate").returncode == 2
    assert run("validate", "no/such/path").returncode == 2


def test_score_text_explains_levels_and_findings():
    result = run("score", "profiles/ec-pichincha.yaml")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Province of Pichincha" in out and "OVERALL" in out
    assert "dedicated_unit" in out and "REASONS AND NEXT STEPS" in out and "FINDINGS" in out
    assert "consolidated-reply Q4 Ecuador" in out


def test_score_json_is_the_documented_assessment():
    result = run("score", "profiles/ph-legazpi.yaml", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["territory"]["id"] == "ph-legazpi"
    assert data["ruleset"]["id"] == "core"
    assert {"score", "lower", "upper", "stage"} <= data["overall"].keys()
    factor = data["factors"][0]
    assert {"id", "level", "level_name", "score", "lower", "upper", "reasons", "next_steps", "caps"} <= factor.keys()


def test_score_with_another_ruleset_and_a_bad_profile(tmp_path):
    profile = tmp_path / "p.yaml"
    profile.write_text("kind: profile\nformat_version: 1\nterritory: {id: t, name: T, country: PH, level: city}\n"
                       "sources: [{id: s, title: S}]\nanswers:\n  unit_exists: {value: maybe, source: s 1}\n")
    result = run("score", str(profile), "--ruleset", str(DATA / "mini.yaml"))
    assert result.returncode == 1
    assert f"{profile}:6: answers.unit_exists.value: 'maybe' is not a yes/no answer; expected yes or no" in result.stderr
    assert "Traceback" not in result.stderr


def test_schema_prints_json_schema():
    result = run("schema", "ruleset")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "Ruleset" and "factors" in schema["properties"]
    assert run("schema", "nonsense").returncode == 2


def test_python_dash_m_works_too():
    result = subprocess.run([sys.executable, "-m", "maturity", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "maturity" in result.stdout


@pytest.mark.parametrize("territory", ["ph-legazpi", "ec-pichincha", "ec-imbabura", "cr-upala", "sn-sedhiou"])
def test_score_every_bundled_profile_in_text_and_json(territory):
    text = run("score", f"profiles/{territory}.yaml")
    assert text.returncode == 0, text.stderr
    assert "OVERALL" in text.stdout and "REASONS AND NEXT STEPS" in text.stdout
    data = json.loads(run("score", f"profiles/{territory}.yaml", "--format", "json").stdout)
    assert data["territory"]["id"] == territory
    assert {"score", "lower", "upper", "stage"} <= set(data["overall"])
    assert len(data["factors"]) == 19 and all({"reasons", "next_steps", "caps"} <= set(f) for f in data["factors"])


def test_a_condition_past_the_clause_budget_is_refused_quickly_with_its_line(tmp_path):
    """5 alternatives of 8 comparisons under 'not' expand to 8**5 = 32,768 clauses: refused, not compiled."""
    alternative = "{all: [" + ", ".join(["{indicator: unit_staff, at_least: %d}" % k for k in range(1, 9)]) + "]}"
    text = (ROOT / "tests" / "data" / "mini.yaml").read_text(encoding="utf-8")
    finding = ("  - id: too_complex\n"
               f"    when: {{not: {{any: [{', '.join([alternative] * 5)}]}}}}\n"
               "    message: m\n    sources: [consolidated-reply Q3]\n")
    text = text.replace("findings:\n", "findings:\n" + finding, 1)
    path = tmp_path / "complex.yaml"
    path.write_text(text, encoding="utf-8")
    line = text.count("\n", 0, text.index("when: {not")) + 1
    result = run("validate", str(path))
    assert result.returncode == 1
    assert f"{path}:{line}:" in result.stderr + result.stdout
    assert "32,768 clauses" in result.stderr + result.stdout and "Traceback" not in result.stderr
