"""Spanish and French end to end (issue 17): translation files, glossary, gettext catalogues."""

from __future__ import annotations

import subprocess
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


# -- everything a reader meets is translatable (format_version 2) -----------------------------
def run(*args: str, env: dict | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    import os
    import subprocess
    import sys

    base = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    return subprocess.run([sys.executable, "-m", "maturity", *args], capture_output=True, text=True, cwd=cwd,
                          env={**base, "PYTHONIOENCODING": "utf-8", **(env or {})}, timeout=600)


MINI_TRANSLATION = """kind: translation
format_version: 2
ruleset: mini
lang: es
title: "Un conjunto de reglas pequeño"
levels: {0: {name: "ausente", meaning: "nada"}, 1: {name: "inicial", meaning: "un comienzo"}, 2: {name: "establecido", meaning: "funciona"}}
scales:
  diagnostic: {none: "ninguno", partial: "parcial"}
notes:
  unit: {2: "Dos personas es una calibración."}
"""


@pytest.fixture()
def mini_dir(tmp_path):
    text = (ROOT / "tests" / "data" / "mini.yaml").read_text(encoding="utf-8")
    text = text.replace("title: A small ruleset for tests", "title: A small ruleset for tests\ndescription: Four questions.")
    text = text.replace("{indicator: help_desk, is: true}]}]}, sources: [consolidated-reply Q3]}",
                        "{indicator: help_desk, is: true}]}]}, sources: [consolidated-reply Q3], note: Two staff is a calibration.}")
    (tmp_path / "mini.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "translations").mkdir()
    (tmp_path / "translations" / "mini.es.yaml").write_text(MINI_TRANSLATION, encoding="utf-8")
    return tmp_path


def test_scales_and_notes_translate_and_missing_ones_are_listed(mini_dir):
    from maturity import load_ruleset
    from maturity.i18n import missing_translations, translate
    from maturity.plan import compile_plan

    rs = load_ruleset(mini_dir / "mini.yaml")
    es = translate(rs, "es", mini_dir / "mini.yaml")
    assert es.indicator("diagnostic").label("partial") == "parcial"
    assert es.indicator("diagnostic").label("complete") == "complete"  # untranslated: the value in words
    assert es.factor("unit").levels[2].note == "Dos personas es una calibración."
    assert es.title == "Un conjunto de reglas pequeño" and compile_plan(es).digest == compile_plan(rs).digest
    missing = missing_translations(rs, "es", mini_dir / "mini.yaml")
    assert "title" not in missing and "description" in missing
    assert "scales.diagnostic.complete" in missing and "scales.diagnostic.partial" not in missing
    assert "notes.unit.2" not in missing


def test_translations_strict_covers_title_description_notes_and_scales(mini_dir):
    path = mini_dir / "translations" / "mini.es.yaml"
    path.write_text(MINI_TRANSLATION.replace('title: "Un conjunto de reglas pequeño"\n', "")
                    .replace('  unit: {2: "Dos personas es una calibración."}\n', "  unit: {}\n"), encoding="utf-8")
    result = run("translations", str(mini_dir / "mini.yaml"), "--lang", "es", "--strict")
    assert result.returncode == 1, result.stdout + result.stderr
    listed = result.stdout.split()
    for key in ("title", "description", "notes.unit.2", "scales.diagnostic.complete"):
        assert key in listed, result.stdout
    assert "scales.diagnostic.partial" not in listed


def test_translation_format_errors_are_located(mini_dir):
    path = mini_dir / "translations" / "mini.es.yaml"
    path.write_text(MINI_TRANSLATION.replace("format_version: 2", "format_version: 1"), encoding="utf-8")
    result = run("validate", str(path), "--ruleset", str(mini_dir / "mini.yaml"))
    assert result.returncode == 1
    assert f"{path}:7: scales: scales need format_version: 2" in result.stdout, result.stdout
    path.write_text(MINI_TRANSLATION.replace('partial: "parcial"', 'parital: "parcial"')
                    .replace('unit: {2:', 'unit: {1:').replace("  diagnostic: {", '  diagnostic: {parital: "x"}\n  unit_staff: {none: x}\n  diagnostik: {'),
                    encoding="utf-8")
    out = run("validate", str(path), "--ruleset", str(mini_dir / "mini.yaml")).stdout
    assert f"{path}:8: scales.diagnostic.parital: 'parital' is not on the scale of 'diagnostic' (none, partial, complete)" \
        " (did you mean 'partial'?)" in out, out
    assert f"{path}:9: scales.unit_staff: 'unit_staff' is not an ordinal indicator" in out, out
    assert f"{path}:10: scales.diagnostik: ruleset 'mini' has no indicator 'diagnostik' (did you mean 'diagnostic'?)" in out
    assert f"{path}:12: notes.unit.1: '1' is not a level of 'unit' with a note (2)" in out


def test_seal_translations(tmp_path):
    import shutil

    from maturity import load_core_ruleset
    from maturity.i18n import missing_seal_translations, translate_seal
    from maturity.seal import load_seal

    rs = load_core_ruleset()
    shutil.copy(ROOT / "seals" / "md-sglg.yaml", tmp_path / "my.yaml")
    text = (tmp_path / "my.yaml").read_text(encoding="utf-8").replace("id: md-sglg", "id: my-seal")
    text += "gates:\n  - {id: budget, name: A dedicated budget, when: {factor: dedicated_budget, at_least: 2}}\n"
    (tmp_path / "my.yaml").write_text(text, encoding="utf-8")
    seal = load_seal(tmp_path / "my.yaml", rs)
    assert missing_seal_translations(seal, "fr", tmp_path / "my.yaml") == ["title", "gates.budget.name"]
    (tmp_path / "translations").mkdir()
    (tmp_path / "translations" / "my-seal.fr.yaml").write_text(
        'kind: translation\nformat_version: 2\nseal: my-seal\nlang: fr\ntitle: "Mon label"\n'
        'gates: {budget: {name: "Un budget dédié"}}\n', encoding="utf-8")
    fr = translate_seal(seal, "fr", tmp_path / "my.yaml")
    assert fr.title == "Mon label" and fr.gates[0].name == "Un budget dédié"
    assert missing_seal_translations(seal, "fr", tmp_path / "my.yaml") == []
    result = run("translations", "--lang", "fr", "--seal", str(tmp_path / "my.yaml"), "--strict")
    assert result.returncode == 0, result.stdout
    (tmp_path / "translations" / "my-seal.fr.yaml").write_text(
        'kind: translation\nformat_version: 2\nseal: my-seal\nlang: fr\ngates: {budgt: {name: "x"}}\n', encoding="utf-8")
    result = run("translations", "--lang", "fr", "--seal", str(tmp_path / "my.yaml"), "--strict")
    assert result.returncode == 1
    assert "my-seal.fr.yaml:5: gates.budgt: seal 'my-seal' declares no gate 'budgt' (did you mean 'budget'?)" in result.stderr


def test_bundled_translations_are_complete():
    result = run("translations", "--strict")
    assert result.returncode == 0, result.stdout
    assert "es: 0 missing" in result.stdout and "fr: 0 missing" in result.stdout


# -- the program's own text (gettext catalogues) ---------------------------------------------
LOCALE = ROOT / "src" / "maturity" / "locale"
PLACEHOLDER = r"%\(\w+\)[sdr]"


def _extracted() -> dict[Any, set]:
    """Every message the source marks (Python and templates), as Babel extracts it with babel.cfg."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with (ROOT / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    out: dict[Any, set] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(str(ROOT), method_map, options_map):
        out.setdefault(message, set()).add(filename)
    return out


def _catalogue(lang: str):
    from babel.messages.pofile import read_po

    with (LOCALE / lang / "LC_MESSAGES" / "maturity.po").open("rb") as fh:
        return read_po(fh, locale=lang)


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_catalogue_is_complete_and_not_fuzzy(lang):
    """The CI check: every message the source uses is in the catalogue, translated, not fuzzy, with the
    same placeholders; the catalogue holds nothing the source no longer uses."""
    import re

    extracted = _extracted()
    assert len(extracted) > 250
    catalogue = _catalogue(lang)
    entries = {m.id: m for m in catalogue if m.id}
    key = lambda mid: mid[0] if isinstance(mid, tuple) else mid
    by_key = {key(k): m for k, m in entries.items()}
    problems = []
    for mid, files in sorted(extracted.items(), key=lambda x: str(x[0])):
        m = by_key.get(key(mid))
        strings = [] if m is None else (list(m.string) if isinstance(m.string, (tuple, list)) else [m.string])
        if m is None:
            problems.append(f"missing: {mid!r} ({', '.join(sorted(files))})")
        elif m.fuzzy:
            problems.append(f"fuzzy: {mid!r}")
        elif not strings or not all(strings):
            problems.append(f"untranslated: {mid!r}")
        else:
            wanted = set(re.findall(PLACEHOLDER, key(mid)))
            for s in strings:
                if set(re.findall(PLACEHOLDER, s)) != wanted:
                    problems.append(f"placeholders differ: {mid!r} -> {s!r}")
    obsolete = set(by_key) - {key(k) for k in extracted}
    problems += [f"not used by the source: {k!r}" for k in sorted(obsolete)]
    assert not problems, "\n".join(problems)
    assert not list(catalogue.check()), list(catalogue.check())


def test_language_comes_from_option_then_environment():
    from maturity.messages import language_from_environment, normalise_language

    assert language_from_environment({"LANG": "es_EC.UTF-8"}) == "es"
    assert language_from_environment({"LANGUAGE": "de:fr_SN", "LANG": "es_EC.UTF-8"}) == "fr"
    assert language_from_environment({"LC_ALL": "C.UTF-8", "LANG": "fr_FR.UTF-8"}) is None
    assert language_from_environment({"LANGUAGE": "en:fr", "LANG": "es_EC.UTF-8"}) is None
    assert language_from_environment({}) is None and normalise_language("en_GB") is None
    fr = run("score", "profiles/sn-sedhiou.yaml", env={"LANG": "fr_SN.UTF-8"})
    assert fr.returncode == 0 and "PROCHAINES ÉTAPES" in fr.stdout, fr.stderr
    es = run("score", "profiles/sn-sedhiou.yaml", "--lang", "es", env={"LANG": "fr_SN.UTF-8"})
    assert "PRÓXIMOS PASOS" in es.stdout and "PROCHAINES" not in es.stdout
    en = run("score", "profiles/sn-sedhiou.yaml")
    assert "REASONS AND NEXT STEPS" in en.stdout


def _english_fragments(lang: str) -> set[str]:
    """Pieces of English a reader must not meet in ``lang``: the catalogue's messages cut at placeholders
    and markup, and the core ruleset's texts, wherever the translation differs from the English."""
    import re

    from maturity import load_core_ruleset
    from maturity.i18n import translate
    from maturity.loading import bundled_ruleset_path

    out: set[str] = set()
    for m in _catalogue(lang):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = " ".join(m.string) if isinstance(m.string, (tuple, list)) else m.string
        for mid in ids:
            for piece in re.split(PLACEHOLDER + r"|<[^>]+>|[()\[\];:,.=*]|\s-\s", mid):
                piece = " ".join(piece.split())
                words = piece.split()
                if (len(words) >= 2 or (piece.isupper() and len(piece) >= 6)) and piece not in strings:
                    out.add(piece)
    en, tr = load_core_ruleset(), translate(load_core_ruleset(), lang, bundled_ruleset_path())
    pairs = [(en.title, tr.title)] + [(a.name, b.name) for a, b in zip(en.aggregation.stages, tr.aggregation.stages)]
    pairs += [(a.title, b.title) for a, b in zip(en.factors, tr.factors)] + [(a.title, b.title) for a, b in zip(en.pillars, tr.pillars)]
    pairs += [(a.question, b.question) for a, b in zip(en.indicators, tr.indicators)]
    pairs += [(a.message, b.message) for a, b in zip(en.findings, tr.findings)]
    pairs += [(a.action, b.action) for a, b in zip(en.findings, tr.findings) if a.action]
    pairs += [(a.reason, b.reason) for a, b in zip(en.caps, tr.caps)]
    out |= {" ".join(a.split()) for a, b in pairs if a != b and len(a.split()) >= 2}
    return out


def _user_texts() -> list[str]:
    """Every text the bundled profiles hold (names, notes, actors): the users' words, left as written."""
    def strings(x: Any) -> list[str]:
        if isinstance(x, dict):
            return [s for v in x.values() for s in strings(v)]
        if isinstance(x, list):
            return [s for v in x for s in strings(v)]
        return [x] if isinstance(x, str) and len(x) > 3 else []

    texts = [s for p in (ROOT / "profiles").glob("*.yaml") for s in strings(read_yaml(p).data)]
    return sorted(set(texts), key=len, reverse=True)


def _reader_text(text: str, html: bool) -> str:
    """What a reader reads: without figures' bytes, code (ids), and the users' own words."""
    import html as htmllib
    import re

    if html:
        text = re.sub(r"<style>.*?</style>", " ", text, flags=re.S)
        text = re.sub(r'src="data:[^"]*"', " ", text)
        text = re.sub(r"<code>.*?</code>|<bdi[^>]*>.*?</bdi>", " ", text, flags=re.S)
        text = re.sub(r'<(td|span) class="src">.*?</(td|span)>', " ", text, flags=re.S)  # citations: ids
        text = re.sub(r'<[^>]*?(alt|title)="([^"]*)"[^>]*>', r" \2 ", text)
        text = htmllib.unescape(re.sub(r"<[^>]+>", " ", text))
    text = re.sub(r"[\[(]governance graph[\])]", " ", text)  # the graph's citation (an id, like consolidated-reply Q1)
    for s in _user_texts():
        text = text.replace(" ".join(s.split()), " ").replace(s, " ")
    return " ".join(text.split())


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_score_profile_and_benchmark_meet_no_english(lang, tmp_path):
    """maturity score, profile --format html and benchmark in es and fr: no message is asked for that the
    catalogue lacks (strict mode reports it), and no English message or ruleset text shows."""
    import re

    strict = {"MATURITY_STRICT_MESSAGES": "1"}
    outputs: list[tuple[str, str, bool]] = []
    score = run("score", "profiles/ph-legazpi.yaml", "--lang", lang, env=strict)
    assert score.returncode == 0, score.stderr
    outputs.append(("score", score.stdout + score.stderr, False))
    for profile in ("ec-pichincha", "cr-upala"):
        page = tmp_path / f"{profile}.html"
        res = run("profile", f"profiles/{profile}.yaml", "--format", "html", "--lang", lang, "--out", str(page), env=strict)
        assert res.returncode == 0, res.stderr
        outputs += [(f"profile {profile} (messages)", res.stderr, False), (f"profile {profile}", page.read_text(encoding="utf-8"), True)]
    text = run("profile", "profiles/cr-upala.yaml", "--lang", lang, env=strict)
    outputs.append(("profile text", text.stdout + text.stderr, False))
    bench = run("benchmark", "--lang", lang, "--draws", "10", "--report-pages", "5", "--out", str(tmp_path / "b"), env=strict)
    assert bench.returncode == 0, bench.stderr
    outputs.append(("benchmark", bench.stdout + bench.stderr, False))
    for page in sorted((tmp_path / "b").rglob("*.html")):
        outputs.append((str(page.relative_to(tmp_path)), page.read_text(encoding="utf-8"), True))
    assert f'<html lang="{lang}">' in outputs[2][1]
    untranslated = [f"{where}: {line}" for where, out, _html in outputs for line in out.splitlines()
                    if "untranslated message" in line]
    assert not untranslated, "\n".join(untranslated)
    fragments = _english_fragments(lang)
    assert {"REASONS AND NEXT STEPS", "Summary by pillar", "League table", "Give the mainstreaming a budget line and a unit responsible for it."} <= fragments
    met = []
    for where, out, html in outputs:
        reader = _reader_text(out, html)
        met += [f"{where}: {f!r}" for f in sorted(fragments)
                if f in reader and re.search(r"(?<!\w)" + re.escape(f) + r"(?!\w)", reader)]
    assert not met, "\n".join(met)
