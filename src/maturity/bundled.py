"""Where the rulesets, profiles and seals shipped with maturity are, however it was installed."""

from __future__ import annotations

from pathlib import Path

__all__ = ["bundled_dir", "bundled_profiles_dir", "bundled_ruleset_path", "bundled_seals_dir"]


def bundled_dir(kind: str) -> Path:
    """The folder of bundled ``rulesets``, ``profiles`` or ``seals``."""
    installed = Path(__file__).resolve().parent / "_bundled" / kind
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2] / kind  # an editable install: the repository's folders


def bundled_ruleset_path() -> Path:
    """The core ruleset shipped with maturity."""
    return bundled_dir("rulesets") / "core.yaml"


def bundled_profiles_dir() -> Path:
    """The folder of case-territory profiles shipped with maturity."""
    return bundled_dir("profiles")


def bundled_seals_dir() -> Path:
    """The folder of seal definitions shipped with maturity."""
    return bundled_dir("seals")
