"""Citations: ``"<source id> <where>"``, e.g. ``"consolidated-reply Q4 Philippines"``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_serializer, model_validator

__all__ = ["Citation", "SourceDoc"]


class SourceDoc(BaseModel):
    """A document that rules or answers cite."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str
    where: str | None = None
    date: str | None = None


class Citation(BaseModel):
    """A pointer into a source document: its id and the place inside it.

    >>> Citation.model_validate("consolidated-reply Q3").where
    'Q3'
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    where: str = ""

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            text = data.strip()
            if not text:
                raise ValueError("a citation needs a source id, e.g. 'consolidated-reply Q3'")
            source, _, where = text.partition(" ")
            return {"source": source, "where": where.strip()}
        return data

    @model_serializer
    def _to_text(self) -> str:
        return str(self)

    def __str__(self) -> str:
        return f"{self.source} {self.where}".strip()
