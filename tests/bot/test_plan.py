"""/plan through the real bot and a real worker against the strict fake Bot API: the dialog,
the week, a field changed; a reminder sent by the scheduler's actors with a controllable
clock, its Start (the workout generated ahead, shown at once with a delivery's buttons),
Tomorrow and Skip; a forged button from another chat does nothing; /plan off."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import jobs
from db.models import PlannedSession, WorkoutRequestRow
from tests.bot.conftest import PLAN_BUTTONS, WAIT, BotRunner, api_errors, press, press_data
from tests.fakes.bot_api import FakeBotAPI, FakeUser
from tests.support.chat import say, tick
from usecases import schedule

pytestmark = pytest.mark.usefixtures("bot")
BERLIN = ZoneInfo("Europe/Berlin")


@dataclasses.dataclass
class Clock:
    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now


def sessions_of(sessions: sessionmaker[Session]) -> list[PlannedSession]:
    with sessions.begin() as session:
        return list(session.scalars(select(PlannedSession).order_by(PlannedSession.id)))


async def set_up_plan(user: FakeUser) -> None:
    """/plan: Tue + Thu, 7:30 typed, Berlin typed, 45 min, MAX, the full-body split."""
    await say(user, "/plan", "Which days do you train?")
    await tick(user, "Tue")
    await tick(user, "Thu")
    await press(user, "Done")
    await user.wait_for_text("What time?", timeout=WAIT)
    await say(user, "half past seven", "Send a time of day")  # not understood: asked again
    await say(user, "7:30", "Which time zone?")
    await say(user, "Atlantis", "I don't know the time zone")
    await say(user, "Berlin", "How long is a session?")
    await press(user, "45 min")
    await user.wait_for_text("Who coaches you", timeout=WAIT)
    await press(user, "MAX")
    await user.wait_for_text("A split for your week", timeout=WAIT)
    await press(user, "Full body split")


async def run_due(bot: BotRunner, worker: jobs.EmbeddedWorker, clock: Clock) -> None:
    """One scheduler tick at the clock's time, its messages to the real worker."""
    await asyncio.to_thread(
        schedule.tick,
        bot.sessions,
        lambda kind, job_id: jobs.enqueue.dispatch_due(kind.value, job_id),
        now=clock.now,
    )


async def test_plan_dialog_reminder_and_its_buttons(
    fake_bot_api: FakeBotAPI, bot: BotRunner, running_worker: jobs.EmbeddedWorker
) -> None:
    clock = Clock(dt.datetime.now(dt.UTC))
    scheduling = running_worker.resources.scheduling
    assert scheduling is not None
    running_worker.resources.scheduling = dataclasses.replace(scheduling, clock=clock)
    user = fake_bot_api.user(701, "Pat")
    await set_up_plan(user)
    week = await user.wait_for_text("Your plan", timeout=WAIT)
    print("\n" + week.text)
    assert "Days: Tue, Thu at 07:30 (Berlin)" in week.text
    assert "45 min with 🏋️ MAX · Full body" in week.text
    assert week.text.count("· Full body") >= 2  # the week lists both sessions
    assert week.buttons[:3] == ["✏️ Days", "✏️ Time", "✏️ Zone"]

    # Change one field: the time, typed.
    await press(user, "✏️ Time")
    await say(user, "6pm", "Days: Tue, Thu at 18:00 (Berlin)")

    [planned] = sessions_of(bot.sessions)
    assert planned.fire_at.astimezone(BERLIN).time() == dt.time(18)

    # Five minutes before: the workout is generated ahead (no message in the chat).
    before = len(user.messages)
    clock.now = planned.fire_at - dt.timedelta(minutes=5)
    await run_due(bot, running_worker, clock)

    def generated() -> bool:
        with bot.sessions.begin() as session:
            row = session.scalar(select(WorkoutRequestRow))
            return row is not None and row.state == "delivered" and row.chat_id is None

    await user.wait_until(lambda _: generated(), timeout=30)
    assert len(user.messages) == before

    # At 18:00 Berlin the reminder arrives.
    clock.now = planned.fire_at
    await run_due(bot, running_worker, clock)
    reminder = await user.wait_for_text("Today:", timeout=WAIT)
    print(reminder.text)
    assert reminder.text.startswith("Today: Full body · 45 min with MAX")
    assert reminder.buttons == ["▶️ Start", "📅 Tomorrow", "⏭ Skip"]

    # Someone else's forged button does nothing.
    other = fake_bot_api.user(702, "Eve")
    hello = await say(other, "/start", "")
    answer = await press_data(other, f"c:{planned.id}:sk", hello.message_id)
    assert answer.text == "Session not found."
    assert sessions_of(bot.sessions)[0].status == "reminded"

    # Start: the workout made ahead, in the reminder's message, with a delivery's buttons.
    await press(user, "Start", message_id=reminder.message_id)
    shown = await user.wait_until(
        lambda u: next((m for m in u.messages if "🔀 Swap" in m.buttons), None), timeout=WAIT
    )
    assert shown.message_id == reminder.message_id or shown.buttons == PLAN_BUTTONS
    assert shown.buttons == PLAN_BUTTONS
    print(shown.text[:300])
    assert sessions_of(bot.sessions)[0].status == "started"
    assert api_errors(fake_bot_api) == []


