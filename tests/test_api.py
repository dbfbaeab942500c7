"""The public API: what ``from maturity import ...`` offers, and nothing private."""

from __future__ import annotations

import maturity


def test_every_name_in_all_is_importable():
    for name in maturity.__all__:
        assert hasattr(maturity, name), name


def test_all_names_nothing_private():
    assert all(not name.startswith("_") or name == "__version__" for name in maturity.__all__)
    assert len(set(maturity.__all__)) == len(maturity.__all__)  # no name listed twice
