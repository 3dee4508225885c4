"""The 10,000-reminder morning, measured where Telegram would see it.

    REMINDERS plans whose reminder is due now               (rows in PostgreSQL)
    flexflow scheduler  ─ticks every second─▶  flexflow worker x WORKERS  ─▶  fake Bot API
    users writing /help meanwhile  ─▶  flexflow bot  ─▶  fake Bot API

The real scheduler claims the due rows and hands them to the reminders' actor; the real
workers send each reminder through their bulk notifier (the send budget's bulk tier, on
Redis) to the strict fake Bot API, which stamps every call as it arrives. Meanwhile users
write /help at ``REPLIES_PER_S`` (each in their own chat), and the bot's answers go through
the ordinary tier: a reply's wait is its arrival at the fake minus the user's message, the
same measured before the burst (the bot alone) for comparison.

Figures: the spread of the reminders at the fake against count / 28 s, the most messages
in any second there (Telegram's ceiling is 30), due order (the rows are claimed oldest
first, id breaking the tie of one 07:00), and the replies' waits. The count is
FLEXFLOW_BENCH_REMINDERS (10,000 by default; 2,000 to iterate).
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select

from bench.system import System, no_collections
from core.domain import WorkoutType
from db.models import ScheduledJob, User
from db.session import create_db_engine, session_factory
from tests.fakes.bot_api import SEND_METHODS, Call, max_in_window
from usecases import Member, register
from usecases.schedule import PlanSettings, save_plan

__all__ = ["REMINDER_CHATS", "Morning", "count_from_env", "run", "seed_reminders"]

WORKERS = 2
THREADS = 8
"""``flexflow worker``'s defaults (FLEXFLOW_WORKER_PROCESSES, FLEXFLOW_WORKER_THREADS)."""
REMINDER_CHATS = 4_000_000
"""Chat ids of the reminded users start here; the replying users' at ``REPLY_CHATS``."""
REPLY_CHATS = 5_000_000
REPLIES_PER_S = 0.5
"""Few enough to leave the reminders nearly the whole budget (each reply takes a slot)."""
QUIET_REPLIES = 10
"""Replies measured before the burst, one at a time."""
REPLY_TEXT = "/help"
SEED_THREADS = 4


@dataclass(frozen=True, slots=True)
class Morning:
    """What the morning measured (times at the fake Bot API)."""

    reminders: int
    sent: int
    """Reminders that reached the fake."""
    first_s: float
    """From the scheduler's start to the first reminder at the fake."""
    makespan_s: float
    """From the first reminder at the fake to the last."""
    budget_per_s: float
    """Every message sent between the first reminder and the last (replies too) per second
    of it: the send budget's use."""
    max_per_second: int
    """Most messages (reminders, replies, anything sent) in any one-second window."""
    out_of_order: int
    """Reminders that arrived before one due ahead of them."""
    max_displacement: int
    """The furthest a reminder arrived from its place in due order."""
    replies: int
    reply_p50_ms: float
    reply_max_ms: float
    quiet_p50_ms: float
    """A reply's wait with the bot alone, before the burst."""
    errors: int
    """Calls the fake rejected."""
    longest_gap_ms: float
    """The longest time without a message arriving during the burst (the budget's pace is
    36 ms): a stall of the senders or of the fake."""


def count_from_env() -> int:
    return int(os.environ.get("FLEXFLOW_BENCH_REMINDERS", "10000"))


def seed_reminders(database_url: str, first_chat: int, count: int) -> list[int]:
    """``count`` users, chats ``first_chat`` on, each with a plan whose reminder was due ten
    minutes ago (one moment for all; no workouts made ahead, no reviews); the reminders'
    chats in due order."""
    sessions = session_factory(create_db_engine(database_url))
    now = dt.datetime.now(dt.UTC)
    ten_ago = (now - dt.timedelta(minutes=10)).replace(second=0, microsecond=0)
    week = PlanSettings(
        (ten_ago.weekday(),), ten_ago.time(), "UTC", 30, "MAX", WorkoutType.HIIT, None
    )

    def plan(n: int) -> None:
        who = Member(telegram_id=first_chat + n, chat_id=first_chat + n, name=None)
        register(sessions, who)
        save_plan(sessions, who, week, now=now - dt.timedelta(hours=1))

    with ThreadPoolExecutor(SEED_THREADS) as pool:  # due order is read back below
        list(pool.map(plan, range(count)))
    with sessions.begin() as session:
        session.execute(delete(ScheduledJob).where(ScheduledJob.kind != "remind"))
        chats = session.scalars(
            select(User.chat_id)
            .join(ScheduledJob, ScheduledJob.user_id == User.id)
            .where(User.chat_id >= first_chat, User.chat_id < first_chat + count)
            .order_by(ScheduledJob.fire_at, ScheduledJob.id)
        )
        return [c for c in chats if c is not None]


