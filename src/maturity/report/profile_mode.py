"""Profile mode: one territory's well-developed areas and areas with potential, in words, no rank.

As in the IOM Local Migration Governance Indicators profiles, a territory is described on its
own: per pillar, the *well-developed areas* (factors whose known level is at least
``established``), the *areas with potential for development* (assessed factors below that) and
the factors with *not enough information* to assess them; then the next steps (every way to
the next level, in questions), the findings (certain and possible apart) and, when the profile
describes its governance, the coherence gaps of its governance graph. Seal gates are not
findings: a benchmarking run shows them in the territory's seal box.

With the ruleset at hand (given, or the bundled one when the assessment was scored with it),
conditions read as the ruleset's questions; with the profile, every part of every way is
marked met, unmet or unknown.

Examples
--------
>>> from maturity import load_profile, score
>>> from maturity.loading import bundled_profiles_dir
>>> content = profile_mode(score(load_profile(bundled_profiles_dir() / "ec-pichincha.yaml")))
>>> [a.factor for a in content.well_developed]
['replication']
>>> content.to_dict()["territory"]["name"]
'Province of Pichincha'
"""

from __future__ import annotations

from typing import Any

from ..assessment import Assessment, FactorResult
from ..messages import _
from ..plan import Plan, compile_plan
from ..profile import Profile
from ..ruleset import BooleanIndicator, Ruleset
from ..wording import condition_words, gap_kind, stage_name, term, territory_level
from .content import (
    WELL_DEVELOPED_LEVEL,
    AreaItem,
    EvidenceItem,
    FindingItem,
    GapItem,
    MissingItem,
    PartItem,
    PillarSection,
    ProfileContent,
    ReasonItem,
    StepItem,
    WayItem,
)

__all__ = ["profile_mode", "render_profile_text"]


def _governance_available() -> bool:
    try:
        from .. import governance  # noqa: F401
    except ImportError:  # pragma: no cover - the governance package is optional for reports
        return False
    return True


def _ruleset_for(assessment: Assessment, ruleset: Ruleset | None) -> Ruleset | None:
    if ruleset is not None:
        return ruleset
    from ..loading import load_core_ruleset

    core = load_core_ruleset()
    r = assessment.ruleset
    return core if (r.get("id"), r.get("version")) == (core.id, core.version) else None


class _Words:
    """Indicators, factors and caps in words, from the ruleset (ids when there is none)."""

    def __init__(self, ruleset: Ruleset | None, met: frozenset[str] | None) -> None:
        self.rs = ruleset
        self.met = met
        self.plan: Plan | None = compile_plan(ruleset) if ruleset is not None else None

    def question(self, indicator: str) -> str:
        if self.rs is None:
            return indicator
        return self.rs.indicator(indicator).question.strip()

    def factor(self, factor_id: str) -> str:
        return self.rs.factor(factor_id).title if self.rs is not None else factor_id

    def level(self, n: int) -> str:
        names = {lv.level: lv.name for lv in self.rs.levels} if self.rs is not None else {}
        if n in names:
            return _("level %(level)s (%(name)s)") % {"level": n, "name": names[n]}
        return _("level %(level)s") % {"level": n}

    def needs(self, atom: Any) -> str:
        """``migration_data at least partial`` as ``at least partial``, in words; booleans as yes or no."""
        if self.rs is None:
            rest = atom.text[len(atom.indicator) + 1:] if atom.text.startswith(atom.indicator + " ") else atom.text
            return {"is true": _("yes"), "is false": _("no"), "is not true": _("no"), "is not false": _("yes")}.get(rest, rest)
        if isinstance(self.rs.indicator(atom.indicator), BooleanIndicator) and isinstance(atom.value, bool):
            return _("yes") if (atom.op == "is") == atom.value else _("no")
        text = condition_words(atom, self.rs)
        return text[len(atom.indicator) + 1:] if text.startswith(atom.indicator + " ") else text

    def status(self, atom: Any, unknown: set[str]) -> str:
        """As the engine found it: met with the known answers (a range: by all its values), unmet, unknown."""
        if atom.indicator in unknown:
            return "unknown"
        if self.met is None:
            return ""
        return "met" if atom.id in self.met else "unmet"

    def caps(self, f: FactorResult) -> tuple[str, ...]:
        out = []
        for c in f.caps:
            cap = next((k for k in self.rs.caps if k.id == c.id), None) if self.rs is not None else None
            until = (_("%(factor)s reaches %(level)s") % {"factor": self.factor(cap.unless.factor),
                                                            "level": self.level(cap.unless.value)} if cap is not None
                     else c.requires)
            how = _("applies") if c.status == "applied" else _("may apply, depending on unknown answers")
            out.append(_("%(reason)s: at most %(level)s until %(until)s (%(how)s)") % {
                "reason": c.reason.rstrip("."), "level": self.level(c.max_level), "until": until, "how": how})
        return tuple(out)


