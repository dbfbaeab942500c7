"""The limit: a straight-line numpy evaluator generated from a plan, the fastest straightforward code.

One comparison per atom and world, one ``&`` per clause and one ``|`` per factor level,
cumulative levels, the caps in dependency order, then the findings (clauses of atoms and level
literals). No loops at run time, no blocks, no index arrays: Python source written once per
plan and compiled with ``exec``. This is what ``bench/run.py`` measures the project's kernel
against; it is not part of the package (the package's own kernel must also give caps'
certainty, gates and atoms, and bound its memory).

>>> from maturity import load_core_ruleset
>>> from maturity.plan import compile_plan
>>> src = limit_source(compile_plan(load_core_ruleset()))
>>> src.startswith("def limit(values, known, findings=True):")
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

OPS = {"is": "==", "is_not": "!=", "at_least": ">=", "above": ">", "at_most": "<=", "below": "<"}


def limit_source(plan: Any) -> str:
    """Python source of ``limit(values, known, findings=True)`` for ``plan``.

    Returns ``(lv_lo, lv_hi, cap_lo, cap_hi, find_lo, find_hi)``: lists of 1-D arrays (one per
    factor, cap, finding), the findings ``None`` when not asked.
    """
    col = {ind: k for k, ind in enumerate(plan.indicators)}
    atom_ids = list(plan.atoms)
    aname = {a: f"a{k}" for k, a in enumerate(atom_ids)}
    fix = {f: k for k, f in enumerate(plan.factors)}
    L = plan.max_level
    lines = ["def limit(values, known, findings=True):",
             "    v = values.T.copy()",
             "    u = ~known.T",
             "    n = values.shape[0]",
             "    z = np.zeros(n, dtype=np.int64)",
             "    with np.errstate(invalid='ignore'):"]
    for a in atom_ids:
        at = plan.atoms[a]
        j = col[at.indicator]
        lines.append(f"        c = v[{j}] {OPS[at.op]} {float(at.value)!r}")
        lines.append(f"        {aname[a]}_lo = c & ~u[{j}]; {aname[a]}_hi = c | u[{j}]")
    for w in ("lo", "hi"):
        for f in plan.factors:
            k = fix[f]
            lines.append(f"    r = np.ones(n, dtype=bool); raw{k}_{w} = z.copy()")
            for lv in range(1, L + 1):
                clauses = plan.clauses_for(f, lv)
                if not clauses:
                    lines.append("    r = np.zeros(n, dtype=bool)")
                    continue
                terms = [" & ".join(f"{aname[a]}_{w}" for a in c.atoms) or "True" for c in clauses]
                lines.append(f"    r = r & ({' | '.join(f'({t})' for t in terms)}); raw{k}_{w} += r")
            lines.append(f"    lv{k}_{w} = raw{k}_{w}")
        steps = _cap_order(plan)
        for cap in steps:
            f, g = fix[cap.factor], fix[cap.requires_factor]
            lines.append(f"    lv{f}_{w} = np.where(lv{g}_{w} >= {cap.requires_level}, lv{f}_{w}, "
                         f"np.minimum(lv{f}_{w}, {cap.max_level}))")
    for w in ("lo", "hi"):
        caps = [f"(raw{fix[c.factor]}_{w} > {c.max_level}) & (lv{fix[c.requires_factor]}_{w} < {c.requires_level})"
                for c in plan.caps]
        lines.append(f"    cap_{w} = [{', '.join(caps)}]")
    lines.append("    if not findings:")
    lines.append("        return " + ", ".join(f"[{', '.join(f'lv{k}_{w}' for k in range(len(plan.factors)))}]"
                                              for w in ("lo", "hi")) + ", cap_lo, cap_hi, None, None")
    for w, other in (("lo", "hi"), ("hi", "lo")):
        for fd in plan.findings:
            terms = []
            for c in [c for c in plan.finding_clauses if c.finding == fd]:
                parts = [f"{aname[a]}_{w}" for a in c.atoms]
                for t in c.levels:
                    lit = plan.literal(t)
                    if lit.op == "below":
                        parts.append(f"(lv{fix[lit.factor]}_{other} < {lit.level})")
                    else:
                        parts.append(f"(lv{fix[lit.factor]}_{w} >= {lit.level})")
                terms.append(" & ".join(parts) or "np.ones(n, dtype=bool)")
            lines.append(f"    f_{fd}_{w} = " + (" | ".join(f"({t})" for t in terms) if terms else "np.zeros(n, dtype=bool)"))
    out = ", ".join(f"[{', '.join(f'lv{k}_{w}' for k in range(len(plan.factors)))}]" for w in ("lo", "hi"))
    finds = ", ".join(f"[{', '.join(f'f_{fd}_{w}' for fd in plan.findings)}]" for w in ("lo", "hi"))
    lines.append(f"    return {out}, cap_lo, cap_hi, {finds}")
    return "\n".join(lines) + "\n"


def _cap_order(plan: Any) -> list[Any]:
    """The caps, those of factors whose requirements are final first."""
    done: set[str] = set()
    pending = list(plan.factors)
    out = []
    while pending:
        ready = [f for f in pending if all(c.requires_factor in done for c in plan.caps if c.factor == f)]
        if not ready:
            raise ValueError("caps depend on each other in a cycle")
        for f in ready:
            out += [c for c in plan.caps if c.factor == f]
            done.add(f)
        pending = [f for f in pending if f not in done]
    return out


def compile_limit(plan: Any) -> Callable[..., Any]:
    """The generated evaluator for ``plan`` as a function."""
    namespace: dict[str, Any] = {"np": np}
    exec(compile(limit_source(plan), f"<limit {plan.digest[:12]}>", "exec"), namespace)  # our own generated source
    return namespace["limit"]
