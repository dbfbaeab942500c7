"""Every rejection path of the loaders: a clear problem with file, line, field and message."""

from __future__ import annotations

import pytest

from conftest import DATA, ROOT
from maturity import InvalidFileError, dump_model, parse_profile, parse_ruleset
from maturity.loading import load_profile, load_ruleset

MINI = (DATA / "mini.yaml").read_text()

PROFILE = """kind: profile
format_version: 1
territory: {id: t1, name: T1, country: PH, level: city}
sources: [{id: src, title: S}]
answers:
  unit_exists: {value: true, source: src p1}
  unit_staff: unknown
"""


def problems_of(text: str, parse=parse_ruleset, **kw):
    with pytest.raises(InvalidFileError) as err:
        parse(text, "f.yaml", **kw)
    return err.value.problems


def only(problems, code):
    found = [p for p in problems if p.code == code]
    assert found, f"no {code} among {[str(p) for p in problems]}"
    return found[0]


@pytest.mark.parametrize(
    "old, new, code, field, line, words",
    [
        ("unit_staff, at_least: 2", "unit_staf, at_least: 2", "unknown-indicator", "factors[0].levels[2].when.all[0].indicator", 28, "did you mean 'unit_staff'"),
        ("    pillar: services\n", "    pilar: services\n", "schema-extra_forbidden", "factors[2].pilar", 38, "did you mean 'pillar'"),
        ("diagnostic, at_least: partial}, sources", "diagnostic, at_least: partly}, sources", "bad-value", "factors[1].levels[1].when.at_least", 34, "expected one of (none, partial, complete)"),
        ("{id: help_desk, type: boolean", "{id: unit_exists, type: boolean", "duplicate-id", "indicators[3].id", 16, "duplicate id 'unit_exists'"),
        ("    pillar: services\n", "    pillar: service\n", "unknown-pillar", "factors[2].pillar", 38, "did you mean 'services'"),
        ("unless: {factor: diagnostic_f, at_least: 1}", "unless: {factor: diagnostic_fx, at_least: 1}", "unknown-factor", "caps[0].unless.factor", 47, "unknown factor"),
        ("{indicator: unit_exists, is: true}, sources", "{indicator: unit_exists, is: false}, sources", "not-monotone", "factors[0].levels[1].when.is", 27, "better answer"),
        ("{indicator: unit_staff, at_least: 2}", "{indicator: unit_staff, at_most: 2}", "not-monotone", "factors[0].levels[2].when.all[0].at_most", 28, "at_least or above"),
        ("{indicator: help_desk, is: true}, sources: [consolidated-reply Q3]}\n      2: {when: {at_least",
         "{not: {indicator: help_desk, is: false}}, sources: [consolidated-reply Q3]}\n      2: {when: {at_least",
         "not-monotone", "factors[2].levels[1].when", 41, "cannot use 'not'"),
        ("sources: [consolidated-reply Q1]\n    levels:\n      1: {when: {indicator: unit_exists",
         "sources: [consolidated-replies Q1]\n    levels:\n      1: {when: {indicator: unit_exists",
         "unknown-source", "factors[0].sources[0]", 25, "did you mean 'consolidated-reply'"),
        ("  - {level: 2, name: established, meaning: working, score: 100}\n", "", "bad-levels", "factors[0].levels", 25, "not on the scale [2]"),
        ("max_level: 1", "max_level: 2", "bad-level", "caps[0].max_level", 46, "caps nothing"),
        ("- {id: advanced, name: Advanced, min_score: 60}", "- {id: advanced, name: Advanced, min_score: 0}", "bad-stages", "aggregation.stages", 62, "strictly increasing"),
        ("type: count, question: How many staff?", "type: counter, question: How many staff?", "schema-union_tag_invalid", "indicators[1]", 14, "'counter'"),
        ("      2: {when: {indicator: diagnostic, at_least: complete}", "      2: {when: {indicator: diagnostic, at_leest: complete}", "schema-value_error", "factors[1].levels[2].when", 35, "exactly one of"),
        ("{all: [{indicator: help_desk, is: true}, {not", "{al: [{indicator: help_desk, is: true}, {not", "schema-condition", "findings[0].when", 52, "a condition is a mapping"),
    ],
)
def test_ruleset_rejections(old, new, code, field, line, words):
    assert old in MINI, old
    problem = only(problems_of(MINI.replace(old, new, 1)), code)
    assert problem.field == field
    assert problem.line == line
    assert problem.file == "f.yaml"
    assert words in str(problem)


