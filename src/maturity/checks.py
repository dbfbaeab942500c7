"""Cross-checks that a schema cannot express: ids, references, types, monotonicity, cycles.

Each function returns every problem it finds (never stops at the first), with the
field path inside the file; the loaders add file and line.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .cells import CellProblem, read_cell
from .citations import Citation
from .conditions import Compare, LevelCheck, atoms, has_not
from .errors import Problem, suggest
from .messages import _
from .plan import CLAUSE_BUDGET, count_clauses
from .profile import Profile
from .ruleset import (
    BooleanIndicator,
    OrdinalIndicator,
    Ruleset,
)

__all__ = ["MONOTONE_OPS", "check_answers", "check_profile", "check_ruleset", "value_problem"]

# For an indicator where higher is better, these comparisons can only turn true as answers improve.
MONOTONE_OPS = {"higher": ("at_least", "above"), "lower": ("at_most", "below")}


def _duplicates(items: Iterable[Any], *path: Any) -> list[Problem]:
    seen: set[str] = set()
    out = []
    for i, item in enumerate(items):
        if item.id in seen:
            out.append(Problem("duplicate-id", f"duplicate id '{item.id}' in {path[-1]}", (*path, i, "id")))
        seen.add(item.id)
    return out


def _citations(cites: Iterable[Citation], known: set[str], path: tuple[Any, ...]) -> list[Problem]:
    return [
        Problem("unknown-source", f"cites source '{c.source}', which the file does not declare under sources",
                (*path, i), hint=suggest(c.source, known))
        for i, c in enumerate(cites)
        if c.source not in known
    ]


def value_problem(ind: Any, value: Any) -> str | None:
    """Why ``value`` is not a valid answer to indicator ``ind`` (None when it is); see :mod:`maturity.cells`."""
    try:
        read_cell(ind, value)
    except CellProblem as exc:
        return exc.detail()
    return None


def _compare_problems(rs: Ruleset, atom: Compare, path: tuple[Any, ...], monotone: bool) -> list[Problem]:
    ids = {i.id for i in rs.indicators}
    if atom.indicator not in ids:
        return [Problem("unknown-indicator", f"unknown indicator '{atom.indicator}'", (*path, "indicator"),
                        hint=suggest(atom.indicator, ids))]
    ind = rs.indicator(atom.indicator)
    out: list[Problem] = []
    if isinstance(ind, BooleanIndicator):
        if atom.op not in ("is", "is_not"):
            out.append(Problem("bad-operator", f"a yes/no indicator takes 'is' or 'is_not', not '{atom.op}'", (*path, atom.op)))
        elif monotone and (atom.value == ind.better) != (atom.op == "is"):
            out.append(Problem("not-monotone", f"level conditions must ask for the better answer ({ind.better}) of '{ind.id}'",
                               (*path, atom.op), hint="put conditions on the worse answer in a finding"))
    else:
        if atom.op in ("is", "is_not") and not isinstance(ind, OrdinalIndicator):
            if monotone:
                out.append(Problem("not-monotone", f"'{atom.op}' on the {ind.type} indicator '{ind.id}' is not monotone",
                                   (*path, atom.op), hint="use at_least/above or at_most/below"))
        elif monotone:
            direction = "higher" if isinstance(ind, OrdinalIndicator) else ind.better
            if atom.op not in MONOTONE_OPS[direction]:
                out.append(Problem("not-monotone",
                                   f"for '{ind.id}' {direction} is better, so a level condition must use "
                                   f"{' or '.join(MONOTONE_OPS[direction])}, not '{atom.op}'", (*path, atom.op)))
    why = value_problem(ind, atom.value)
    if why:
        out.append(Problem("bad-value", why, (*path, atom.op)))
    return out


def _level_check_problems(rs: Ruleset, atom: LevelCheck, path: tuple[Any, ...]) -> list[Problem]:
    ids = {f.id for f in rs.factors}
    out = []
    if atom.factor not in ids:
        out.append(Problem("unknown-factor", f"unknown factor '{atom.factor}'", (*path, "factor"), hint=suggest(atom.factor, ids)))
    levels = {lv.level for lv in rs.levels}
    if atom.value not in levels:
        out.append(Problem("bad-level", f"level {atom.value} is not on the scale ({min(levels)}-{max(levels)})", (*path, atom.op)))
    return out


def _too_complex(cond: Any, path: tuple[Any, ...]) -> list[Problem]:
    count = count_clauses(cond)
    if count <= CLAUSE_BUDGET:
        return []
    return [Problem("too-complex", f"the condition expands to {count:,} clauses, over the budget of {CLAUSE_BUDGET:,}",
                    path, hint="split it, or use fewer alternatives under 'not' and 'at_least'")]


def check_ruleset(rs: Ruleset) -> list[Problem]:
    """Every cross-reference and consistency problem of a parsed ruleset."""
    out: list[Problem] = []
    for section in ("indicators", "pillars", "factors", "caps", "findings", "sources"):
        out += _duplicates(getattr(rs, section), section)
    out += _duplicates(rs.aggregation.stages, "aggregation", "stages")
    sources = {s.id for s in rs.sources}

    levels = sorted(lv.level for lv in rs.levels)
    if levels != list(range(len(levels))):
        out.append(Problem("bad-scale", f"levels must be numbered 0, 1, 2, ... without gaps; got {levels}", ("levels",)))
    scores = [lv.score for lv in sorted(rs.levels, key=lambda lv: lv.level)]
    if scores != sorted(scores):
        out.append(Problem("bad-scale", "level scores must not decrease as levels rise", ("levels",)))
    top = max(levels)

    for i, ind in enumerate(rs.indicators):
        out += _citations(ind.sources, sources, ("indicators", i, "sources"))
        if isinstance(ind, OrdinalIndicator) and len(set(ind.scale)) != len(ind.scale):
            out.append(Problem("bad-scale", f"ordinal scale of '{ind.id}' repeats a value", ("indicators", i, "scale")))
        if isinstance(ind, OrdinalIndicator) and "unknown" in ind.scale:
            out.append(Problem("bad-scale", "'unknown' is reserved for unanswered questions", ("indicators", i, "scale")))
        labels = (ind.labels or {}) if isinstance(ind, OrdinalIndicator) else {}
        scale = ind.scale if isinstance(ind, OrdinalIndicator) else []
        for value in labels:
            if value not in scale:
                out.append(Problem("unknown-value", f"'{value}' is not on the scale of '{ind.id}'", ("indicators", i, "labels", value),
                                   hint=suggest(value, scale)))

    pillars = {p.id for p in rs.pillars}
    used_pillars = {f.pillar for f in rs.factors}
    for i, p in enumerate(rs.pillars):
        if p.id not in used_pillars:
            out.append(Problem("empty-pillar", f"pillar '{p.id}' has no factors", ("pillars", i, "id")))
    for i, f in enumerate(rs.factors):
        base = ("factors", i)
        if f.pillar not in pillars:
            out.append(Problem("unknown-pillar", f"unknown pillar '{f.pillar}'", (*base, "pillar"), hint=suggest(f.pillar, pillars)))
        out += _citations(f.sources, sources, (*base, "sources"))
        wanted = list(range(1, top + 1))
        if sorted(f.levels) != wanted:
            missing = sorted(set(wanted) - set(f.levels))
            extra = sorted(set(f.levels) - set(wanted))
            msg = "needs a condition for every level " + ", ".join(map(str, wanted))
            if missing:
                msg += f"; missing {missing}"
            if extra:
                msg += f"; not on the scale {extra}"
            out.append(Problem("bad-levels", msg, (*base, "levels")))
        for n, rule in f.levels.items():
            lpath = (*base, "levels", n)
            out += _citations(rule.sources, sources, (*lpath, "sources"))
            if has_not(rule.when):
                out.append(Problem("not-monotone", "level conditions cannot use 'not': better answers must never lower a level",
                                   (*lpath, "when"), hint="put negative conditions in a finding"))
            for apath, atom in atoms(rule.when, (*lpath, "when")):
                if isinstance(atom, LevelCheck):
                    out.append(Problem("factor-in-level", "level conditions refer to indicators; express links between factors as caps",
                                       apath))
                else:
                    out += _compare_problems(rs, atom, apath, monotone=True)
            out += _too_complex(rule.when, (*lpath, "when"))

    factor_ids = {f.id for f in rs.factors}
    edges: dict[str, dict[str, int]] = {}  # required factor -> capped factor -> first cap's index
    for i, cap in enumerate(rs.caps):
        base = ("caps", i)
        out += _citations(cap.sources, sources, (*base, "sources"))
        if cap.factor not in factor_ids:
            out.append(Problem("unknown-factor", f"unknown factor '{cap.factor}'", (*base, "factor"), hint=suggest(cap.factor, factor_ids)))
        out += _level_check_problems(rs, cap.unless, (*base, "unless"))
        if cap.unless.op != "at_least":
            out.append(Problem("bad-operator", "a cap is lifted when another factor reaches a level: use 'at_least'", (*base, "unless")))
        if cap.max_level >= top:
            out.append(Problem("bad-level", f"max_level {cap.max_level} caps nothing on a scale that tops out at {top}",
                               (*base, "max_level")))
        if cap.factor == cap.unless.factor:
            out.append(Problem("cyclic-caps", f"cap '{cap.id}' makes '{cap.factor}' depend on itself", base))
        edges.setdefault(cap.unless.factor, {}).setdefault(cap.factor, i)
    for cycle in _cycles(edges):
        first = edges[cycle[-1]][cycle[0]]
        out.append(Problem("cyclic-caps", "caps depend on each other in a cycle: " + " -> ".join([*cycle, cycle[0]]),
                           ("caps", first)))

    for i, fd in enumerate(rs.findings):
        base = ("findings", i)
        out += _citations(fd.sources, sources, (*base, "sources"))
        for apath, atom in atoms(fd.when, (*base, "when")):
            if isinstance(atom, LevelCheck):
                out += _level_check_problems(rs, atom, apath)
            else:
                out += _compare_problems(rs, atom, apath, monotone=False)
        out += _too_complex(fd.when, (*base, "when"))

    stages = rs.aggregation.stages
    mins = [s.min_score for s in stages]
    if mins != sorted(mins) or len(set(mins)) != len(mins):
        out.append(Problem("bad-stages", "stages must be listed with strictly increasing min_score", ("aggregation", "stages")))
    if mins and mins[0] != 0:
        out.append(Problem("bad-stages", "the first stage must start at min_score 0", ("aggregation", "stages", 0, "min_score")))
    return out


def _cycles(edges: dict[str, dict[str, int]]) -> list[list[str]]:
    """One cycle of two or more nodes per strongly connected group of ``edges`` (a depth-first search).

    >>> _cycles({"a": {"b": 0}, "b": {"a": 1}, "c": {"c": 2}})
    [['a', 'b']]
    """
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    in_cycle: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        path.append(node)
        for nxt in edges.get(node, {}):
            if nxt == node:
                continue  # a cap on its own factor is reported on its own
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):]
                if not in_cycle & set(cycle):
                    found.append(cycle)
                    in_cycle.update(cycle)
            elif nxt not in state:
                visit(nxt, path)
        path.pop()
        state[node] = 2

    for node in list(edges):
        if node not in state:
            visit(node, [])
    return found


def check_profile(profile: Profile) -> list[Problem]:
    """Problems of a profile on its own: sources cited but not declared, known answers without a source."""
    out = _duplicates(profile.sources, "sources")
    known = {s.id for s in profile.sources}
    for key, ans in profile.answers.items():
        path = ("answers", key)
        if ans.known and ans.source is None:
            out.append(Problem("missing-source", _("a known answer needs a source (document and section)"), path,
                               hint=_("write the source, or state the answer as unknown")))
        if ans.source is not None:
            out += [
                Problem("unknown-source", _("cites source '%(source)s', which the profile does not declare under sources") % {
                    "source": ans.source.source},
                        (*path, "source"), hint=suggest(ans.source.source, known))
            ] if ans.source.source not in known else []
    for key in ("decentralisation",):
        dec = profile.context.decentralisation
        if dec is not None and dec.source is not None and dec.source.source not in known:
            out.append(Problem("unknown-source", _("cites undeclared source '%(source)s'") % {"source": dec.source.source},
                               ("context", key, "source")))
    from .governance.model import check_governance

    out += check_governance(profile)
    if profile.governance is not None:
        from .governance.derive import DERIVED_INDICATORS

        out += [Problem("derived-answer", _("'%(indicator)s' is derived from the governance section; the profile cannot also answer it")
                        % {"indicator": key}, ("answers", key), hint=_("remove the answer, or state it as unknown"))
                for key, ans in profile.answers.items() if key in DERIVED_INDICATORS and ans.known]
    return out


def check_answers(profile: Profile, rs: Ruleset) -> list[Problem]:
    """Problems of a profile's answers against a ruleset: unknown indicators and values that do not fit."""
    ids = {i.id for i in rs.indicators}
    out = []
    for key, ans in profile.answers.items():
        path = ("answers", key)
        if key not in ids:
            out.append(Problem("unknown-indicator", _("ruleset '%(ruleset)s' has no indicator '%(indicator)s'") % {
                "ruleset": rs.id, "indicator": key}, path, hint=suggest(key, ids)))
            continue
        if ans.known:
            why = value_problem(rs.indicator(key), ans.value)
            if why:
                out.append(Problem("bad-value", why, (*path, "value") if ans.source or ans.note else path))
    return out
