"""Plain-text rendering of an assessment, for terminals, in the reader's language."""

from __future__ import annotations

from .assessment import Assessment, FactorResult
from .messages import _, ngettext
from .ruleset import Ruleset
from .wording import answer_words, gap_kind, stage_name, term, territory_level

__all__ = ["render_assessment"]


def _num(x: float | None) -> str:
    return _("  n/a") if x is None else f"{x:5.1f}"


def _level(f: FactorResult) -> str:
    return f"{f.level} {f.level_name}" if f.assessed else _("? unknown")


def _answer(rs: Ruleset | None, indicator: str, value: object) -> str:
    ind = next((i for i in rs.indicators if i.id == indicator), None) if rs is not None else None
    return answer_words(ind, value) if rs is not None else str(value)


def _calibration(rs: Ruleset | None, factor: str, level: int) -> str | None:
    rule = next((f.levels.get(level) for f in rs.factors if f.id == factor), None) if rs is not None else None
    return rule.note if rule is not None else None


def render_assessment(a: Assessment, *, detail: bool = True, ruleset: Ruleset | None = None) -> str:
    """A readable report: overall, pillars, a factor table, then reasons, next steps and findings.

    ``ruleset`` (the one that scored, in the reader's language) gives stage names and the words
    of answers; without it stages show their ids and answers as written.
    """
    t, o = a.territory, a.overall
    c = a.completeness
    unassessed = len(c.unassessed_factors)
    lines = [
        f"{t['name']} ({t['id']}, {t['country']}, {territory_level(t['level'])})" + (_("  [SYNTHETIC]") if t.get("synthetic") else ""),
        _("ruleset %(id)s %(version)s  digest %(digest)s") % {"id": a.ruleset["id"], "version": a.ruleset["version"],
                                                              "digest": a.ruleset["digest"][:12]},
        _("answered %(answered)s of %(total)s indicators (%(share)s)") % {
            "answered": c.answered, "total": c.total, "share": f"{c.share:.0%}"} + "; "
        + ngettext("%(n)s factor unassessed", "%(n)s factors unassessed", unassessed) % {"n": unassessed},
        "",
        (_("OVERALL  score %(score)s   bounds [%(lower)s, %(upper)s]   stage %(stage)s") % {
            "score": _num(o.score), "lower": f"{o.lower:.1f}", "upper": f"{o.upper:.1f}",
            "stage": o.stage_name or _("n/a")}
         if o.sufficient else
         _("OVERALL  insufficient evidence: no score, no stage (%(share)s of the factors' weight assessed, "
           "%(needed)s needed)   bounds [%(lower)s, %(upper)s]") % {
            "share": f"{o.assessed_share:.0%}", "needed": f"{o.min_assessed or 0:.0%}",
            "lower": f"{o.lower:.1f}", "upper": f"{o.upper:.1f}"})
        + ("" if o.stage_settled else "  " + _("(could be %(lower)s to %(upper)s)") % {
            "lower": stage_name(ruleset, o.stage_lower), "upper": stage_name(ruleset, o.stage_upper)}),
        "",
    ]
    factor_titles = {f.id: f.title for f in a.factors}
    wp = max([len(_("pillar")), *(len(p.title) for p in a.pillars)])
    pillar, score, bounds = _("pillar"), _("score"), _("bounds")
    lines.append(f"{pillar:<{wp}} {score:>5}  {bounds}")
    for p in a.pillars:
        lines.append(f"{p.title:<{wp}} {_num(p.score)}  [{p.lower:5.1f}, {p.upper:5.1f}]"
                     + ("" if p.sufficient else "  " + _("insufficient evidence (%(share)s assessed)") % {
                         "share": f"{p.assessed_share:.0%}"})
                     + ("  " + _("unassessed: %(factors)s") % {
                         "factors": "; ".join(factor_titles.get(x, x) for x in p.unassessed_factors)}
                        if p.unassessed_factors else ""))
    wf = max([len(_("factor")), *(len(f.title) + 1 for f in a.factors)])
    wl = max([len(_("level")), *(len(_level(f)) for f in a.factors)])
    factor, level, caps_word = _("factor"), _("level"), _("caps")
    wb = max(len(bounds), 5)
    lines += ["", f"{factor:<{wf}} {level:<{wl}} {score:>5}  {bounds:<{wb}}  {caps_word}"]
    for f in a.factors:
        caps = ", ".join(f"{c.id} ({term(c.status)})" for c in f.caps)
        star = "*" if f.core else " "
        span = f"[{f.lower_level}-{f.upper_level}]"
        lines.append(f"{star}{f.title:<{wf - 1}} {_level(f):<{wl}} {_num(f.score)}  {span:<{wb}}  {caps}".rstrip())
    lines.append(_("(* core factor; bounds are the levels reached with every unknown answer at its worst and at its best)"))
    if detail:
        lines += ["", _("REASONS AND NEXT STEPS")]
        for f in a.factors:
            lines.append(f"- {f.title} [{f.id}]: {_level(f)}")
            for r in f.reasons:
                ev = "; ".join(f"{e.indicator}={_answer(ruleset, e.indicator, e.value)}" + (f" ({e.source})" if e.source else "")
                               for e in r.evidence)
                lines.append("    " + _("level %(level)s %(name)s: %(conditions)s  <- %(evidence)s  [%(sources)s]") % {
                    "level": r.level, "name": r.level_name, "conditions": _(" and ").join(r.conditions), "evidence": ev,
                    "sources": ", ".join(r.sources)})
                note = _calibration(ruleset, f.id, r.level)
                if note:
                    lines.append(f"      ({note})")
            for cap in f.caps:
                lines.append("    " + _("cap %(id)s (%(status)s): at most level %(max)s until %(requires)s. %(reason)s") % {
                    "id": cap.id, "status": term(cap.status), "max": cap.max_level, "requires": cap.requires,
                    "reason": cap.reason})
            for s in f.next_steps:
                parts = [f"{m.condition}: {term(m.label)}" if m.cap else f"{m.condition} ({term(m.status)})"
                         for m in s.missing] or [_("lift the caps above")]
                more = ("; " + ngettext("%(n)s other way", "%(n)s other ways", s.alternatives - 1) % {"n": s.alternatives - 1}
                        if s.alternatives > 1 else "")
                lines.append("    " + _("next: level %(level)s %(name)s needs %(parts)s") % {
                    "level": s.target_level, "name": s.target_name, "parts": ", ".join(parts)} + more)
        if a.can_rank_steps:
            ranked = a.ranked_next_steps(top=5)
            lines += ["", _("NEXT STEPS BY WHAT THEY ADD TO THE RANK MEASURE (lower: every unknown at its worst)")]
            for st in ranked:
                what = ", ".join(f"{k}={v}" for k, v in st.changes.items())
                lines.append(_("- %(title)s to level %(level)s: +%(gain)s (%(before)s to %(after)s)") % {
                    "title": st.title, "level": st.target_level, "gain": f"{st.gain:.1f}", "before": f"{st.before:.1f}",
                    "after": f"{st.after:.1f}"}
                    + ("" if st.sufficient_after == a.overall.sufficient else _(", then enough evidence for a score"))
                    + "  " + _("with %(changes)s") % {"changes": what})
    lines += ["", _("FINDINGS") if a.findings else _("FINDINGS: none")]
    for fd in a.findings:
        lines.append(f"- [{term(fd.severity)}] {fd.id} ({term(fd.status)}): {fd.message}")
        if fd.action:
            lines.append("    " + _("action: %(action)s") % {"action": fd.action})
        lines.append("    " + _("because %(conditions)s  [%(sources)s]") % {
            "conditions": _(" and ").join(fd.conditions), "sources": ", ".join(fd.sources)})
    if a.governance_gaps:
        partial = not a.governance_gaps[0].get("graph_complete", False)
        lines += ["", _("GOVERNANCE GAPS (from the profile's governance graph; see `maturity gaps`)")]
        if partial:
            lines.append("  " + _("the governance section is not marked complete: a gap may be a gap in the description"))
        for g in a.governance_gaps:
            lines.append(f"- [{term(g['severity'])}] {gap_kind(g['kind'])}: {g['explanation']}")
    return "\n".join(lines) + "\n"
