"""Scheduler processes against the real worker: one SIGKILLed in the middle of a tick loses
and doubles nothing (the messages it had sent are done once, the rows it had not committed
are claimed again by the next scheduler), and two ticking at once send each reminder once."""

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
pause = float(sys.argv[3])
def slow(kind, job_id):
    jobs.enqueue.dispatch_due(kind.value, job_id)
    print("sent", job_id, flush=True)
    time.sleep(pause)  # a slow tick, so that a kill lands in the middle of its batch
if sys.argv[5] == "wait":  # start with the other scheduler: "go" on stdin
    print("ready", flush=True)
    sys.stdin.readline()
tick(sessions, slow, now=dt.datetime.now(dt.UTC), batch=int(sys.argv[4]))
print("committed", flush=True)
"""


def plan_due(app_settings: Settings, fake_bot_api: FakeBotAPI) -> list[int]:
    """A plan for each of ``USERS`` whose reminder was due ten minutes ago (no workouts to
    make: the preparations are dropped)."""
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
    with sessions.begin() as session:
        session.execute(delete(ScheduledJob).where(ScheduledJob.kind != "remind"))
        return list(session.scalars(select(ScheduledJob.id)))


def statuses(app_settings: Settings, ids: list[int]) -> list[str]:
    """The statuses of these due rows (a reminder sent plans the next session's rows too:
    those are not these)."""
    sessions = session_factory(create_db_engine(app_settings.database_url))
    with sessions.begin() as session:
        return list(session.scalars(select(ScheduledJob.status).where(ScheduledJob.id.in_(ids))))


def scheduler(
    app_settings: Settings, pause: float, batch: int = 500, *, wait: bool = False
) -> subprocess.Popen[str]:
    """A process running one tick (``pause`` seconds after each message it sends)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(CHILD),
            app_settings.database_url,
            app_settings.redis_url or "",
            str(pause),
            str(batch),
            "wait" if wait else "now",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def reminders_of(fake_bot_api: FakeBotAPI) -> list[int]:
    """How many reminders each of ``USERS`` got, once they all have one (or a minute)."""

    def count(chat: int) -> int:
        return sum(m.text.startswith("Today:") for m in fake_bot_api.messages(chat))

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(count(n) == 0 for n in USERS):
        time.sleep(0.2)
    time.sleep(1.0)  # a double, were there one, would have arrived by now
    return [count(n) for n in USERS]


def test_sigkill_mid_tick(
    app_settings: Settings, fake_bot_api: FakeBotAPI, running_worker: jobs.EmbeddedWorker
) -> None:
    sessions = session_factory(create_db_engine(app_settings.database_url))
    ids = plan_due(app_settings, fake_bot_api)
    child = scheduler(app_settings, 0.05)
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
    states = statuses(app_settings, ids)
    # The batch rolled back: every row is still pending, but those of the messages already
    # out, which the worker may be sending or have sent (it waited for the dead tick's locks).
    assert states.count("pending") >= len(USERS) - 20
    assert states.count("pending") + states.count("sending") + states.count("done") == len(USERS)
    # The next scheduler (here, in the test's process) claims them all again.
    tick(
        sessions,
        lambda kind, job_id: jobs.enqueue.dispatch_due(kind.value, job_id),
        now=dt.datetime.now(dt.UTC),
    )

    assert reminders_of(fake_bot_api) == [1] * len(USERS)
    assert statuses(app_settings, ids) == ["done"] * len(USERS)


def test_two_schedulers_at_once(
    app_settings: Settings, fake_bot_api: FakeBotAPI, running_worker: jobs.EmbeddedWorker
) -> None:
    ids = plan_due(app_settings, fake_bot_api)
    # Two processes tick at the same moment, in batches of 7: SKIP LOCKED hands them
    # disjoint rows, batch after batch.
    children = [scheduler(app_settings, 0.02, batch=7, wait=True) for _ in range(2)]
    for child in children:  # both up (imports take seconds on a loaded machine)
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    outputs = [child.communicate(timeout=60)[0] for child in children]
    assert [child.returncode for child in children] == [0, 0]
    sent = [
        [line.split()[1] for line in out.splitlines() if line.startswith("sent")] for out in outputs
    ]
    assert len(sent[0]) + len(sent[1]) == len(USERS)
    assert set(sent[0]).isdisjoint(sent[1])
    assert sent[0] and sent[1], "both took a share"  # they really ran at the same time
    assert reminders_of(fake_bot_api) == [1] * len(USERS)
    assert statuses(app_settings, ids) == ["done"] * len(USERS)
