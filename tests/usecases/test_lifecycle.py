"""usecases.lifecycle: every legal and every illegal move of a request, on real rows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core.domain import RequestState
from db.models import WorkoutRequestRow
from db.requests import get_request, lock_request
from tests.db.conftest import Seed
from usecases import lifecycle
from usecases.errors import IllegalTransition

S = RequestState
PATHS: dict[RequestState, tuple[str, ...]] = {
    S.QUEUED: (),
    S.GENERATING: ("claim",),
    S.GENERATED: ("claim", "generated"),
    S.DELIVERED: ("claim", "generated", "deliver"),
    S.FAILED: ("fail",),
}
"""How a new request reaches each state by legal moves."""

Move = Callable[[Session, WorkoutRequestRow], None]
MOVES: dict[str, Move] = {
    "claim": lambda s, row: lifecycle.claim(s, row, by="message-1"),
    "generated": lifecycle.generated,
    "deliver": lambda s, row: lifecycle.deliver(s, row, [10, 11]),
    "fail": lambda s, row: lifecycle.fail(s, row, "why"),
}
LEGAL = {
    (S.QUEUED, "claim"): S.GENERATING,
    (S.GENERATING, "claim"): S.GENERATING,  # a retry, a redelivery, a stale claim
    (S.GENERATING, "generated"): S.GENERATED,
    (S.FAILED, "generated"): S.GENERATED,  # a plan that arrived after the give-up
    (S.GENERATED, "deliver"): S.DELIVERED,
    (S.QUEUED, "fail"): S.FAILED,
    (S.GENERATING, "fail"): S.FAILED,
    (S.GENERATED, "fail"): S.FAILED,
}
"""Written out by hand, so that a change to lifecycle.TRANSITIONS must be made here too."""


def _in_state(sessions: sessionmaker[Session], seed: Seed, state: S) -> int:
    user_id = seed.user(1)
    with sessions.begin() as s:
        row = seed.request(s, user_id, f"k-{state.value}")
        for verb in PATHS[state]:
            MOVES[verb](s, row)
        assert row.state is state
        return row.id


def test_the_table_is_the_module_s() -> None:
    table = {
        (source, verb): target
        for verb, (sources, target) in lifecycle.TRANSITIONS.items()
        for source in sources
    }
    assert table == LEGAL


@pytest.mark.parametrize("verb", sorted(MOVES))
@pytest.mark.parametrize("start", list(S))
def test_every_move_from_every_state(
    sessions: sessionmaker[Session], seed: Seed, start: S, verb: str
) -> None:
    request_id = _in_state(sessions, seed, start)
    expected = LEGAL.get((start, verb))
    with sessions.begin() as s:
        row = lock_request(s, request_id)
        assert row is not None
        if expected is None:
            with pytest.raises(IllegalTransition, match=f"cannot {verb} from {start.value}"):
                MOVES[verb](s, row)
            assert row.state is start
        else:
            MOVES[verb](s, row)
            assert row.state is expected
    with sessions.begin() as s:
        stored = get_request(s, request_id)
        assert stored is not None and stored.state is (expected or start)


def test_what_each_move_writes_besides_the_state(
    sessions: sessionmaker[Session], seed: Seed
) -> None:
    request_id = _in_state(sessions, seed, S.QUEUED)
    with sessions.begin() as s:
        row = lock_request(s, request_id)
        assert row is not None
        lifecycle.claim(s, row, by="m1")
        lifecycle.claim(s, row, by="m2")  # taken over: the claim names the new holder
        assert row.attempts == 2 and row.claimed_by == "m2" and row.generating_since
        lifecycle.fail(s, row, "x" * 5000)
        assert row.failure_reason == "x" * lifecycle.FAILURE_REASON_LIMIT
        lifecycle.generated(s, row)  # a late plan: the failure is forgotten
        assert row.failure_reason is None
        lifecycle.record_sent(s, row, [7])
        assert row.state is S.GENERATED and row.delivered_message_ids == [7]
        lifecycle.deliver(s, row, [7, 8])
        assert row.delivered_message_ids == [7, 8] and row.delivered_at is not None
        with pytest.raises(IllegalTransition, match="parts sent while delivered"):
            lifecycle.record_sent(s, row, [9])
        assert row.delivered_message_ids == [7, 8]


def test_active_and_finished() -> None:
    assert {S.QUEUED, S.GENERATING} == lifecycle.ACTIVE
    assert {S.DELIVERED, S.FAILED} == lifecycle.FINISHED
