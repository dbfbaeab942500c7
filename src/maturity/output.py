"""Output folders written all at once: a run writes into a staging folder, then swaps it in.

Readers of ``--out`` see the previous run's files or the new run's, never a mix: everything is
written into a hidden staging folder beside it, which replaces the folder only when every file
is written. A failed or interrupted run removes its staging folder and leaves the previous
output as it was; files of an earlier run (pages of territories no longer in the run) never
linger.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import MaturityError
from .messages import _

__all__ = ["MARKER", "OutputError", "staged_output"]

MARKER = "run.json"  # a folder holding it is the output of a run, which a new run may replace


class OutputError(MaturityError):
    """The output folder cannot be written; the message is one line and says what was kept."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _check_target(out: Path) -> None:
    for folder in (out, *out.absolute().parents):
        if folder.exists():
            if not folder.is_dir():
                raise OutputError(_("cannot write the results to %(out)s/: %(folder)s is a file, not a folder") % {
                    "out": out, "folder": folder})
            break
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise OutputError(_("%(out)s/ already holds files that are not the output of a run; "
                            "choose a new or empty folder (a run replaces the whole folder)") % {"out": out})


def _where(exc: OSError, staging: Path, out: Path) -> str:
    """`` (the file)`` the error is about, named as it would be in ``out``."""
    if not exc.filename:
        return ""
    name = str(exc.filename).replace(str(staging), str(out))
    return f" ({name if len(name) <= 120 else name[:100] + '...' + name[-17:]})"


@contextmanager
def staged_output(out: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a staging folder to write into; on success it becomes ``out`` (replacing a previous run).

    Raises :class:`OutputError` when ``out`` cannot be written (the previous output is kept).
    """
    out = Path(out)
    _check_target(out)
    parent = out.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=parent))
        os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes it private; give it a plain mkdir's mode
    except OSError as exc:
        raise OutputError(_("cannot write the results to %(out)s/: cannot create a folder in %(parent)s: %(reason)s") % {
            "out": out, "parent": parent, "reason": exc.strerror or exc}) from None
    try:
        yield staging
        old = parent / f".{out.name}.old-{uuid.uuid4().hex[:12]}"
        if out.exists():
            os.rename(out, old)
        try:
            os.rename(staging, out)
        except BaseException:
            if old.exists():
                os.rename(old, out)
            raise
        shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        kept = _("the previous output is untouched") if out.exists() else _("nothing was written")
        raise OutputError(_("cannot write the results to %(out)s/: %(reason)s%(where)s; %(kept)s") % {
            "out": out, "reason": exc.strerror or exc, "where": _where(exc, staging, out), "kept": kept}) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
