"""What the fault tests do in the chat and read back from the database."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from db.models import WorkoutPlan, WorkoutRequestRow
from tests.fakes.bot_api import ChatMessage, FakeUser
from tests.support.chat import Pace, choose_workout, press

WAIT = 30.0
"""Seconds to wait for the bot (a process may still be starting)."""
NEW_WORKOUT = "🔁 New workout"
"""The button under a delivered workout's last part."""
PACE = Pace(reply=WAIT, answer=WAIT)
"""How long the chat helpers wait here."""


async def press_generate(user: FakeUser, coach: str = "MAX", minutes: str = "20 min") -> None:
    """/workout, the coach, Strength, the duration, Dumbbells, Done, Generate."""
    await choose_workout(user, coach, "Strength", minutes, equipment=("Dumbbells",), pace=PACE)
    await press(user, "Generate", timeout=WAIT)


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
