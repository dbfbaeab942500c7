"""The durable_rules adapter: drained sessions, batches, errors, clean-up, incremental change."""

from __future__ import annotations

import pytest

from conftest import make_profile
from maturity import EngineError
from maturity.engines import durable as engine_module
from maturity.engines.durable import EngineSession
from maturity.plan import compile_plan
from maturity.prepare import prepare


def _encoded(scorer, values):
    return prepare(scorer.ruleset, make_profile(values), plan=scorer.plan).raise_problems().row_answers(0)


def _levels(derivation, plan):
    return {(f, w): derivation.level(f, w) for f in plan.factors for w in ("lo", "hi")}


def test_answers_that_fail_every_rule_are_still_handled(mini_scorer):
    # every known answer fails every comparison: durable_rules must not refuse the facts
    values = {"unit_exists": False, "unit_staff": 0, "diagnostic": "none", "help_desk": False}
    with EngineSession(mini_scorer.plan, _encoded(mini_scorer, values)) as session:
        d = session.run()
    assert all(d.level(f, "lo") == 0 and d.level(f, "hi") == 0 for f in mini_scorer.plan.factors)


def test_batch_equals_one_by_one(core_scorer, core):
    values = {ind.id: None for ind in core.indicators}
    for i, ind in enumerate(core.indicators):
        if i % 3 == 0:
            values[ind.id] = getattr(ind, "scale", [True])[-1] if ind.type in ("ordinal", "boolean") else 3
    encoded = _encoded(core_scorer, values)
    with EngineSession(core_scorer.plan, encoded) as a, EngineSession(core_scorer.plan, encoded) as b:
        batch, single = a.run(), b.run(one_by_one=True)
    assert batch.facts.keys() == single.facts.keys()


def test_an_exception_inside_an_action_is_raised_not_swallowed(mini_scorer, monkeypatch):
    def boom(self, *args):
        raise RuntimeError("action failed on purpose")

    monkeypatch.setattr(EngineSession, "_record", boom)
    session = EngineSession(mini_scorer.plan, _encoded(mini_scorer, {"unit_exists": True}))
    with pytest.raises(EngineError, match="action failed on purpose"):
        session.run()
    assert session.sid not in engine_module._sessions


def test_closed_sessions_free_their_state(mini_scorer, monkeypatch):
    """Every session's state is deleted in durable_rules (without it memory grows ~1 GB per 1,000 territories).

    Checked by recording the deletions: reading a deleted state back would touch freed memory in the C engine.
    """
    deleted = []
    real = engine_module._host.delete_state
    monkeypatch.setattr(engine_module._host, "delete_state", lambda name, sid: (deleted.append(sid), real(name, sid)))
    before = len(engine_module._sessions)
    for i in range(50):
        mini_scorer.score(make_profile({"unit_exists": True}, f"t{i}"), keep_session=False)
    assert len(engine_module._sessions) == before and len(deleted) == 50
    session = EngineSession(mini_scorer.plan, _encoded(mini_scorer, {"unit_exists": True}))
    session.run()
    session.close()
    assert deleted[-1] == session.sid and session.sid not in engine_module._sessions


def test_kept_sessions_are_freed_with_their_assessment(mini_scorer):
    import gc

    before = len(engine_module._sessions)
    a = mini_scorer.score(make_profile({"unit_exists": True}))
    assert len(engine_module._sessions) == before + 1
    del a
    gc.collect()
    assert len(engine_module._sessions) == before


def test_change_then_undo_restores_the_derivation(mini_scorer):
    encoded = _encoded(mini_scorer, {"unit_exists": True, "help_desk": True, "unit_staff": 3})
    with EngineSession(mini_scorer.plan, encoded) as session:
        first = session.run()
        session.change({"diagnostic": (2, 2), "unit_staff": (0, 0)})
        again = session.change(encoded)
    assert again.facts.keys() == first.facts.keys()


def test_a_closed_session_cannot_change(mini_scorer):
    session = EngineSession(mini_scorer.plan, _encoded(mini_scorer, {}))
    session.run()
    session.close()
    with pytest.raises(EngineError, match="closed"):
        session.change({"unit_exists": True})


def test_plan_compiles_to_one_registered_ruleset(mini):
    plan_a, plan_b = compile_plan(mini), compile_plan(mini)
    assert plan_a.digest == plan_b.digest
    assert engine_module._ruleset_name(plan_a) == engine_module._ruleset_name(plan_b)


CRASHED_BEFORE = """
import pandas as pd
from maturity.ruleset import Ruleset
from maturity.table import derive_levels
src = ["src p1"]
rs = Ruleset.model_validate({
    "kind": "ruleset", "format_version": 1, "id": "tiny", "version": "1", "title": "t", "sources": [{"id": "src", "title": "S"}],
    "levels": [{"level": n, "name": f"l{n}", "meaning": "m", "score": s} for n, s in enumerate((0, 50, 100))],
    "indicators": [{"id": "i0", "type": "count", "better": "lower", "question": "?", "sources": src}],
    "pillars": [{"id": "p0", "title": "P"}],
    "factors": [{"id": "f0", "title": "f0", "pillar": "p0", "sources": src,
                 "levels": {1: {"when": {"indicator": "i0", "at_most": 1}, "sources": src},
                            2: {"when": {"indicator": "i0", "at_most": 0}, "sources": src}}}],
    "findings": [{"id": "d0", "when": {"factor": "f0", "at_least": 1}, "message": "m", "sources": src}],
    "aggregation": {"stages": [{"id": "a", "name": "A", "min_score": 0}]}})
table = pd.DataFrame({"i0": [3]}, index=pd.Index(["t0"], name="territory"), dtype=object)
print(derive_levels(rs, table, engine="durable").lower_level.iloc[0, 0])
"""


def test_an_answer_that_matches_no_comparison_does_not_crash_the_process():
    """Regression: a fact left only in a join that never completes made durable_rules' C engine corrupt its
    heap when the session was deleted (9 of 10 processes died on this input before the fix)."""
    import subprocess
    import sys

    for _ in range(5):
        result = subprocess.run([sys.executable, "-c", CRASHED_BEFORE], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0 and result.stdout.strip() == "0", result.stderr[-500:]
