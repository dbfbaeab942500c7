"""What changed between two rulesets, and what that does to the territories they score.

>>> from maturity import load_core_ruleset
>>> core = load_core_ruleset()
>>> diff_rulesets(core, core).changes
[]
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Union

from .ruleset import Ruleset

__all__ = ["Change", "RulesetDiff", "TerritoryChange", "diff_files", "diff_rulesets"]

PathLike = Union[str, os.PathLike]
SECTIONS = ("pillars", "indicators", "factors", "caps", "findings")


@dataclass(frozen=True)
class Change:
    """One difference: ``kind`` is added, removed or changed; ``field`` is the changed part (e.g. ``levels.2``)."""

    section: str
    id: str
    kind: str
    field: str | None = None
    old: Any = None
    new: Any = None

    def __str__(self) -> str:
        if self.kind in ("added", "removed"):
            return f"{self.section[:-1] if self.section != 'stages' else 'stage'} {self.id} {self.kind}"
        what = f"{self.section[:-1] if self.section != 'stages' else 'stage'} {self.id}: {self.field}"
        if self.field and self.field.endswith("when"):
            return f"{what} {_cond_change(self.old, self.new)}"
        return f"{what} {_short(self.old)} -> {_short(self.new)}"


def _atom_texts(cond: Any) -> list[str]:
    out: list[str] = []
    if isinstance(cond, dict):
        subject = cond.get("indicator") or (f"level of {cond['factor']}" if "factor" in cond else None)
        if subject is not None:
            for op in ("is", "is_not", "at_least", "at_most", "above", "below"):
                if op in cond:
                    out.append(f"{subject} {op.replace('_', ' ')} {str(cond[op]).lower() if isinstance(cond[op], bool) else cond[op]}")
        for k in ("all", "any", "of"):
            for c in cond.get(k) or []:
                out += _atom_texts(c)
        if "not" in cond:
            out += [f"not ({t})" for t in _atom_texts(cond["not"])]
    return out


def _cond_change(old: Any, new: Any) -> str:
    """A condition change in words: the comparisons it gains and loses."""
    if old is None:
        return "added"
    if new is None:
        return "removed"
    a, b = _atom_texts(old), _atom_texts(new)
    parts = [f"+ {t}" for t in b if t not in a] + [f"- {t}" for t in a if t not in b]
    return "changed: " + ("; ".join(parts) if parts else "same comparisons, combined differently")


@dataclass(frozen=True)
class TerritoryChange:
    territory: str
    name: str
    old_score: float | None
    new_score: float | None
    old_stage: str | None
    new_stage: str | None
    factors: tuple[dict[str, Any], ...]   # {factor, old_level, new_level, why[]}
    findings: tuple[dict[str, Any], ...]  # {finding, old, new}

    @property
    def changed(self) -> bool:
        return bool(self.factors or self.findings or self.old_stage != self.new_stage
                    or not _same(self.old_score, self.new_score))


@dataclass
class RulesetDiff:
    old: dict[str, str]
    new: dict[str, str]
    changes: list[Change]
    territories: list[TerritoryChange] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"old": self.old, "new": self.new, "changes": [asdict(c) for c in self.changes],
                "territories": [{**asdict(t), "changed": t.changed} for t in self.territories]}

    def render(self) -> str:
        lines = [f"{self.old['id']} {self.old['version']} -> {self.new['id']} {self.new['version']}",
                 f"{len(self.changes)} change(s) to the rules" + (":" if self.changes else "")]
        lines += [f"  {c}" for c in self.changes]
        if self.territories:
            moved = [t for t in self.territories if t.changed]
            lines.append(f"{len(moved)} of {len(self.territories)} territories change" + (":" if moved else ""))
            for t in moved:
                lines.append(f"  {t.name} ({t.territory}): score {_num(t.old_score)} -> {_num(t.new_score)}, "
                             f"stage {t.old_stage} -> {t.new_stage}")
                for f in t.factors:
                    lines.append(f"    {f['factor']}: level {_lvl(f['old_level'])} -> {_lvl(f['new_level'])}"
                                 + (f"  because {'; '.join(f['why'])}" if f["why"] else ""))
                for f in t.findings:
                    lines.append(f"    finding {f['finding']}: {f['old']} -> {f['new']}")
        return "\n".join(lines)


def _same(a: float | None, b: float | None) -> bool:
    return a == b or (a is not None and b is not None and abs(a - b) < 1e-9)


def _num(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1f}"


def _lvl(x: int | None) -> str:
    return "unassessed" if x is None else str(x)


def _short(x: Any) -> str:
    text = str(x)
    return text if len(text) <= 120 else text[:117] + "..."


def _dump(items: Iterable[Any]) -> dict[str, dict[str, Any]]:
    return {x.id: x.model_dump(mode="json", by_alias=True, exclude_none=True) for x in items}


def _fields(section: str, item_id: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    out = []
    for key in sorted(set(old) | set(new), key=str):
        if key == "levels" and isinstance(old.get(key), dict) and isinstance(new.get(key), dict):
            lo, ln = old[key], new[key]
            for n in sorted(set(lo) | set(ln), key=int):
                for part in ("when", "sources", "note"):
                    a, b = (lo.get(n) or {}).get(part), (ln.get(n) or {}).get(part)
                    if a != b:
                        out.append(Change(section, item_id, "changed", f"levels.{n}.{part}", a, b))
        elif old.get(key) != new.get(key):
            out.append(Change(section, item_id, "changed", str(key), old.get(key), new.get(key)))
    return out


def rule_changes(old: Ruleset, new: Ruleset) -> list[Change]:
    """Every difference between two rulesets' rules, section by section."""
    out: list[Change] = []
    for section in (*SECTIONS, "stages"):
        a = _dump(old.aggregation.stages if section == "stages" else getattr(old, section))
        b = _dump(new.aggregation.stages if section == "stages" else getattr(new, section))
        out += [Change(section, i, "removed") for i in a if i not in b]
        out += [Change(section, i, "added") for i in b if i not in a]
        for i in a:
            if i in b and a[i] != b[i]:
                out += _fields(section, i, a[i], b[i])
    if old.aggregation.method != new.aggregation.method:
        out.append(Change("aggregation", "method", "changed", "method", old.aggregation.method, new.aggregation.method))
    la, lb = ({lv.level: lv.model_dump(mode="json") for lv in rs.levels} for rs in (old, new))
    if la != lb:
        out.append(Change("levels", "scale", "changed", "levels", la, lb))
    return out