def test_cyclic_caps_are_rejected():
    text = MINI.replace("findings:\n", """  - id: back
    factor: diagnostic_f
    max_level: 1
    unless: {factor: services_f, at_least: 2}
    reason: test
    sources: [consolidated-reply Q3]
findings:
""", 1)
    problem = only(problems_of(text), "cyclic-caps")
    assert "services_f -> diagnostic_f -> services_f" in problem.message or "diagnostic_f -> services_f -> diagnostic_f" in problem.message


def test_all_problems_of_a_file_are_reported_at_once():
    text = MINI.replace("unit_staff, at_least: 2", "unit_staf, at_least: 2").replace("max_level: 1", "max_level: 2")
    codes = {p.code for p in problems_of(text)}
    assert {"unknown-indicator", "bad-level"} <= codes


@pytest.mark.parametrize(
    "text, code, words",
    [
        ("kind: ruleset\nformat_version: 2\n", "unsupported-version", "reads format_version 1"),
        ("kind: rulset\nformat_version: 1\n", "unknown-kind", "did you mean 'ruleset'"),
        ("- just\n- a list\n", "not-a-mapping", "expected a YAML mapping"),
        ("kind: ruleset\nformat_version: 1\nid: [unclosed\n", "yaml-syntax", "malformed YAML"),
        ("kind: ruleset\nkind: profile\n", "yaml-syntax", "duplicate"),
        ("kind: !!python/object:os.system {}\n", "yaml-tag", "not allowed"),
        ("kind: profile\nformat_version: 1\n", "wrong-kind", "expected a ruleset"),
    ],
)
def test_document_level_rejections(text, code, words):
    problem = only(problems_of(text), code)
    assert words in str(problem)
    assert problem.line is not None


@pytest.mark.parametrize(
    "old, new, code, field, words",
    [
        ("unit_exists: {value: true, source: src p1}", "unit_exits: {value: true, source: src p1}", "unknown-indicator", "answers.unit_exits", "did you mean 'unit_exists'"),
        ("unit_exists: {value: true, source: src p1}", "unit_exists: {value: yes please, source: src p1}", "bad-value", "answers.unit_exists.value", "is not a yes/no answer; expected yes or no"),
        ("unit_exists: {value: true, source: src p1}", "unit_exists: true", "missing-source", "answers.unit_exists", "needs a source"),
        ("unit_exists: {value: true, source: src p1}", "unit_exists: {value: true, source: srx p1}", "unknown-source", "answers.unit_exists.source", "did you mean 'src'"),
        ("unit_staff: unknown", "unit_staff: {value: -1, source: src p2}", "bad-value", "answers.unit_staff.value", "-1 is below 0; expected a whole number of at least 0"),
        ("country: PH", "country: Philippines", "schema-string_pattern_mismatch", "territory.country", "pattern"),
        ("level: city", "level: town", "schema-literal_error", "territory.level", "'town'"),
    ],
)
def test_profile_rejections(mini, old, new, code, field, words):
    problem = only(problems_of(PROFILE.replace(old, new), parse_profile, ruleset=mini), code)
    assert problem.field == field
    assert words in str(problem)
    assert problem.line is not None


def test_profile_value_outside_ordinal_scale(mini):
    text = PROFILE + "  diagnostic: {value: partly, source: src p3}\n"
    problem = only(problems_of(text, parse_profile, ruleset=mini), "bad-value")
    assert "expected one of (none, partial, complete)" in problem.message and "did you mean 'partial'" in problem.message
    assert problem.line == 8


def test_unreadable_and_oversized_files(tmp_path):
    with pytest.raises(InvalidFileError) as err:
        load_ruleset(tmp_path / "missing.yaml")
    assert err.value.problems[0].code == "unreadable"
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00kind")
    with pytest.raises(InvalidFileError) as err:
        load_profile(binary)
    assert err.value.problems[0].code == "encoding"


def test_ruleset_round_trips_through_yaml(mini):
    assert parse_ruleset(dump_model(mini)) == mini


def test_profile_round_trips_through_yaml(mini):
    profile = parse_profile(PROFILE, ruleset=mini)
    assert parse_profile(dump_model(profile), ruleset=mini) == profile


def test_scoring_a_profile_does_not_import_pandas():
    """`maturity score` starts fast: pandas (a quarter of a second to import) is imported only by what uses it."""
    import subprocess
    import sys

    code = ("import sys\nfrom maturity.cli import main\nsys.argv = ['maturity', 'score', 'profiles/ph-legazpi.yaml']\n"
            "code = 0\ntry:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
            "print(code, 'pandas' in sys.modules, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    assert "Legazpi City" in out.stdout  # the profile was scored
    assert out.stdout.strip().splitlines()[-1] == "0 False False"
