from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from maturity import Profile, Ruleset, load_core_ruleset, load_ruleset
from maturity.scoring import Scorer

# The suite reads the program's English output unless a test asks for a language (--lang or its own
# environment): a tester's LANG=es_EC.UTF-8 must not change what the commands print.
os.environ["LANGUAGE"] = "en"
# Validated rulesets are cached (maturity.model_cache); the suite keeps its own cache, not the tester's.
os.environ.setdefault("MATURITY_CACHE_DIR", tempfile.mkdtemp(prefix="maturity-cache-"))

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def mini() -> Ruleset:
    return load_ruleset(DATA / "mini.yaml")


@pytest.fixture(scope="session")
def mini_scorer(mini: Ruleset) -> Scorer:
    return Scorer(mini)


@pytest.fixture(scope="session")
def core() -> Ruleset:
    return load_core_ruleset()


@pytest.fixture(scope="session")
def core_scorer(core: Ruleset) -> Scorer:
    return Scorer(core)


def make_profile(answers: dict[str, Any], territory_id: str = "t1", **territory: Any) -> Profile:
    """A profile whose known answers all cite one declared source."""
    return Profile.model_validate({
        "kind": "profile",
        "format_version": 1,
        "territory": {"id": territory_id, "name": territory_id.upper(), "country": "PH", "level": "city", **territory},
        "sources": [{"id": "src", "title": "Test source"}],
        "answers": {
            k: ("unknown" if v is None or v == "unknown" else {"value": v, "source": "src p1"})
            for k, v in answers.items()
        },
    })
