"""Rest timers under load: 1,000 live sessions resting at once while a reminder burst goes
out, through the real scheduler, worker, PostgreSQL, Redis and the fake Bot API.

    1,000 live sessions, rests ending spread over a minute   (rows in PostgreSQL)
    REMINDERS reminders due now                               (the plan's due rows)
    flexflow scheduler  ─ticks every second─▶  flexflow worker  ─▶  fake Bot API

The scheduler hands each due rest to the ringing actor (its own queue, top priority) and
each due reminder to the reminders' actor (bulk tier); the worker sends both through the
shared send budget. A ring's lateness is when its "Rest over" message reached the fake Bot
API minus the rest's end. Target (issue 15): p99 <= 2 s while the burst is going out.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
import uuid
from dataclasses import dataclass

from sqlalchemy import update

from bench.reminders import seed_reminders
from bench.system import System
from core.domain import Units
from core.live import done_set, start
from core.models import Block, Exercise, Workout
from db.live import create_live
from db.models import LiveSession
from db.session import create_db_engine, session_factory
from db.users import upsert_telegram_user
from tests.fakes.bot_api import max_in_window
from tests.seed import save_plan
from tests.support.requests import add_request

__all__ = ["TimerRun", "run"]

SESSIONS = 1000
REMINDERS = 2000
RING_CHATS = 3_000_000
"""Chat ids of the resting users start here; the reminded users' after them."""
SPREAD_S = 60.0
"""The rests end uniformly over this window, starting ``LEAD_S`` after seeding."""
LEAD_S = 10.0


@dataclass(frozen=True, slots=True)
class TimerRun:
    """What the run measured."""

    sessions: int
    rung: int
    late_p50_ms: float
    late_p99_ms: float
    late_max_ms: float
    reminders: int
    reminders_sent: int
    """Reminders out by the time the last ring went (the burst overlapped the rings)."""
    max_per_second: int


def _workout() -> Workout:
    squat = Exercise(
        name="Goblet squat",
        sets=3,
        reps="8-10",
        rest_seconds=90,
        instructions="Sit between the hips.",
        equipment=[],
        weighted=True,
        target_weight=20,
        weight_unit=Units.KG,
        alternatives=["Bodyweight squat", "Split squat"],
    )
    return Workout(
        title="Timer day",
        intro="Rest well.",
        warmup=Block(minutes=5, items=["Arm circles"]),
        exercises=[squat],
        outro="Done.",
    )


def _seed(system: System, count: int) -> list[int]:
    """``count`` resting sessions (their rests not yet timed) and the reminder burst; the
    sessions' ids."""
    sessions = session_factory(create_db_engine(system.database_url))
    workout = _workout()
    rested = done_set(start(workout, Units.KG))[0]
    ids = []
    with sessions.begin() as session:
        for n in range(count):
            chat = RING_CHATS + n
            user = upsert_telegram_user(session, telegram_id=chat, chat_id=chat, name="R")
            row = add_request(session, user.id, chat_id=chat, key=f"bench:{uuid.uuid4().hex}")
            plan = save_plan(session, row, workout, "rule_based", None)
            live = create_live(
                session,
                user_id=user.id,
                plan_id=plan.id,
                chat_id=chat,
                title=workout.title,
                position=rested.to_data(),
            )
            ids.append(live.id)
    seed_reminders(system.database_url, RING_CHATS + count, REMINDERS)  # the burst
    return ids


def _time_rests(system: System, ids: list[int], ends: list[dt.datetime]) -> None:
    sessions = session_factory(create_db_engine(system.database_url))
    with sessions.begin() as session:
        for live_id, end in zip(ids, ends, strict=True):
            session.execute(
                update(LiveSession).where(LiveSession.id == live_id).values(rest_until=end)
            )


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def run(sessions: int = SESSIONS) -> TimerRun:
    """Seed, run the scheduler and one worker, and time every ring."""
    with System(workers=1, threads=8, ai=False) as system:
        for n in range(sessions + REMINDERS):
            system.telegram.user(RING_CHATS + n)
        ids = _seed(system, sessions)
        rng = random.Random(5)
        first = time.time() + LEAD_S
        ends = [dt.datetime.fromtimestamp(first + rng.random() * SPREAD_S, dt.UTC) for _ in ids]
        _time_rests(system, ids, ends)
        offset = time.time() - time.monotonic()  # the fake's clock is monotonic
        system._spawn("scheduler", "scheduler")  # the burst starts: its reminders are due
        end_of = {RING_CHATS + n: end.timestamp() for n, end in enumerate(ends)}
        deadline = max(end_of.values()) + 60
        rings: dict[int, float] = {}
        seen = 0
        while time.time() < deadline and len(rings) < sessions:
            time.sleep(0.5)
            calls = system.telegram.calls_since(seen)
            seen += len(calls)
            for call in calls:
                chat = call.chat_id
                if call.method == "sendMessage" and chat in end_of and chat not in rings:
                    rings[chat] = call.at + offset
        late = [(at - end_of[chat]) * 1000 for chat, at in rings.items()]
        last = max(rings.values(), default=time.time())
        sends = [c.at + offset for c in system.telegram.calls("sendMessage")]
        reminders_sent = sum(
            1
            for c in system.telegram.calls("sendMessage")
            if c.chat_id is not None and c.chat_id not in end_of and c.at + offset <= last
        )
        return TimerRun(
            sessions=sessions,
            rung=len(rings),
            late_p50_ms=statistics.median(late) if late else float("nan"),
            late_p99_ms=_pct(late, 0.99) if late else float("nan"),
            late_max_ms=max(late, default=float("nan")),
            reminders=REMINDERS,
            reminders_sent=reminders_sent,
            max_per_second=max_in_window(sends),
        )
