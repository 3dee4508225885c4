"""/progress and /export through the real bot: the summary's numbers, a chart that decodes,
a CSV that parses and holds exactly the caller's rows, kg and lb, and no logs yet."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

import pytest
from PIL import Image
from sqlalchemy.orm import Session, sessionmaker

from core.domain import Units
from core.progress import week_start
from db.users import upsert_telegram_user
from db.workoutlogs import LoggedSet, log_workout
from tests.bot.conftest import WAIT, BotRunner
from tests.fakes.bot_api import ChatMessage, FakeBotAPI, FakeUser
from tests.support.chat import say

pytestmark = pytest.mark.usefixtures("bot")

NAUGHTY = "<b>Tom & Jerry</b> press"
"""An exercise name that is broken HTML unless escaped (the fake's parser is strict)."""


def user_id(sessions: sessionmaker[Session], telegram_id: int, units: str = "kg") -> uuid.UUID:
    with sessions.begin() as session:
        user = upsert_telegram_user(session, telegram_id=telegram_id, chat_id=telegram_id, name="P")
        user.units = Units(units)
        return user.id


def last_week(days: int) -> dt.datetime:
    """Noon of a day of last week (0 = Monday), or earlier weeks for days < 0."""
    monday = week_start(dt.datetime.now(dt.UTC).date()) - dt.timedelta(weeks=1)
    day = monday + dt.timedelta(days=days)
    return dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)


def seed_three_weeks(sessions: sessionmaker[Session], owner: uuid.UUID) -> None:
    """Three weeks in a row; numbers worked out in the test below."""
    with sessions.begin() as session:
        log_workout(
            session,
            user_id=owner,
            performed_at=last_week(-7),  # the week before last
            sets=[LoggedSet("Back squat", 1, reps=3, weight_kg=100)],
        )
        log_workout(
            session,
            user_id=owner,
            performed_at=last_week(2),
            rating="just_right",
            sets=[
                LoggedSet("Back squat", 1, reps=5, weight_kg=95),
                LoggedSet("Back squat", 2, reps=5, weight_kg=95),
                LoggedSet("Pull-up", 1, reps=10),
            ],
        )
        log_workout(
            session,
            user_id=owner,
            performed_at=dt.datetime.now(dt.UTC),  # this week, whatever the day
            sets=[
                LoggedSet("Back squat", 1, reps=5, weight_kg=100),
                LoggedSet("Back squat", 2, reps=5, weight_kg=100),
                LoggedSet(NAUGHTY, 1, reps=5, weight_kg=70),
            ],
        )


def seed_someone_else(sessions: sessionmaker[Session], telegram_id: int) -> None:
    other = user_id(sessions, telegram_id)
    with sessions.begin() as session:
        log_workout(
            session,
            user_id=other,
            performed_at=dt.datetime.now(dt.UTC),
            sets=[LoggedSet("Secret deadlift", 1, reps=1, weight_kg=300)],
        )


def sent(user: FakeUser, kind: str) -> bool:
    """The bot has sent the user a message of this kind ("photo", "document")."""
    return any(m.kind == kind for m in user.messages)


def decoded(message: ChatMessage) -> Image.Image:
    assert message.kind == "photo" and message.file is not None
    image = Image.open(io.BytesIO(message.file.data))
    image.load()
    return image


def exported_rows(user: FakeUser) -> list[dict[str, str]]:
    document = user.last
    assert document.kind == "document" and document.file is not None
    today = dt.datetime.now(dt.UTC).date()  # the bot's UTC date (a midnight run may differ)
    assert document.file.filename in {
        f"flexflow-export-{day.isoformat()}.csv" for day in (today, today - dt.timedelta(days=1))
    }
    text = document.file.data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


