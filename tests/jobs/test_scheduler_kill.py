"""A scheduler process SIGKILLed in the middle of a tick loses and doubles nothing: the
messages it had sent are done once by the real worker, the rows it had not committed are
claimed again by the next scheduler, and every chat gets its reminder exactly once."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time

from sqlalchemy import delete, select

import jobs
from adapters.settings import Settings
from core.domain import WorkoutType
from db.models import ScheduledJob
from db.session import create_db_engine, session_factory
from tests.fakes.bot_api import FakeBotAPI
from usecases import Member, register
from usecases.schedule import PlanSettings, save_plan, tick

USERS = range(900, 960)

CHILD = """
import sys, time, datetime as dt
import jobs
from db.session import create_db_engine, session_factory
from usecases.schedule import tick
jobs.setup_broker(sys.argv[2])
sessions = session_factory(create_db_engine(sys.argv[1]))
def slow(kind, job_id):
    jobs.enqueue.dispatch_due(kind.value, job_id)
    print("sent", job_id, flush=True)
    time.sleep(0.05)  # a slow tick, so that the kill lands in the middle of its batch
tick(sessions, slow, now=dt.datetime.now(dt.UTC))
print("committed", flush=True)
"""


def test_sigkill_mid_tick(
    app_settings: Settings, fake_bot_api: FakeBotAPI, running_worker: jobs.EmbeddedWorker
) -> None:
    sessions = session_factory(create_db_engine(app_settings.database_url))
    now = dt.datetime.now(dt.UTC)
    ten_ago = (now - dt.timedelta(minutes=10)).replace(second=0, microsecond=0)
    for n in USERS:
        fake_bot_api.user(n)
        who = Member(telegram_id=n, chat_id=n, name=None)
        register(sessions, who)
        # Planned an hour ago: today's session, ten minutes ago, is due now.
        day, at = (ten_ago.weekday(),), ten_ago.time()
        plan = PlanSettings(day, at, "UTC", 30, "MAX", WorkoutType.HIIT, None)
        save_plan(sessions, who, plan, now=now - dt.timedelta(hours=1))
    with sessions.begin() as session:  # reminders only: no workouts to make in this test
        session.execute(delete(ScheduledJob).where(ScheduledJob.kind == "prepare"))
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(CHILD),
            app_settings.database_url,
            app_settings.redis_url or "",
        ],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert child.stdout is not None
    sent = 0
    for line in child.stdout:
        if line.startswith("sent"):
            sent += 1
        if sent == 20:
            os.killpg(child.pid, signal.SIGKILL)  # mid-tick: 20 messages out, no commit
            break
    child.wait(10)
    assert child.returncode == -signal.SIGKILL
    with sessions.begin() as session:
        states = session.scalars(select(ScheduledJob.status)).all()
    # The batch rolled back: every row is still pending, but those of the messages already
    # out, which the worker may have done meanwhile (it waited for the dead tick's locks).
    assert states.count("pending") >= len(USERS) - 20
    assert states.count("pending") + states.count("done") == len(USERS)
    # The next scheduler (here, in the test's process) claims them all again.
    tick(
        sessions,
        lambda kind, job_id: jobs.enqueue.dispatch_due(kind.value, job_id),
        now=dt.datetime.now(dt.UTC),
    )

    def reminders(chat: int) -> int:
        return sum(m.text.startswith("Today:") for m in fake_bot_api.messages(chat))

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(reminders(n) == 0 for n in USERS):
        time.sleep(0.2)
    time.sleep(1.0)  # a double, were there one, would have arrived by now
    assert [reminders(n) for n in USERS] == [1] * len(USERS)
    with sessions.begin() as session:
        done = session.scalars(
            select(ScheduledJob.status).where(ScheduledJob.kind == "remind")
        ).all()
    assert done.count("done") == len(USERS)
