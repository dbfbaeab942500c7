"""Run the durable engine on random rulesets in a child process, restarted when durable_rules crashes.

durable_rules 2.0.28's C engine corrupts its heap now and then when one process creates and
deletes sessions of hundreds of different rulesets (``free(): invalid pointer`` in
``delete_state``); the version of this project before the evaluator seam did so too, more often.
The crash depends on the process (a given ruleset and answers crash in some processes and not in
others), so the property tests that draw random rulesets evaluate the durable engine in a fresh
child that serves a few examples and is replaced; a child that dies by a signal is replaced and
the same example evaluated again, up to ``ATTEMPTS`` times. A wrong result is never retried: it
fails the test.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

ATTEMPTS = 4
_pool: list[ProcessPoolExecutor] = []


def _evaluate(rs: Any, table: Any) -> Any:
    from maturity.table import derive_levels

    return derive_levels(rs, table, engine="durable")


def _executor() -> ProcessPoolExecutor:
    if not _pool:
        _pool.append(ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                         max_tasks_per_child=20))
    return _pool[0]


def durable_levels(rs: Any, table: Any) -> Any:
    """``derive_levels(rs, table, engine="durable")``, evaluated in a child process."""
    for attempt in range(ATTEMPTS):
        try:
            return _executor().submit(_evaluate, rs, table).result()
        except BrokenProcessPool:  # the child died (a signal from durable_rules' C engine): a fresh one
            _pool.pop().shutdown(wait=False, cancel_futures=True)
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")
