"""The durable_rules internals the durable engine relies on, in one place, checked against its version.

durable_rules runs actions on background timer threads and offers no public call that
drains a session. The engine needs every action to run in the caller's thread, so it uses
internals: ``Host._run`` (replaced to stop the timers), the C extension's ``start_action``,
``complete_and_start_action`` and ``abandon_action`` (to run pending actions until none is left,
handing each its matches without durable_rules' per-match wrappers) and ``assert_facts`` (to
assert without running actions), and a ruleset's ``_handle``.
It also frees rulesets no longer needed (``delete_ruleset`` and the host's directory), so that a
process scoring against many rulesets keeps a bounded number of them.
They were read from durable_rules 2.0.28; another version is refused with a clear message
rather than trusted silently.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import metadata
from typing import Any

import durable_rules_engine
import orjson
from durable import engine as durable_engine

from ..errors import EngineError

__all__ = [
    "SUPPORTED_VERSION",
    "SyncHost",
    "assert_facts",
    "check_version",
    "drain",
    "unregister",
]

SUPPORTED_VERSION = "2.0.28"


def check_version() -> None:
    """Refuse a durable_rules whose internals were not checked."""
    try:
        installed = metadata.version("durable_rules")
    except metadata.PackageNotFoundError:
        installed = "unknown"
    if installed != SUPPORTED_VERSION:
        raise EngineError(f"durable_rules {installed} is installed, but maturity's engine relies on internals of "
                          f"durable_rules {SUPPORTED_VERSION}; install that version (pip install "
                          f"'durable-rules=={SUPPORTED_VERSION}')")


class SyncHost(durable_engine.Host):
    """A durable_rules host without the background timers that dispatch actions on other threads."""

    def _run(self) -> None:
        return None


def drain(host: SyncHost, ruleset_name: str, run: Callable[[str, list[dict[str, Any]]], None]) -> None:
    """Run every action durable_rules has pending for ``ruleset_name``, until none is left.

    ``run(rule_name, matches)`` is called for each: ``matches`` are the rule's matched facts, a dict
    (alias to fact) per match. The session's state is left as it is. An exception raised by
    ``run`` abandons the action and is raised.
    """
    handle = host.get_ruleset(ruleset_name)._handle
    while True:
        result = durable_rules_engine.start_action(handle)
        if not result:
            return
        state, message = result[2], orjson.loads(result[1])
        while message:
            rule_name, matches = next(iter(message.items()))
            try:
                run(rule_name, matches if isinstance(matches, list) else [matches])
            except BaseException:
                durable_rules_engine.abandon_action(handle, state)
                raise
            following = durable_rules_engine.complete_and_start_action(handle, state)
            message = orjson.loads(following) if following else None


def unregister(host: SyncHost, ruleset_name: str) -> None:
    """Free a registered ruleset (its C handle and the host's entries); its sessions must be closed."""
    ruleset = host._ruleset_directory.pop(ruleset_name, None)
    if ruleset is None:
        return
    host._ruleset_list.remove(ruleset)
    durable_rules_engine.delete_ruleset(ruleset._handle)


def assert_facts(host: SyncHost, ruleset_name: str, facts: list[dict[str, Any]]) -> None:
    """Assert facts in the C engine only (the actions they lead to wait for :func:`drain`), also from an action.

    A fact no rule matches is refused by durable_rules but the others are asserted: not an error
    here (and not raised, which would serialise the whole batch into the exception's message). A
    fact already observed in the session is an error.
    """
    code = durable_rules_engine.assert_facts(host.get_ruleset(ruleset_name)._handle, orjson.dumps(facts).decode())[0]
    if code == 2:
        raise EngineError("durable_rules refused a fact as already observed in its session")