def _ways(f: FactorResult, target: int, words: _Words) -> tuple[WayItem, ...]:
    if words.plan is None:
        return ()
    unknown = set(f.unknown_indicators)
    ways = []
    for clause in words.plan.clauses_for(f.id, target):
        atoms = [words.plan.atoms[a] for a in clause.atoms]
        parts = tuple(PartItem(words.question(a.indicator), words.needs(a), a.indicator,
                               words.status(a, unknown)) for a in atoms)
        ways.append(parts)
    ways.sort(key=lambda ps: sum(1 for p in ps if p.status != "met"))
    return tuple(WayItem(ps, i == 0) for i, ps in enumerate(ways))


def _step(f: FactorResult, words: _Words) -> StepItem | None:
    if not f.next_steps:
        return None
    s = f.next_steps[0]
    missing = tuple(MissingItem(m.condition, m.indicator, m.status, m.question) for m in s.missing)
    held = tuple(text for c, text in zip(f.caps, words.caps(f), strict=True) if c.max_level < s.target_level)
    return StepItem(f.id, f.title, f.core, s.target_level, s.target_name, missing, s.alternatives, tuple(s.sources),
                    _ways(f, s.target_level, words), held)


def _evidence(f: FactorResult, words: _Words) -> tuple[EvidenceItem, ...]:
    seen: dict[str, EvidenceItem] = {}
    for r in f.reasons:
        for e in r.evidence:
            if e.indicator not in seen:
                seen[e.indicator] = EvidenceItem(e.indicator, _value(e.value), e.source, e.note, words.question(e.indicator))
    return tuple(seen.values())


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return _("yes") if v else _("no")
    return str(v)


def _area(f: FactorResult, threshold: int, words: _Words, meanings: dict[int, str]) -> AreaItem:
    well = f.assessed and f.level is not None and f.level >= threshold
    return AreaItem(
        factor=f.id, title=f.title, pillar=f.pillar, core=f.core, assessed=f.assessed,
        level=f.level, level_name=f.level_name, lower_level=f.lower_level, upper_level=f.upper_level,
        score=f.score, lower=f.lower, upper=f.upper, well_developed=well,
        unknown_indicators=tuple(f.unknown_indicators),
        reasons=tuple(ReasonItem(r.level, r.level_name, tuple(r.conditions),
                                 tuple(EvidenceItem(e.indicator, _value(e.value), e.source, e.note,
                                                    words.question(e.indicator)) for e in r.evidence),
                                 tuple(r.sources)) for r in f.reasons),
        caps=words.caps(f),
        next_step=_step(f, words),
        sources=tuple(f.sources),
        evidence=_evidence(f, words),
        unknown_questions=tuple(words.question(i) for i in f.unknown_indicators),
        level_meaning=meanings.get(f.level) if f.assessed and f.level is not None else None,
    )


