"""Ruleset tests: YAML test cases beside a ruleset, and the rule coverage they reach.

A tests file (``kind: ruleset-tests``) sits beside its ruleset, e.g. ``core.tests.yaml``::

    kind: ruleset-tests
    format_version: 1
    ruleset: core.yaml          # relative to this file (default: this file's name without .tests)
    min_coverage: 100           # percent; `maturity test --min-coverage` overrides it
    cases:
      - name: Legazpi as the sources describe it
        profile: ../profiles/ph-legazpi.yaml    # optional, relative to this file
        fill: worst                             # optional: unanswered indicators at their best or worst
        answers: {budget_line: true}            # answers, over the profile's
        expect:
          levels: {participation: 3, services: {at_least: 1, at_most: 2}, "*": 0}   # null: unassessed
          caps: {services_need_diagnostic: applied}         # applied, possible or none
          findings: {unit_without_budget: raised}           # raised, possible or none
          stage: emerging                                   # or: insufficient evidence
          score: {at_least: 20, at_most: 40}

**Coverage.** Every way of reaching a level (each clause of a level condition in disjunctive
normal form), every cap and every finding is an outcome that the cases should make both true
and false. An outcome is *true* in a case when it holds whatever the unknown answers are
(in both of the engine's worlds), *false* when it holds in neither; a case that leaves it
depending on unknown answers covers neither side. Coverage is the share of the
``2 x items`` sides covered; it is compared exactly with the threshold and printed rounded
down, so 99.95% never passes a threshold of 100.

>>> from maturity.loading import bundled_ruleset_path
>>> report = run_tests(bundled_ruleset_path().with_name("core.tests.yaml"))
>>> report.ok
True
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ._yamlio import Document, read_yaml
from .aggregate import INSUFFICIENT
from .checks import check_answers
from .engines import Outcome
from .errors import InvalidFileError, MaturityError
from .profile import Answer, Profile
from .ruleset import BooleanIndicator, CountIndicator, NumberIndicator, OrdinalIndicator, Ruleset, YearIndicator

__all__ = [
    "CaseResult",
    "Coverage",
    "RulesetTests",
    "TestCase",
    "TestReport",
    "coverage_items",
    "fill_value",
    "find_test_files",
    "load_tests",
    "load_tests_document",
    "run_tests",
]

PathLike = Union[str, os.PathLike]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bounds(_Model):
    at_least: float | None = None
    at_most: float | None = None


class Expect(_Model):
    levels: dict[str, int | Bounds | None] = Field(default_factory=dict)
    caps: dict[str, Literal["applied", "possible", "none"]] = Field(default_factory=dict)
    findings: dict[str, Literal["raised", "possible", "none"]] = Field(default_factory=dict)
    stage: str | None = None
    score: Bounds | None = None


class TestCase(_Model):
    __test__ = False  # not a pytest class
    name: str
    source: str | None = Field(default=None, description="where the case comes from, e.g. a citation")
    profile: str | None = None
    fill: Literal["best", "worst"] | None = None
    answers: dict[str, Any] = Field(default_factory=dict)
    expect: Expect = Field(default_factory=Expect)


class RulesetTests(_Model):
    __test__ = False
    kind: Literal["ruleset-tests"]
    format_version: Literal[1]
    ruleset: str | None = None
    min_coverage: float | None = Field(default=None, ge=0, le=100)
    cases: list[TestCase] = Field(min_length=1)


def load_tests_document(doc: Document) -> RulesetTests:
    """Validate a tests document (used by ``maturity validate``); problems carry file and line."""
    from .loading import validation_problems

    try:
        return RulesetTests.model_validate(doc.data)
    except ValidationError as exc:
        raise InvalidFileError(doc.file, validation_problems(exc, doc, "ruleset")) from None


def load_tests(path: PathLike) -> tuple[RulesetTests, Document]:
    doc = read_yaml(path)
    return load_tests_document(doc), doc


# -- filling answers ---------------------------------------------------------------------
def fill_value(ind: Any, which: str) -> Any:
    """The best or worst answer of an indicator (for cases with ``fill``)."""
    best = which == "best"
    if isinstance(ind, BooleanIndicator):
        return ind.better if best else (not ind.better)
    if isinstance(ind, OrdinalIndicator):
        return ind.scale[-1] if best else ind.scale[0]
    higher = ind.better == "higher"
    if isinstance(ind, NumberIndicator):
        hi = ind.maximum if ind.maximum is not None else 1_000_000
        lo = ind.minimum if ind.minimum is not None else (0 if ind.maximum is None or ind.maximum >= 0 else -1_000_000)
        return hi if higher == best else lo
    if isinstance(ind, YearIndicator):
        return 2100 if higher == best else 1900
    if isinstance(ind, CountIndicator):
        return 1_000_000 if higher == best else 0
    raise MaturityError(f"cannot fill indicator type {type(ind).__name__}")


# -- coverage ----------------------------------------------------------------------------
@dataclass(frozen=True)
class CoverageItem:
    id: str            # level:<factor>:<n>:<clause>, cap:<id>, finding:<id>
    kind: str          # level, cap, finding
    text: str
    path: tuple[Any, ...]  # where it is written in the ruleset


def coverage_items(rs: Ruleset, plan: Any) -> list[CoverageItem]:
    out = []
    findex = {f.id: i for i, f in enumerate(rs.factors)}
    for c in plan.level_clauses:
        atoms = " and ".join(plan.atoms[a].text for a in c.atoms)
        out.append(CoverageItem(c.rule_id, "level", f"{c.factor} level {c.level} way {c.clause + 1}: {atoms}",
                                ("factors", findex[c.factor], "levels", c.level, "when")))
    for i, cap in enumerate(rs.caps):
        out.append(CoverageItem(f"cap:{cap.id}", "cap", f"cap {cap.id} on {cap.factor}", ("caps", i)))
    for i, fd in enumerate(rs.findings):
        out.append(CoverageItem(f"finding:{fd.id}", "finding", f"finding {fd.id}", ("findings", i)))
    return out


def _outcome(item: CoverageItem, plan: Any, clauses: dict[str, Any], o: Outcome) -> bool | None:
    """True/False when the item's outcome is the same in both worlds; None when it depends on unknowns."""
    if item.kind == "level":
        lo, hi = (o.clause_holds(0, clauses[item.id], w) for w in ("lower", "upper"))
        return lo if lo == hi else None
    if item.kind == "cap":
        status = o.caps[0, [c.id for c in plan.caps].index(item.id.split(":", 1)[1])]
    else:
        status = o.findings[0, list(plan.findings).index(item.id.split(":", 1)[1])]
    return {0: False, 2: True}.get(int(status))


