"""Exactly once under any failure: a commit whose Nth store call fails, for every N, then sent again,
ends exactly where a clean run ends (records, statements, documents, answers, the applied audit row).

Faults are injected before a call (nothing written) and after it (written, reply lost); see faults.py.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from lrs.scorm.ingest import STALLED_AFTER
from lrs.scorm.merge import key_hash
from tests.scorm import faults
from tests.scorm.faults import SCENARIOS, Run


def _without_outcome(answers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in a.items() if k != "outcome"} for a in answers]


def _check_like_clean(run: Run, clean: Run, where: str) -> None:
    for name in faults.STATE:
        assert run.state[name] == clean.state[name], f"{where}: {name} differs from a clean run"
    assert run.state["audit_applied"] == clean.state["audit_applied"], f"{where}: applied audit rows"
    other = run.state["audit_other"]
    # the failed commit is audited as an error (in a batch, so are its session's later commits, left out)
    assert (
        other["error"] >= 1 if isinstance(run.resent, list) and len(run.resent) > 1 else other["error"] == 1
    )
    assert set(other) <= {"error", "duplicate"}, f"{where}: {other}"
    assert _without_outcome(run.resent) == _without_outcome(clean.resent), f"{where}: answers"
    assert all(a["outcome"] in ("applied", "stale", "duplicate") for a in run.resent), where


@pytest.mark.parametrize("mode", ["before", "after"])
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_faults_at_every_call_then_a_resend_end_like_a_clean_run(scenario: str, mode: str) -> None:
    clean = faults.clean(scenario)
    calls = faults.calls_of(scenario)
    assert len(calls) > 5
    for n in range(1, len(calls) + 2):
        run = faults.faulty(scenario, n, mode)
        if run.failed_call is None:  # past the last call: the request completed without a fault
            assert n == len(calls) + 1
            break
        _check_like_clean(run, clean, f"{scenario}, fault {mode} call {n} ({run.failed_call})")
    else:
        pytest.fail("the enumeration never reached a run without a fault")


def test_faults_leave_no_plan_in_flight_after_the_resend() -> None:
    clean = faults.clean("terminate")
    attempt = clean.state["scorm_attempts"][0]
    assert attempt["pending"] == {} and "by_session" not in attempt and "session_ids" not in attempt
    run = faults.faulty("terminate", 5, "after")
    assert run.state["scorm_attempts"][0]["pending"] == {}
    assert key_hash("s1:2") not in run.state["scorm_attempts"][0]["pending"]


def test_faults_an_unexpected_error_is_audited_and_raised() -> None:
    class Broken(faults.FaultyDatabase):
        def count(self, name: str) -> bool:
            if name == "scorm_attempts.update_one" and self.fail_at == 1:
                self.fail_at = None
                raise RuntimeError("a bug")
            return False

    async def go() -> list[dict[str, Any]]:
        settings = faults.make_settings()
        db = Broken(faults.make_database(settings))
        try:
            await faults.create_indexes(db)
            db.fail_at = 1
            with pytest.raises(RuntimeError):
                await faults._send(db, settings, faults.first_commits()[0])
            return await db.inner.collection(faults.SCORM_AUDIT).find({})
        finally:
            await db.drop()
            await db.close()

    rows = asyncio.run(go())
    assert [(r["outcome"], r["sequence"], r["reasons"][0]["status"]) for r in rows] == [("error", 0, 500)]


def test_faults_a_stalled_plan_is_finished_by_the_next_commit_when_never_resent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [faults.FROZEN]
    monkeypatch.setattr("lrs.scorm.ingest.now_ms", lambda: clock[0])
    settings = faults.make_settings()
    earlier, request = SCENARIOS["commit with score and interactions"]
    calls = faults.calls_of("commit with score and interactions")

    async def go() -> dict[str, Any]:
        db = faults.FaultyDatabase(faults.make_database(settings))
        try:
            await faults.create_indexes(db)
            await faults._send(db, settings, earlier[0])
            db.arm(calls.index("scorm_attempts.update_one") + 2, "before")  # fails right after the merge
            with pytest.raises(faults.InjectedFault):
                await faults._send(db, settings, request)
            db.arm(None)
            clock[0] = faults.FROZEN + STALLED_AFTER + timedelta(seconds=1)
            following = faults.commit("2004", "s1", 2, {"cmi.location": "p3"})
            await faults._send(db, settings, following)
            return await faults.snapshot(db)
        finally:
            await db.drop()
            await db.close()

    state = asyncio.run(go())
    (attempt,) = state["scorm_attempts"]
    assert attempt["pending"] == {} and attempt["commit_count"] == 3
    records = {r["_id"]: r for r in state["scorm_commits"]}
    assert records["s1:1"]["answer"]["statement_ids"]  # answered, with its statements
    stored = {s["_id"] for s in state["statements"]}
    assert set(records["s1:1"]["answer"]["statement_ids"]) <= stored
    assert [(r["_id"], r["outcome"]) for r in state["audit_applied"]] == [
        ("applied:s1:0", "applied"),
        ("applied:s1:1", "applied"),
        ("applied:s1:2", "applied"),
    ]


def test_faults_an_unexpected_error_in_a_batch_audits_every_commit_of_it() -> None:
    class Broken(faults.FaultyDatabase):
        def count(self, name: str) -> bool:
            if name == "scorm_attempts.update_one" and self.fail_at == 1:
                self.fail_at = None
                raise RuntimeError("a bug")
            return False

    batch = [
        faults.commit("2004", "s1", 0, {}, "initialize"),
        faults.commit("2004", "s1", 1, {"cmi.location": "p"}),
        faults.commit("2004", "s2", 0, {"cmi.entry": "ab-initio"}, "initialize"),
    ]

    async def go() -> list[dict[str, Any]]:
        settings = faults.make_settings()
        db = Broken(faults.make_database(settings))
        try:
            await faults.create_indexes(db)
            db.fail_at = 1
            with pytest.raises(RuntimeError):
                await faults._send(db, settings, batch)
            return await db.inner.collection(faults.SCORM_AUDIT).find(
                {}, sort=[("session_id", 1), ("sequence", 1)]
            )
        finally:
            await db.drop()
            await db.close()

    rows = asyncio.run(go())
    assert [(r["session_id"], r["sequence"], r["outcome"]) for r in rows] == [
        ("s1", 0, "error"),
        ("s1", 1, "error"),
        ("s2", 0, "error"),
    ]
    assert "the request failed on an earlier commit" in rows[2]["reasons"][0]["reason"]