def profile_mode(assessment: Assessment, *, well_developed_level: int = WELL_DEVELOPED_LEVEL,
                 ruleset: Ruleset | None = None, profile: Profile | None = None) -> ProfileContent:
    """The profile-mode content of one scored territory.

    ``well_developed_level``: the level from which a factor counts as well developed (3,
    ``established``, by default). A factor counts only on its known level, never on its
    upper bound; a factor the known answers cannot assess has *not enough information*.
    ``ruleset``: the ruleset it was scored with, for questions in words (default: the bundled
    one when it is the one used). Each part of each way is marked met, unmet or unknown as the
    engine found it (``assessment.conditions_met``); ``profile``: its answers, for the names of
    the actors of its governance graph.
    """
    rs = _ruleset_for(assessment, ruleset)
    words = _Words(rs, assessment.conditions_met)
    meanings = {lv.level: lv.meaning for lv in rs.levels} if rs is not None else {}
    areas = tuple(_area(f, well_developed_level, words, meanings) for f in assessment.factors)
    pillars = tuple(
        PillarSection(p.id, p.title, p.score, p.lower, p.upper,
                      tuple(a for a in areas if a.pillar == p.id and a.well_developed),
                      tuple(a for a in areas if a.pillar == p.id and a.assessed and not a.well_developed),
                      tuple(a for a in areas if a.pillar == p.id and not a.assessed), p.sufficient)
        for p in assessment.pillars
    )
    # Next steps of the areas not yet well developed: core factors first, then the closest (fewest missing parts).
    steps = sorted((a.next_step for a in areas if not a.well_developed and a.next_step is not None),
                   key=lambda s: (not s.core, len(s.missing)))
    if assessment.can_rank_steps:  # the steps that would raise the rank measure most come first
        order = {st.factor: k for k, st in enumerate(assessment.ranked_next_steps())}
        steps = sorted(steps, key=lambda s: order.get(s.factor, len(order)))
    names = ({a.id: a.name for a in profile.governance.actors}
             if profile is not None and profile.governance is not None else {})
    gaps = tuple(GapItem(g["kind"], g["severity"], tuple(names.get(a, a) for a in dict.fromkeys(g.get("actors", ()))),
                         g["explanation"], g["action"], tuple(g.get("sources", ()))) for g in assessment.governance_gaps)
    complete = assessment.governance_gaps[0].get("graph_complete") if assessment.governance_gaps else None
    o, c = assessment.overall, assessment.completeness
    return ProfileContent(
        territory=dict(assessment.territory),
        ruleset=dict(assessment.ruleset),
        overall={"score": o.score, "lower": o.lower, "upper": o.upper, "stage": o.stage, "stage_name": o.stage_name,
                 "stage_lower": o.stage_lower, "stage_upper": o.stage_upper, "stage_settled": o.stage_settled,
                 "stage_lower_name": stage_name(rs, o.stage_lower), "stage_upper_name": stage_name(rs, o.stage_upper),
                 "sufficient": o.sufficient, "assessed_share": o.assessed_share, "min_assessed": o.min_assessed},
        completeness={"answered": c.answered, "total": c.total, "share": c.share,
                      "unassessed_factors": list(c.unassessed_factors)},
        pillars=pillars,
        factors=areas,
        next_steps=tuple(steps),
        findings=tuple(FindingItem(fd.id, fd.severity, fd.status, fd.message, fd.action, tuple(fd.conditions),
                                   tuple(fd.sources)) for fd in assessment.findings),
        governance_gaps=gaps,
        governance_available=_governance_available(),
        governance_complete=complete,
        well_developed_level=well_developed_level,
    )


def _num(x: float | None) -> str:
    return _("n/a") if x is None else f"{x:.1f}"


def _level(a: AreaItem) -> str:
    return f"{a.level} {a.level_name}" if a.assessed else _("unknown")


