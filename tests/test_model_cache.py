"""The ruleset cache: read back only what the same bytes gave, never a stale or broken entry, never needed."""

from __future__ import annotations

import pytest

from maturity import InvalidFileError, bundled_ruleset_path, load_ruleset
from maturity import loading as loading_module


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("MATURITY_CACHE_DIR", str(folder))
    monkeypatch.delenv("MATURITY_NO_CACHE", raising=False)
    return folder


@pytest.fixture
def ruleset_file(tmp_path):
    path = tmp_path / "core.yaml"
    path.write_bytes(bundled_ruleset_path().read_bytes())
    return path


def test_a_ruleset_loaded_once_is_read_back_without_parsing_its_yaml(cache, ruleset_file, monkeypatch):
    first = load_ruleset(ruleset_file)
    assert len(list(cache.glob("ruleset-*.json"))) == 1

    def no_parsing(*args, **kwargs):
        raise AssertionError("the YAML was parsed again")

    monkeypatch.setattr(loading_module, "read_yaml", no_parsing)
    assert load_ruleset(ruleset_file) == first


def test_changed_bytes_are_parsed_again(cache, ruleset_file):
    first = load_ruleset(ruleset_file)
    ruleset_file.write_text(ruleset_file.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert load_ruleset(ruleset_file) == first
    assert len(list(cache.glob("ruleset-*.json"))) == 2


def test_a_broken_entry_is_replaced(cache, ruleset_file):
    first = load_ruleset(ruleset_file)
    (entry,) = cache.glob("ruleset-*.json")
    entry.write_text('{"kind": "ruleset", "broken', encoding="utf-8")
    assert load_ruleset(ruleset_file) == first
    assert entry.read_text(encoding="utf-8").startswith("{") and load_ruleset(ruleset_file) == first


def test_an_invalid_ruleset_is_reported_and_not_cached(cache, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: ruleset\nformat_version: 1\nid: x\n", encoding="utf-8")
    with pytest.raises(InvalidFileError):
        load_ruleset(bad)
    assert not cache.exists() or not list(cache.glob("ruleset-*.json"))


def test_the_cache_can_be_turned_off_or_be_unwritable(cache, ruleset_file, monkeypatch, tmp_path):
    monkeypatch.setenv("MATURITY_NO_CACHE", "1")
    expected = load_ruleset(ruleset_file)
    assert not cache.exists()
    monkeypatch.delenv("MATURITY_NO_CACHE")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("MATURITY_CACHE_DIR", str(blocker / "cache"))
    assert load_ruleset(ruleset_file) == expected