async def test_progress_summary_and_chart(fake_bot_api: FakeBotAPI, bot: BotRunner) -> None:
    seed_three_weeks(bot.sessions, user_id(bot.sessions, 601))
    seed_someone_else(bot.sessions, 602)
    user = fake_bot_api.user(601)
    summary = await say(user, "/progress", "Your progress")
    await user.wait_until(lambda u: sent(u, "photo"), timeout=WAIT * 3)
    lines = summary.text.splitlines()
    assert lines[0] == "📈 Your progress · weights in kg"
    # This week: 2 x 5 x 100 + 5 x 70 = 1,350. Last week: 2 x 5 x 95 = 950 (pull-ups add no
    # volume). Three weeks: 1,350 + 950 + 300.
    assert "This week: 1 session · 1,350 kg volume" in lines
    assert "Last week: 1 session · 950 kg volume" in lines
    assert "Streak: 3 weeks in a row 🔥" in lines
    assert "Last 12 weeks: 3 sessions · 2,600 kg volume" in lines
    assert "All time: 3 sessions" in lines
    records = lines[lines.index("Personal records") + 1 :]
    assert len(records) == 3
    # 100 x 5 beats 100 x 3; Epley: 100 x (1 + 5/30) = 116.7 beats 110 from the triple.
    assert records[0].startswith("• Back squat: 100 kg × 5 (")
    assert records[0].endswith(" · est. 1RM 116.7 kg 🆕")
    assert records[1].startswith(f"• {NAUGHTY}: 70 kg × 5 (")  # escaped, shown as typed
    assert records[2].startswith("• Pull-up: 10 reps (") and "1RM" not in records[2]
    assert "Secret" not in user.render() and "300" not in summary.text

    chart = user.last
    image = decoded(chart)
    assert image.format == "PNG" and image.size == (960, 720)
    assert chart.text == (
        f"Weekly volume and top sets (Back squat, {NAUGHTY}), last 12 weeks, in kg."
    )
    assert "upload_photo" in user.chat_actions
    assert len(user.messages) == 2
    assert fake_bot_api.errors() == []


async def test_progress_and_export_in_lb(fake_bot_api: FakeBotAPI, bot: BotRunner) -> None:
    owner = user_id(bot.sessions, 611, units="lb")
    with bot.sessions.begin() as session:
        log_workout(
            session,
            user_id=owner,
            performed_at=last_week(0),
            rpe=8,
            sets=[LoggedSet("Bench press", 1, reps=5, weight_kg=100, rpe=7.5)],
        )
    user = fake_bot_api.user(611)
    summary = await say(user, "/progress", "Your progress")
    await user.wait_until(lambda u: sent(u, "photo"), timeout=WAIT * 3)
    assert "weights in lb" in summary.text
    assert "Last week: 1 session · 1,102 lb volume" in summary.text  # 500 kg x 2.20462
    assert "• Bench press: 220.5 lb × 5 (" in summary.text
    assert "est. 1RM 257.2 lb" in summary.text  # 116.7 kg
    assert " kg" not in summary.text
    assert "This week: 0 sessions" in summary.text
    assert "Streak: 1 week" in summary.text  # this week is not over yet
    assert user.last.text.endswith("in lb.")
    decoded(user.last)

    user.send("/export")
    await user.wait_until(lambda u: sent(u, "document"), timeout=WAIT)
    [row] = exported_rows(user)
    assert (row["exercise"], row["weight"], row["unit"], row["weight_kg"]) == (
        "Bench press",
        "220.46",
        "lb",
        "100",
    )
    assert (row["reps"], row["rpe"], row["session_rpe"]) == ("5", "7.5", "8")
    assert user.last.text == "Your workout log: 1 row from 1 session, weights in lb and kg."
    assert fake_bot_api.errors() == []