@dataclass
class Coverage:
    items: list[CoverageItem]
    seen_true: set[str] = field(default_factory=set)
    seen_false: set[str] = field(default_factory=set)

    @property
    def total(self) -> int:
        return 2 * len(self.items)

    @property
    def covered(self) -> int:
        ids = {i.id for i in self.items}
        return len(self.seen_true & ids) + len(self.seen_false & ids)

    @property
    def fraction(self) -> Fraction:
        return Fraction(self.covered, self.total) if self.total else Fraction(1)

    @property
    def percent_floor(self) -> str:
        """The percentage rounded down to one decimal: never shows a pass that is not one."""
        return f"{math.floor(self.fraction * 1000) / 10:.1f}"

    def meets(self, threshold: float | None) -> bool:
        return threshold is None or self.fraction * 100 >= Fraction(str(threshold))

    def missing(self) -> list[tuple[CoverageItem, str]]:
        out = []
        for it in self.items:
            if it.id not in self.seen_true:
                out.append((it, "never true"))
            if it.id not in self.seen_false:
                out.append((it, "never false"))
        return out


# -- running -----------------------------------------------------------------------------
@dataclass
class CaseResult:
    name: str
    file: str
    line: int | None
    failures: list[str]

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass
class TestReport:
    __test__ = False
    tests_file: str
    ruleset_file: str
    ruleset_id: str
    ruleset_version: str
    digest: str
    cases: list[CaseResult]
    coverage: Coverage
    threshold: float | None
    ruleset_lines: dict[str, int | None] = field(default_factory=dict)

    @property
    def failed(self) -> list[CaseResult]:
        return [c for c in self.cases if not c.ok]

    @property
    def coverage_ok(self) -> bool:
        return self.coverage.meets(self.threshold)

    @property
    def ok(self) -> bool:
        return not self.failed and self.coverage_ok

    def to_dict(self) -> dict[str, Any]:
        return {
            "tests_file": self.tests_file, "ruleset": {"file": self.ruleset_file, "id": self.ruleset_id,
                                                       "version": self.ruleset_version, "digest": self.digest},
            "cases": [{**asdict(c), "ok": c.ok} for c in self.cases],
            "coverage": {"covered": self.coverage.covered, "total": self.coverage.total,
                         "percent": self.coverage.percent_floor, "threshold": self.threshold, "ok": self.coverage_ok,
                         "missing": [{"item": it.id, "text": it.text, "missing": why,
                                      "line": self.ruleset_lines.get(it.id)} for it, why in self.coverage.missing()]},
            "ok": self.ok,
        }

    def render(self) -> str:
        lines = [f"{self.tests_file}: ruleset {self.ruleset_id} {self.ruleset_version} ({self.ruleset_file})"]
        for c in self.cases:
            where = f"{c.file}:{c.line if c.line is not None else '?'}"
            if c.ok:
                lines.append(f"  ok    {c.name}")
            else:
                lines.append(f"  FAIL  {where}: case '{c.name}'")
                lines += [f"          {f}" for f in c.failures]
        cov = self.coverage
        thr = f", threshold {self.threshold:g}%" if self.threshold is not None else ""
        lines.append(f"  rule coverage {cov.percent_floor}% ({cov.covered} of {cov.total} outcomes){thr}"
                     + ("" if self.coverage_ok else "  BELOW THRESHOLD"))
        for it, why in cov.missing():
            line = self.ruleset_lines.get(it.id)
            lines.append(f"    {self.ruleset_file}:{line if line is not None else '?'}: {it.text}: {why}")
        lines.append(f"  {len(self.cases) - len(self.failed)} passed, {len(self.failed)} failed"
                     + ("" if self.ok else "  -> FAILED"))
        return "\n".join(lines)


