"""Profile mode: one territory's well-developed areas and areas with potential, no rank.

As in the IOM Local Migration Governance Indicators profiles, a territory is described on its
own: per pillar, the *well-developed areas* (factors whose known level is at least
``established``) and the *areas with potential for development* (every other factor, with the
bounds its unknown answers leave open and those unknowns), the next steps, the findings and,
when the profile describes its governance, the coherence gaps of its governance graph.

>>> from maturity import load_profile, score
>>> from maturity.loading import bundled_profiles_dir
>>> content = profile_mode(score(load_profile(bundled_profiles_dir() / "ec-pichincha.yaml")))
>>> [a.factor for a in content.well_developed]
['replication']
>>> content.to_dict()["territory"]["name"]
'Province of Pichincha'
"""

from __future__ import annotations

from typing import Optional

from ..assessment import Assessment, FactorResult
from ..messages import _, ngettext
from ..ruleset import Ruleset
from ..wording import answer_words, gap_kind, stage_name, term, territory_level
from .content import (
    WELL_DEVELOPED_LEVEL,
    AreaItem,
    EvidenceItem,
    FindingItem,
    GapItem,
    MissingItem,
    PillarSection,
    ProfileContent,
    ReasonItem,
    StepItem,
)

__all__ = ["profile_mode", "render_profile_text"]


def _governance_available() -> bool:
    try:
        from .. import governance  # noqa: F401, PLC0415
    except ImportError:  # pragma: no cover - the governance package is optional for reports
        return False
    return True


def _step(f: FactorResult) -> Optional[StepItem]:
    if not f.next_steps:
        return None
    s = f.next_steps[0]
    return StepItem(f.id, f.title, f.core, s.target_level, s.target_name,
                    tuple(MissingItem(m.condition, m.indicator, m.status, m.question) for m in s.missing),
                    s.alternatives, tuple(s.sources))


def _answer(ruleset: Optional[Ruleset], indicator: str, value: object) -> str:
    if ruleset is None:
        return str(value)
    return answer_words(next((i for i in ruleset.indicators if i.id == indicator), None), value)


def _note(ruleset: Optional[Ruleset], factor: str, level: int) -> Optional[str]:
    if ruleset is None:
        return None
    rule = next((f.levels.get(level) for f in ruleset.factors if f.id == factor), None)
    return rule.note if rule is not None else None


def _area(f: FactorResult, threshold: int, ruleset: Optional[Ruleset]) -> AreaItem:
    well = f.assessed and f.level is not None and f.level >= threshold
    return AreaItem(
        factor=f.id, title=f.title, pillar=f.pillar, core=f.core, assessed=f.assessed,
        level=f.level, level_name=f.level_name, lower_level=f.lower_level, upper_level=f.upper_level,
        score=f.score, lower=f.lower, upper=f.upper, well_developed=well,
        unknown_indicators=tuple(f.unknown_indicators),
        reasons=tuple(ReasonItem(r.level, r.level_name, tuple(r.conditions),
                                 tuple(EvidenceItem(e.indicator, _answer(ruleset, e.indicator, e.value), e.source, e.note)
                                       for e in r.evidence),
                                 tuple(r.sources), _note(ruleset, f.id, r.level)) for r in f.reasons),
        caps=tuple(_("%(id)s (%(status)s): at most level %(max)s until %(requires)s") % {
            "id": c.id, "status": term(c.status), "max": c.max_level, "requires": c.requires} for c in f.caps),
        next_step=_step(f),
        sources=tuple(f.sources),
    )


