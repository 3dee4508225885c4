"""A live session through the real bot: Start under a workout, set by set in one message
edited in place, sets logged as they are done (the same rows as Done), adjustments, skip,
finish, stale and forged buttons. The rest timer's ring is the scheduler's (tests/jobs)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

import jobs
import usecases
from adapters.sendbudget import Line, make_send_limiter
from adapters.settings import Settings
from adapters.telegram import TelegramNotifier
from core.domain import Units
from db.models import LiveSession
from jobs.scheduler import Ticker
from tests.bot.conftest import WAIT, BotRunner, api_errors, press, press_data
from tests.bot.test_loop import four_exercises, logs_of, open_from_history, seed_workout
from tests.fakes.bot_api import ChatMessage, FakeBotAPI, FakeUser
from tests.support.chat import say


async def started(user: FakeUser, workout: ChatMessage) -> ChatMessage:
    """Start under the workout: the session's message."""
    await press(user, "Start", message_id=workout.message_id)
    return await user.wait_for_text("Live", timeout=WAIT)


def text_of(user: FakeUser, message_id: int) -> str:
    return next(m.text for m in user.messages if m.message_id == message_id)


async def tap(user: FakeUser, live: ChatMessage, label: str, then: str) -> str:
    """Press a button of the session's message; its text once it shows ``then``."""
    await press(user, label, message_id=live.message_id)
    await user.wait_until(lambda u: then in text_of(u, live.message_id), timeout=WAIT)
    return text_of(user, live.message_id)


@dataclass(frozen=True)
class Live:
    """A user at the first set of a live session of ``four_exercises``."""

    user: FakeUser
    workout: ChatMessage
    """The workout it was started from."""
    message: ChatMessage
    """The session's message."""
    live_id: int
    plan_id: int


async def live_session(fake_bot_api: FakeBotAPI, bot: BotRunner, telegram_id: int) -> Live:
    """Seed the workout, reopen it from /history and press Start."""
    seed_workout(bot.sessions, telegram_id, four_exercises(20, Units.KG), Units.KG)
    user = fake_bot_api.user(telegram_id)
    workout = await open_from_history(user)
    message = await started(user, workout)
    with bot.sessions.begin() as session:
        (row,) = session.query(LiveSession).all()
        return Live(user, workout, message, row.id, row.plan_id)


def rest_until(bot: BotRunner, live_id: int) -> dt.datetime | None:
    with bot.sessions.begin() as session:
        row = session.get(LiveSession, live_id)
        assert row is not None
        return row.rest_until


