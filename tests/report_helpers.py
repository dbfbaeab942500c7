"""Shared pieces of the report tests: a profile file whose territory name and notes are hostile."""

from __future__ import annotations

import json
from pathlib import Path

RTL = "مدينة الهجرة שלום"
LONG = "Llanfairpwllgwyngyll" * 30  # 600 characters, no spaces
HOSTILE_NAME = f'<script>alert("x")</script> O\'Brien & "Co" {RTL} {LONG}'
HOSTILE_NOTE = '<img src=x onerror=alert(1)> </td></tr></table><b>"bold"</b>'


def write_hostile_profile(path: Path) -> Path:
    """A valid profile (JSON is YAML) for a territory with a hostile name and a hostile answer note."""
    data = {
        "kind": "profile",
        "format_version": 1,
        "territory": {"id": "hostile", "name": HOSTILE_NAME, "country": "PH", "level": "city"},
        "sources": [{"id": "src", "title": "Test source"}],
        "context": {"note": HOSTILE_NOTE},
        "answers": {
            "migrant_mapping": {"value": True, "source": "src p1", "note": HOSTILE_NOTE},
            "unit_exists": {"value": True, "source": "src p2"},
        },
    }
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path
