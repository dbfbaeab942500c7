"""Ruleset authoring (issue 8): tailoring with extends, ruleset tests and coverage, diff, translations."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DATA, ROOT, make_profile
from maturity import InvalidFileError, load_profile, load_ruleset
from maturity.diff import diff_rulesets
from maturity.i18n import missing_translations, translate
from maturity.loading import bundled_ruleset_path
from maturity.plan import compile_plan
from maturity.rulesettests import run_tests
from maturity.scoring import Scorer
from strategies import answers

RULESETS = ROOT / "rulesets"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "maturity", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONWARNINGS": "ignore"})


def tailoring(tmp_path: Path, body: str, name: str = "child.yaml", parent: Path = DATA / "mini.yaml") -> Path:
    shutil.copy(parent, tmp_path / parent.name)
    path = tmp_path / name
    path.write_text("kind: ruleset\nformat_version: 1\nid: child\nversion: '1'\ntitle: A tailoring\n" + body)
    return path


# -- tailoring ---------------------------------------------------------------------------
def test_ph_lgu_resolves_against_core(core):
    rs = load_ruleset(RULESETS / "ph-lgu.yaml")
    assert (rs.id, rs.version) == ("ph_lgu", "1.0.0")
    assert [f.id for f in rs.factors] == [f.id for f in core.factors if f.id != "transversal_approaches"]
    assert rs.factor("legal_mandate").core and rs.factor("legal_mandate").weight == 2
    assert rs.factor("participation").weight == 2
    assert rs.factor("participation").levels[2] == core.factor("participation").levels[2]  # not refined
    assert "ofw_desk" in str(rs.factor("services").levels[1].when)
    assert [i.id for i in rs.indicators][-2:] == ["ofw_desk", "migrant_family_associations"]
    assert [s.min_score for s in rs.aggregation.stages] == [0, 25, 45, 75]
    assert rs.caps == core.caps and rs.findings == core.findings


def test_resolution_of_select_refine_and_additions(tmp_path):
    path = tailoring(tmp_path, """extends: mini@0.1
select: {factors: [unit, diagnostic_f]}
deselect: {caps: [services_need_diagnostic]}
refine:
  factors:
    unit: {weight: 3, levels: {2: {when: {indicator: unit_staff, at_least: 5}, sources: [consolidated-reply Q1]}}}
  stages: {advanced: {min_score: 70}}
indicators:
  - {id: unit_budget, type: boolean, question: Does the unit have a budget?, sources: [consolidated-reply Q1]}