async def test_tomorrow_skip_and_plan_off(
    fake_bot_api: FakeBotAPI, bot: BotRunner, running_worker: jobs.EmbeddedWorker
) -> None:
    clock = Clock(dt.datetime.now(dt.UTC))
    scheduling = running_worker.resources.scheduling
    assert scheduling is not None
    running_worker.resources.scheduling = dataclasses.replace(scheduling, clock=clock)
    user = fake_bot_api.user(711, "Sam")
    await set_up_plan(user)
    await user.wait_for_text("Your plan", timeout=WAIT)
    [first] = sessions_of(bot.sessions)
    clock.now = first.fire_at
    await run_due(bot, running_worker, clock)
    reminder = await user.wait_for_text("Today:", timeout=WAIT)
    await press(user, "Tomorrow", message_id=reminder.message_id)
    moved = await user.wait_for_text("Moved to tomorrow", timeout=WAIT)
    assert moved.message_id == reminder.message_id and moved.buttons == []
    again = sessions_of(bot.sessions)[0]
    assert again.fire_at == first.fire_at + dt.timedelta(days=1)
    clock.now = again.fire_at
    await run_due(bot, running_worker, clock)
    await user.wait_until(lambda u: sum("Today:" in m.text for m in u.messages) == 1, timeout=WAIT)
    second = next(m for m in reversed(user.messages) if m.text.startswith("Today:"))
    assert second.message_id != reminder.message_id
    await press(user, "Skip", message_id=second.message_id)
    await user.wait_for_text("Skipped today's session", timeout=WAIT)
    assert sessions_of(bot.sessions)[0].status == "skipped"
    await say(user, "/plan off", "Your plan is off")
    assert [s.status for s in sessions_of(bot.sessions)] == ["skipped"]
    await say(user, "/plan off", "You have no plan running")
    assert api_errors(fake_bot_api) == []


async def test_a_shared_location_sets_the_time_zone(fake_bot_api: FakeBotAPI) -> None:
    user = fake_bot_api.user(721, "Loc")
    await say(user, "/plan", "Which days do you train?")
    await tick(user, "Mon")
    await press(user, "Done")
    await say(user, "07:00", "Which time zone?")
    message = user.message_update("here")["message"]
    del message["text"]
    message["location"] = {"latitude": 40.73, "longitude": -73.99}  # Manhattan
    fake_bot_api.queue_update("message", message)
    await user.wait_for_text("How long is a session?", timeout=WAIT)
    await press(user, "30 min")
    await user.wait_for_text("Who coaches you", timeout=WAIT)
    await press(user, "KAI")
    await user.wait_for_text("A split for your week", timeout=WAIT)
    await press(user, "HIIT")
    week = await user.wait_for_text("Your plan", timeout=WAIT)
    assert "Days: Mon at 07:00 (New York)" in week.text
    assert "30 min with ⚡ KAI · HIIT" in week.text
    assert api_errors(fake_bot_api) == []