def _ruleset_path(tests_path: Path, spec: RulesetTests) -> Path:
    if spec.ruleset:
        return (tests_path.parent / spec.ruleset)
    name = tests_path.name
    for suffix in (".tests.yaml", ".tests.yml"):
        if name.endswith(suffix):
            return tests_path.with_name(name[: -len(suffix)] + ".yaml")
    raise MaturityError(f"{tests_path}: name the ruleset with 'ruleset:' (or call the file <ruleset>.tests.yaml)")


def _case_profile(rs: Ruleset, case: TestCase, base: Path, doc: Document, i: int) -> Profile:
    from .loading import load_profile

    cpath = ("cases", i)
    if case.profile:
        profile = load_profile(base / case.profile, rs)
    else:
        profile = Profile.model_validate({
            "kind": "profile", "format_version": 1,
            "territory": {"id": "test-case", "name": case.name, "country": "ZZ", "level": "other"},
            "synthetic": True, "sources": [{"id": "test-case", "title": "Ruleset test case"}],
        })
    answers: dict[str, Answer] = {}
    if case.fill:
        for ind in rs.indicators:
            if not profile.answer(ind.id).known:
                answers[ind.id] = Answer(value=fill_value(ind, case.fill), note=f"fill: {case.fill}")
    for k, v in case.answers.items():
        answers[k] = v if isinstance(v, Answer) else Answer.model_validate(v)
    profile = profile.with_answers(answers) if answers else profile
    problems = check_answers(profile, rs)
    if problems:
        from dataclasses import replace

        raise InvalidFileError(doc.file, [replace(p, path=(*cpath, *p.path), file=doc.file,
                                                  line=doc.line_of((*cpath, *p.path))) for p in problems])
    return profile


