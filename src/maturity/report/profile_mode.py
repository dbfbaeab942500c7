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


def _area(f: FactorResult, threshold: int) -> AreaItem:
    well = f.assessed and f.level is not None and f.level >= threshold
    return AreaItem(
        factor=f.id, title=f.title, pillar=f.pillar, core=f.core, assessed=f.assessed,
        level=f.level, level_name=f.level_name, lower_level=f.lower_level, upper_level=f.upper_level,
        score=f.score, lower=f.lower, upper=f.upper, well_developed=well,
        unknown_indicators=tuple(f.unknown_indicators),
        reasons=tuple(ReasonItem(r.level, r.level_name, tuple(r.conditions),
                                 tuple(EvidenceItem(e.indicator, str(e.value), e.source, e.note) for e in r.evidence),
                                 tuple(r.sources)) for r in f.reasons),
        caps=tuple(f"{c.id} ({c.status}): at most level {c.max_level} until {c.requires}" for c in f.caps),
        next_step=_step(f),
        sources=tuple(f.sources),
    )


def profile_mode(assessment: Assessment, *, well_developed_level: int = WELL_DEVELOPED_LEVEL) -> ProfileContent:
    """The profile-mode content of one scored territory.

    ``well_developed_level``: the level from which a factor counts as well developed (3,
    ``established``, by default). A factor counts only on its known level, never on its
    upper bound: an unassessed factor always has potential for development.
    """
    areas = tuple(_area(f, well_developed_level) for f in assessment.factors)
    pillars = tuple(
        PillarSection(p.id, p.title, p.score, p.lower, p.upper,
                      tuple(a for a in areas if a.pillar == p.id and a.well_developed),
                      tuple(a for a in areas if a.pillar == p.id and not a.well_developed), p.sufficient)
        for p in assessment.pillars
    )
    # Next steps of the areas with potential: core factors first, then the closest (fewest missing parts).
    steps = sorted((a.next_step for a in areas if not a.well_developed and a.next_step is not None),
                   key=lambda s: (not s.core, len(s.missing)))
    if assessment.can_rank_steps:  # the steps that would raise the rank measure most come first
        order = {st.factor: k for k, st in enumerate(assessment.ranked_next_steps())}
        steps = sorted(steps, key=lambda s: order.get(s.factor, len(order)))
    gaps = tuple(GapItem(g["kind"], g["severity"], tuple(g.get("actors", ())), g["explanation"], g["action"],
                         tuple(g.get("sources", ()))) for g in assessment.governance_gaps)
    complete = assessment.governance_gaps[0].get("graph_complete") if assessment.governance_gaps else None
    o, c = assessment.overall, assessment.completeness
    return ProfileContent(
        territory=dict(assessment.territory),
        ruleset=dict(assessment.ruleset),
        overall={"score": o.score, "lower": o.lower, "upper": o.upper, "stage": o.stage, "stage_name": o.stage_name,
                 "stage_lower": o.stage_lower, "stage_upper": o.stage_upper, "stage_settled": o.stage_settled,
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


def _num(x: Optional[float]) -> str:
    return "n/a" if x is None else f"{x:.1f}"


def _level(a: AreaItem) -> str:
    return f"{a.level} {a.level_name}" if a.assessed else "unknown"


def render_profile_text(content: ProfileContent) -> str:
    """Profile mode as plain text, for terminals."""
    t, o = content.territory, content.overall
    lines = [
        f"{t['name']} ({t['id']}, {t['country']}, {t['level']})" + ("  [SYNTHETIC]" if t.get("synthetic") else ""),
        f"PROFILE (no rank)  ruleset {content.ruleset['id']} {content.ruleset['version']}",
        f"answered {content.completeness['answered']} of {content.completeness['total']} indicators "
        f"({content.completeness['share']:.0%})",
        (f"overall score {_num(o['score'])}  bounds [{o['lower']:.1f}, {o['upper']:.1f}]  stage {o['stage_name'] or 'n/a'}"
         if o.get("sufficient", True) else
         f"overall: insufficient evidence, no score and no stage  bounds [{o['lower']:.1f}, {o['upper']:.1f}]")
        + ("" if o["stage_settled"] else f" (could be {o['stage_lower']} to {o['stage_upper']})"),
    ]
    for p in content.pillars:
        lines += ["", f"== {p.title} [{p.id}]  score {_num(p.score) if p.sufficient else 'insufficient evidence'}"
                  f"  bounds [{p.lower:.1f}, {p.upper:.1f}]"]
        lines.append("  well-developed areas:" + ("" if p.well_developed else " none"))
        for a in p.well_developed:
            lines.append(f"    + {a.title}: level {_level(a)}  [{', '.join(a.sources)}]")
        lines.append("  areas with potential for development:" + ("" if p.potential else " none"))
        for a in p.potential:
            unknown = f"; {len(a.unknown_indicators)} unknown: {', '.join(a.unknown_indicators)}" if a.unknown_indicators else ""
            span = (f"could be {a.lower_level} to {a.upper_level}" if a.lower_level != a.upper_level
                    else "no higher level possible now" + (f" ({'; '.join(a.caps)})" if a.caps else ""))
            lines.append(f"    - {a.title}: level {_level(a)}, {span}{unknown}")
    lines += ["", "NEXT STEPS" if content.next_steps else "NEXT STEPS: none"]
    for s in content.next_steps:
        parts = [f"{m.condition} ({'unanswered' if m.status == 'unknown' else m.status})" for m in s.missing] \
            or ["lift the caps on it"]
        lines.append(f"- {s.factor_title}: level {s.target_level} {s.target_name} needs {', '.join(parts)}"
                     f"  [{', '.join(s.sources)}]")
    lines += ["", "FINDINGS" if content.findings else "FINDINGS: none"]
    for fd in content.findings:
        lines.append(f"- [{fd.severity}] {fd.id} ({fd.status}): {fd.message}  [{', '.join(fd.sources)}]")
        if fd.action:
            lines.append(f"    action: {fd.action}")
    if content.governance_gaps:
        lines += ["", "GOVERNANCE GAPS"]
        if not content.governance_complete:
            lines.append("  the governance section is not marked complete: a gap may be a gap in the description")
        for g in content.governance_gaps:
            lines.append(f"- [{g.severity}] {g.kind}: {g.explanation}")
    return "\n".join(lines) + "\n"
