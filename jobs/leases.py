"""The claims this worker process keeps alive: a daemon thread renews their leases.

A generation's claim (usecases/generation.py) lasts ``CLAIM_LEASE_S`` from its request's
``generating_since``; then the sweeper queues the request again and another message may
take it over. While this process works on a request (a thread generating it, or its AI call
parked, with no thread and no queue message holding it), ``ClaimLeases`` restarts that clock
every ``RENEW_S`` in one UPDATE for all of them. A worker that dies stops renewing, so its
requests come back within a lease and a sweep. A claim whose request moved on (saved,
taken over, failed) is dropped at the next renewal.

Written here rather than with Dramatiq: a parked call has no message left for the broker's
own heartbeats to keep (the message that started it is acknowledged when it parks).
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from db import requests as db_requests

__all__ = ["CLAIM_LEASE_S", "MAX_HOLD_S", "RENEW_S", "SWEEP_S", "ClaimLeases"]

log = logging.getLogger(__name__)

CLAIM_LEASE_S = 20.0
"""How long a claim lasts unless renewed: a dead worker's request is queued again this long
after its last renewal (and within a sweep: ``SWEEP_S``)."""
RENEW_S = 5.0
"""How often the claims held are renewed: a lease survives three missed renewals."""
SWEEP_S = 10.0
"""How often a worker looks for requests nobody is working on (jobs/sweeper.py)."""
MAX_HOLD_S = 15 * 60.0
"""The longest a claim is kept alive: a run that failed keeps its claim while its retries
wait (about five minutes in all, jobs/generate.py), and were its retry lost with Redis, the
claim must still lapse some time for the sweeper to queue the request again."""


class ClaimLeases:
    """The claims of this process, renewed every ``interval_s`` by a daemon thread."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        interval_s: float = RENEW_S,
        max_hold_s: float = MAX_HOLD_S,
    ) -> None:
        self._sessions = sessions
        self._interval_s = interval_s
        self._max_hold_s = max_hold_s
        self._held: dict[int, tuple[str, float]] = {}
        """Request id -> (holder, when it was first held)."""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def hold(self, request_id: int, holder: str) -> None:
        with self._lock:
            kept = self._held.get(request_id)
            since = kept[1] if kept is not None and kept[0] == holder else time.monotonic()
            self._held[request_id] = (holder, since)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="flexflow-claim-leases", daemon=True
                )
                self._thread.start()

    def release(self, request_id: int) -> None:
        with self._lock:
            self._held.pop(request_id, None)

    def held(self) -> dict[int, str]:
        """The claims held now (request id -> holder)."""
        with self._lock:
            return {request_id: holder for request_id, (holder, _) in self._held.items()}

    def renew(self) -> None:
        """Renew every claim held now; forget those whose request moved on, and those held
        longer than ``max_hold_s``."""
        oldest = time.monotonic() - self._max_hold_s
        with self._lock:
            for request_id in [r for r, (_, since) in self._held.items() if since < oldest]:
                log.warning("request %s: its claim was held too long; letting it lapse", request_id)
                del self._held[request_id]
        claims = self.held()
        if not claims:
            return
        with self._sessions.begin() as session:
            alive = db_requests.renew_claims(session, claims)
        with self._lock:
            for request_id, holder in claims.items():
                kept = self._held.get(request_id)
                if request_id not in alive and kept is not None and kept[0] == holder:
                    del self._held[request_id]

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                self.renew()
            except SQLAlchemyError as exc:  # next round; three can be missed within a lease
                log.warning("could not renew %d claim(s): %s", len(self._held), exc)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=5)
