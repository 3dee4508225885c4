"""Claims kept alive while this process works on them (jobs.leases.ClaimLeases), on a real
PostgreSQL: a held claim is renewed, so the sweeper leaves it alone; one whose request moved
on (saved, or taken over by another message) is neither renewed nor kept."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from core.domain import RequestState
from db.models import WorkoutRequestRow, utcnow
from db.requests import get_request, lock_request, stale_requests
from db.users import get_or_create_local_user
from jobs.leases import CLAIM_LEASE_S, ClaimLeases
from tests.support.requests import add_request
from usecases import lifecycle

LEASE = dt.timedelta(seconds=CLAIM_LEASE_S)


def claimed(sessions: sessionmaker[Session], key: str, by: str) -> int:
    """A request claimed by ``by`` whose lease ran out a minute ago."""
    with sessions.begin() as s:
        user = get_or_create_local_user(s)
        row = add_request(s, user.id, key=key, coach="KAI", duration_min=30)
        lifecycle.claim(s, row, by=by)
        request_id = row.id
    with sessions.begin() as s:
        s.execute(
            update(WorkoutRequestRow)
            .where(WorkoutRequestRow.id == request_id)
            .values(generating_since=utcnow() - dt.timedelta(minutes=1))
        )
    return request_id


def stale(sessions: sessionmaker[Session]) -> list[int]:
    with sessions.begin() as s:
        return stale_requests(
            s, generating_older_than=LEASE, queued_older_than=dt.timedelta(hours=1)
        )


def test_a_held_claim_is_renewed_and_no_longer_stale(sessions: sessionmaker[Session]) -> None:
    held, other = claimed(sessions, "lease:a", "m1"), claimed(sessions, "lease:b", "m2")
    assert set(stale(sessions)) >= {held, other}
    leases = ClaimLeases(sessions)
    leases.hold(held, "m1")
    leases.renew()
    swept = stale(sessions)
    assert held not in swept  # renewed: the sweeper leaves it to its holder
    assert other in swept  # nobody renews it: it goes back to the queue
    assert leases.held() == {held: "m1"}
    leases.close()


def test_a_claim_whose_request_moved_on_is_dropped(sessions: sessionmaker[Session]) -> None:
    saved = claimed(sessions, "lease:c", "m1")
    taken = claimed(sessions, "lease:d", "m1b")
    with sessions.begin() as s:
        row = lock_request(s, saved)
        assert row is not None
        lifecycle.generated(s, row)
        row = lock_request(s, taken)
        assert row is not None
        row.claimed_by = "m9"  # another message took it over
    leases = ClaimLeases(sessions)
    leases.hold(saved, "m1")
    leases.hold(taken, "m1b")
    leases.renew()
    assert leases.held() == {}
    with sessions.begin() as s:
        row = get_request(s, taken)
        assert row is not None and row.state is RequestState.GENERATING
        since = row.generating_since
        assert since is not None
        if since.tzinfo is None:
            since = since.replace(tzinfo=dt.UTC)
        assert utcnow() - since > LEASE  # the other message's claim was not renewed for it
    leases.close()


def test_a_claim_held_too_long_lapses(sessions: sessionmaker[Session]) -> None:
    """A run that failed keeps its claim for its retries; were they lost, the claim must
    still lapse for the sweeper: past ``max_hold_s`` it is no longer renewed."""
    request_id = claimed(sessions, "lease:e", "m1")
    leases = ClaimLeases(sessions, max_hold_s=0.2)
    leases.hold(request_id, "m1")
    leases.renew()
    assert request_id not in stale(sessions)
    time.sleep(0.3)
    leases.hold(request_id, "m1")  # held again by the same claim: still the first hold's age
    leases.renew()
    assert leases.held() == {}
    leases.close()