def _why(factor: str, changes: list[Change], old: Ruleset, new: Ruleset) -> list[str]:
    why = [str(c) for c in changes if c.section == "factors" and c.id == factor]
    caps = {c.id: c for c in (*old.caps, *new.caps)}
    for c in changes:
        if c.section == "caps" and c.id in caps and caps[c.id].factor == factor:
            why.append(str(c))
    ids = {f.id: f for f in (*old.factors, *new.factors)}
    used = set()
    for rs in (old, new):
        if factor in {f.id for f in rs.factors}:
            for rule in rs.factor(factor).levels.values():
                from .conditions import atoms

                used |= {a.indicator for _, a in atoms(rule.when) if hasattr(a, "indicator")}
    why += [str(c) for c in changes if c.section == "indicators" and c.id in used]
    if factor in ids and not why:
        why.append("a factor it depends on through a cap changed level")
    return why


def diff_rulesets(old: Ruleset, new: Ruleset, profiles: Iterable[Any] = ()) -> RulesetDiff:
    """Compare two rulesets; with profiles, score each with both and explain what moves."""
    from .scoring import Scorer

    changes = rule_changes(old, new)
    result = RulesetDiff({"id": old.id, "version": old.version}, {"id": new.id, "version": new.version}, changes)
    profiles = list(profiles)
    if not profiles:
        return result
    so, sn = Scorer(old), Scorer(new)
    for p in profiles:
        a = so.score(_fit(p, old), keep_session=False)
        b = sn.score(_fit(p, new), keep_session=False)
        fa, fb = {f.id: f for f in a.factors}, {f.id: f for f in b.factors}
        factors = []
        for fid in dict.fromkeys([*fa, *fb]):
            la = fa[fid].level if fid in fa else None
            lb = fb[fid].level if fid in fb else None
            if (fid not in fa and lb is not None) or (fid not in fb and la is not None) or (fid in fa and fid in fb and la != lb):
                why = ["factor added" if fid not in fa else "factor removed" if fid not in fb else ""]
                why = [w for w in why if w] or _why(fid, changes, old, new)
                factors.append({"factor": fid, "old_level": la, "new_level": lb, "why": why})
        da, db = {f.id: f.status for f in a.findings}, {f.id: f.status for f in b.findings}
        findings = [{"finding": k, "old": da.get(k, "none"), "new": db.get(k, "none")}
                    for k in dict.fromkeys([*da, *db]) if da.get(k) != db.get(k)]
        result.territories.append(TerritoryChange(
            a.territory["id"], a.territory["name"], a.overall.score, b.overall.score, a.overall.stage, b.overall.stage,
            tuple(factors), tuple(findings)))
    return result


def _fit(profile: Any, rs: Ruleset) -> Any:
    """The profile without answers to indicators the ruleset does not ask (they cannot count)."""
    ids = {i.id for i in rs.indicators}
    extra = [k for k in profile.answers if k not in ids]
    if not extra:
        return profile
    return profile.model_copy(update={"answers": {k: v for k, v in profile.answers.items() if k in ids}})


def diff_files(old: PathLike, new: PathLike, profiles: Iterable[PathLike] = ()) -> RulesetDiff:
    from .loading import iter_yaml_files, load_profile, load_ruleset

    ro, rn = load_ruleset(old), load_ruleset(new)
    loaded = [load_profile(p) for p in iter_yaml_files([Path(x) for x in profiles])]
    return diff_rulesets(ro, rn, loaded)