def _order(arrivals: list[Call], due: list[int]) -> tuple[int, int]:
    """Out of order and furthest displacement of the arrived reminders."""
    rank = {chat: n for n, chat in enumerate(due)}
    order = [rank[c.chat_id] for c in sorted(arrivals, key=lambda c: c.at) if c.chat_id in rank]
    out = sum(1 for a, b in itertools.pairwise(order) if b < a)
    return out, max((abs(i - n) for i, n in enumerate(_ranks(order))), default=0)


def _ranks(order: list[int]) -> list[int]:
    """Each arrival's place among the arrivals in due order (reminders that never came
    do not count as displacement)."""
    place = {n: i for i, n in enumerate(sorted(order))}
    return [place[n] for n in order]


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else float("nan")


class _Replies:
    """Users writing /help, each in a chat of their own; their answers' waits."""

    def __init__(self, system: System) -> None:
        self.system = system
        self.asked: dict[int, float] = {}
        self._next = REPLY_CHATS

    def ask(self) -> int:
        user = self.system.telegram.user(self._next)
        self._next += 1
        self.asked[user.id] = time.monotonic()
        user.send(REPLY_TEXT)
        return user.id

    def waits(self, chats: set[int] | None = None) -> list[float]:
        first: dict[int, float] = {}
        for call in self.system.telegram.calls("sendMessage"):
            chat = call.chat_id
            if chat in self.asked and chat not in first and (chats is None or chat in chats):
                first[chat] = call.at
        return [(at - self.asked[chat]) * 1000 for chat, at in first.items()]

    def quiet(self, count: int) -> list[float]:
        """``count`` replies one at a time, the bot otherwise idle."""
        asked = set()
        for _ in range(count):
            chat = self.ask()
            asked.add(chat)
            deadline = time.monotonic() + 30
            while not self.waits({chat}) and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(1.0)  # the budget is idle again
        return self.waits(asked)


def run(count: int | None = None) -> Morning:
    """Seed ``count`` due reminders, start the scheduler, and follow them to the fake."""
    count = count_from_env() if count is None else count
    logs = Path(tempfile.gettempdir()) / "flexflow-bench-reminders"
    with System(workers=WORKERS, threads=THREADS, ai=False, logs=logs) as system:
        for n in range(count):
            system.telegram.user(REMINDER_CHATS + n)
        due = seed_reminders(system.database_url, REMINDER_CHATS, count)
        replies = _Replies(system)
        quiet = replies.quiet(QUIET_REPLIES)
        quiet_chats = set(replies.asked)
        seen = len(system.telegram.calls())
        # The fake Bot API is the instrument: its arrival stamps are taken on its event loop
        # in this process, so nothing is collected during the burst (no_collections).
        with no_collections():
            started = time.monotonic()
            system._spawn("scheduler", "scheduler")
            wanted = set(due)
            arrived: dict[int, Call] = {}
            deadline = started + count / 20 + 120
            next_reply = started
            while len(arrived) < count and time.monotonic() < deadline:
                if time.monotonic() >= next_reply:
                    if arrived:  # once the burst is going out
                        replies.ask()
                    next_reply += 1.0 / REPLIES_PER_S
                time.sleep(0.05)
                calls = system.telegram.calls_since(seen)
                seen += len(calls)
                for call in calls:
                    chat = call.chat_id
                    if call.method == "sendMessage" and chat in wanted and chat not in arrived:
                        arrived[chat] = call
            time.sleep(2.0)  # the last replies' answers
        during = replies.waits(set(replies.asked) - quiet_chats)
        sends = [c.at for c in system.telegram.calls() if c.method in SEND_METHODS]
        times = sorted(c.at for c in arrived.values())
        during_burst = [t for t in sends if times and times[0] <= t <= times[-1]]
        gap = max((b - a for a, b in itertools.pairwise(sorted(during_burst))), default=0.0)
        out, displacement = _order(list(arrived.values()), due)
        return Morning(
            reminders=count,
            sent=len(arrived),
            first_s=(times[0] - started) if times else float("nan"),
            makespan_s=(times[-1] - times[0]) if times else float("nan"),
            budget_per_s=(
                sum(1 for t in sends if times[0] <= t <= times[-1]) / (times[-1] - times[0])
                if len(times) > 1
                else float("nan")
            ),
            max_per_second=max_in_window(sends),
            out_of_order=out,
            max_displacement=displacement,
            replies=len(during),
            reply_p50_ms=_pct(during, 0.5),
            reply_max_ms=max(during, default=float("nan")),
            quiet_p50_ms=_pct(quiet, 0.5),
            errors=len(system.telegram.errors()),
            longest_gap_ms=gap * 1000,
        )