async def test_a_session_from_start_to_finish_logs_each_set_as_it_goes(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    it = await live_session(fake_bot_api, bot, 701)
    user, live, live_id = it.user, it.message, it.live_id
    assert "Goblet squat" in live.text and "Set 1 of 3: 20 kg × 10" in live.text
    assert live.buttons[0] == "✅ Done: 20 kg × 10"
    assert "➕ 2.5 kg" in live.buttons and "⏹ Finish" in live.buttons
    count = len(user.messages)

    # Two reps fewer, then the set: logged at once, and the rest starts.
    await tap(user, live, "➖ rep", "20 kg × 9")
    await tap(user, live, "➖ rep", "20 kg × 8")
    text = await tap(user, live, "✅ Done", "Rest 1 min")
    assert "Next: set 2 of 3, Goblet squat" in text
    assert user.buttons(live.message_id) == ["⏭ Next set now", "⏹ Finish"]
    [(_, sets)] = logs_of(bot.sessions, 701)
    assert sets == [("Goblet squat", 1, 8, 20.0, None)]
    assert rest_until(bot, live_id) is not None  # the timer is set

    # Moving on early cancels the timer; today's 8 reps carry to the next set; a load step.
    text = await tap(user, live, "Next set now", "Set 2 of 3")
    assert rest_until(bot, live_id) is None
    assert "20 kg × 8" in text
    await tap(user, live, "➕ 2.5 kg", "22.5 kg × 8")
    await tap(user, live, "✅ Done", "Rest")
    await tap(user, live, "Next set now", "Set 3 of 3")
    text = await tap(user, live, "⏭ Skip exercise", "Exercise 2 of 4")  # set 3 skipped
    assert "Push-up\nSet 1 of 3: 15 reps" in text  # the top of 10-15
    await tap(user, live, "✅ Done", "Rest")
    await tap(user, live, "⏹ Finish", "Session over")
    assert user.buttons(live.message_id) == ["😌 Too easy", "👌 Just right", "🥵 Too hard"]
    assert len(user.messages) == count  # one message, edited in place

    [(_, sets)] = logs_of(bot.sessions, 701)
    assert sets == [
        ("Goblet squat", 1, 8, 20.0, None),
        ("Goblet squat", 2, 8, 22.5, None),
        ("Push-up", 1, 15, None, None),
    ]
    # The rating is the log's, as after Done; the session's buttons now say it has ended.
    await press(user, "Just right", message_id=live.message_id)
    await user.wait_until(lambda u: "Felt" in text_of(u, live.message_id), timeout=WAIT)
    answer = await press_data(user, f"l:{live_id}:99:d", live.message_id)
    assert answer.text == "This session has ended. Start it again from the workout any time."
    assert api_errors(fake_bot_api) == []


async def test_stale_double_and_forged_taps_change_nothing(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    it = await live_session(fake_bot_api, bot, 711)
    user, workout, live, live_id = it.user, it.workout, it.message, it.live_id

    # A second Start is the same session: no second message.
    answer = await press(user, "Start", message_id=workout.message_id)
    assert answer.text == "Your session of this workout is running: its message is above."
    assert sum("Live" in m.text for m in user.messages) == 1

    # The first set's Done pressed twice (the same step): one set logged.
    await press_data(user, f"l:{live_id}:0:d", live.message_id)
    answer = await press_data(user, f"l:{live_id}:0:d", live.message_id)
    assert answer.text == "That button was from an earlier step: the message shows where you are."
    [(_, sets)] = logs_of(bot.sessions, 711)
    assert len(sets) == 1

    # Someone else's tap on this session, and their Start of this plan: nothing.
    other = fake_bot_api.user(712)
    own = await say(other, "/help", "What I can do")
    answer = await press_data(other, f"l:{live_id}:1:nx", own.message_id)
    assert answer.text == "Workout not found."
    answer = await press_data(other, f"t:{it.plan_id}", own.message_id)
    assert answer.text == "Workout not found."
    assert rest_until(bot, live_id) is not None  # still resting, untouched
    [(_, sets)] = logs_of(bot.sessions, 711)
    assert len(sets) == 1
    assert api_errors(fake_bot_api) == []


def notifier_for(bot: BotRunner) -> TelegramNotifier:
    """The workers' notifier (the real Bot API client), as the ringing actor has it."""
    token = bot.settings.telegram_bot_token
    assert token is not None
    return TelegramNotifier(
        token=token.get_secret_value(),
        api_url=bot.settings.telegram_api_url,
        limiter=make_send_limiter(None),
        line=Line.DELIVERY,
    )


async def test_the_rest_timer_rings_once_when_due_and_not_after_an_early_move(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    it = await live_session(fake_bot_api, bot, 721)
    user, live, live_id = it.user, it.message, it.live_id
    await tap(user, live, "✅ Done", "Rest 1 min")
    due = rest_until(bot, live_id)
    assert due is not None
    handed: list[int] = []
    notifier = notifier_for(bot)
    try:
        # Not yet: nothing is handed. When due: handed once, even to two schedulers' ticks.
        early = due - dt.timedelta(seconds=10)
        assert (
            await asyncio.to_thread(usecases.claim_rests, bot.sessions, handed.append, now=early)
            == 0
        )
        for _ in range(2):
            await asyncio.to_thread(usecases.claim_rests, bot.sessions, handed.append, now=due)
        assert handed == [live_id]
        # The actor rings: the short message, and the session's message at the next set.
        rang = await asyncio.to_thread(usecases.ring_rest, bot.sessions, notifier, live_id, due)
        assert rang
        ring = await user.wait_for_text("Rest over", timeout=WAIT)
        assert ring.text == "Rest over: set 2 of 3, Goblet squat, 20 kg × 10"
        assert ring.buttons == []
        await user.wait_until(lambda u: "Set 2 of 3" in text_of(u, live.message_id), timeout=WAIT)
        # A redelivered message rings nothing more.
        again = await asyncio.to_thread(usecases.ring_rest, bot.sessions, notifier, live_id, due)
        assert not again
        assert sum("Rest over" in m.text for m in user.messages) == 1

        # The next rest, cut short by Next set now: the timer is gone, nothing rings.
        await tap(user, live, "✅ Done", "Rest 1 min")
        later = rest_until(bot, live_id)
        assert later is not None
        await tap(user, live, "Next set now", "Set 3 of 3")
        handed.clear()
        await asyncio.to_thread(
            usecases.claim_rests, bot.sessions, handed.append, now=later + dt.timedelta(hours=1)
        )
        assert handed == []
        assert not await asyncio.to_thread(
            usecases.ring_rest, bot.sessions, notifier, live_id, later
        )
        assert sum("Rest over" in m.text for m in user.messages) == 1
    finally:
        notifier.close()
    assert api_errors(fake_bot_api) == []


def shorten_rest(bot: BotRunner, live_id: int, seconds: float) -> None:
    """The running rest ends in ``seconds`` (a test does not wait out a minute's rest)."""
    with bot.sessions.begin() as session:
        row = session.get(LiveSession, live_id)
        assert row is not None and row.rest_until is not None
        row.rest_until = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)


def handed(bot: BotRunner, live_id: int) -> bool:
    """The timer has been handed to its actor."""
    with bot.sessions.begin() as session:
        row = session.get(LiveSession, live_id)
        return row is not None and row.rest_queued_at is not None


async def ticking(
    settings: Settings, until: Callable[[], bool], schedulers: int = 2, seconds: float = 15
) -> None:
    """``schedulers`` real scheduler ticks (jobs.scheduler.Ticker) running at once, every
    0.2 s, until ``until()`` (or ``seconds``)."""
    tickers = [Ticker(settings) for _ in range(schedulers)]
    try:
        deadline = time.monotonic() + seconds
        while not until() and time.monotonic() < deadline:
            await asyncio.gather(*(asyncio.to_thread(t) for t in tickers))
            await asyncio.sleep(0.2)
    finally:
        for t in tickers:
            t.close()


async def test_the_scheduler_and_a_restarted_worker_ring_the_timer_once(
    fake_bot_api: FakeBotAPI, bot: BotRunner, app_settings: Settings
) -> None:
    it = await live_session(fake_bot_api, bot, 731)
    user, live, live_id = it.user, it.message, it.live_id
    await tap(user, live, "✅ Done", "Rest 1 min")
    # The bot restarts mid-rest: the session and its timer are in the database.
    await bot.restart()
    shorten_rest(bot, live_id, 1.0)

    def rung() -> bool:
        return any("Rest over" in m.text for m in user.messages)

    # The worker that was running goes away before the timer is due; the one started after
    # it gets the ring that the two schedulers handed (once) while no worker ran.
    first = jobs.start_embedded_worker(app_settings, threads=2)
    first.stop()
    await ticking(app_settings, lambda: handed(bot, live_id))
    await ticking(app_settings, lambda: False, seconds=2)  # not handed again meanwhile
    second = jobs.start_embedded_worker(app_settings, threads=2)
    try:
        await user.wait_until(lambda u: rung(), timeout=WAIT * 2)
        await user.wait_until(lambda u: "Set 2 of 3" in text_of(u, live.message_id), timeout=WAIT)
        await ticking(app_settings, lambda: False, 1, seconds=3)  # more ticks: no more rings
    finally:
        second.stop()
        jobs.setup_broker(None)
    assert sum("Rest over" in m.text for m in user.messages) == 1
    # The session goes on after both restarts.
    await tap(user, live, "✅ Done", "Rest 1 min")
    [(_, sets)] = logs_of(bot.sessions, 731)
    assert [s[1] for s in sets] == [1, 2]
    assert api_errors(fake_bot_api) == []