async def test_export_holds_exactly_the_callers_rows(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    owner = user_id(bot.sessions, 621)
    seed_three_weeks(bot.sessions, owner)
    with bot.sessions.begin() as session:
        as_planned = log_workout(session, user_id=owner, performed_at=last_week(4))
    seed_someone_else(bot.sessions, 622)
    user = fake_bot_api.user(621)
    user.send("/export")
    await user.wait_until(lambda u: sent(u, "document"), timeout=WAIT)
    rows = exported_rows(user)
    assert [(r["exercise"], r["set"], r["reps"], r["weight_kg"]) for r in rows] == [
        ("Back squat", "1", "3", "100"),
        ("Back squat", "1", "5", "95"),
        ("Back squat", "2", "5", "95"),
        ("Pull-up", "1", "10", ""),
        ("", "", "", ""),  # logged as planned, without sets
        ("Back squat", "1", "5", "100"),
        ("Back squat", "2", "5", "100"),
        (NAUGHTY, "1", "5", "70"),
    ]
    assert rows[4]["workout_id"] == str(as_planned.id)
    assert len({r["workout_id"] for r in rows}) == 4
    assert all(r["unit"] == "kg" and r["weight"] == r["weight_kg"] for r in rows)
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    assert rows[2]["rating"] == "just_right"
    assert user.last.file is not None and b"Secret" not in user.last.file.data
    assert user.last.text == "Your workout log: 8 rows from 4 sessions, weights in kg."
    assert fake_bot_api.errors() == []


async def test_nothing_logged_yet(fake_bot_api: FakeBotAPI, bot: BotRunner) -> None:
    seed_someone_else(bot.sessions, 632)
    user = fake_bot_api.user(631)
    message = await say(user, "/progress", "No workouts logged yet")
    assert "tap Done under it" in message.text
    await say(user, "/export", "Nothing to export yet")
    assert [m.kind for m in user.messages] == ["text", "text"]
    assert fake_bot_api.errors() == []


async def test_only_old_logs_give_a_summary_and_no_chart(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    owner = user_id(bot.sessions, 641)
    with bot.sessions.begin() as session:
        log_workout(
            session,
            user_id=owner,
            performed_at=last_week(-7 * 20),
            sets=[LoggedSet("Front squat", 1, reps=2, weight_kg=80)],
        )
    user = fake_bot_api.user(641)
    summary = await say(user, "/progress", "Your progress")
    assert "Streak: none yet" in summary.text
    assert "Nothing logged in the last 12 weeks" in summary.text
    assert "• Front squat: 80 kg × 2 (" in summary.text
    # Handled after /progress: nothing more came from it.
    await say(user, "/help", "What I can do")
    assert [m.kind for m in user.messages] == ["text", "text"]
    assert fake_bot_api.errors() == []


async def test_progress_shows_muscle_readiness_from_the_last_days(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    owner = user_id(bot.sessions, 631)
    with bot.sessions.begin() as session:
        log_workout(  # a hard leg session this morning, light chest work two days ago
            session,
            user_id=owner,
            performed_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=3),
            sets=[LoggedSet("Barbell back squat", n, reps=5, weight_kg=100) for n in range(1, 9)],
        )
        log_workout(
            session,
            user_id=owner,
            performed_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=2),
            sets=[LoggedSet("Barbell bench press", n, reps=8, weight_kg=60) for n in range(1, 4)],
        )
    seed_someone_else(bot.sessions, 632)  # a deadlift of theirs tires none of the caller's
    user = fake_bot_api.user(631)
    summary = await say(user, "/progress", "Your progress")
    lines = summary.text.splitlines()
    start = lines.index("Muscle readiness (sets of the last 7 days)")
    recovering, ready = lines[start + 1], lines[start + 2]
    # Eight sets three hours ago: quads (the squat's main muscle) nearly spent, glutes and
    # core (its other movers) at half of that; three sets two days ago leave the chest ready.
    assert recovering == "Recovering: 🔴 quads 8% · 🔴 core 54% · 🔴 glutes 54%"
    assert ready == "Ready: chest · back · shoulders · arms · hamstrings · calves"
    assert fake_bot_api.errors() == []


async def test_progress_without_recent_sets_shows_no_readiness(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    owner = user_id(bot.sessions, 641)
    with bot.sessions.begin() as session:
        log_workout(
            session,
            user_id=owner,
            performed_at=last_week(-7),
            sets=[LoggedSet("Barbell back squat", 1, reps=5, weight_kg=100)],
        )
    user = fake_bot_api.user(641)
    summary = await say(user, "/progress", "Your progress")
    assert "readiness" not in summary.text
