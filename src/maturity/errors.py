"""Every error maturity raises, and the ``Problem`` record that describes bad input.

The kinds are closed: :class:`InvalidFileError` (bad input, every problem located),
:class:`UsageError` (a request that names something that does not exist), :class:`EngineError`
(an evaluator failed) and :class:`ClauseBudgetError` (a condition too complex to compile), all
:class:`MaturityError`. The command line maps them to exit codes by kind, never by message:
usage errors exit 2, every other error 1.

A loader never stops at the first problem: it collects every problem of a file
into ``InvalidFileError.problems``, each with a stable ``code``, the file, the
line, the field path and a message (with a "did you mean" hint where one fits).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "ClauseBudgetError",
    "EngineError",
    "InvalidFileError",
    "MaturityError",
    "Problem",
    "UsageError",
    "suggest",
]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file.

    ``path`` is the field path inside the document, e.g. ``("factors", 2, "weight")``.
    """

    code: str
    message: str
    path: tuple[str | int, ...] = ()
    file: str | None = None
    line: int | None = None
    hint: str | None = None
    column: str | None = None  # a sheet's column letter, for problems in a cell

    @property
    def field(self) -> str:
        """The field path written the way users read it: ``factors[2].weight``."""
        out = ""
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        return out or "(document)"

    def __str__(self) -> str:
        where = f"{self.file or '<input>'}:{self.line if self.line is not None else '?'}"
        text = (f"{where}:{self.column} ({self.field}): {self.message}" if self.column
                else f"{where}: {self.field}: {self.message}")
        return f"{text} ({self.hint})" if self.hint else text

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "field": self.field,
            "message": self.message,
            "hint": self.hint,
        }


class MaturityError(Exception):
    """Base class of every error raised by maturity."""


@dataclass
class InvalidFileError(MaturityError):
    """A ruleset or profile that cannot be used; ``problems`` lists every reason."""

    file: str | None
    problems: Sequence[Problem] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = [str(p) for p in self.problems]
        from .messages import ngettext

        head = f"{self.file or '<input>'}: " + ngettext("%(n)s problem", "%(n)s problems", len(lines)) % {"n": len(lines)}
        return "\n".join([head, *("  " + line for line in lines)])


class EngineError(MaturityError):
    """The rules engine failed while scoring (an action raised, or a session broke)."""


class UsageError(MaturityError):
    """A call or command asked for something that does not exist (an option value, a column); exit code 2."""


class ClauseBudgetError(MaturityError):
    """A condition would expand to more clauses than the compiler's budget allows."""

    def __init__(self, where: str, count: int, budget: int) -> None:
        self.where, self.count, self.budget = where, count, budget
        super().__init__(f"{where}: the condition expands to {count:,} clauses, over the budget of {budget:,}; "
                         "split it, or use fewer alternatives under 'not' and 'at_least'")


def suggest(word: str, choices: Iterable[str]) -> str | None:
    """Return ``"did you mean 'x'?"`` for the closest of ``choices``, or None.

    >>> suggest("dedicated_unti", ["dedicated_unit", "budget"])
    "did you mean 'dedicated_unit'?"
    """
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    from .messages import _

    return _("did you mean '%(word)s'?") % {"word": close[0]} if close else None
