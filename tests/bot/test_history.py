"""/history and the buttons that work from any message: paging, opening a plan (long plans
as several messages), forged and stale callback data, retrying only one's own failed request."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.domain import Equipment, WorkoutType
from core.models import Exercise, Workout
from db.models import WorkoutPlan, WorkoutRequestRow
from tests.bot.conftest import PLAN_BUTTONS, WAIT, BotRunner, press, press_data, seed_plans
from tests.fakes.bot_api import FakeBotAPI
from tests.seed import save_plan
from tests.support.chat import say
from tests.support.requests import add_chat_request
from usecases import lifecycle

pytestmark = pytest.mark.usefixtures("bot")


async def test_history_pages_newest_first(fake_bot_api: FakeBotAPI, bot: BotRunner) -> None:
    seed_plans(bot.sessions, 401, 12)
    user = fake_bot_api.user(401)
    page = await say(user, "/history", "Your workouts (1–5 of 12")
    titles = [line.strip() for line in page.text.splitlines() if line.startswith("    ")]
    assert titles == ["Plan 12", "Plan 11", "Plan 10", "Plan 9", "Plan 8"]
    first_line = page.text.splitlines()[2]
    assert first_line.startswith("1. ") and " · 🧘 SAGE · HIIT · " in first_line
    assert first_line.endswith(" · 31 min")
    assert page.buttons[-1] == "Older ➡️" and len(page.buttons) == 6
    await press(user, "Older")
    await user.wait_for_text("Your workouts (6–10 of 12", timeout=WAIT)
    await press(user, "Older")
    last = await user.wait_for_text("Your workouts (11–12 of 12", timeout=WAIT)
    assert last.message_id == page.message_id  # paging edits the list in place
    assert last.buttons[-1] == "⬅️ Newer" and "Older ➡️" not in last.buttons
    await press(user, "Newer")
    await user.wait_for_text("Your workouts (6–10 of 12", timeout=WAIT)
    # A page that no longer exists shows the last one.
    await press_data(user, "h:99", page.message_id)
    await user.wait_for_text("Your workouts (11–12 of 12", timeout=WAIT)
    assert len(user.messages) == 1
    assert fake_bot_api.errors() == []


async def test_empty_history(fake_bot_api: FakeBotAPI) -> None:
    user = fake_bot_api.user(402)
    empty = await say(user, "/history", "No workouts yet")
    assert empty.keyboard == ()


async def test_opening_a_plan_shows_it_with_its_buttons(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    seed_plans(bot.sessions, 403, 2, title_prefix="Tom & <Jerry> </b>")
    user = fake_bot_api.user(403)
    page = await say(user, "/history", "Your workouts")
    assert "Tom & <Jerry> </b> 2" in page.text  # AI-supplied titles are escaped
    await press(user, page.buttons[0])
    await user.wait_until(lambda u: len(u.messages) == 2, timeout=WAIT)
    plan = user.last
    assert plan.text.startswith("🧘 SAGE") and "Tom & <Jerry> </b> 2" in plan.text
    assert plan.buttons == PLAN_BUTTONS
    assert fake_bot_api.errors() == []


def long_plan(sessions: sessionmaker[Session], telegram_id: int) -> int:
    """A stored plan far over 4096 characters."""
    exercises = [
        Exercise(
            name=f"Exercise {n} <{n}> & co",
            sets=3,
            reps="10",
            rest_seconds=60,
            instructions=("Brace, breathe, move slowly & with control. " * 8).strip(),
            equipment=[Equipment.BODYWEIGHT],
            weighted=False,
            alternatives=["Plank", "Dead bug"],
        )
        for n in range(1, 25)
    ]
    workout = Workout(title="Marathon", intro="A long one.", exercises=exercises)
    with sessions.begin() as session:
        row = add_chat_request(
            session,
            telegram_id,
            coach="MARCO",
            workout_type=WorkoutType.BODYWEIGHT,
            duration_min=120,
            equipment=[Equipment.BODYWEIGHT],
        )
        return save_plan(session, row, workout, "rule_based", None).id


async def test_a_long_plan_opens_as_several_messages(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    long_plan(bot.sessions, 404)
    user = fake_bot_api.user(404)
    page = await say(user, "/history", "Your workouts")
    await press(user, page.buttons[0])
    await user.wait_until(lambda u: "🔁 New workout" in u.buttons(), timeout=WAIT)
    parts = user.messages[1:]
    assert len(parts) >= 2
    assert all(m.keyboard == () for m in parts[:-1])
    text = "\n".join(m.text for m in parts)
    assert "Exercise 1 <1> & co" in text and "Exercise 24 <24> & co" in text
    assert fake_bot_api.errors() == []


async def test_forged_and_stale_callback_data(fake_bot_api: FakeBotAPI, bot: BotRunner) -> None:
    [theirs] = seed_plans(bot.sessions, 405, 1, title_prefix="Secret")
    seed_plans(bot.sessions, 406, 1, title_prefix="Mine")
    user = fake_bot_api.user(406)
    page = await say(user, "/history", "Your workouts")
    answer = await press_data(user, f"p:{theirs}", page.message_id)
    assert answer.text == "Workout not found."
    for data in ("p:999999999", "p:-1", "p:01", "p:abc", "h:x", "r:", "x:1", "w:old", "pf:l:a"):
        answer = await press_data(user, data, page.message_id)
        assert answer.text in ("Workout not found.", "This button has expired."), data
    assert len(user.messages) == 1 and "Secret" not in user.render()
    assert fake_bot_api.errors() == []


def failed_request(sessions: sessionmaker[Session], telegram_id: int) -> int:
    with sessions.begin() as session:
        row = add_chat_request(
            session,
            telegram_id,
            name="F",
            coach="BLAZE",
            workout_type=WorkoutType.HIIT,
            duration_min=20,
            equipment=[Equipment.JUMP_ROPE],
        )
        lifecycle.fail(session, row, "test")
        return row.id


async def test_retry_only_ones_own_failed_request(fake_bot_api: FakeBotAPI, bot: BotRunner) -> None:
    theirs = failed_request(bot.sessions, 407)
    mine = failed_request(bot.sessions, 408)
    user = fake_bot_api.user(408)
    help_message = await say(user, "/help", "What I can do")
    answer = await press_data(user, f"r:{theirs}", help_message.message_id)
    assert answer.text == "Workout not found."
    answer = await press_data(user, f"r:{mine}", help_message.message_id)
    assert answer.text == "Trying again…"
    await user.wait_for_text("BLAZE is writing your 20-minute hiit workout…", timeout=WAIT)
    await press_data(user, f"r:{mine}", help_message.message_id)  # a double tap
    user.send("/help")  # updates are handled in order: once this is answered, so is the tap
    await user.wait_until(lambda u: sum("What I can do" in m.text for m in u.messages) == 2)
    with bot.sessions.begin() as session:
        rows = session.scalars(
            select(WorkoutRequestRow).where(WorkoutRequestRow.chat_id == 408)
        ).all()
        assert sorted((r.state, r.coach, r.duration_min) for r in rows) == [
            ("failed", "BLAZE", 20),
            ("queued", "BLAZE", 20),
        ]
        assert session.scalar(select(WorkoutPlan.id)) is None
    assert sum("is writing" in m.text for m in user.messages) == 1
