"""JSON Schema of the file formats, for editors and other tools."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from .profile import Profile
from .ruleset import Ruleset

__all__ = ["json_schema"]


def json_schema(kind: Literal["ruleset", "profile"]) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a ruleset or a profile file.

    >>> json_schema("profile")["title"]
    'Profile'
    """
    models: dict[str, type[BaseModel]] = {"ruleset": Ruleset, "profile": Profile}
    model = models[kind]
    schema = model.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://maturity.invalid/schema/{kind}-v1.json"
    return schema
