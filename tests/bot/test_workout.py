"""/workout through the chat: the dialog, typed durations, Generate, the placeholder, the
workout delivered by the real worker, one generation at a time, a double tap, the queue down."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import jobs
from adapters.settings import Settings
from bot.handlers.workout import parse_minutes
from core.domain import Equipment, FitnessLevel, Goal, Units
from core.models import Profile
from db.models import WorkoutRequestRow
from db.users import save_profile, upsert_telegram_user
from tests.bot.conftest import PLAN_BUTTONS, WAIT, BotRunner, api_errors, press, press_data
from tests.fakes.bot_api import ChatMessage, FakeBotAPI, FakeUser
from tests.support.chat import choose_workout, finish_workout, pick_workout, start_workout

pytestmark = pytest.mark.usefixtures("bot")

NONSENSE = ("abc", "0", "-5", "9999", "45.5", "💪")
"""Typed in the chat; each reply is a new message, so the per-chat send budget paces them."""


def requests_of(sessions: sessionmaker[Session], chat_id: int) -> list[WorkoutRequestRow]:
    with sessions.begin() as session:
        rows = session.scalars(
            select(WorkoutRequestRow)
            .where(WorkoutRequestRow.chat_id == chat_id)
            .order_by(WorkoutRequestRow.id)
        )
        return list(rows)


def reprompts(user: FakeUser) -> int:
    return sum("whole number of minutes" in m.text for m in user.messages)


def give_profile(sessions: sessionmaker[Session], telegram_id: int) -> None:
    with sessions.begin() as session:
        user = upsert_telegram_user(session, telegram_id=telegram_id, chat_id=telegram_id, name="K")
        profile = Profile(
            level=FitnessLevel.BEGINNER,
            goals=(Goal.STRENGTH,),
            equipment=frozenset({Equipment.KETTLEBELL, Equipment.YOGA_MAT}),
            preferred_coach="ZARA",
            units=Units.LB,
        )
        save_profile(session, user.id, profile)


async def to_summary(
    user: FakeUser, *, minutes: str = "45 min", typed: bool = False
) -> ChatMessage:
    """/workout with MAX, Strength, the duration, + Dumbbells; the summary message."""
    return await choose_workout(
        user, "MAX", "Strength", minutes, first=True, typed=typed, equipment=("Dumbbells",)
    )


async def test_dialog_without_profile_then_generate_shows_the_placeholder(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    user = fake_bot_api.user(301, "Robin")
    summary = await to_summary(user)
    first = user.messages[0]
    assert first.edits[0].startswith("Who's coaching today?")  # the dialog edits one message
    assert "No profile yet" in first.edits[0] and "/profile" in first.edits[0]
    assert summary.text.splitlines() == [
        "Your workout",
        "Coach: 🏋️ MAX",
        "Type: Strength",
        "Duration: 45 min",
        "Equipment: Bodyweight, Dumbbells",
        "",
        "Tap Generate when you're ready.",
    ]
    messages_before = len(user.messages)
    await press(user, "Generate")
    placeholder = await user.wait_for_text("writing", timeout=WAIT)
    # The summary itself becomes the placeholder: no new message, no button left on it.
    assert placeholder.message_id == summary.message_id and placeholder.keyboard == ()
    assert placeholder.text == "MAX is writing your 45-minute strength workout…"
    assert len(user.messages) == messages_before
    await user.wait_until(lambda _: len(requests_of(bot.sessions, 301)) == 1, timeout=WAIT)
    [row] = requests_of(bot.sessions, 301)
    assert (row.coach, row.workout_type, row.duration_min) == ("MAX", "strength", 45)
    assert row.equipment == ["bodyweight", "dumbbells"]
    assert row.message_id == summary.message_id and row.state == "queued"
    assert row.idempotency_key == f"tg:301:{summary.message_id}"
    # The dialog is over: the Generate button's data, sent again, makes nothing new.
    answer = await press_data(user, "wk:go", summary.message_id)
    assert answer.text == "This button has expired."
    assert len(requests_of(bot.sessions, 301)) == 1
    assert fake_bot_api.errors() == []


async def test_typed_durations_reprompt_and_the_dialog_goes_on(fake_bot_api: FakeBotAPI) -> None:
    user = fake_bot_api.user(302)
    await start_workout(user)
    await pick_workout(user, "KAI", "HIIT")
    for n, text in enumerate(NONSENSE, start=1):
        user.send(text)
        await user.wait_until(lambda u, n=n: reprompts(u) == n, timeout=WAIT)  # type: ignore[misc]
    reprompt = user.last
    assert reprompt.text == "Send a whole number of minutes from 10 to 180, or tap a button."
    assert "45 min" in reprompt.buttons
    summary = await finish_workout(user, "25", typed=True)
    assert "Duration: 25 min" in summary.text and "Coach: ⚡ KAI" in summary.text
    assert "Type: HIIT" in summary.text


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("10", 10), ("180", 180), (" 45 ", 45), ("45 min", 45), ("30MIN", 30), ("9", None),
     ("181", None), ("045", 45), ("4 5", None), ("٤٥", None), ("1e2", None), ("", None),
     ("45 minutes please", None), ("+45", None)],
)  # fmt: skip
def test_parse_minutes(text: str, minutes: int | None) -> None:
    assert parse_minutes(text) == minutes


async def test_equipment_is_prefilled_from_the_profile(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    give_profile(bot.sessions, 303)
    user = fake_bot_api.user(303)
    first = await start_workout(user)
    assert first.buttons[0] == "🔥 ZARA" and "No profile yet" not in first.text
    await pick_workout(user, "ZARA", "Cardio")
    await press(user, "20 min")
    equipment = await user.wait_for_text("What do you have today?", timeout=WAIT)
    assert "✅ Kettlebell" in equipment.buttons and "✅ Yoga mat" in equipment.buttons
    assert "Dumbbells" in equipment.buttons
    await press(user, "Yoga mat")
    await user.wait_until(lambda u: "Yoga mat" in u.buttons(), timeout=WAIT)
    await press(user, "Done")
    summary = await user.wait_for_text("Your workout", timeout=WAIT)
    assert "Equipment: Bodyweight, Kettlebell\n" in summary.text


async def test_one_generation_at_a_time(fake_bot_api: FakeBotAPI, bot: BotRunner) -> None:
    user = fake_bot_api.user(304)
    await to_summary(user)
    await press(user, "Generate")
    await user.wait_for_text("is writing", timeout=WAIT)  # queued on the stub broker: no worker
    second = await to_summary(user, minutes="60", typed=True)
    await press(user, "Generate")
    await user.wait_for_text("already have a workout on the way", timeout=WAIT)
    assert len(requests_of(bot.sessions, 304)) == 1
    assert sum("is writing" in m.text for m in user.messages) == 1
    # The refused summary keeps its text but loses the Generate button (its dialog is over).
    refused = next(m for m in user.messages if m.message_id == second.message_id)
    assert refused.text.startswith("Your workout") and refused.keyboard == ()


@pytest.fixture
def queue_down() -> Iterator[None]:
    """The broker is Redis on a port where nothing listens."""
    jobs.setup_broker("redis://127.0.0.1:1/0")
    try:
        yield
    finally:
        jobs.setup_broker(None)


@pytest.mark.usefixtures("queue_down")
async def test_queue_unreachable_keeps_the_request_and_sends_it_when_the_queue_is_back(
    fake_bot_api: FakeBotAPI, bot: BotRunner, app_settings: Settings
) -> None:
    user = fake_bot_api.user(305)
    await to_summary(user)
    await press(user, "Generate")
    held = await user.wait_for_text("your request is saved", timeout=WAIT)
    assert held.text.startswith("MAX is writing your 45-minute strength workout…")
    assert held.keyboard == ()
    [row] = requests_of(bot.sessions, 305)
    assert row.state == "queued" and row.message_id == held.message_id
    # The request is on its way: a second Generate is refused, nothing new is written.
    await to_summary(user, minutes="30 min")
    await press(user, "Generate")
    await user.wait_for_text("already have a workout on the way", timeout=WAIT)
    assert len(requests_of(bot.sessions, 305)) == 1
    # The queue is back (and a worker on it): the same request goes out, into the placeholder.
    with jobs.start_embedded_worker(app_settings, ai=None, threads=2):
        await user.wait_until(
            lambda u: any("🔁 New workout" in m.buttons for m in u.messages), timeout=20
        )
    [row] = requests_of(bot.sessions, 305)
    assert row.state == "delivered" and row.delivered_message_ids[0] == held.message_id
    assert api_errors(fake_bot_api) == []


@pytest.mark.usefixtures("queue_down")
async def test_a_request_waiting_too_long_for_the_queue_fails_with_a_retry_button(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    assert bot.application is not None
    requeuer = bot.application.bot_data.requeuer
    requeuer.give_up_s = 0.0
    user = fake_bot_api.user(307)
    await to_summary(user)
    await press(user, "Generate")
    failed = await user.wait_for_text("sorry, I couldn't write your workout", timeout=WAIT)
    assert "swamped" in failed.text and failed.buttons == ["🔄 Try again"]
    [row] = requests_of(bot.sessions, 307)
    assert row.state == "failed" and "queue unavailable" in (row.failure_reason or "")
    assert requeuer.pending == []


async def test_generate_delivers_the_workout_through_the_worker(
    fake_bot_api: FakeBotAPI, bot: BotRunner, running_worker: jobs.EmbeddedWorker
) -> None:
    user = fake_bot_api.user(306, "<i>Kim</i> & </b>")
    await to_summary(user, minutes="120", typed=True)  # a typed duration no button offers
    await press(user, "Generate")
    placeholder = await user.wait_for_text("MAX is writing your 120-minute", timeout=WAIT)
    await user.wait_until(
        lambda u: any("🔁 New workout" in m.buttons for m in u.messages), timeout=30
    )
    workout = next(m for m in user.messages if m.message_id == placeholder.message_id)
    assert workout.edits[-1] == "MAX is writing your 120-minute strength workout…"
    parts = [m for m in user.messages if m.message_id >= placeholder.message_id]
    assert "120 min" in parts[0].text and "Kim" not in parts[0].text
    assert parts[-1].buttons == PLAN_BUTTONS
    assert all(m.keyboard == () for m in parts[:-1])
    await user.wait_until(
        lambda _: [r.state for r in requests_of(bot.sessions, 306)] == ["delivered"],
        timeout=WAIT,
        what="the request delivered",
    )
    # The buttons under it work: History lists it, New workout starts the dialog.
    await press(user, "History", message_id=parts[-1].message_id)
    listing = await user.wait_for_text("Your workouts (1–1 of 1", timeout=WAIT)
    assert "🏋️ MAX · Strength · 120 min" in listing.text
    await press(user, "New workout", message_id=parts[-1].message_id)
    await user.wait_for_text("Who's coaching today?", timeout=WAIT)
    assert fake_bot_api.errors() == []


async def test_a_tap_answered_too_late_still_gets_its_workout_and_no_apology(
    fake_bot_api: FakeBotAPI, bot: BotRunner, running_worker: jobs.EmbeddedWorker
) -> None:
    """Under a burst the answer to Generate may come after Telegram's 15 s: that is no error."""
    user = fake_bot_api.user(307, "Lee")
    await to_summary(user)
    fake_bot_api.callback_query_timeout = 0.0  # every answer from now on is too old
    user.press("Generate")
    await user.wait_until(
        lambda u: any("🔁 New workout" in m.buttons for m in u.messages), timeout=30
    )
    assert [c.status for c in fake_bot_api.calls("answerCallbackQuery")][-1] == 400
    await user.wait_until(
        lambda _: [r.state for r in requests_of(bot.sessions, 307)] == ["delivered"],
        timeout=WAIT,
        what="the request delivered",
    )
    assert not any("went wrong" in m.text for m in user.messages)