def profile_mode(assessment: Assessment, *, well_developed_level: int = WELL_DEVELOPED_LEVEL,
                 ruleset: Optional[Ruleset] = None) -> ProfileContent:
    """The profile-mode content of one scored territory.

    ``ruleset``: the ruleset that scored it, in the reader's language, for the names of stages
    and the words of answers (without it, stage ids and answers as written).

    ``well_developed_level``: the level from which a factor counts as well developed (3,
    ``established``, by default). A factor counts only on its known level, never on its
    upper bound: an unassessed factor always has potential for development.
    """
    areas = tuple(_area(f, well_developed_level, ruleset) for f in assessment.factors)
    pillars = tuple(
        PillarSection(p.id, p.title, p.score, p.lower, p.upper,
                      tuple(a for a in areas if a.pillar == p.id and a.well_developed),
                      tuple(a for a in areas if a.pillar == p.id and not a.well_developed))
        for p in assessment.pillars
    )
    # Next steps of the areas with potential: core factors first, then the closest (fewest missing parts).
    steps = sorted((a.next_step for a in areas if not a.well_developed and a.next_step is not None),
                   key=lambda s: (not s.core, len(s.missing)))
    gaps = tuple(GapItem(g["kind"], g["severity"], tuple(g.get("actors", ())), g["explanation"], g["action"],
                         tuple(g.get("sources", ()))) for g in assessment.governance_gaps)
    complete = assessment.governance_gaps[0].get("graph_complete") if assessment.governance_gaps else None
    o, c = assessment.overall, assessment.completeness
    return ProfileContent(
        territory=dict(assessment.territory),
        ruleset=dict(assessment.ruleset),
        overall={"score": o.score, "lower": o.lower, "upper": o.upper, "stage": o.stage, "stage_name": o.stage_name,
                 "stage_lower": o.stage_lower, "stage_upper": o.stage_upper, "stage_settled": o.stage_settled,
                 "stage_lower_name": stage_name(ruleset, o.stage_lower), "stage_upper_name": stage_name(ruleset, o.stage_upper)},
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


def _num(x: Optional[float]) -> str:
    return _("n/a") if x is None else f"{x:.1f}"


def _level(a: AreaItem) -> str:
    return f"{a.level} {a.level_name}" if a.assessed else _("unknown")


def render_profile_text(content: ProfileContent) -> str:
    """Profile mode as plain text, for terminals, in the reader's language."""
    t, o = content.territory, content.overall
    c = content.completeness
    lines = [
        f"{t['name']} ({t['id']}, {t['country']}, {territory_level(t['level'])})" + (_("  [SYNTHETIC]") if t.get("synthetic") else ""),
        _("PROFILE (no rank)  ruleset %(id)s %(version)s") % {"id": content.ruleset["id"], "version": content.ruleset["version"]},
        _("answered %(answered)s of %(total)s indicators (%(share)s)") % {
            "answered": c["answered"], "total": c["total"], "share": f"{c['share']:.0%}"},
        _("overall score %(score)s  bounds [%(lower)s, %(upper)s]  stage %(stage)s") % {
            "score": _num(o["score"]), "lower": f"{o['lower']:.1f}", "upper": f"{o['upper']:.1f}",
            "stage": o["stage_name"] or _("n/a")}
        + ("" if o["stage_settled"] else " " + _("(could be %(lower)s to %(upper)s)") % {
            "lower": o.get("stage_lower_name", o["stage_lower"]), "upper": o.get("stage_upper_name", o["stage_upper"])}),
    ]
    for p in content.pillars:
        lines += ["", _("== %(title)s  score %(score)s  bounds [%(lower)s, %(upper)s]") % {
            "title": p.title, "score": _num(p.score), "lower": f"{p.lower:.1f}", "upper": f"{p.upper:.1f}"}]
        lines.append("  " + (_("well-developed areas:") if p.well_developed else _("well-developed areas: none")))
        for a in p.well_developed:
            lines.append("    + " + _("%(title)s: level %(level)s") % {"title": a.title, "level": _level(a)}
                         + f"  [{', '.join(a.sources)}]")
        lines.append("  " + (_("areas with potential for development:") if p.potential
                             else _("areas with potential for development: none")))
        for a in p.potential:
            unknown = ("; " + ngettext("%(n)s unknown: %(ids)s", "%(n)s unknown: %(ids)s", len(a.unknown_indicators)) % {
                "n": len(a.unknown_indicators), "ids": ", ".join(a.unknown_indicators)} if a.unknown_indicators else "")
            span = (_("could be %(lower)s to %(upper)s") % {"lower": a.lower_level, "upper": a.upper_level}
                    if a.lower_level != a.upper_level
                    else _("no higher level possible now") + (f" ({'; '.join(a.caps)})" if a.caps else ""))
            lines.append("    - " + _("%(title)s: level %(level)s") % {"title": a.title, "level": _level(a)} + f", {span}{unknown}")
    lines += ["", _("NEXT STEPS") if content.next_steps else _("NEXT STEPS: none")]
    for s in content.next_steps:
        parts = [f"{m.condition} ({term(m.status)})" for m in s.missing] or [_("lift the caps on it")]
        lines.append("- " + _("%(title)s: level %(level)s %(name)s needs %(parts)s") % {
            "title": s.factor_title, "level": s.target_level, "name": s.target_name, "parts": ", ".join(parts)}
            + f"  [{', '.join(s.sources)}]")
    lines += ["", _("FINDINGS") if content.findings else _("FINDINGS: none")]
    for fd in content.findings:
        lines.append(f"- [{term(fd.severity)}] {fd.id} ({term(fd.status)}): {fd.message}  [{', '.join(fd.sources)}]")
        if fd.action:
            lines.append("    " + _("action: %(action)s") % {"action": fd.action})
    if content.governance_gaps:
        lines += ["", _("GOVERNANCE GAPS")]
        if not content.governance_complete:
            lines.append("  " + _("the governance section is not marked complete: a gap may be a gap in the description"))
        for g in content.governance_gaps:
            lines.append(f"- [{term(g.severity)}] {gap_kind(g.kind)}: {g.explanation}")
    return "\n".join(lines) + "\n"
