"""Score profiles: run the plan in the engine and assemble an explained ``Assessment``.

>>> from maturity import load_core_ruleset, load_profile, score
>>> from maturity.loading import bundled_profiles_dir
>>> a = score(load_profile(bundled_profiles_dir() / "ec-pichincha.yaml"))
>>> a.factor("dedicated_unit").assessed
True
"""

from __future__ import annotations

import weakref
from typing import Any, Optional

from . import aggregate
from .assessment import (
    Assessment,
    CapResult,
    Completeness,
    Evidence,
    FactorResult,
    FindingResult,
    Missing,
    NextStep,
    Overall,
    PillarResult,
    Reason,
    WhatIf,
)
from .checks import check_answers, value_problem
from .engine import Derivation, EngineSession
from .errors import InvalidFileError, MaturityError, Problem, suggest
from .loading import load_core_ruleset
from .governance.derive import apply_governance, governance_gaps
from .plan import compile_plan, encode_value
from .profile import UNKNOWN, Answer, Profile
from .ruleset import Ruleset
from .wording import cap_requirement_words, condition_words, level_condition_words

__all__ = ["Scorer", "score"]


class Scorer:
    """Scores profiles against one ruleset; the ruleset is compiled once."""

    def __init__(self, ruleset: Ruleset) -> None:
        self.ruleset = ruleset
        self.plan = compile_plan(ruleset)
        self._clauses = {f"{c.rule_id}:{w}": c for c in self.plan.level_clauses for w in ("lo", "hi")}
        self._finding_clauses = {f"{c.rule_id}:{w}": c for c in self.plan.finding_clauses for w in ("lo", "hi")}
        self._scores = {lv.level: lv.score for lv in ruleset.levels}
        self._names = {lv.level: lv.name for lv in ruleset.levels}
        self._live: dict[int, tuple[EngineSession, Profile]] = {}

    # -- public -----------------------------------------------------------------------------
    def score(self, profile: Profile, *, keep_session: bool = True) -> Assessment:
        """Score one profile. With ``keep_session`` the engine session stays open for ``what_if``."""
        profile = apply_governance(profile, self.ruleset)  # graph-derived answers, citing the governance graph
        problems = check_answers(profile, self.ruleset)
        if problems:
            raise InvalidFileError(None, problems)
        session = EngineSession(self.plan, self._encoded(profile))
        try:
            derivation = session.run()
            assessment = self._assemble(profile, derivation)
        except BaseException:
            session.close()
            raise
        if keep_session:
            self._live[id(assessment)] = (session, profile)
            weakref.finalize(assessment, self._drop, id(assessment))
        else:
            session.close()
        return assessment

    def what_if(self, assessment: Assessment, changes: dict[str, Any]) -> WhatIf:
        """Re-score ``assessment`` with ``changes`` applied, incrementally, then undo them."""
        session, profile = self._session_for(assessment)
        changed = profile.with_answers({k: self._checked_answer(k, v) for k, v in changes.items()})
        original = session.answers.copy()
        derivation = session.change(self._encoded(changed))
        after = self._assemble(changed, derivation)
        session.change(original)
        return WhatIf(changes=dict(changes), before=assessment, after=after)

    def release(self, assessment: Assessment) -> None:
        self._drop(id(assessment))

    # -- sessions ---------------------------------------------------------------------------
    def _drop(self, key: int) -> None:
        live = self._live.pop(key, None)
        if live is not None:
            live[0].close()

    def _session_for(self, assessment: Assessment) -> tuple[EngineSession, Profile]:
        live = self._live.get(id(assessment))
        if live is None:
            raise MaturityError("this assessment's engine session was closed; score the profile again for what-if")
        return live

    def _checked_answer(self, indicator: str, value: Any) -> Answer:
        ids = [i.id for i in self.ruleset.indicators]
        if indicator not in ids:
            raise InvalidFileError(None, [Problem("unknown-indicator", f"ruleset '{self.ruleset.id}' has no indicator '{indicator}'",
                                                  ("changes", indicator), hint=suggest(indicator, ids))])
        answer = value if isinstance(value, Answer) else Answer(value=value, note="what-if change")
        why = value_problem(self.ruleset.indicator(indicator), answer.value) if answer.known else None
        if why:
            raise InvalidFileError(None, [Problem("bad-value", why, ("changes", indicator))])
        return answer

    def _encoded(self, profile: Profile) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for ind_id in self.plan.indicators:
            ans = profile.answer(ind_id)
            out[ind_id] = encode_value(self.ruleset.indicator(ind_id), ans.value) if ans.known else None
        return out

    # -- assembling the result --------------------------------------------------------------
    def _evidence(self, profile: Profile, indicators: list[str]) -> tuple[Evidence, ...]:
        out = []
        for ind in dict.fromkeys(indicators):
            ans = profile.answer(ind)
            out.append(Evidence(ind, ans.value, ans.known, str(ans.source) if ans.source else None, ans.note))
        return tuple(out)

    def _reasons(self, profile: Profile, d: Derivation, factor: Any, level: int) -> tuple[Reason, ...]:
        reasons = []
        for n in range(1, level + 1):
            # Several ways may hold; report the first in the ruleset's order, whatever the history.
            rule = min((r for r, _ in d.rules_for(("raw", factor.id, n, "lo"))), key=lambda r: self._clauses[r].clause)
            clause = self._clauses[rule]
            atoms = [self.plan.atoms[a] for a in clause.atoms]
            reasons.append(Reason(
                level=n, level_name=self._names[n], rule=rule,
                conditions=tuple(condition_words(a, self.ruleset) for a in atoms),
                evidence=self._evidence(profile, [a.indicator for a in atoms]),
                sources=tuple(str(c) for c in factor.levels[n].sources),
            ))
        return tuple(reasons)

    def _caps(self, d: Derivation, factor_id: str) -> tuple[CapResult, ...]:
        out = []
        for cap in self.ruleset.caps:
            if cap.factor != factor_id:
                continue
            for world, status in (("lo", "applied"), ("hi", "possible")):
                if d.cap_applied(cap.id, world):
                    out.append(CapResult(cap.id, status, cap.max_level,  # type: ignore[arg-type]
                                         cap_requirement_words(cap.unless.factor, cap.unless.value), cap.reason,
                                         tuple(map(str, cap.sources)), f"cap:{cap.id}:{world}"))
                    break
        return tuple(out)

    def _next_step(self, profile: Profile, d: Derivation, factor: Any, level: int) -> tuple[NextStep, ...]:
        target = level + 1
        if target > self.plan.max_level:
            return ()
        options: list[list[Missing]] = []
        if d.level(factor.id, "lo", "raw") >= target:
            options.append([])
        else:
            for clause in self.plan.clauses_for(factor.id, target):
                missing = []
                for a in clause.atoms:
                    if d.holds(a, "lo"):
                        continue
                    atom = self.plan.atoms[a]
                    known = profile.answer(atom.indicator).known
                    missing.append(Missing(condition_words(atom, self.ruleset), atom.indicator, "unmet" if known else "unknown",
                                           self.ruleset.indicator(atom.indicator).question))
                options.append(missing)
        best = min(options, key=len)
        for cap in self.plan.caps_on(factor.id):
            if cap.max_level < target and d.level(cap.requires_factor, "lo") < cap.requires_level:
                best = [*best, Missing(cap_requirement_words(cap.requires_factor, cap.requires_level, cap.id),
                                       None, "unmet")]
        return (NextStep(target, self._names[target], tuple(best), len(options),
                         tuple(map(str, factor.levels[target].sources))),)

    def _assessed(self, profile: Profile, factor_id: str) -> bool:
        """Whether the answers known are enough to judge level 1 in at least one of its ways.

        It depends on which answers are known, never on their values, so better answers
        cannot move a factor in or out of the means (which keeps scores monotone).
        """
        return any(all(profile.answer(self.plan.atoms[a].indicator).known for a in clause.atoms)
                   for clause in self.plan.clauses_for(factor_id, 1))

    def _factor(self, profile: Profile, d: Derivation, factor: Any) -> FactorResult:
        lo, hi = d.level(factor.id, "lo"), d.level(factor.id, "hi")
        indicators = self.plan.factor_indicators[factor.id]
        unknown = tuple(i for i in indicators if not profile.answer(i).known)
        assessed = self._assessed(profile, factor.id)
        return FactorResult(
            id=factor.id, title=factor.title, pillar=factor.pillar, core=factor.core, weight=factor.weight,
            assessed=assessed,
            level=lo if assessed else None,
            level_name=self._names[lo] if assessed else UNKNOWN,
            score=self._scores[lo] if assessed else None,
            lower=self._scores[lo], upper=self._scores[hi], lower_level=lo, upper_level=hi,
            reasons=self._reasons(profile, d, factor, lo),
            caps=self._caps(d, factor.id),
            next_steps=self._next_step(profile, d, factor, lo),
            unknown_indicators=unknown,
            sources=tuple(map(str, factor.sources)),
        )

    def _findings(self, profile: Profile, d: Derivation) -> tuple[FindingResult, ...]:
        out = []
        for fd in self.ruleset.findings:
            for world, status in (("lo", "raised"), ("hi", "possible")):
                if not d.finding(fd.id, world):
                    continue
                rule = min((r for r, _ in d.rules_for(("fd", fd.id, world))),
                           key=lambda r: self._finding_clauses[r].clause)
                clause = self._finding_clauses[rule]
                atoms = [self.plan.atoms[a] for a in clause.atoms]
                texts = [condition_words(a, self.ruleset) for a in atoms] + [level_condition_words(self.plan.level_literals[x]) for x in clause.levels]
                out.append(FindingResult(fd.id, fd.severity, status, fd.message, fd.action, rule,  # type: ignore[arg-type]
                                         tuple(texts), self._evidence(profile, [a.indicator for a in atoms]),
                                         tuple(map(str, fd.sources))))
                break
        return tuple(out)

    def _assemble(self, profile: Profile, d: Derivation) -> Assessment:
        rs = self.ruleset
        method = rs.aggregation.method
        factors = tuple(self._factor(profile, d, f) for f in rs.factors)
        pillars = []
        for p in rs.pillars:
            members = [f for f in factors if f.pillar == p.id]
            weights = [f.weight for f in members]
            score = aggregate.mean_of_known([f.score for f in members], weights, method)
            lower, upper = aggregate.hull(
                score,
                aggregate.weighted_mean([f.lower for f in members], weights, method),
                aggregate.weighted_mean([f.upper for f in members], weights, method),
            )
            pillars.append(PillarResult(p.id, p.title, p.weight, score, lower, upper,
                                        tuple(f.id for f in members if f.assessed),
                                        tuple(f.id for f in members if not f.assessed)))
        pw = [p.weight for p in pillars]
        overall_score = aggregate.mean_of_known([p.score for p in pillars], pw, method)
        lower, upper = aggregate.hull(
            overall_score,
            aggregate.weighted_mean([p.lower for p in pillars], pw, method),
            aggregate.weighted_mean([p.upper for p in pillars], pw, method),
        )
        stages = rs.aggregation.stages
        thresholds = [s.min_score for s in stages]
        stage = stages[aggregate.stage_index(overall_score, thresholds)] if overall_score is not None else None
        overall = Overall(
            score=overall_score, lower=lower, upper=upper,
            stage=stage.id if stage else None, stage_name=stage.name if stage else None,
            stage_lower=stages[aggregate.stage_index(lower, thresholds)].id,
            stage_upper=stages[aggregate.stage_index(upper, thresholds)].id,
        )
        unknown = tuple(i.id for i in rs.indicators if not profile.answer(i.id).known)
        t = profile.territory
        return Assessment(
            territory={"id": t.id, "name": t.name, "country": t.country, "level": t.level, "parent": t.parent,
                       "assessment_year": t.assessment_year, "synthetic": profile.synthetic},
            ruleset={"id": rs.id, "version": rs.version, "digest": self.plan.digest},
            overall=overall,
            pillars=tuple(pillars),
            factors=factors,
            findings=self._findings(profile, d),
            governance_gaps=tuple({**g.to_dict(), "graph_complete": profile.governance.complete}
                                  for g in governance_gaps(profile)) if profile.governance else (),
            completeness=Completeness(len(rs.indicators) - len(unknown), len(rs.indicators), unknown,
                                      tuple(f.id for f in factors if not f.assessed)),
            _scorer=self,
        )


_SCORERS: dict[int, tuple[Ruleset, Scorer]] = {}


def score(profile: Profile, ruleset: Optional[Ruleset] = None) -> Assessment:
    """Score ``profile`` against ``ruleset`` (the bundled core ruleset by default)."""
    rs = ruleset if ruleset is not None else _core()
    cached = _SCORERS.get(id(rs))
    if cached is None or cached[0] is not rs:
        if len(_SCORERS) > 16:
            _SCORERS.clear()
        cached = (rs, Scorer(rs))
        _SCORERS[id(rs)] = cached
    return cached[1].score(profile)


_CORE: list[Ruleset] = []


def _core() -> Ruleset:
    if not _CORE:
        _CORE.append(load_core_ruleset())
    return _CORE[0]
