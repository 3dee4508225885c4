"""The plan's use cases on PostgreSQL with a controllable clock: planning across DST in two
zones, the tick (two schedulers at once, a tick killed before its commit), the late window,
a blocked user and their return, Tomorrow and Skip."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.catalogue import load_catalogue
from core.domain import Focus, WorkoutType
from core.norms import on_focus
from core.rulebased import generate_rule_based
from core.schedule import Split
from db import schedule as db_schedule
from db.models import (
    PlannedSession,
    ScheduledJob,
    User,
    WorkoutLog,
    WorkoutLogSet,
    WorkoutRequestRow,
)
from db.requests import to_generation_request
from usecases import Member, register
from usecases.errors import DeliveryFailed
from usecases.ports import Due, Keyboard
from usecases.reminderbuttons import move_session, skip_session
from usecases.schedule import (
    REQUEUE_AFTER,
    DueKind,
    PlanSettings,
    Scheduling,
    prepare_session,
    save_plan,
    send_reminder,
    stop_plan,
    tick,
)
from usecases.weeklyreview import send_review

UTC = dt.UTC


@dataclass
class Clock:
    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class Outbox:
    """A notifier that records what it sends; ``blocked`` chats raise like a 403."""

    sent: list[tuple[int, str, Keyboard | None]] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def put(
        self,
        chat_id: int,
        html: str,
        *,
        edit_message_id: int | None,
        keyboard: Keyboard | None,
        due: Due | None = None,
    ) -> int:
        if chat_id in self.blocked:
            raise DeliveryFailed(f"chat {chat_id} blocked the bot")
        with self.lock:
            self.sent.append((chat_id, html, keyboard))
            return len(self.sent)

    def close(self) -> None:
        return None


def settings(
    days: tuple[int, ...] = (0, 2, 4),
    at: dt.time = dt.time(7),
    zone: str = "Europe/Berlin",
    *,
    split: Split | None = None,
    kind: WorkoutType | None = WorkoutType.STRENGTH,
) -> PlanSettings:
    return PlanSettings(days, at, zone, 45, "MAX", None if split else kind, split)


def member(n: int) -> Member:
    return Member(telegram_id=n, chat_id=n, name=f"U{n}")


@dataclass
class World:
    sessions: sessionmaker[Session]
    clock: Clock
    outbox: Outbox
    enqueued: list[int]

    @property
    def sch(self) -> Scheduling:
        return Scheduling(self.sessions, self.outbox, self.enqueued.append, self.clock)

    def run(self, kind: DueKind, job_id: int) -> None:
        """Run the actor of ``kind`` at once (the dispatch of a tick)."""
        actors = {
            DueKind.PREPARE: prepare_session,
            DueKind.REMIND: send_reminder,
            DueKind.REVIEW: send_review,
        }
        actors[kind](self.sch, job_id)

    def tick(self, dispatch: Callable[[DueKind, int], None] | None = None) -> None:
        tick(self.sessions, dispatch or self.later, now=self.clock.now)

    def later(self, kind: DueKind, job_id: int) -> None:
        self.queue.append((kind, job_id))

    queue: list[tuple[DueKind, int]] = field(default_factory=list)

    def drain(self) -> None:
        """Run every queued actor message (after the tick's commit, as a worker would)."""
        while self.queue:
            self.run(*self.queue.pop(0))

    def at(self, when: dt.datetime) -> None:
        self.clock.now = when
        self.tick()
        self.drain()

    def planned(self, telegram_id: int) -> list[PlannedSession]:
        with self.sessions.begin() as session:
            user = session.scalar(select(User).where(User.telegram_id == telegram_id))
            assert user is not None
            return list(
                session.scalars(
                    select(PlannedSession)
                    .where(PlannedSession.user_id == user.id)
                    .order_by(PlannedSession.id)
                )
            )


@pytest.fixture
def world(sessions: sessionmaker[Session]) -> World:
    return World(sessions, Clock(dt.datetime(2026, 3, 23, 12, tzinfo=UTC)), Outbox(), [])


def reminders(world: World, chat_id: int) -> list[str]:
    return [html for chat, html, _ in world.outbox.sent if chat == chat_id]


def test_reminders_come_at_seven_local_across_dst_in_berlin_and_new_york(world: World) -> None:
    # Every day at 07:00 from Monday 2026-03-23: Berlin changes on Sunday 29 March. And New
    # York, planned from 2026-10-26: it changes on Sunday 1 November.
    every_day = tuple(range(7))
    register(world.sessions, member(1))
    save_plan(world.sessions, member(1), settings(every_day), now=world.clock.now)
    berlin = ZoneInfo("Europe/Berlin")
    fired: list[dt.datetime] = []
    for _ in range(9):
        [nxt] = [s for s in world.planned(1) if s.status == "planned"]
        world.at(nxt.fire_at - dt.timedelta(minutes=5))  # the workout is prepared
        world.at(nxt.fire_at)  # the reminder goes out
        fired.append(nxt.fire_at)
    local = [f.astimezone(berlin) for f in fired]
    assert [(t.hour, t.minute) for t in local] == [(7, 0)] * 9
    assert [t.day for t in local] == [24, 25, 26, 27, 28, 29, 30, 31, 1]
    assert {t.utcoffset() for t in local} == {dt.timedelta(hours=1), dt.timedelta(hours=2)}
    assert len(reminders(world, 1)) == 9
    assert len(world.enqueued) == 9  # one workout made ahead per session

    register(world.sessions, member(2))
    world.clock.now = dt.datetime(2026, 10, 26, 12, tzinfo=UTC)
    save_plan(
        world.sessions, member(2), settings(every_day, zone="America/New_York"), now=world.clock.now
    )
    ny = ZoneInfo("America/New_York")
    fired = []
    for _ in range(8):
        [nxt] = [s for s in world.planned(2) if s.status == "planned"]
        world.at(nxt.fire_at)
        fired.append(nxt.fire_at)
    assert [(f.astimezone(ny).hour, f.astimezone(ny).day) for f in fired] == [
        (7, d) for d in (27, 28, 29, 30, 31)
    ] + [(7, 1), (7, 2), (7, 3)]
    assert fired[4] - fired[3] == dt.timedelta(days=1)
    assert fired[5] - fired[4] == dt.timedelta(days=1, hours=1)  # the night was an hour longer


def test_reminder_text_and_buttons(world: World) -> None:
    register(world.sessions, member(3))
    view = save_plan(
        world.sessions,
        member(3),
        settings((0, 1, 3, 4), split=Split.UPPER_LOWER),
        now=world.clock.now,
    )
    assert "Tue 24 Mar 07:00 · Lower body" in view.text  # Monday was over at noon
    [nxt] = world.planned(3)
    world.at(nxt.fire_at)
    [(chat, html, keyboard)] = world.outbox.sent
    assert chat == 3
    assert html.startswith("<b>Today: Lower body · 45 min with MAX</b>")
    assert keyboard is not None
    assert [b.label for b in keyboard[0]] == ["▶️ Start", "📅 Tomorrow", "⏭ Skip"]
    assert [b.data for b in keyboard[0]] == [f"c:{nxt.id}:go", f"c:{nxt.id}:tm", f"c:{nxt.id}:sk"]


def test_a_split_days_workout_is_made_for_its_focus(world: World) -> None:
    register(world.sessions, member(4))
    save_plan(
        world.sessions,
        member(4),
        settings((0, 1, 3, 4), split=Split.UPPER_LOWER),
        now=world.clock.now,
    )
    [nxt] = world.planned(4)
    assert nxt.focus == "lower"
    world.at(nxt.fire_at - dt.timedelta(minutes=5))  # the preparation runs
    [request_id] = world.enqueued
    with world.sessions.begin() as session:
        row = session.get(WorkoutRequestRow, request_id)
        assert row is not None and row.focus == "lower"
        request = to_generation_request(session, row)
    assert request.focus is Focus.LOWER
    catalogue = load_catalogue()
    workout = generate_rule_based(request, random.Random(1))
    assert workout.title.startswith("Lower body: ")
    for e in workout.exercises:
        entry = catalogue.get(e.name)
        assert entry is not None and on_focus(Focus.LOWER, entry.muscles), e.name


def test_two_schedulers_at_once_send_each_reminder_once(world: World) -> None:
    for n in range(100, 160):
        register(world.sessions, member(n))
        save_plan(world.sessions, member(n), settings((1,)), now=world.clock.now)
    world.clock.now = dt.datetime(2026, 3, 24, 6, 0, 30, tzinfo=UTC)  # 07:00:30 Berlin
    barrier = threading.Barrier(2)
    seen: list[list[int]] = [[], []]
    errors: list[BaseException] = []
    workers = ThreadPoolExecutor(4)  # the actors run at once, before the tick's commit
    done: list[Future[None]] = []

    def scheduler(k: int) -> None:
        def dispatch(kind: DueKind, job_id: int) -> None:
            seen[k].append(job_id)
            done.append(workers.submit(world.run, kind, job_id))

        try:
            barrier.wait()
            tick(world.sessions, dispatch, now=world.clock.now, batch=7)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=scheduler, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for future in done:
        future.result(60)
    workers.shutdown()
    assert errors == []
    # The preparations were due too (06:55): 60 of each, shared, every one once.
    assert len(seen[0]) + len(seen[1]) == 120
    assert set(seen[0]).isdisjoint(seen[1])
    chats = sorted(chat for chat, _, _ in world.outbox.sent)
    assert chats == list(range(100, 160))


def test_a_tick_killed_before_its_commit_loses_and_doubles_nothing(world: World) -> None:
    for n in range(200, 230):
        register(world.sessions, member(n))
        save_plan(world.sessions, member(n), settings((1,)), now=world.clock.now)
    world.clock.now = dt.datetime(2026, 3, 24, 6, 1, tzinfo=UTC)

    class Killed(BaseException):
        pass

    sent_before_death: list[tuple[DueKind, int]] = []

    def dying(kind: DueKind, job_id: int) -> None:
        sent_before_death.append((kind, job_id))
        if len(sent_before_death) == 25:
            raise Killed  # the process dies after enqueuing 25 messages, before the commit

    with pytest.raises(Killed):
        tick(world.sessions, dying, now=world.clock.now, batch=100)
    # The 25 messages that did reach the queue run (a worker picks them up)...
    for kind, job_id in sent_before_death:
        world.run(kind, job_id)
    # ...and the next tick queues everything still due, the 25 included, once more.
    world.tick()
    world.drain()
    assert sorted(chat for chat, _, _ in world.outbox.sent) == list(range(200, 230))
    with world.sessions.begin() as session:
        states = session.scalars(select(ScheduledJob.status)).all()
    assert set(states) == {"done", "pending"}  # the next sessions are pending


def test_a_lost_message_is_queued_again(world: World) -> None:
    register(world.sessions, member(240))
    save_plan(world.sessions, member(240), settings((1,)), now=world.clock.now)
    world.clock.now = dt.datetime(2026, 3, 24, 6, 1, tzinfo=UTC)
    world.tick(lambda kind, job_id: None)  # queued, but the messages are lost (Redis died)
    world.tick()
    assert world.queue == []  # not yet: a queued row gets its time
    world.clock.now += REQUEUE_AFTER - dt.timedelta(seconds=5)
    world.tick()
    assert world.queue == []  # a burst still waiting its turn is not queued twice
    world.clock.now += dt.timedelta(seconds=10)
    world.tick()
    world.drain()
    assert [chat for chat, _, _ in world.outbox.sent] == [240]


def test_late_reminders_go_out_within_the_window_and_are_skipped_after(world: World) -> None:
    for n in (300, 301):
        register(world.sessions, member(n))
    save_plan(world.sessions, member(300), settings((1,)), now=world.clock.now)
    save_plan(world.sessions, member(301), settings((1,), at=dt.time(9)), now=world.clock.now)
    # Everything was down from before 07:00 until 10:30 Berlin (09:30 UTC): 300's reminder
    # is 3.5 h late (skipped, the next Tuesday planned), 301's is 1.5 h late (goes out).
    world.at(dt.datetime(2026, 3, 24, 9, 30, tzinfo=UTC))
    assert [chat for chat, _, _ in world.outbox.sent] == [301]
    missed = world.planned(300)
    assert [(s.status, s.local_date.day) for s in missed] == [("missed", 24), ("planned", 31)]
    with world.sessions.begin() as session:
        notes = session.scalars(
            select(ScheduledJob.note).where(ScheduledJob.session_id == missed[0].id)
        ).all()
    assert all(note and note.startswith("late") for note in notes)
    assert len(world.enqueued) == 1  # 301's workout, prepared late but within the window


def test_a_blocked_user_gets_nothing_until_they_come_back(world: World) -> None:
    register(world.sessions, member(400))
    save_plan(world.sessions, member(400), settings((1, 3)), now=world.clock.now)
    world.outbox.blocked.add(400)
    first = world.planned(400)[0]
    world.at(first.fire_at - dt.timedelta(minutes=5))
    assert len(world.enqueued) == 1  # not known to be blocked yet: prepared
    world.at(first.fire_at)  # the send gets a 403
    with world.sessions.begin() as session:
        user = session.scalar(select(User).where(User.telegram_id == 400))
        assert user is not None and user.blocked
    # Thursday: nothing is prepared or sent while blocked, and the plan goes on.
    second = world.planned(400)[-1]
    world.at(second.fire_at - dt.timedelta(minutes=5))
    world.at(second.fire_at)
    assert world.outbox.sent == [] and len(world.enqueued) == 1
    assert [s.status for s in world.planned(400)] == ["missed", "missed", "planned"]
    # They unblock the bot and send /start: the next Tuesday's reminder goes out.
    world.outbox.blocked.clear()
    register(world.sessions, member(400))
    third = world.planned(400)[-1]
    world.at(third.fire_at - dt.timedelta(minutes=5))
    world.at(third.fire_at)
    assert [chat for chat, _, _ in world.outbox.sent] == [400]
    assert len(world.enqueued) == 2


def test_tomorrow_moves_the_reminder_a_day_and_skip_records_it(world: World) -> None:
    register(world.sessions, member(500))
    save_plan(world.sessions, member(500), settings((1,)), now=world.clock.now)
    [tuesday] = world.planned(500)
    world.at(tuesday.fire_at)
    assert len(world.outbox.sent) == 1
    moved = move_session(world.sessions, member(500), tuesday.id, now=world.clock.now)
    assert moved is not None and moved.local_date == dt.date(2026, 3, 25)
    assert moved.fire_at == tuesday.fire_at + dt.timedelta(days=1)
    # A forged button from someone else moves and skips nothing.
    register(world.sessions, member(501))
    assert move_session(world.sessions, member(501), tuesday.id, now=world.clock.now) is None
    assert not skip_session(world.sessions, member(501), tuesday.id)
    world.at(moved.fire_at)
    assert len(world.outbox.sent) == 2  # reminded again on Wednesday
    assert skip_session(world.sessions, member(500), tuesday.id)
    states = [(s.local_date.day, s.status) for s in world.planned(500)]
    assert states == [(25, "skipped"), (31, "planned")]
    assert not skip_session(world.sessions, member(500), tuesday.id)  # once


def test_plan_off_stops_everything(world: World) -> None:
    register(world.sessions, member(600))
    save_plan(world.sessions, member(600), settings((1,)), now=world.clock.now)
    assert stop_plan(world.sessions, member(600))
    assert not stop_plan(world.sessions, member(600))
    world.at(dt.datetime(2026, 3, 24, 6, tzinfo=UTC))
    assert world.outbox.sent == [] and world.planned(600) == []
    with world.sessions.begin() as session:
        assert session.scalars(select(WorkoutRequestRow)).all() == []


def test_tomorrow_pressed_before_the_reminder_is_recorded_wins(world: World) -> None:
    """The user sees the reminder and taps Tomorrow while its actor has not yet written
    that it was sent: the move stands, and the reminder comes again the next day."""
    register(world.sessions, member(700))
    save_plan(world.sessions, member(700), settings((1,)), now=world.clock.now)
    [tuesday] = world.planned(700)
    outbox = world.outbox

    class Quick:
        def put(self, chat_id: int, html: str, **kwargs: object) -> int:
            message_id = outbox.put(chat_id, html, edit_message_id=None, keyboard=None)
            moved = move_session(world.sessions, member(700), tuesday.id, now=world.clock.now)
            assert moved is not None
            return message_id

        def close(self) -> None:
            return None

    world.clock.now = tuesday.fire_at
    quick = Scheduling(world.sessions, Quick(), world.enqueued.append, world.clock)  # type: ignore[arg-type]
    tick(
        world.sessions, lambda kind, job_id: world.queue.append((kind, job_id)), now=world.clock.now
    )
    for kind, job_id in world.queue:
        (prepare_session if kind is DueKind.PREPARE else send_reminder)(quick, job_id)
    world.queue.clear()
    assert len(outbox.sent) == 1
    [moved] = world.planned(700)
    assert moved.status == "planned" and moved.local_date == dt.date(2026, 3, 25)
    world.at(moved.fire_at)
    assert len(outbox.sent) == 2  # Wednesday's reminder


def log_workout(
    world: World, telegram_id: int, at: dt.datetime, sets: list[tuple[str, int, float]]
) -> None:
    with world.sessions.begin() as session:
        user = session.scalar(select(User).where(User.telegram_id == telegram_id))
        assert user is not None
        log = WorkoutLog(user_id=user.id, performed_at=at)
        log.sets = [
            WorkoutLogSet(exercise_name=name, set_number=n, reps=reps, weight_kg=kg)
            for n, (name, reps, kg) in enumerate(sets, 1)
        ]
        session.add(log)


def test_the_weekly_review_on_sunday_evening(world: World) -> None:
    register(world.sessions, member(800))
    # Mon, Wed, Fri from Monday 2026-03-23 (Berlin); noon, so Monday's 07:00 is past.
    world.clock.now = dt.datetime(2026, 3, 22, 12, tzinfo=UTC)  # Sunday: planned from Monday
    save_plan(world.sessions, member(800), settings((0, 2, 4)), now=world.clock.now)
    monday = world.planned(800)[0]
    world.at(monday.fire_at)
    log_workout(world, 800, monday.fire_at + dt.timedelta(hours=1), [("Squat", 5, 100.0)] * 3)
    wednesday = world.planned(800)[-1]
    world.at(wednesday.fire_at)
    assert skip_session(world.sessions, member(800), wednesday.id)
    friday = world.planned(800)[-1]
    world.at(friday.fire_at - dt.timedelta(minutes=5))
    world.at(friday.fire_at + dt.timedelta(hours=3))  # everything down: Friday is missed
    before = len(world.outbox.sent)
    # Sunday 29 March, 19:00 Berlin (CEST since that night): 17:00 UTC.
    world.at(dt.datetime(2026, 3, 29, 16, 59, tzinfo=UTC))
    assert len(world.outbox.sent) == before
    world.at(dt.datetime(2026, 3, 29, 17, 0, 1, tzinfo=UTC))
    [(chat, review, keyboard)] = world.outbox.sent[before:]
    print(review)
    assert chat == 800 and keyboard is None
    assert review.startswith("<b>🏋️ MAX: your week</b>\nSessions: 1 of 3 planned")
    assert "Volume: 1500 kg lifted" in review
    assert "Squat: 100 kg × 5" in review  # a first top set is a record
    assert "Missed: Wed, Fri" in review
    # The next week's review is planned, once.
    with world.sessions.begin() as session:
        reviews = session.scalars(
            select(ScheduledJob).where(ScheduledJob.kind == "review").order_by(ScheduledJob.id)
        ).all()
    assert [(r.status, r.note, r.fire_at) for r in reviews] == [
        ("skipped", "late: due 2026-03-22 18:00 UTC", dt.datetime(2026, 3, 22, 18, tzinfo=UTC)),
        ("done", None, dt.datetime(2026, 3, 29, 17, tzinfo=UTC)),
        ("pending", None, dt.datetime(2026, 4, 5, 17, tzinfo=UTC)),
    ]
    world.tick()
    assert world.queue == []  # sent once


def test_a_preparation_and_a_button_at_the_same_moment_do_not_deadlock(world: World) -> None:
    """Tomorrow locks the session and then writes its due rows; a preparation running at
    that moment must take the same locks in the same order (it deadlocked when it locked
    its row first and wrote the session after)."""
    register(world.sessions, member(710))
    save_plan(world.sessions, member(710), settings((1,)), now=world.clock.now)
    [tuesday] = world.planned(710)
    with world.sessions.begin() as session:
        prepare = session.scalar(
            select(ScheduledJob).where(
                ScheduledJob.session_id == tuesday.id, ScheduledJob.kind == "prepare"
            )
        )
        assert prepare is not None
        prepare_id = prepare.id
    world.clock.now = tuesday.fire_at - dt.timedelta(minutes=4)
    holding, errors = threading.Event(), []

    def button() -> None:  # what move_session does, with a pause inside
        try:
            with world.sessions.begin() as session:
                db_schedule.lock_session(session, tuesday.id)
                holding.set()
                time.sleep(0.5)  # the preparation starts meanwhile
                job = db_schedule.lock_job(session, prepare_id)
                assert job is not None
                job.note = "touched by the button"
        except Exception as exc:
            errors.append(exc)

    pressing = threading.Thread(target=button)
    pressing.start()
    holding.wait(5)
    prepare_session(world.sch, prepare_id)  # waits for the button's transaction
    pressing.join(10)
    assert errors == []
    assert len(world.enqueued) == 1