def render_profile_text(content: ProfileContent, *, scores: bool = False) -> str:
    """Profile mode as plain text, for terminals; ``scores`` adds the numbers (off by default)."""
    t, o = content.territory, content.overall
    c = content.completeness
    lines = [
        f"{t['name']} ({t['id']}, {t['country']}, {territory_level(t['level'])})"
        + (_("  [SYNTHETIC]") if t.get("synthetic") else ""),
        _("PROFILE (no rank)  ruleset %(id)s %(version)s") % {"id": content.ruleset["id"], "version": content.ruleset["version"]},
        _("answered %(answered)s of %(total)s questions (%(share)s)") % {
            "answered": c["answered"], "total": c["total"], "share": f"{c['share']:.0%}"},
    ]
    if scores:
        bounds = {"lower": f"{o['lower']:.1f}", "upper": f"{o['upper']:.1f}"}
        lines.append((_("overall score %(score)s  bounds [%(lower)s, %(upper)s]  stage %(stage)s") % {
            "score": _num(o["score"]), **bounds, "stage": o["stage_name"] or _("n/a")} if o.get("sufficient", True) else
            _("overall score: insufficient evidence, no score and no stage  bounds [%(lower)s, %(upper)s]") % bounds)
            + ("" if o["stage_settled"] else " " + _("(could be %(lower)s to %(upper)s)") % {
                "lower": o["stage_lower_name"], "upper": o["stage_upper_name"]}))
    if not content.enough_information:
        lines.append(_("NOT ENOUGH INFORMATION: no area can be assessed on the known answers"))
    for p in content.pillars:
        head = f"== {p.title}" + ("  " + _("score %(score)s  bounds [%(lower)s, %(upper)s]") % {
            "score": _num(p.score) if p.sufficient else _("insufficient evidence"),
            "lower": f"{p.lower:.1f}", "upper": f"{p.upper:.1f}"} if scores else "")
        lines += ["", head]
        if not p.enough_information:
            lines.append("  " + _("not enough information"))
            continue
        lines.append("  " + (_("well-developed areas:") if p.well_developed else _("well-developed areas: none")))
        for a in p.well_developed:
            lines.append("    + " + _("%(title)s: level %(level)s") % {"title": a.title, "level": _level(a)}
                         + f"  [{', '.join(a.sources)}]")
        lines.append("  " + (_("areas with potential for development:") if p.potential
                             else _("areas with potential for development: none")))
        for a in p.potential:
            span = (", " + _("could be %(lower)s to %(upper)s") % {"lower": a.lower_level, "upper": a.upper_level}
                    if a.lower_level != a.upper_level else "")
            lines.append("    - " + _("%(title)s: level %(level)s") % {"title": a.title, "level": _level(a)} + span)
        if p.not_assessed:
            lines.append("  " + _("not enough information: %(areas)s") % {"areas": "; ".join(a.title for a in p.not_assessed)})
    lines += ["", _("NEXT STEPS") if content.next_steps else _("NEXT STEPS: none")]
    for s in content.next_steps:
        lines.append("- " + _("%(title)s: to reach level %(level)s %(name)s") % {
            "title": s.factor_title, "level": s.target_level, "name": s.target_name} + f"  [{', '.join(s.sources)}]")
        for h in s.held_by:
            lines.append("    " + _("held by: %(cap)s") % {"cap": h})
        if s.ways:
            for i, w in enumerate(s.ways, 1):
                way = "; ".join(f"{p.question} {p.needs}" + (f" ({_status(p.status)})" if p.status else "") for p in w.parts)
                label = _("way %(n)s (closest)") if w.closest else _("way %(n)s")
                lines.append("    " + label % {"n": i} + f": {way}")
        else:
            parts = [f"{m.condition} ({term(m.status)})" for m in s.missing] or [_("lift the caps on it")]
            lines.append("    " + _("needs %(parts)s") % {"parts": ", ".join(parts)})
    for label, none, items in ((_("FINDINGS"), _("FINDINGS: none"), content.certain_findings),
                               (_("POSSIBLE FINDINGS (depend on unknown answers)"),
                                _("POSSIBLE FINDINGS (depend on unknown answers): none"), content.possible_findings)):
        lines += ["", label if items else none]
        for fd in items:
            lines.append(f"- [{term(fd.severity)}] {fd.message}  [{', '.join(fd.sources)}]")
            if fd.action:
                lines.append("    " + _("action: %(action)s") % {"action": fd.action})
    if content.governance_gaps:
        lines += ["", _("GOVERNANCE GAPS")]
        if not content.governance_complete:
            lines.append("  " + _("the governance section is not marked complete: a gap may be a gap in the description"))
        for g in content.governance_gaps:
            lines.append(f"- [{term(g.severity)}] {gap_kind(g.kind)}: {g.explanation} "
                         + _("(actors: %(actors)s)") % {"actors": ", ".join(g.actors)})
    return "\n".join(lines) + "\n"


def _status(status: str) -> str:
    """The status of a part of a way: met, unmet or unknown, in words."""
    return {"met": _("met"), "unmet": _("unmet"), "unknown": _("unknown")}.get(status, status)
