"""The request lifecycle: a workout request's states and the only code that moves them.

::

    queued ──claim──▶ generating ──generated──▶ generated ──deliver──▶ delivered
      │                 │   ▲                      │
      │                 └───┘ claim (a retry, a redelivery, a stale claim taken over)
      │                 │                          │
      └──fail───────────┴──────────fail────────────┴──▶ failed ──generated──▶ generated
                                                          (a plan that arrived late)

Each transition is a verb: it checks the request's current state and refuses an illegal
move with ``IllegalTransition`` (a bug in the caller: nothing is written). The callers (the
generation use case, the request use cases behind the bot and the command line, the
requeuer's give-up, the sweeper's reads) decide *when*; this module alone writes
``WorkoutRequestRow.state`` (tests/contract checks that no other module does). A new request
starts ``queued`` (the column's default), and a Try again is a new request, not a move back.

The caller holds the row's lock (``db.requests.lock_request``) and the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from core.domain import ACTIVE_STATES, RequestState
from db.models import WorkoutRequestRow, utcnow
from usecases.errors import IllegalTransition

__all__ = [
    "ACTIVE",
    "FINISHED",
    "TRANSITIONS",
    "RequestState",
    "claim",
    "deliver",
    "fail",
    "generated",
    "record_sent",
]

Q, GING, GED, DEL, FAIL = (
    RequestState.QUEUED,
    RequestState.GENERATING,
    RequestState.GENERATED,
    RequestState.DELIVERED,
    RequestState.FAILED,
)

TRANSITIONS: dict[str, tuple[frozenset[RequestState], RequestState]] = {
    "claim": (frozenset({Q, GING}), GING),
    "generated": (frozenset({GING, FAIL}), GED),
    "deliver": (frozenset({GED}), DEL),
    "fail": (frozenset({Q, GING, GED}), FAIL),
}
"""Each verb: the states it may start from, and the state it leads to."""

ACTIVE = ACTIVE_STATES
"""A request in these states is in flight: a user has at most one."""
FINISHED = frozenset({DEL, FAIL})
"""Nothing more happens to a request in these states (but a late plan, see ``generated``)."""


def _move(row: WorkoutRequestRow, verb: str) -> None:
    sources, target = TRANSITIONS[verb]
    if row.state not in sources:
        allowed = ", ".join(sorted(s.value for s in sources))
        raise IllegalTransition(
            f"request {row.id}: cannot {verb} from {row.state.value} (only from {allowed})"
        )
    row.state = target


def claim(session: Session, row: WorkoutRequestRow, *, by: str) -> None:
    """A worker starts (or restarts) generating: count the attempt, start the clock, and
    remember which queue message holds the claim (``by``)."""
    _move(row, "claim")
    row.claimed_by = by
    row.attempts += 1
    row.generating_since = utcnow()
    session.flush()


def generated(session: Session, row: WorkoutRequestRow) -> None:
    """Its plan is saved. From ``failed`` too: a plan that arrived after the request was
    given up (its retries ran out elsewhere) can still be delivered."""
    _move(row, "generated")
    row.failure_reason = None
    session.flush()


def record_sent(session: Session, row: WorkoutRequestRow, message_ids: Sequence[int]) -> None:
    """Some parts of the workout are in the chat: remember them (no change of state), so a
    retry sends only the parts still missing."""
    if row.state is not GED:
        raise IllegalTransition(f"request {row.id}: parts sent while {row.state.value}")
    row.delivered_message_ids = list(message_ids)
    session.flush()


def deliver(session: Session, row: WorkoutRequestRow, message_ids: Sequence[int]) -> None:
    """The whole workout is in the chat, in these messages."""
    _move(row, "deliver")
    row.delivered_message_ids = list(message_ids)
    row.delivered_at = utcnow()
    session.flush()


FAILURE_REASON_LIMIT = 2000


def fail(session: Session, row: WorkoutRequestRow, reason: str) -> None:
    """Give up on the request, saying why."""
    _move(row, "fail")
    row.failure_reason = reason[:FAILURE_REASON_LIMIT]
    session.flush()
