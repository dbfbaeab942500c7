"""Plain-text rendering of an assessment, for terminals."""

from __future__ import annotations

from typing import Optional

from .assessment import Assessment, FactorResult

__all__ = ["render_assessment"]


def _num(x: Optional[float]) -> str:
    return "  n/a" if x is None else f"{x:5.1f}"


def _level(f: FactorResult) -> str:
    return f"{f.level} {f.level_name}" if f.assessed else "? unknown"


def render_assessment(a: Assessment, *, detail: bool = True) -> str:
    """A readable report: overall, pillars, a factor table, then reasons, next steps and findings."""
    t, o = a.territory, a.overall
    lines = [
        f"{t['name']} ({t['id']}, {t['country']}, {t['level']})" + ("  [SYNTHETIC]" if t.get("synthetic") else ""),
        f"ruleset {a.ruleset['id']} {a.ruleset['version']}  digest {a.ruleset['digest'][:12]}",
        f"answered {a.completeness.answered} of {a.completeness.total} indicators "
        f"({a.completeness.share:.0%}); {len(a.completeness.unassessed_factors)} factor(s) unassessed",
        "",
        (f"OVERALL  score {_num(o.score)}   bounds [{o.lower:.1f}, {o.upper:.1f}]   stage {o.stage_name or 'n/a'}"
         if o.sufficient else
         f"OVERALL  insufficient evidence: no score, no stage ({o.assessed_share:.0%} of the factors' weight assessed, "
         f"{o.min_assessed or 0:.0%} needed)   bounds [{o.lower:.1f}, {o.upper:.1f}]")
        + ("" if o.stage_settled else f"  (could be {o.stage_lower} to {o.stage_upper})"),
        "",
        f"{'pillar':<16} {'score':>5}  bounds",
    ]
    for p in a.pillars:
        lines.append(f"{p.id:<16} {_num(p.score)}  [{p.lower:5.1f}, {p.upper:5.1f}]"
                     + ("" if p.sufficient else f"  insufficient evidence ({p.assessed_share:.0%} assessed)")
                     + (f"  unassessed: {', '.join(p.unassessed_factors)}" if p.unassessed_factors else ""))
    lines += ["", f"{'factor':<32} {'level':<16} {'score':>5}  {'bounds':<13} caps"]
    for f in a.factors:
        caps = ", ".join(f"{c.id} ({c.status})" for c in f.caps)
        star = "*" if f.core else " "
        lines.append(f"{star}{f.id:<31} {_level(f):<16} {_num(f.score)}  [{f.lower_level}-{f.upper_level}] "
                     f"{'':<7} {caps}")
    lines.append("(* core factor; bounds are the levels reached with every unknown answer at its worst and at its best)")
    if detail:
        lines += ["", "REASONS AND NEXT STEPS"]
        for f in a.factors:
            lines.append(f"- {f.title} [{f.id}]: {_level(f)}")
            for r in f.reasons:
                ev = "; ".join(f"{e.indicator}={e.value!s}" + (f" ({e.source})" if e.source else "") for e in r.evidence)
                lines.append(f"    level {r.level} {r.level_name}: {' and '.join(r.conditions)}  <- {ev}  [{', '.join(r.sources)}]")
            for c in f.caps:
                lines.append(f"    cap {c.id} ({c.status}): at most level {c.max_level} until {c.requires}. {c.reason}")
            for s in f.next_steps:
                parts = [f"{m.condition}: {m.label}" if m.cap else f"{m.condition} ({m.label})" for m in s.missing] \
                    or ["lift the caps above"]
                more = f"; {s.alternatives - 1} other way(s)" if s.alternatives > 1 else ""
                lines.append(f"    next: level {s.target_level} {s.target_name} needs {', '.join(parts)}{more}")
        if a.can_rank_steps:
            ranked = a.ranked_next_steps(top=5)
            lines += ["", "NEXT STEPS BY WHAT THEY ADD TO THE RANK MEASURE (lower: every unknown at its worst)"]
            for st in ranked:
                what = ", ".join(f"{k}={v}" for k, v in st.changes.items())
                lines.append(f"- {st.title} to level {st.target_level}: +{st.gain:.1f} ({st.before:.1f} to {st.after:.1f})"
                             + ("" if st.sufficient_after == a.overall.sufficient else ", then enough evidence for a score")
                             + f"  with {what}")
    lines += ["", "FINDINGS" if a.findings else "FINDINGS: none"]
    for fd in a.findings:
        lines.append(f"- [{fd.severity}] {fd.id} ({fd.status}): {fd.message}")
        if fd.action:
            lines.append(f"    action: {fd.action}")
        lines.append(f"    because {' and '.join(fd.conditions)}  [{', '.join(fd.sources)}]")
    if a.governance_gaps:
        partial = not a.governance_gaps[0].get("graph_complete", False)
        lines += ["", "GOVERNANCE GAPS (from the profile's governance graph; see `maturity gaps`)"]
        if partial:
            lines.append("  the governance section is not marked complete: a gap may be a gap in the description")
        for g in a.governance_gaps:
            lines.append(f"- [{g['severity']}] {g['kind']}: {g['explanation']}")
    return "\n".join(lines) + "\n"
