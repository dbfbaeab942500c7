"""Spanish and French end to end (issue 17): translation files, glossary, gettext catalogues."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from maturity._yamlio import read_yaml

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "rulesets" / "translations"


def _leaves(x: Any, path: tuple = ()) -> list[tuple[tuple, Any]]:
    if isinstance(x, dict):
        return [leaf for k, v in x.items() for leaf in _leaves(v, (*path, k))]
    return [(path, x)]


@pytest.mark.parametrize("name", ["core.es.yaml", "core.fr.yaml"])
def test_translation_files_load_with_pyyaml_as_with_maturity(name):
    """PyYAML (YAML 1.1, what translators' tools use) reads the same texts maturity reads."""
    path = TRANSLATIONS / name
    with path.open(encoding="utf-8") as fh:
        by_pyyaml = yaml.safe_load(fh)
    ours = read_yaml(path).data
    leaves = _leaves(by_pyyaml)
    texts = [(p, v) for p, v in leaves if p != ("format_version",)]
    assert texts and all(isinstance(v, str) for _, v in texts), [p for p, v in texts if not isinstance(v, str)]
    norm = {tuple(map(str, p)): v for p, v in leaves}
    assert norm == {tuple(map(str, p)): v for p, v in _leaves(ours)}
