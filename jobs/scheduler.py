"""The scheduler: APScheduler ticking ``usecases.schedule.tick`` every few seconds.

APScheduler (3.x) does the timing: an interval job with ``max_instances=1`` (a slow tick
is never overlapped by the next) and ``coalesce`` (ticks missed while the process was busy
or suspended run once, not in a burst), a blocking scheduler for its own process
(``flexflow scheduler``), a background one inside the bot on the embedded default. What
is due lives in the database, not in APScheduler's job store: the only APScheduler job is
the tick, so nothing is lost with the process, and any number of schedulers may run (the
tick claims rows with ``FOR UPDATE SKIP LOCKED``; the actors are idempotent).

A tick that fails (the database or Redis down) is logged and the next one tries again;
its rows were rolled back, so they are still due.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy.exc import SQLAlchemyError

import usecases
from adapters.settings import Settings
from db.models import utcnow
from db.session import create_db_engine, session_factory
from jobs.enqueue import dispatch_due, dispatch_rest
from usecases import schedule
from usecases.errors import QueueUnavailable

__all__ = ["Ticker", "build_scheduler"]

log = logging.getLogger(__name__)


class Ticker:
    """One tick: claim what is due and hand it to the actors."""

    def __init__(self, settings: Settings) -> None:
        self.engine = create_db_engine(settings.database_url)
        self.sessions = session_factory(self.engine)
        self.late_window = dt.timedelta(minutes=settings.flexflow_reminder_late_window_min)

    def __call__(self) -> None:
        try:
            result = schedule.tick(
                self.sessions,
                lambda kind, job_id: dispatch_due(kind.value, job_id),
                now=utcnow(),
                late_window=self.late_window,
            )
        except (SQLAlchemyError, QueueUnavailable) as exc:
            log.warning("scheduler tick failed, the next one tries again: %s", exc)
        else:
            if result.queued or result.skipped:
                log.info(
                    "scheduler: %d queued, %d skipped as too late", result.queued, result.skipped
                )
        try:  # the live sessions' rest timers, due ones handed to their actor
            rests = usecases.claim_rests(self.sessions, dispatch_rest, now=utcnow())
        except (SQLAlchemyError, QueueUnavailable) as exc:
            log.warning("scheduler: rest timers not handed, the next tick tries again: %s", exc)
        else:
            if rests:
                log.debug("scheduler: %d rest timers due", rests)

    def close(self) -> None:
        self.engine.dispose()


def build_scheduler(settings: Settings, *, background: bool) -> tuple[BaseScheduler, Ticker]:
    """A scheduler (not started) that ticks every FLEXFLOW_SCHEDULER_TICK_S seconds."""
    ticker = Ticker(settings)
    options: dict[str, Any] = {
        "executors": {"default": ThreadPoolExecutor(1)},
        "job_defaults": {"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        "timezone": dt.UTC,
    }
    scheduler: BaseScheduler = (
        BackgroundScheduler(**options) if background else BlockingScheduler(**options)
    )
    scheduler.add_job(
        ticker,
        "interval",
        seconds=settings.flexflow_scheduler_tick_s,
        id="tick",
        next_run_time=utcnow(),
    )
    return scheduler, ticker
