"""Requests through their states, idempotency, one plan per request, row locks, staleness."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from core.domain import Equipment, Units, WorkoutType
from core.models import Profile
from db.models import AIGenerationLog, User, WorkoutPlan, WorkoutRequestRow
from db.requests import (
    RESPONSE_TEXT_LIMIT,
    active_request_for_user,
    add_generation_logs,
    count_requests_since,
    get_request,
    lock_request,
    make_idempotency_key,
    save_plan,
    set_placeholder,
    stale_requests,
    to_generation_request,
)
from db.users import save_profile
from tests.db.conftest import Seed, check_lock_blocks_a_second_transaction
from usecases import lifecycle
from usecases.errors import IllegalTransition


def run_together(target: Callable[[], object], n: int = 2) -> None:
    """Run ``target`` in ``n`` threads released at the same moment; re-raise any error."""
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            target()
        except BaseException as exc:  # re-raised in the test's thread below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def count(session: Session, model: type[object]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_same_idempotency_key_gives_one_row(sessions: sessionmaker[Session], seed: Seed) -> None:
    uid = seed.user(1)
    with sessions.begin() as s:
        first = seed.request(s, uid, "tg:1:10", coach="kai", equipment=[Equipment.BARBELL] * 2)
        assert (first.state, first.attempts, first.coach) == ("queued", 0, "KAI")
        assert first.equipment == ["barbell"]
    with sessions.begin() as s:
        again = seed.request(s, uid, "tg:1:10", duration_min=60)
        assert again.id == first.id and again.duration_min == 45
        assert count(s, WorkoutRequestRow) == 1


def test_same_idempotency_key_from_two_threads_gives_one_row(
    sessions: sessionmaker[Session], seed: Seed
) -> None:
    uid = seed.user(1)
    ids: list[int] = []

    def create() -> None:
        with sessions.begin() as s:
            row = seed.request(s, uid, "tg:1:11")
            time.sleep(0.1)  # hold the uncommitted row so the other insert must wait on it
            ids.append(row.id)

    run_together(create)
    assert len(ids) == 2 and len(set(ids)) == 1
    with sessions.begin() as s:
        assert count(s, WorkoutRequestRow) == 1


def test_other_integrity_errors_are_not_hidden(sessions: sessionmaker[Session], seed: Seed) -> None:
    uid = seed.user(1)
    with pytest.raises(Exception, match="ck_workout_requests_duration"), sessions.begin() as s:
        seed.request(s, uid, "too-long", duration_min=500)


def test_state_transitions_and_generation_logs(sessions: sessionmaker[Session], seed: Seed) -> None:
    from core.pipeline import AIAttempt  # the pipeline module is only needed here

    uid = seed.user(2)
    with sessions.begin() as s:
        rid = seed.request(s, uid, "k").id
        set_placeholder(s, rid, 555)
        assert active_request_for_user(s, uid).id == rid  # type: ignore[union-attr]
    with sessions.begin() as s:
        row = lock_request(s, rid)
        assert row is not None and row.message_id == 555
        lifecycle.claim(s, row, by="m1")
        lifecycle.claim(s, row, by="m1")  # a retry restarts it
        assert row.state == "generating" and row.attempts == 2
        assert row.generating_since is not None and row.generating_since.tzinfo is not None
        assert active_request_for_user(s, uid).id == rid  # type: ignore[union-attr]
        add_generation_logs(
            s,
            rid,
            [
                AIAttempt(model="m", latency_ms=5, outcome="error", error="HTTP 529"),
                AIAttempt(
                    model="m",
                    latency_ms=900,
                    outcome="rejected",
                    input_tokens=10,
                    output_tokens=20,
                    cache_read_tokens=30,
                    cache_write_tokens=40,
                    response_text="x" * 10_000,
                ),
            ],
        )
        plan = save_plan(s, row, seed.workout("One"), "fallback", "m")
        assert row.state == "generating"  # saving a plan is not a move: the lifecycle's is
        lifecycle.generated(s, row)
        assert row.state == "generated" and plan.source == "fallback"
        assert plan.estimated_minutes == pytest.approx(seed.workout("One").estimated_minutes, 0.01)
        assert active_request_for_user(s, uid) is None
    with sessions.begin() as s:
        logs = s.scalars(select(AIGenerationLog).order_by(AIGenerationLog.id)).all()
        assert [(g.outcome, g.error) for g in logs] == [("error", "HTTP 529"), ("rejected", None)]
        assert logs[1].cache_write_tokens == 40 and logs[1].input_tokens == 10
        assert len(logs[1].response_text or "") == RESPONSE_TEXT_LIMIT
        row = lock_request(s, rid)
        assert row is not None
        lifecycle.deliver(s, row, [555, 556])
    with sessions.begin() as s:
        row = get_request(s, rid)
        assert row is not None and row.state == "delivered"
        assert row.delivered_message_ids == [555, 556] and row.delivered_at is not None
        save_plan(s, row, seed.workout("Late"), "ai", "m")
        with pytest.raises(IllegalTransition):
            lifecycle.generated(s, row)
        assert row.state == "delivered"  # a late save never moves a delivered request back


def test_fail_keeps_the_reason(sessions: sessionmaker[Session], seed: Seed) -> None:
    uid = seed.user(3)
    with sessions.begin() as s:
        row = seed.request(s, uid, "f")
        lifecycle.fail(s, row, "gave up: " + "x" * 5000)
    with sessions.begin() as s:
        again = get_request(s, row.id)
        assert again is not None and again.state == "failed"
        assert (again.failure_reason or "").startswith("gave up: ")
        assert active_request_for_user(s, uid) is None


def test_save_plan_twice_keeps_the_first_plan(sessions: sessionmaker[Session], seed: Seed) -> None:
    uid = seed.user(4)
    with sessions.begin() as s:
        row = seed.request(s, uid, "p")
        first = save_plan(s, row, seed.workout("One"), "fallback", "m")
    with sessions.begin() as s:
        row = lock_request(s, row.id)  # type: ignore[assignment]
        second = save_plan(s, row, seed.workout("Two"), "ai", "m2")
        assert second.id == first.id and second.workout["title"] == "One"
        assert count(s, WorkoutPlan) == 1


def test_save_plan_from_two_threads_at_once_keeps_one(
    sessions: sessionmaker[Session], seed: Seed
) -> None:
    rid = seed.stored_request(5, "race")
    plan_ids: list[int] = []

    def save() -> None:
        with sessions.begin() as s:
            row = get_request(s, rid)  # deliberately without the row lock
            assert row is not None
            plan_ids.append(save_plan(s, row, seed.workout(), "rule_based", None).id)
            time.sleep(0.1)

    run_together(save)
    assert len(plan_ids) == 2 and len(set(plan_ids)) == 1
    with sessions.begin() as s:
        assert count(s, WorkoutPlan) == 1
        # Saving a plan moves no state (the lifecycle does: tests/usecases/test_lifecycle.py).
        assert get_request(s, rid).state == "queued"  # type: ignore[union-attr]


def test_lock_request_blocks_a_second_transaction(
    sessions: sessionmaker[Session], seed: Seed
) -> None:
    check_lock_blocks_a_second_transaction(sessions, seed.stored_request(6, "lock"))


def test_a_claims_lock_reads_the_user_and_profile_with_the_request_and_locks_only_it(
    sessions: sessionmaker[Session], seed: Seed
) -> None:
    """``lock_request(with_profile=True)`` (the worker's claim): building the pipeline's
    request reads no user or profile again, and the user's row stays free for the bot's
    decisions (``open_request`` locks it) while the request is locked."""
    rid = seed.stored_request(7, "claim")
    with sessions.begin() as s:
        row = lock_request(s, rid)
        assert row is not None
        save_profile(s, row.user_id, Profile(units=Units.LB, preferred_coach="KAI"))
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *rest: object) -> None:
        statements.append(statement)

    engine = sessions.kw["bind"]
    with sessions.begin() as s:
        event.listen(engine, "before_cursor_execute", seen)
        try:
            row = lock_request(s, rid, with_profile=True)
            assert row is not None
            request = to_generation_request(s, row)
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        with sessions.begin() as other:  # the user's row is not locked by the claim
            locked = select(User.id).where(User.id == row.user_id).with_for_update(nowait=True)
            assert other.scalar(locked) == row.user_id
    assert request.profile.units is Units.LB and request.profile.preferred_coach == "KAI"
    first, *later = statements
    assert "FOR UPDATE OF workout_requests" in first
    assert not [q for q in later if "FROM users" in q or "FROM profiles" in q]


def test_missing_request(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        assert get_request(s, 999) is None and lock_request(s, 999) is None
        with pytest.raises(LookupError):
            set_placeholder(s, 999, 1)


def test_stale_requests_and_rate_counts(sessions: sessionmaker[Session], seed: Seed) -> None:
    uid = seed.user(7)
    now = dt.datetime.now(dt.UTC)
    with sessions.begin() as s:
        fresh_queued = seed.request(s, uid, "q1")
        old_queued = seed.request(s, uid, "q2")
        fresh_gen = seed.request(s, uid, "g1")
        old_gen = seed.request(s, uid, "g2")
        old_done = seed.request(s, uid, "d")
        for row in (fresh_gen, old_gen):
            lifecycle.claim(s, row, by="m")
        lifecycle.fail(s, old_done, "x")
        ids = {r.id for r in (old_queued, old_gen, old_done)}
        s.execute(
            update(WorkoutRequestRow)
            .where(WorkoutRequestRow.id.in_(ids))
            .values(created_at=now - dt.timedelta(hours=1))
        )
        s.execute(
            update(WorkoutRequestRow)
            .where(WorkoutRequestRow.id == old_gen.id)
            .values(generating_since=now - dt.timedelta(minutes=20))
        )
    with sessions.begin() as s:
        stale = stale_requests(
            s,
            generating_older_than=dt.timedelta(minutes=15),
            queued_older_than=dt.timedelta(minutes=30),
        )
        assert stale == sorted([old_queued.id, old_gen.id])
        assert fresh_queued.id not in stale and fresh_gen.id not in stale
        assert count_requests_since(s, uid, now - dt.timedelta(minutes=5)) == 2
        assert count_requests_since(s, uid, now - dt.timedelta(days=1)) == 5
        assert count_requests_since(s, seed.user(8), now - dt.timedelta(days=1)) == 0


def test_to_generation_request_uses_profile_and_history(
    sessions: sessionmaker[Session], seed: Seed
) -> None:
    uid = seed.user(9)
    with sessions.begin() as s:
        first = seed.request(s, uid, "a", workout_type=WorkoutType.HIIT, duration_min=20)
        save_plan(s, first, seed.workout("A", ("Burpee",)), "rule_based", None)
        row = seed.request(s, uid, "b", coach="SAGE", equipment=[Equipment.DUMBBELLS])
        request = to_generation_request(s, row)
        assert request.coach == "SAGE" and request.workout_type is WorkoutType.STRENGTH
        assert request.duration_min == 45
        assert request.equipment == {Equipment.DUMBBELLS, Equipment.BODYWEIGHT}
        assert request.profile == Profile(name="u9")  # no profile yet: defaults, their name
        assert [h.exercises for h in request.history] == [("Burpee",)]
        assert request.history[0].workout_type is WorkoutType.HIIT
        save_profile(s, uid, Profile(units=Units.LB, preferred_coach="SAGE"))
        save_plan(s, row, seed.workout("B", ("Row",)), "rule_based", None)
        again = to_generation_request(s, row)
        assert again.profile.units is Units.LB
        assert [h.exercises for h in again.history] == [("Burpee",)]  # never itself


def test_make_idempotency_key() -> None:
    assert make_idempotency_key("tg", 12, 345) == "tg:12:345"
    long = make_idempotency_key("x" * 200)
    assert len(long) <= 128 and long == make_idempotency_key("x" * 200)
    assert long != make_idempotency_key("x" * 201)
    with pytest.raises(ValueError, match="at least one"):
        make_idempotency_key()


def test_unknown_coach_is_refused(sessions: sessionmaker[Session], seed: Seed) -> None:
    uid = seed.user(10)
    with sessions.begin() as s:
        with pytest.raises(ValueError, match="unknown coach"):
            seed.request(s, uid, "c", coach="LUNA")
        assert count(s, WorkoutRequestRow) == 0
