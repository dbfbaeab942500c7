"""What a seal's users read first, as plain data: passers, pass rates, what holds territories back.

Computed from a run's table (``seal``, ``gate.<id>``, ``seal_binding_gate``) and its factor
levels at worst and at best, with the :class:`~maturity.seal.Seal` for the gates' words. The
same gate parts make the seal box of a territory page: each gate, its status, and for every
factor it names, the level the known answers establish, the level needed and the gap.

Counts are shown with their shares and never round a few territories away:

Examples
--------
>>> count_text(7, 1486)
'7 of 1,486 (0.5%)'
>>> count_text(1, 20000), count_text(0, 12), count_text(1485, 1486)
('1 of 20,000 (<0.1%)', '0 of 12 (0%)', '1,485 of 1,486 (>99.9%)')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..conditions import KOf, LevelCheck, atoms
from ..messages import _
from ..ruleset import Ruleset
from ..seal import Seal

__all__ = [
    "FactorShortfall",
    "GatePart",
    "GateStatus",
    "GateSummary",
    "GroupRate",
    "SealBox",
    "SealSummary",
    "count_text",
    "parts_text",
    "seal_box",
    "seal_box_from_run",
    "seal_summary",
    "share_text",
]


def share_text(n: int, of: int) -> str:
    """``n`` of ``of`` as a percentage that is 0% only when ``n`` is 0 and 100% only when ``n`` is ``of``."""
    if of <= 0:
        return _("n/a")
    pct = 100.0 * n / of
    if n == 0 or n == of:
        return f"{pct:.0f}%"
    if pct < 0.1:
        return "<0.1%"
    if pct > 99.9:
        return ">99.9%"
    text = f"{pct:.1f}" if pct < 10 or pct > 90 else f"{pct:.0f}"
    return f"{text}%"


def count_text(n: int, of: int) -> str:
    return _("%(n)s of %(of)s (%(share)s)") % {"n": f"{n:,}", "of": f"{of:,}", "share": share_text(n, of)}


@dataclass(frozen=True)
class GroupRate:
    group: str
    territories: int
    passed: int
    possible: int
    failed: int

    @property
    def passed_text(self) -> str:
        return count_text(self.passed, self.territories)


@dataclass(frozen=True)
class GateSummary:
    """One gate over the run: how many pass it, may pass it, fail it, and for how many it binds."""

    id: str
    name: str
    passed: int
    possible: int
    failed: int
    binding: int


@dataclass(frozen=True)
class FactorShortfall:
    """A factor a gate names: territories below the level it needs at worst, and those certainly below it."""

    gate: str
    gate_name: str
    factor: str
    title: str
    needed: int
    below: int  # level at worst (known answers) below ``needed``
    certainly_below: int  # below even with every unknown at its best
    territories: int

    @property
    def could_reach(self) -> int:
        return self.below - self.certainly_below


@dataclass(frozen=True)
class SealSummary:
    id: str
    version: str
    title: str
    territories: int
    passed: int
    possible: int
    failed: int
    groups: tuple[GroupRate, ...]
    group_by: str
    gates: tuple[GateSummary, ...]
    factors: tuple[FactorShortfall, ...]  # most territories below first


@dataclass(frozen=True)
class GatePart:
    """One factor of a gate for one territory: ``met``, ``possible`` (depends on unknowns) or ``short``."""

    factor: str
    title: str
    needed: int
    lower: int
    upper: int
    status: str

    @property
    def short_by(self) -> int:
        return max(0, self.needed - self.lower)


@dataclass(frozen=True)
class GateStatus:
    id: str
    name: str
    status: str  # passed | possible | failed
    parts: tuple[GatePart, ...]
    needs: int | None = None  # for "k of" gates: how many parts must be met
    note: str | None = None  # gates not on factor levels (pillar thresholds)
    sources: tuple[str, ...] = ()  # the gate's own citations, else the seal itself


@dataclass(frozen=True)
class SealBox:
    """A territory's seal result with every gate in words."""

    id: str
    version: str
    title: str
    result: str
    gates: tuple[GateStatus, ...]


def _gate_checks(cond: Any) -> list[LevelCheck]:
    return [a for _path, a in atoms(cond) if isinstance(a, LevelCheck) and a.op == "at_least"]


def _names(seal: Seal, ruleset: Ruleset) -> dict[str, str]:
    titles = {p.id: p.title for p in ruleset.pillars}
    names = {g.id: g.name for g in seal.all_gates(ruleset)}
    for t in seal.pillars:
        names[f"pillar_{t.pillar}"] = _("%(pillar)s pillar scores at least %(score)s") % {
            "pillar": titles.get(t.pillar, t.pillar), "score": f"{t.min_score:g}"}
    return names


def _counts(statuses: pd.Series) -> tuple[int, int, int]:
    """How many passed, possible, failed."""
    c = statuses.value_counts()
    return int(c.get("passed", 0)), int(c.get("possible", 0)), int(c.get("failed", 0))


def _group_key(table: pd.DataFrame, group: str) -> pd.Series:
    return table[group].astype(object).where(table[group].notna(), "(none)").astype(str)


