"""Hand-built governance graphs for the governance tests."""

from __future__ import annotations

from typing import Any

from maturity.governance import Governance, build_graph

LEVEL = {"national_agency": "national", "national_plan": "national", "regional_body": "regional",
         "partner_authority": "transnational", "international_organisation": "transnational"}


def actor(ident: str, atype: str, **extra: Any) -> dict[str, Any]:
    out = {"id": ident, "name": ident.upper(), "type": atype, "level": LEVEL.get(atype, "local"), **extra}
    if atype == "department" and "sector" not in out:
        out["sector"] = "labour"
    return out


def graph(actors: list[dict[str, Any]], relations: list[tuple[str, str, str]], *, complete: bool = True, **kw: Any):
    gov = Governance.model_validate({
        "complete": complete, "actors": actors,
        "relations": [{"source": s, "type": t, "target": d} for s, t, d in relations],
    })
    return build_graph(gov, **kw)


def profile_data(governance: dict[str, Any], answers: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "kind": "profile", "format_version": 1,
        "territory": {"id": "t1", "name": "T1", "country": "PH", "level": "city"},
        "sources": [{"id": "src", "title": "Test source"}],
        "answers": {k: {"value": v, "source": "src p1"} for k, v in (answers or {}).items()},
        "governance": governance,
    }