""")
    rs = load_ruleset(path)
    assert [f.id for f in rs.factors] == ["unit", "diagnostic_f"]
    assert [p.id for p in rs.pillars] == ["institutions"]          # the emptied pillar goes too
    assert rs.caps == [] and [f.id for f in rs.findings] == ["services_without_diagnostic", "unit_low"]
    unit = rs.factor("unit")
    assert unit.weight == 3 and unit.core and str(unit.levels[1].when) != str(unit.levels[2].when)
    assert unit.levels[2].model_dump()["when"] == {"indicator": "unit_staff", "at_least": 5}
    assert rs.aggregation.stages[1].min_score == 70
    assert rs.indicators[-1].id == "unit_budget"


def test_nested_extends(tmp_path):
    tailoring(tmp_path, "extends: mini@0.1\nrefine: {factors: {unit: {weight: 2}}}\n")
    grand = tmp_path / "grand.yaml"
    grand.write_text("kind: ruleset\nformat_version: 1\nid: grand\nversion: '2'\ntitle: G\nextends: child@1\n"
                     "refine: {factors: {unit: {core: false}}}\n")
    rs = load_ruleset(grand)
    assert rs.factor("unit").weight == 2 and rs.factor("unit").core is False


def _scores(scorer: Scorer, profile):
    data = scorer.score(profile, keep_session=False).to_dict()
    data.pop("ruleset")
    return data


@pytest.fixture(scope="module")
def identity_pair(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("identity")
    shutil.copy(bundled_ruleset_path(), tmp / "core.yaml")
    core = load_ruleset(tmp / "core.yaml")
    child = tmp / "all.yaml"
    child.write_text("kind: ruleset\nformat_version: 1\nid: everything\nversion: '1'\ntitle: All of core\n"
                     f"extends: core@{core.version}\n"
                     f"select:\n  factors: {json.dumps([f.id for f in core.factors])}\n"
                     f"  indicators: {json.dumps([i.id for i in core.indicators])}\n")
    return Scorer(core), Scorer(load_ruleset(child))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_selecting_everything_scores_exactly_as_the_parent(identity_pair, data):
    parent, child = identity_pair
    profile = make_profile(data.draw(answers(parent.ruleset)))
    assert _scores(child, profile) == _scores(parent, profile)
    assert child.plan.to_dict() | {"ruleset_id": "x", "ruleset_version": "x"} == \
        parent.plan.to_dict() | {"ruleset_id": "x", "ruleset_version": "x"}


def test_selecting_everything_on_the_bundled_profiles(identity_pair):
    parent, child = identity_pair
    for p in sorted((ROOT / "profiles").glob("*.yaml")):
        profile = load_profile(p)
        assert _scores(child, profile) == _scores(parent, profile), p.name


BAD = [
    ("extends: mini@0.1\nrefine: {factors: {unti: {weight: 2}}}\n", 7,
     "refine.factors.unti: refines factor 'unti', which mini@0.1 does not have (did you mean 'unit'?)"),
    ("extends: nosuch@1\n", 6, "extends: extends 'nosuch', but no ruleset with that id is in"),
    ("extends: mini@9.9\n", 6, "extends: extends 'mini@9.9', but 'mini' is at version 0.1"),
    ("extends: mini\n", 6, "extends: extends 'mini' without a version; write 'mini@0.1'"),
    ("extends: mini@0.1\ndeselect: {factors: [diagnostic_f]}\n", 7,
     "deselect.factors[0]: factor 'diagnostic_f' is deselected, but cap 'services_need_diagnostic' on 'services_f' "
     "still needs it; deselect the cap too or keep the factor (add 'services_need_diagnostic' to deselect.caps)"),
    ("extends: mini@0.1\ndeselect: {factors: [unit]}\n", 7,
     "deselect.factors[0]: factor 'unit' is deselected, but finding 'unit_low' still reads its level"),
    ("extends: mini@0.1\ndeselect: {indicators: [help_desk]}\n", 7,
     "deselect.indicators[0]: indicator 'help_desk' is deselected, but finding 'services_without_diagnostic' still asks it"),
    ("extends: mini@0.1\nselect: {factors: [unit]}\ndeselect: {factors: [unit]}\n", 8,
     "deselect.factors[0]: factor 'unit' is both selected and deselected"),
    ("extends: mini@0.1\nfactors:\n  - {id: unit, title: U, pillar: institutions, sources: [consolidated-reply Q1], levels: {}}\n", 8,
     "factors[0].id: factor 'unit' is already in mini@0.1; refine it"),
    ("extends: mini@0.1\nrefine: {factors: {unit: {pillar: nowhere}}}\n", 7,
     "factors[0].pillar: unknown pillar 'nowhere'"),
    ("extends: mini@0.1\nrefine: {caps: {services_need_diagnostic: {max_level: 5}}}\n", 7,
     "caps[0].max_level: max_level 5 caps nothing"),
    ("extends: mini@0.1\nselekt: {factors: [unit]}\n", 7, "selekt: unknown key 'selekt' (did you mean 'select'?)"),
]


@pytest.mark.parametrize("body,line,message", BAD)
def test_bad_tailoring_is_located(tmp_path, body, line, message):
    path = tailoring(tmp_path, body)
    with pytest.raises(InvalidFileError) as info:
        load_ruleset(path)
    text = "\n".join(map(str, info.value.problems))
    assert f"{path}:{line}: {message}" in text, text


def test_cycle_of_extends(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("kind: ruleset\nformat_version: 1\nid: a\nversion: '1'\ntitle: A\nextends: b@1\n")
    b.write_text("kind: ruleset\nformat_version: 1\nid: b\nversion: '1'\ntitle: B\nextends: a@1\n")
    with pytest.raises(InvalidFileError) as info:
        load_ruleset(a)
    assert "extends forms a cycle: a.yaml -> b.yaml -> a.yaml" in str(info.value)
    assert f"{b}:6: extends:" in str(info.value)


def test_parent_errors_are_reported_in_the_parent(tmp_path):
    parent = tmp_path / "mini.yaml"
    parent.write_text((DATA / "mini.yaml").read_text().replace("unit_staff, at_least: 2", "unit_staf, at_least: 2"))
    child = tmp_path / "child.yaml"
    child.write_text("kind: ruleset\nformat_version: 1\nid: c\nversion: '1'\ntitle: C\nextends: mini@0.1\n")
    with pytest.raises(InvalidFileError) as info:
        load_ruleset(child)
    assert f"{parent}:28: factors[0].levels[2].when.all[0].indicator: unknown indicator 'unit_staf'" in str(info.value)


# -- ruleset tests and coverage ----------------------------------------------------------
def test_mini_coverage_and_failing_case():
    report = run_tests(DATA / "mini.tests.yaml")
    # 9 level clauses (unit 1+2, diagnostic_f 1+1, services_f 1+3), 1 cap, 2 findings: 12 items, 24 outcomes.
    assert (report.coverage.covered, report.coverage.total) == (24, 24)
    assert [c.name for c in report.failed] == ["help desk without a diagnostic (expects the wrong level on purpose)"]
    failed = report.failed[0]
    assert failed.line == 16 and failed.failures == ["levels.services_f: expected 2, got 1"]
    assert not report.ok


def test_coverage_is_never_rounded_up(tmp_path):
    shutil.copy(DATA / "mini.yaml", tmp_path / "mini.yaml")
    text = (DATA / "mini.tests.yaml").read_text()
    # the first two cases only: every clause both ways, the cap never applied, the finding on the help desk never raised
    (tmp_path / "mini.tests.yaml").write_text(text[: text.index("  - name: help desk")])
    report = run_tests(tmp_path / "mini.tests.yaml", min_coverage=91.7)
    assert (report.coverage.covered, report.coverage.total) == (22, 24)   # 91.666...%
    assert report.coverage.percent_floor == "91.6"
    assert not report.coverage_ok and not report.ok
    assert run_tests(tmp_path / "mini.tests.yaml", min_coverage=91.6).ok
    missing = {(it.id, why) for it, why in report.coverage.missing()}
    assert missing == {("cap:services_need_diagnostic", "never true"), ("finding:services_without_diagnostic", "never true")}
    assert "rule coverage 91.6% (22 of 24 outcomes), threshold 91.7%  BELOW THRESHOLD" in report.render()
    assert f"{tmp_path / 'mini.yaml'}:44: cap services_need_diagnostic on services_f: never true" in report.render()


def test_core_tests_pass_with_full_coverage():
    report = run_tests(RULESETS / "core.tests.yaml")
    assert report.ok, report.render()
    assert report.coverage.covered == report.coverage.total


def test_case_answer_errors_are_located(tmp_path):
    shutil.copy(DATA / "mini.yaml", tmp_path / "mini.yaml")
    (tmp_path / "mini.tests.yaml").write_text(
        "kind: ruleset-tests\nformat_version: 1\ncases:\n  - name: typo\n    answers: {unit_exsts: true}\n")
    report = run_tests(tmp_path / "mini.tests.yaml")
    assert "unknown-indicator" not in report.cases[0].failures[0]
    assert f"{tmp_path / 'mini.tests.yaml'}:5: cases[0].answers.unit_exsts: ruleset 'mini' has no indicator 'unit_exsts'" \
        in report.cases[0].failures[0]


# -- diff --------------------------------------------------------------------------------
def test_diff_of_constructed_pair(tmp_path, mini):
    path = tailoring(tmp_path, """extends: mini@0.1