def seal_summary(run: Any, seal: Seal, *, group: str = "level") -> SealSummary:
    """The seal's results over a run (``run.table`` must hold the seal's columns)."""
    ruleset: Ruleset = run.scored_with
    t = run.table
    n = len(t)
    groups = []
    for name, g in t.groupby(_group_key(t, group), sort=True):
        passed, possible, failed = _counts(g["seal"])
        groups.append(GroupRate(str(name), len(g), passed, possible, failed))
    names = _names(seal, ruleset)
    binding = t["seal_binding_gate"].value_counts()
    gates = []
    for gid in seal.gate_ids(ruleset):
        passed, possible, failed = _counts(t[f"gate.{gid}"])
        gates.append(GateSummary(gid, names[gid], passed, possible, failed, int(binding.get(gid, 0))))
    titles = {f.id: f.title for f in ruleset.factors}
    lower, upper = run.derived.lower_level, run.derived.upper_level
    shortfalls = []
    for gate in seal.all_gates(ruleset):
        for check in _gate_checks(gate.when):
            lo = lower[check.factor].fillna(0).to_numpy(dtype=float)
            hi = upper[check.factor].fillna(0).to_numpy(dtype=float)
            shortfalls.append(FactorShortfall(gate.id, names[gate.id], check.factor,
                                              titles.get(check.factor, check.factor), check.value,
                                              int((lo < check.value).sum()), int((hi < check.value).sum()), n))
    shortfalls.sort(key=lambda s: (-s.below, s.title))
    passed, possible, failed = _counts(t["seal"])
    return SealSummary(seal.id, seal.version, seal.title, n, passed, possible, failed,
                       tuple(groups), group, tuple(gates), tuple(shortfalls))


def _part(check: LevelCheck, title: str, lower: Mapping[str, Any], upper: Mapping[str, Any]) -> GatePart:
    lo = int(lower.get(check.factor) or 0)
    hi = int(upper.get(check.factor) or 0)
    status = "met" if lo >= check.value else ("possible" if hi >= check.value else "short")
    return GatePart(check.factor, title, check.value, lo, hi, status)


def seal_box(seal: Seal, ruleset: Ruleset, statuses: Mapping[str, str], lower: Mapping[str, Any],
             upper: Mapping[str, Any], pillar_bounds: Mapping[str, tuple[float, float]] | None = None,
             result: str | None = None) -> SealBox:
    """One territory's seal box: ``statuses`` maps gate id to passed/possible/failed (the run's ``gate.<id>``);
    ``lower``/``upper`` map factor id to its level at worst/at best; ``pillar_bounds`` pillar id to score bounds."""
    titles = {f.id: f.title for f in ruleset.factors}
    names = _names(seal, ruleset)
    gates: list[GateStatus] = []
    the_seal = (f"seal {seal.id} {seal.version}",)  # a gate without citations of its own is the seal's rule
    for gate in seal.all_gates(ruleset):
        parts = tuple(_part(c, titles.get(c.factor, c.factor), lower, upper) for c in _gate_checks(gate.when))
        needs = gate.when.at_least if isinstance(gate.when, KOf) else None
        gates.append(GateStatus(gate.id, names[gate.id], statuses[gate.id], parts, needs,
                                sources=tuple(map(str, gate.sources)) or the_seal))
    for t in seal.pillars:
        gid = f"pillar_{t.pillar}"
        lo, hi = (pillar_bounds or {}).get(t.pillar, (np.nan, np.nan))
        gates.append(GateStatus(gid, names[gid], statuses[gid], (),
                                note=_("scores %(lower)s to %(upper)s, needs %(score)s") % {
                                    "lower": f"{lo:.1f}", "upper": f"{hi:.1f}", "score": f"{t.min_score:g}"},
                                sources=the_seal))
    if result is None:
        result = ("passed" if all(g.status == "passed" for g in gates)
                  else "possible" if all(g.status != "failed" for g in gates) else "failed")
    return SealBox(seal.id, seal.version, seal.title, result, tuple(gates))


def seal_box_from_run(run: Any, seal: Seal, row: Any, pillar_bounds: Mapping[str, tuple[float, float]] | None = None,
                      ) -> SealBox:
    """The seal box of the territory in row ``row`` (an index label) of ``run.table``."""
    ruleset: Ruleset = run.scored_with
    statuses = {gid: str(run.table.at[row, f"gate.{gid}"]) for gid in seal.gate_ids(ruleset)}
    return seal_box(seal, ruleset, statuses, run.derived.lower_level.loc[row].to_dict(),
                    run.derived.upper_level.loc[row].to_dict(), pillar_bounds, str(run.table.at[row, "seal"]))


def parts_text(parts: Sequence[GatePart]) -> list[str]:
    """Each part in words, e.g. ``'Dedicated unit: level 0, needs 2 (2 short)'``."""
    out = []
    for p in parts:
        best = ", " + _("%(level)s at best") % {"level": p.upper} if p.upper != p.lower else ""
        if p.status == "met":
            tail = _("met")
        elif p.status == "possible":
            tail = _("%(n)s short unless the unknown answers raise it") % {"n": p.short_by}
        else:
            tail = _("%(n)s short") % {"n": p.short_by}
        out.append(_("%(title)s: level %(level)s%(best)s, needs %(needed)s (%(tail)s)") % {
            "title": p.title, "level": p.lower, "best": best, "needed": p.needed, "tail": tail})
    return out