def _check(case: TestCase, a: Any, rs: Ruleset) -> list[str]:
    out: list[str] = []
    factor_ids = [f.id for f in rs.factors]
    exp = case.expect
    wanted: dict[str, Any] = {}
    if "*" in exp.levels:
        wanted = dict.fromkeys(factor_ids, exp.levels["*"])
    wanted.update({k: v for k, v in exp.levels.items() if k != "*"})
    for fid, want in wanted.items():
        if fid not in factor_ids:
            out.append(f"levels.{fid}: the ruleset has no factor '{fid}'")
            continue
        got = a.factor(fid).level
        if isinstance(want, Bounds):
            if got is None or (want.at_least is not None and got < want.at_least) or (want.at_most is not None and got > want.at_most):
                rng = f"[{'' if want.at_least is None else f'{want.at_least:g}'}, {'' if want.at_most is None else f'{want.at_most:g}'}]"
                out.append(f"levels.{fid}: expected a level in {rng}, got {'unassessed' if got is None else got}")
        elif got != want:
            out.append(f"levels.{fid}: expected {'unassessed' if want is None else want}, "
                       f"got {'unassessed' if got is None else got}")
    caps = {c.id: c.status for f in a.factors for c in f.caps}
    for cid, want in exp.caps.items():
        if cid not in {c.id for c in rs.caps}:
            out.append(f"caps.{cid}: the ruleset has no cap '{cid}'")
        elif caps.get(cid, "none") != want:
            out.append(f"caps.{cid}: expected {want}, got {caps.get(cid, 'none')}")
    found = {fd.id: fd.status for fd in a.findings}
    for fid, want in exp.findings.items():
        if fid not in {f.id for f in rs.findings}:
            out.append(f"findings.{fid}: the ruleset has no finding '{fid}'")
        elif found.get(fid, "none") != want:
            out.append(f"findings.{fid}: expected {want}, got {found.get(fid, 'none')}")
    stage = a.overall.stage if a.overall.sufficient else INSUFFICIENT
    if exp.stage is not None and stage != exp.stage:
        out.append(f"stage: expected {exp.stage}, got {stage}")
    if exp.score is not None:
        s = a.overall.score
        if s is None or (exp.score.at_least is not None and s < exp.score.at_least) or (
                exp.score.at_most is not None and s > exp.score.at_most):
            out.append(f"score: expected between {exp.score.at_least} and {exp.score.at_most}, got {s}")
    return out


def run_tests(tests_path: PathLike, *, min_coverage: float | None = None, ruleset: Ruleset | None = None) -> TestReport:
    """Run one tests file against its ruleset; ``min_coverage`` overrides the file's threshold."""
    from .loading import load_ruleset
    from .scoring import Scorer

    tests_path = Path(tests_path)
    spec, doc = load_tests(tests_path)
    rpath = _ruleset_path(tests_path, spec)
    rs = ruleset if ruleset is not None else load_ruleset(rpath)
    scorer = Scorer(rs)
    plan = scorer.plan
    items = coverage_items(rs, plan)
    clauses = {c.rule_id: c for c in plan.level_clauses}
    cov = Coverage(items)
    results = []
    for i, case in enumerate(spec.cases):
        line = doc.line_of(("cases", i))
        try:
            profile = _case_profile(rs, case, tests_path.parent, doc, i)
        except InvalidFileError as exc:
            results.append(CaseResult(case.name, str(tests_path), line, [str(p) for p in exc.problems]))
            continue
        assessment, outcome = scorer.evaluate(profile)
        for it in items:
            o = _outcome(it, plan, clauses, outcome)
            if o is True:
                cov.seen_true.add(it.id)
            elif o is False:
                cov.seen_false.add(it.id)
        results.append(CaseResult(case.name, str(tests_path), line, _check(case, assessment, rs)))
    rlines: dict[str, int | None] = {}
    try:
        rdoc = read_yaml(rpath)
        raw_ids = {s: [x.get("id") for x in rdoc.data.get(s) or [] if isinstance(x, dict)] for s in ("factors", "caps", "findings")}
        for it in items:
            section, idx, *rest = it.path
            item_id = (rs.factors if section == "factors" else rs.caps if section == "caps" else rs.findings)[idx].id
            if item_id in raw_ids[section]:
                rlines[it.id] = rdoc.line_of((section, raw_ids[section].index(item_id), *rest))
    except (MaturityError, AttributeError):
        pass
    threshold = min_coverage if min_coverage is not None else spec.min_coverage
    from .plan import compile_plan  # noqa: F401 - the digest comes from the scorer's plan

    return TestReport(str(tests_path), str(rpath), rs.id, rs.version, plan.digest, results, cov, threshold, rlines)


def find_test_files(paths: Iterable[PathLike]) -> list[Path]:
    """Tests files named by ``paths``: tests files, rulesets (their ``<name>.tests.yaml``), or folders."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(x for x in p.rglob("*.tests.y*ml") if x.is_file())
        elif p.name.endswith((".tests.yaml", ".tests.yml")):
            out.append(p)
        else:
            beside = p.with_name(p.stem + ".tests.yaml")
            if not beside.exists():
                raise MaturityError(f"{p}: no tests file beside the ruleset (expected {beside})")
            out.append(beside)
    return out
