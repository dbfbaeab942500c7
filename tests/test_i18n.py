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


# Terms the glossaries (rulesets/translations/glossary.<lang>.md) reject, with the reason in short.
REJECTED = {
    "es": {
        r"\bintegraci[oó]n\b": "mainstreaming reads as migrant integration",
        r"\bdecreto ejecutivo\b": "a national instrument in Ecuador and Costa Rica",
        r"\blínea presupuestaria\b": "EC/CR public finance says partida presupuestaria",
        r"\bautóctona\b": "suggests indigenous peoples",
        r"\brepatriad": "repatriated, not returnees",
        r"\brespald": "endorsement is aval",
        r"\bfondos propios\b": "reads as own revenue or equity",
        r"\b[Ll]a autoridad\b": "the assessed authority is el gobierno local",
        r"\bunidad dedicada\b": "calque: unidad específica",
    },
    "fr": {
        r"\b[Ii]ntégration\b": "mainstreaming reads as migrant integration",
        r"\bdécret\b": "a national instrument",
        r"\brapatri": "repatriated, not returnees",
        r"\bpersonnes de retour\b": "returnees are migrants de retour",
        r"\bautochtone\b": "indigenous peoples",
        r"\bfonds propres\b": "equity",
        r"\bsoutien national\b": "endorsement is aval",
        r"\bporte-drapeau\b": "champion is porteur visible",
        r"\b[Ll]'autorité\b": "the assessed authority is la collectivité",
        r"\bautorités locales\b": "Senegal says collectivités territoriales",
    },
}


def _texts(lang: str) -> list[tuple[str, str]]:
    data = read_yaml(TRANSLATIONS / f"core.{lang}.yaml").data
    return [(".".join(map(str, p)), v) for p, v in _leaves(data) if isinstance(v, str)]


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_translations_follow_the_glossary(lang):
    import re

    assert (TRANSLATIONS / f"glossary.{lang}.md").is_file()
    bad = [(key, pattern, why) for key, text in _texts(lang) for pattern, why in REJECTED[lang].items()
           if re.search(pattern, text)]
    assert not bad, bad
    texts = dict(_texts(lang))
    if lang == "es":
        assert "transversalización" in texts["findings.implicit_mainstreaming.action"]
        assert "partida presupuestaria" in texts["findings.unit_without_budget.action"]
        assert "resolución o acuerdo del ejecutivo local" in texts["indicators.md_legal_instrument.question"]
        assert "población local o de acogida" in texts["indicators.data_topics_covered.question"]
        assert "aval" in texts["findings.no_national_endorsement.message"]
    else:
        assert "prise en compte transversale" in texts["findings.implicit_mainstreaming.action"]
        assert "arrêté du maire" in texts["indicators.md_legal_instrument.question"]
        assert "collectivités territoriales" in texts["indicators.lra_partnerships.question"]
        assert "population d'accueil" in texts["indicators.data_topics_covered.question"]
        assert "ni aval national" in texts["findings.no_national_endorsement.message"]
        assert "ressources propres" in texts["caps.evaluation_needs_funds.reason"]
        assert "migrants de retour" in texts["indicators.returnee_links.question"]
