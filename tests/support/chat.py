"""Driving the chat the way a person does: say something, press a button, tick an option,
walk through /workout.

The waits are the assertions: each fails with the whole chat rendered when the bot does not
answer in time. ``IN_PROCESS`` suits the bot running in the test's own process; tests that
start the bot as a process, or break its services, wait longer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tests.fakes.bot_api import Call, CallbackAnswer, ChatMessage, FakeBotAPI, FakeUser

WAIT = 5.0
"""Seconds a test waits for the bot to react (the fake renders the chat on timeout)."""
COACH_STEP = "Who's coaching today?"
"""The first step of /workout."""


@dataclass(frozen=True)
class Pace:
    """How long the helpers below wait for the bot, in seconds."""

    reply: float = WAIT
    """For a message or a button to show."""
    answer: float = WAIT
    """For the answer to a pressed button."""
    start: float | None = None
    """For the first reply to /workout (a bot process may still be starting); else ``reply``."""


IN_PROCESS = Pace()
"""The bot in the test's own process."""
PROCESS = Pace(reply=10.0, start=30.0)
"""A ``flexflow bot`` process the test started: its first reply may take a while."""


def api_errors(fake: FakeBotAPI) -> list[Call]:
    """The fake's validation errors, but for the 409 that ends an abandoned long poll: when a
    bot stops, PTB confirms the last updates with one more getUpdates, which terminates the
    poll still open on the server (Telegram does the same)."""
    return [c for c in fake.errors() if (c.method, c.status) != ("getUpdates", 409)]


async def say(user: FakeUser, text: str, reply: str) -> ChatMessage:
    """Send ``text`` and wait for a bot message containing ``reply``; the newest such one."""
    user.send(text)
    return await user.wait_for_text(reply, timeout=WAIT)


async def press(
    user: FakeUser,
    label: str,
    *,
    message_id: int | None = None,
    timeout: float = WAIT,  # noqa: ASYNC109
) -> CallbackAnswer:
    """Press a button by (part of) its label and wait for the bot's answer."""
    query_id = user.press(label, message_id=message_id)
    return await user.wait_answered(query_id, timeout=timeout)


async def press_data(user: FakeUser, data: str, message_id: int) -> CallbackAnswer:
    """Send any callback data from a message and wait for the bot's answer."""
    query_id = user.press_data(data, message_id)
    return await user.wait_answered(query_id, timeout=WAIT)


async def tick(user: FakeUser, label: str, pace: Pace = IN_PROCESS) -> None:
    """Press an option of a several-choice step and wait until it shows ticked."""
    await press(user, label, timeout=pace.answer)
    await user.wait_until(lambda u: f"✅ {label}" in u.buttons(), timeout=pace.reply)


async def start_workout(
    user: FakeUser, pace: Pace = IN_PROCESS, *, first: bool = False
) -> ChatMessage:
    """Send /workout and wait for a new message and the coach step; the coach step.
    ``first``: it must be the first message to come (nothing else is on its way)."""
    before = len(user.messages)
    user.send("/workout")
    await user.wait_until(lambda u: len(u.messages) > before, timeout=pace.start or pace.reply)
    if first:
        assert COACH_STEP in user.last.text
    return await user.wait_for_text(COACH_STEP, timeout=pace.reply)


async def pick_workout(
    user: FakeUser, coach: str, kind: str, pace: Pace = IN_PROCESS
) -> ChatMessage:
    """On the coach step: the coach, then the kind of workout; the duration step."""
    await press(user, coach, timeout=pace.answer)
    await user.wait_for_text("What kind of workout?", timeout=pace.reply)
    await press(user, kind, timeout=pace.answer)
    return await user.wait_for_text("How long?", timeout=pace.reply)


async def finish_workout(
    user: FakeUser,
    minutes: str,
    *,
    typed: bool = False,
    equipment: Sequence[str] = (),
    pace: Pace = IN_PROCESS,
) -> ChatMessage:
    """On the duration step: the minutes (a button, or ``typed``), ``equipment`` ticked, Done;
    the summary with its Generate button."""
    if typed:
        user.send(minutes)
    else:
        await press(user, minutes, timeout=pace.answer)
    await user.wait_for_text("What do you have today?", timeout=pace.reply)
    for item in equipment:
        await tick(user, item, pace)
    await press(user, "Done", timeout=pace.answer)
    await user.wait_until(lambda u: "⚡ Generate" in u.buttons(), timeout=pace.reply)
    summary = next(m for m in reversed(user.messages) if m.keyboard)
    assert summary.text.startswith("Your workout")
    return summary


async def choose_workout(
    user: FakeUser,
    coach: str,
    kind: str,
    minutes: str,
    pace: Pace = IN_PROCESS,
    *,
    first: bool = False,
    **details: Any,
) -> ChatMessage:
    """/workout through to its summary (``first`` as for ``start_workout``, ``details`` as
    for ``finish_workout``); Generate is not pressed."""
    await start_workout(user, pace, first=first)
    await pick_workout(user, coach, kind, pace)
    return await finish_workout(user, minutes, pace=pace, **details)
