"""Score profiles: run the plan in the engine and assemble an explained ``Assessment``.

>>> from maturity import load_core_ruleset, load_profile, score
>>> from maturity.loading import bundled_profiles_dir
>>> a = score(load_profile(bundled_profiles_dir() / "ec-pichincha.yaml"))
>>> a.factor("dedicated_unit").assessed
True
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

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
    RankedStep,
    Reason,
    WhatIf,
)
from .engines import get_evaluator
from .engines.durable import EngineSession, outcome_from_rows, outcome_row
from .engines.outcome import CERTAIN, NO, Outcome
from .errors import InvalidFileError, MaturityError, Problem, suggest
from .loading import load_core_ruleset
from .messages import _
from .plan import Plan, compile_plan
from .prepare import Prepared, prepare
from .profile import UNKNOWN, Answer, Profile
from .ruleset import CountIndicator, OrdinalIndicator, Ruleset, YearIndicator
from .wording import cap_requirement_words, condition_words, level_condition_words

__all__ = ["Scorer", "score"]


class Scorer:
    """Scores profiles against one ruleset with the durable_rules engine; the ruleset is compiled once."""

    def __init__(self, ruleset: Ruleset, plan: Plan | None = None) -> None:
        self.ruleset = ruleset
        self.plan = plan or compile_plan(ruleset)
        self._scores = {lv.level: lv.score for lv in ruleset.levels}
        self._names = {lv.level: lv.name for lv in ruleset.levels}
        self._live: dict[int, tuple[EngineSession, Profile]] = {}

    # -- public -----------------------------------------------------------------------------
    def score(self, profile: Profile, *, keep_session: bool = True) -> Assessment:
        """Score one profile. With ``keep_session`` the engine session stays open for ``what_if``."""
        return self.evaluate(profile, keep_session=keep_session)[0]

    def evaluate(self, profile: Profile, *, keep_session: bool = False,
                 one_by_one: bool = False) -> tuple[Assessment, Outcome]:
        """Score one profile and return the engine's :class:`~maturity.engines.Outcome` with it."""
        prepared = prepare(self.ruleset, profile, plan=self.plan).raise_problems()
        session = EngineSession(self.plan, prepared.row_answers(0))
        try:
            outcome = outcome_from_rows(prepared, [outcome_row(self.plan, session.run(one_by_one=one_by_one), True)],
                                        True)
            applied = self._profile_of(prepared)
            assessment = self.assemble(applied, outcome)
        except BaseException:
            session.close()
            raise
        if keep_session:
            self._live[id(assessment)] = (session, applied)
            weakref.finalize(assessment, self._drop, id(assessment))
        else:
            session.close()
        return assessment, outcome

    def what_if(self, assessment: Assessment, changes: dict[str, Any]) -> WhatIf:
        """Re-score ``assessment`` with ``changes`` applied (in a fresh durable_rules session), then undo them."""
        session, profile = self._session_for(assessment)
        changed = profile.with_answers({k: self._checked_answer(k, v) for k, v in changes.items()})
        prepared = prepare(self.ruleset, changed, plan=self.plan).raise_problems()
        original = session.answers.copy()
        derivation = session.change(prepared.row_answers(0))
        after = self.assemble(self._profile_of(prepared), outcome_from_rows(
            prepared, [outcome_row(self.plan, derivation, True)], True))
        session.answers = original
        return WhatIf(changes=dict(changes), before=assessment, after=after)

    def release(self, assessment: Assessment) -> None:
        self._drop(id(assessment))

    # -- sessions ---------------------------------------------------------------------------
    @staticmethod
    def _profile_of(prepared: Prepared) -> Profile:
        assert prepared.profiles is not None
        return prepared.profiles[0]

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
        return value if isinstance(value, Answer) else Answer(value=value, note="what-if change")

    # -- assembling the result (from the Outcome only) ----------------------------------------
    def _evidence(self, profile: Profile, indicators: list[str]) -> tuple[Evidence, ...]:
        out = []
        for ind in dict.fromkeys(indicators):
            ans = profile.answer(ind)
            out.append(Evidence(ind, ans.value, ans.known, str(ans.source) if ans.source else None, ans.note))
        return tuple(out)

    def _reasons(self, profile: Profile, o: Outcome, factor: Any, level: int) -> tuple[Reason, ...]:
        reasons = []
        for n in range(1, level + 1):
            clause = o.reason_clause(0, factor.id, n)  # several ways may hold: the first in the ruleset's order
            if clause is None:
                raise MaturityError(f"no way to level {n} of {factor.id} holds although the level was reached")
            atoms = [self.plan.atoms[a] for a in clause.atoms]
            reasons.append(Reason(
                level=n, level_name=self._names[n], rule=clause.rule_id,
                conditions=tuple(condition_words(a, self.ruleset) for a in atoms),
                evidence=self._evidence(profile, [a.indicator for a in atoms]),
                sources=tuple(str(c) for c in factor.levels[n].sources),
            ))
        return tuple(reasons)

    def _caps(self, o: Outcome, factor_id: str) -> tuple[CapResult, ...]:
        out = []
        for k, cap in enumerate(self.ruleset.caps):
            if cap.factor != factor_id or o.caps[0, k] == NO:
                continue
            status = o.cap_status(0, k).value
            out.append(CapResult(cap.id, status, cap.max_level,  # type: ignore[arg-type]
                                 cap_requirement_words(cap.unless.factor, cap.unless.value), cap.reason,
                                 tuple(map(str, cap.sources)), f"cap:{cap.id}"))
        return tuple(out)

    def _held_by(self, o: Outcome, factor: Any, target: int) -> list[Missing]:
        """The caps that keep ``factor`` below ``target`` on the known answers, prerequisite first."""
        out = []
        for cap in self.plan.caps_on(factor.id):
            g = self.plan.factors.index(cap.requires_factor)
            if cap.max_level < target and o.lower[0, g] < cap.requires_level:
                status = "unmet" if o.upper[0, g] < cap.requires_level else "unknown"
                out.append(Missing(
                    _("%(factor)s stays at %(max)s until %(requires)s reaches %(level)s") % {
                        "factor": factor.title, "max": cap.max_level,
                        "requires": self.ruleset.factor(cap.requires_factor).title, "level": cap.requires_level},
                    None, status, None, cap.id, cap.requires_factor))  # type: ignore[arg-type]
        return out

    def _best_way(self, profile: Profile, o: Outcome, factor_id: str,
                  target: int) -> tuple[list[tuple[str, Missing]], int]:
        """The way to ``target`` with the fewest parts missing (atom ids and parts), and how many ways there are."""
        f = self.plan.factors.index(factor_id)
        if o.raw_lower[0, f] >= target:  # the factor's own conditions hold: only caps keep it down
            return [], len(self.plan.clauses_for(factor_id, target))
        options: list[list[tuple[str, Missing]]] = []
        for clause in self.plan.clauses_for(factor_id, target):
            missing = []
            for a in clause.atoms:
                if o.atom_holds(0, a, "lower"):
                    continue
                atom = self.plan.atoms[a]
                known = profile.answer(atom.indicator).known
                missing.append((a, Missing(condition_words(atom, self.ruleset), atom.indicator,
                                           "unmet" if known else "unknown",
                                           self.ruleset.indicator(atom.indicator).question)))
            options.append(missing)
        return (min(options, key=len), len(options)) if options else ([], 0)

    def _next_step(self, profile: Profile, o: Outcome, factor: Any, level: int) -> tuple[NextStep, ...]:
        target = level + 1
        if target > self.plan.max_level:
            return ()
        best, ways = self._best_way(profile, o, factor.id, target)
        return (NextStep(target, self._names[target], tuple(self._held_by(o, factor, target) + [m for _, m in best]), ways,
                         tuple(map(str, factor.levels[target].sources))),)

    # -- ranking next steps by what they would do to the rank measure ---------------------------
    def _meeting(self, atom_id: str) -> tuple[str, Any]:
        """The indicator and the encoded value that makes the atom hold (the least that does)."""
        atom = self.plan.atoms[atom_id]
        value: Any = atom.value
        if atom.op == "above":
            value = value + 1
        elif atom.op == "below":
            value = value - 1
        elif atom.op == "is_not":
            value = not value
        return atom.indicator, value

    def _as_written(self, indicator: str, encoded: Any) -> Any:
        ind = self.ruleset.indicator(indicator)
        if isinstance(ind, OrdinalIndicator):
            return ind.scale[int(encoded)]
        if isinstance(ind, (CountIndicator, YearIndicator)):
            return int(encoded)
        return encoded

    def _lift(self, profile: Profile, o: Outcome, factor_id: str, target: int, changes: dict[str, Any],
              depth: int = 0) -> None:
        """Encoded answers that bring ``factor_id`` to ``target``: its caps' prerequisites, then each level's best way.

        When two parts ask for the same indicator, the more demanding value is kept.
        """
        if depth > len(self.plan.factors):
            return
        f = self.plan.factors.index(factor_id)
        factor = self.ruleset.factor(factor_id)
        for n in range(int(o.lower[0, f]) + 1, target + 1):
            for held in self._held_by(o, factor, n):
                assert held.requires is not None
                cap = next(c for c in self.plan.caps_on(factor_id) if c.id == held.cap)
                self._lift(profile, o, held.requires, cap.requires_level, changes, depth + 1)
            best, _ = self._best_way(profile, o, factor_id, n)
            for atom_id, _m in best:
                indicator, value = self._meeting(atom_id)
                lower_is_better = self.plan.atoms[atom_id].op in ("at_most", "below")
                if indicator in changes:
                    value = min(value, changes[indicator]) if lower_is_better else max(value, changes[indicator])
                changes[indicator] = value

    def ranked_next_steps(self, profile: Profile, by: str = "lower") -> list[RankedStep]:
        """Every factor's next step, re-evaluated with answers that meet it, by gain in ``by`` (largest first)."""
        prepared = prepare(self.ruleset, profile, plan=self.plan).raise_problems()
        o = get_evaluator("vectorised").evaluate(prepared, explain=True)
        candidates = []
        for k, factor in enumerate(self.ruleset.factors):
            target = int(o.lower[0, k]) + 1
            if target > self.plan.max_level:
                continue
            changes: dict[str, Any] = {}
            self._lift(profile, o, factor.id, target, changes)
            if changes:
                candidates.append((factor, target, changes))
        if not candidates:
            return []
        candidates = [(f, t, {k: self._as_written(k, v) for k, v in ch.items()}) for f, t, ch in candidates]
        variants = [profile] + [profile.with_answers({k: {"value": v, "note": "next step"} for k, v in ch.items()})
                                for _, _, ch in candidates]
        batch = prepare(self.ruleset, variants, plan=self.plan).raise_problems()
        ev = get_evaluator("vectorised").evaluate(batch)
        s = aggregate.aggregate(self.ruleset, ev.lower, ev.upper, ev.assessed)
        value = s.overall_lower if by == "lower" else np.where(np.isnan(s.overall), s.overall_lower, s.overall)
        steps = [RankedStep(factor.id, factor.title, target, by, float(value[0]), float(value[i + 1]),
                            bool(s.sufficient[i + 1]), changes)
                 for i, (factor, target, changes) in enumerate(candidates)]
        core = {f.id: f.core for f in self.ruleset.factors}
        return sorted(steps, key=lambda st: (not st.sufficient_after, -round(st.gain, 9), not core[st.factor],
                                             len(st.changes)))

    def _factor(self, profile: Profile, o: Outcome, k: int, factor: Any) -> FactorResult:
        lo, hi = int(o.lower[0, k]), int(o.upper[0, k])
        indicators = self.plan.factor_indicators[factor.id]
        unknown = tuple(i for i in indicators if not profile.answer(i).known)
        assessed = bool(o.assessed[0, k])
        return FactorResult(
            id=factor.id, title=factor.title, pillar=factor.pillar, core=factor.core, weight=factor.weight,
            assessed=assessed,
            level=lo if assessed else None,
            level_name=self._names[lo] if assessed else UNKNOWN,
            score=self._scores[lo] if assessed else None,
            lower=self._scores[lo], upper=self._scores[hi], lower_level=lo, upper_level=hi,
            reasons=self._reasons(profile, o, factor, lo),
            caps=self._caps(o, factor.id),
            next_steps=self._next_step(profile, o, factor, lo),
            unknown_indicators=unknown,
            sources=tuple(map(str, factor.sources)),
        )

    def _findings(self, profile: Profile, o: Outcome) -> tuple[FindingResult, ...]:
        out = []
        for k, fd in enumerate(self.ruleset.findings):
            if o.findings[0, k] == NO:
                continue
            world = "lower" if o.findings[0, k] == CERTAIN else "upper"
            clause = o.finding_clause(0, fd.id, world)
            if clause is None:
                raise MaturityError(f"no clause of finding {fd.id} holds although the finding was raised")
            atoms = [self.plan.atoms[a] for a in clause.atoms]
            texts = [condition_words(a, self.ruleset) for a in atoms] + [level_condition_words(self.plan.literal(x))
                                                                          for x in clause.levels]
            out.append(FindingResult(fd.id, fd.severity, o.finding_status(0, k).value, fd.message, fd.action,  # type: ignore[arg-type]
                                     clause.rule_id, tuple(texts), self._evidence(profile, [a.indicator for a in atoms]),
                                     tuple(map(str, fd.sources))))
        return tuple(out)

    def assemble(self, profile: Profile, o: Outcome) -> Assessment:
        """The explained :class:`Assessment` of ``profile`` from its one-row outcome (evaluated with ``explain``)."""
        rs = self.ruleset
        factors = tuple(self._factor(profile, o, k, f) for k, f in enumerate(rs.factors))
        s = aggregate.aggregate(rs, o.lower, o.upper, o.assessed)
        num = lambda x: None if np.isnan(x) else float(x)
        pillars = tuple(
            PillarResult(p.id, p.title, p.weight, num(s.pillar_score[0, j]), float(s.pillar_lower[0, j]),
                         float(s.pillar_upper[0, j]),
                         tuple(f.id for f in factors if f.pillar == p.id and f.assessed),
                         tuple(f.id for f in factors if f.pillar == p.id and not f.assessed),
                         float(s.pillar_assessed_share[0, j]), bool(s.pillar_sufficient[0, j]))
            for j, p in enumerate(rs.pillars))
        stages = rs.aggregation.stages
        stage = stages[int(s.stage[0])] if s.stage[0] >= 0 else None
        overall = Overall(
            score=num(s.overall[0]), lower=float(s.overall_lower[0]), upper=float(s.overall_upper[0]),
            stage=stage.id if stage else None, stage_name=stage.name if stage else aggregate.INSUFFICIENT,
            stage_lower=stages[int(s.stage_lower[0])].id, stage_upper=stages[int(s.stage_upper[0])].id,
            assessed_share=float(s.assessed_share[0]),
            min_assessed=rs.aggregation.min_assessed.share if rs.aggregation.min_assessed else None,
            sufficient=bool(s.sufficient[0]),
        )
        unknown = tuple(i.id for i in rs.indicators if not profile.answer(i.id).known)
        t = profile.territory
        return Assessment(
            territory={"id": t.id, "name": t.name, "country": t.country, "level": t.level, "parent": t.parent,
                       "assessment_year": t.assessment_year, "synthetic": profile.synthetic},
            ruleset={"id": rs.id, "version": rs.version, "digest": self.plan.digest},
            overall=overall,
            pillars=pillars,
            factors=factors,
            findings=self._findings(profile, o),
            governance_gaps=_governance_gaps(profile),
            completeness=Completeness(int(o.answered[0]), o.total, unknown,
                                      tuple(f.id for f in factors if not f.assessed)),
            conditions_met=(frozenset(a for a, held in zip(self.plan.atoms, o.atoms_lower[0]) if held)
                            if o.atoms_lower is not None else None),
            _scorer=self,
            _profile=profile,
        )


_SCORERS: dict[int, tuple[Ruleset, Scorer]] = {}


def score(profile: Profile, ruleset: Ruleset | None = None) -> Assessment:
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


def _governance_gaps(profile: Profile) -> tuple[dict[str, Any], ...]:
    """The coherence gaps of the profile's governance graph (networkx is imported only for profiles that have one)."""
    if not profile.governance:
        return ()
    from .governance.derive import governance_gaps

    return tuple({**g.to_dict(), "graph_complete": profile.governance.complete} for g in governance_gaps(profile))