deselect: {findings: [unit_low]}
refine:
  factors:
    unit: {weight: 2, levels: {2: {when: {indicator: unit_staff, at_least: 5}, sources: [consolidated-reply Q3]}}}
  caps: {services_need_diagnostic: {max_level: 0}}
  stages: {advanced: {min_score: 50}}
""")
    new = load_ruleset(path)
    profile = make_profile({"unit_exists": True, "unit_staff": 3, "diagnostic": "partial", "help_desk": False})
    d = diff_rulesets(mini, new, [profile])
    changes = {str(c) for c in d.changes}
    assert changes == {
        "finding unit_low removed",
        "factor unit: levels.2.when changed: + unit_staff at least 5; - unit_staff at least 2; "
        "- diagnostic at least partial; - help_desk is true",
        "factor unit: weight 1.0 -> 2.0",
        "cap services_need_diagnostic: max_level 1 -> 0",
        "stage advanced: min_score 60.0 -> 50.0",
    }
    [t] = d.territories
    assert t.changed
    assert t.factors == ({"factor": "unit", "old_level": 2, "new_level": 1,
                          "why": ["factor unit: levels.2.when changed: + unit_staff at least 5; - unit_staff at least 2; "
                                  "- diagnostic at least partial; - help_desk is true", "factor unit: weight 1.0 -> 2.0"]},)
    assert t.findings == ({"finding": "unit_low", "old": "none", "new": "none"},) or t.findings == ()
    assert (t.old_score, t.new_score) == (37.5, 25.0)   # services_f assessed at 0: (75 + 0) / 2, then (50 + 0) / 2
    assert json.loads(json.dumps(d.to_dict()))["territories"][0]["changed"] is True
    assert diff_rulesets(mini, mini, [profile]).changes == []
    assert not diff_rulesets(mini, mini, [profile]).territories[0].changed


# -- translations ------------------------------------------------------------------------
def test_translation_and_fallback(tmp_path, mini):
    shutil.copy(DATA / "mini.yaml", tmp_path / "mini.yaml")
    (tmp_path / "translations").mkdir()
    (tmp_path / "translations" / "mini.es.yaml").write_text(
        "kind: translation\nformat_version: 1\nruleset: mini\nlang: es\n"
        "levels: {1: {name: inicial}}\nfactors: {unit: {title: Unidad dedicada}}\n"
        "findings: {unit_low: {message: La unidad aún no está establecida.}}\n")
    es = translate(mini, "es", tmp_path / "mini.yaml")
    assert es.level_def(1).name == "inicial" and es.level_def(2).name == "established"   # fallback
    assert es.factor("unit").title == "Unidad dedicada" and es.factor("services_f").title == "Services"
    assert compile_plan(es).digest == compile_plan(mini).digest
    assert translate(mini, "de", tmp_path / "mini.yaml") == mini and translate(mini, None) == mini
    missing = missing_translations(mini, "es", tmp_path / "mini.yaml")
    assert "levels.1.name" not in missing and "levels.2.name" in missing and "indicators.unit_exists.question" in missing
    a = Scorer(es).score(make_profile({"unit_exists": True}), keep_session=False)
    assert a.factor("unit").title == "Unidad dedicada" and a.factor("unit").level_name == "inicial"
    assert [f.message for f in a.findings if f.id == "unit_low"] == ["La unidad aún no está establecida."]


def test_translation_file_problems(tmp_path):
    shutil.copy(DATA / "mini.yaml", tmp_path / "mini.yaml")
    (tmp_path / "translations").mkdir()
    bad = tmp_path / "translations" / "mini.fr.yaml"
    bad.write_text("kind: translation\nformat_version: 1\nruleset: mini\nlang: fr\nfactors:\n  unti: {titel: Unité}\n")
    result = run("validate", str(bad), "--ruleset", str(tmp_path / "mini.yaml"))
    assert result.returncode == 1
    assert f"{bad}:6: factors.unti: ruleset 'mini' has no factor 'unti' (did you mean 'unit'?)" in result.stdout
    assert f"{bad}:6: factors.unti.titel: factors translate title, description, not 'titel'" in result.stdout


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_core_translations_are_complete_for_the_translated_texts(core, lang):
    translated = translate(core, lang, bundled_ruleset_path())
    assert translated.level_def(1).name != core.level_def(1).name or lang == "fr"
    assert translated.factor("participation").title != core.factor("participation").title
    missing = missing_translations(core, lang, bundled_ruleset_path())
    # whatever is missing is only what was added to core after the translations were written
    assert all(m.startswith("indicators.graph_") for m in missing), missing


# -- command line ------------------------------------------------------------------------
def test_cli_test_exit_codes_and_output():
    result = run("test", "tests/data/mini.tests.yaml")
    assert result.returncode == 1
    assert "tests/data/mini.tests.yaml:16: case 'help desk without a diagnostic" in result.stdout
    assert "levels.services_f: expected 2, got 1" in result.stdout
    assert "rule coverage 100.0% (24 of 24 outcomes)" in result.stdout
    ok = run("test", "rulesets/core.yaml", "--min-coverage", "100")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert run("test", "--min-coverage", "101").returncode == 2


def test_cli_show_diff_score_lang_translations():
    shown = run("show", "rulesets/ph-lgu.yaml", "--resolved", "--format", "json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["id"] == "ph_lgu" and len(data["digest"]) == 64 and "transversal_approaches" not in [f["id"] for f in data["factors"]]
    raw = run("show", "rulesets/ph-lgu.yaml")
    assert "extends: core@1.0.0" in raw.stdout
    diff = run("diff", "rulesets/core.yaml", "rulesets/ph-lgu.yaml", "--profiles", "profiles", "--format", "json")
    assert diff.returncode == 0, diff.stderr
    d = json.loads(diff.stdout)
    assert {"section": "factors", "id": "transversal_approaches", "kind": "removed", "field": None, "old": None, "new": None} in d["changes"]
    assert len(d["territories"]) == 5
    es = run("score", "profiles/ph-legazpi.yaml", "--lang", "es")
    assert es.returncode == 0 and "establecido" in es.stdout  # Legazpi has no stage now: insufficient evidence
    en = run("score", "profiles/ph-legazpi.yaml", "--format", "json")
    es_json = run("score", "profiles/ph-legazpi.yaml", "--format", "json", "--lang", "es")
    assert json.loads(en.stdout)["ruleset"] == json.loads(es_json.stdout)["ruleset"]
    tr = run("translations", "rulesets/core.yaml")
    assert tr.returncode == 0 and "es:" in tr.stdout and "fr:" in tr.stdout
    bad = run("show", "tests/data/no-such.yaml")
    assert bad.returncode == 2


# -- the authoring guide -----------------------------------------------------------------
def _guide_commands() -> list[str]:
    text = (ROOT / "docs" / "authoring.md").read_text()
    out, inside = [], False
    for line in text.splitlines():
        if line.startswith("```sh"):
            inside = True
        elif line.startswith("```"):
            inside = False
        elif inside and line.startswith("$ "):
            out.append(line[2:])
    return out


def test_authoring_guide_commands_run(tmp_path):
    """Run every `$ ` command of docs/authoring.md, in order, in an empty folder."""
    import re
    import shlex

    text = (ROOT / "docs" / "authoring.md").read_text()
    # files the guide writes: ```yaml blocks preceded by a line naming the file as `file: NAME`
    for name, body in re.findall(r"<!-- file: (\S+) -->\n```yaml\n(.*?)```", text, re.S):
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body)
    commands = _guide_commands()
    assert commands
    for command in commands:
        argv = shlex.split(command)
        expect_fail = argv[-1] == "#fails"
        argv = [a for a in argv if a != "#fails"]
        assert argv[0] == "maturity"
        result = run(*argv[1:], cwd=tmp_path)
        assert (result.returncode != 0) == expect_fail, f"{command}\n{result.stdout}\n{result.stderr}"
