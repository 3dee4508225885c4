"""What the fault tests do in the chat and read back from the database."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from db.models import WorkoutPlan, WorkoutRequestRow
from tests.fakes.bot_api import ChatMessage, FakeUser

WAIT = 30.0
"""Seconds to wait for the bot (a process may still be starting)."""
NEW_WORKOUT = "🔁 New workout"
"""The button under a delivered workout's last part."""


async def _press(user: FakeUser, label: str) -> None:
    query_id = user.press(label)
    await user.wait_answered(query_id, timeout=WAIT)


async def press_generate(user: FakeUser, coach: str = "MAX", minutes: str = "20 min") -> None:
    """/workout, the coach, Strength, the duration, Dumbbells, Done, Generate."""
    before = len(user.messages)
    user.send("/workout")
    await user.wait_until(lambda u: len(u.messages) > before, timeout=WAIT)
    await user.wait_for_text("Who's coaching today?", timeout=WAIT)
    await _press(user, coach)
    await user.wait_for_text("What kind of workout?", timeout=WAIT)
    await _press(user, "Strength")
    await user.wait_for_text("How long?", timeout=WAIT)
    await _press(user, minutes)
    await user.wait_for_text("What do you have today?", timeout=WAIT)
    await _press(user, "Dumbbells")
    await user.wait_until(lambda u: "✅ Dumbbells" in u.buttons(), timeout=WAIT)
    await _press(user, "Done")
    await user.wait_until(lambda u: "⚡ Generate" in u.buttons(), timeout=WAIT)
    await _press(user, "Generate")


def workouts_seen(user: FakeUser) -> list[ChatMessage]:
    """The last parts of the workouts in the chat (one per delivered workout)."""
    return [m for m in user.messages if NEW_WORKOUT in m.buttons]


def request_states(sessions: sessionmaker[Session]) -> dict[int | None, str]:
    """Each request's state by its chat."""
    with sessions.begin() as session:
        rows = session.execute(select(WorkoutRequestRow.chat_id, WorkoutRequestRow.state))
        return {chat: state for chat, state in rows}


def rows(sessions: sessionmaker[Session]) -> list[WorkoutRequestRow]:
    with sessions.begin() as session:
        return list(session.scalars(select(WorkoutRequestRow).order_by(WorkoutRequestRow.id)))


def plans_per_request(sessions: sessionmaker[Session]) -> dict[int, int]:
    with sessions.begin() as session:
        counted = session.execute(
            select(WorkoutPlan.request_id, func.count()).group_by(WorkoutPlan.request_id)
        )
        return {request_id: n for request_id, n in counted}
