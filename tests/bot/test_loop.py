"""Under a delivered workout: Swap, Regenerate and Done, through the real bot and worker.

Swap edits the workout in place and stores the change; Regenerate makes a second request
through the same path and delivers a different workout once; Done logs as planned in one
tap, or set by set in shorthand (re-asked when it does not read, surviving a restart), with
weights stored in kg for kg and lb users. Nobody can press their way into another's plan.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import jobs
from chat.callbacks import name_check
from core.domain import Equipment, RequestState, Units, WorkoutType
from core.models import Block, Exercise, Workout
from db.history import get_plan_for_request
from db.models import WorkoutLog, WorkoutLogSet, WorkoutPlan
from db.requests import to_generation_request
from db.users import upsert_telegram_user
from tests.bot.conftest import PLAN_BUTTONS, WAIT, BotRunner, api_errors, press, press_data
from tests.bot.test_workout import requests_of, to_summary
from tests.fakes.bot_api import CallbackAnswer, ChatMessage, FakeBotAPI, FakeUser
from tests.seed import advance, save_plan
from tests.support.chat import say
from tests.support.requests import add_chat_request, add_request
from tests.support.workouts import long_workout

LB = 2.20462


RANGE_BUTTONS = [
    "🔝 Top of each range",
    "↔️ Inside the ranges",
    "⬇️ Fell short: enter sets",
    "⬅️ Back",
]
"""Done > As planned on a plan with rep ranges: where in them."""


def plan_of(sessions: sessionmaker[Session], plan_id: int) -> Workout:
    with sessions.begin() as session:
        plan = session.get(WorkoutPlan, plan_id)
        assert plan is not None
        return Workout.model_validate(plan.workout)


def plan_ids(sessions: sessionmaker[Session], chat_id: int) -> list[int]:
    ids = []
    for row in requests_of(sessions, chat_id):
        with sessions.begin() as session:
            plan = get_plan_for_request(session, row.id)
            if plan is not None:
                ids.append(plan.plan_id)
    return ids


SetRow = tuple[str, int, int | None, float | None, int | None]


def logs_of(
    sessions: sessionmaker[Session], telegram_id: int
) -> list[tuple[WorkoutLog, list[SetRow]]]:
    """Every log of the user, oldest first, with its sets as (name, n, reps, kg, seconds)."""
    with sessions.begin() as session:
        user = upsert_telegram_user(
            session, telegram_id=telegram_id, chat_id=telegram_id, name=None
        )
        logs = list(
            session.scalars(
                select(WorkoutLog).where(WorkoutLog.user_id == user.id).order_by(WorkoutLog.id)
            )
        )
        out: list[tuple[WorkoutLog, list[SetRow]]] = []
        for log in logs:
            sets = session.scalars(
                select(WorkoutLogSet)
                .where(WorkoutLogSet.log_id == log.id)
                .order_by(WorkoutLogSet.id)
            )
            rows = [
                (s.exercise_name, s.set_number, s.reps, s.weight_kg, s.duration_s) for s in sets
            ]
            session.expunge(log)
            out.append((log, rows))
        return out


async def delivered_workout(user: FakeUser, *, count: int = 1) -> ChatMessage:
    """Wait for the ``count``-th workout with its buttons; its last part."""
    await user.wait_until(
        lambda u: sum("🎲 Regenerate" in m.buttons for m in u.messages) >= count, timeout=30
    )
    return [m for m in user.messages if "🎲 Regenerate" in m.buttons][count - 1]


def exercise(name: str, sets: int, reps: str, weight: float | None, unit: Units | None) -> Exercise:
    return Exercise(
        name=name,
        sets=sets,
        reps=reps,
        rest_seconds=60,
        instructions="Move well.",
        equipment=[Equipment.DUMBBELLS] if weight else [Equipment.BODYWEIGHT],
        weighted=weight is not None,
        target_weight=weight,
        weight_unit=unit if weight is not None else None,
        alternatives=["Goblet squat", "Bodyweight squat"],
    )


def seed_workout(
    sessions: sessionmaker[Session], telegram_id: int, workout: Workout, units: Units
) -> int:
    """A delivered plan of the user's, with the user's units; its id."""
    with sessions.begin() as session:
        user = upsert_telegram_user(session, telegram_id=telegram_id, chat_id=telegram_id, name="L")
        user.units = units
        row = add_request(session, user.id, chat_id=telegram_id)
        plan = save_plan(session, row, workout, "rule_based", None)
        advance(session, row, RequestState.DELIVERED)
        return plan.id


def four_exercises(weight: float, unit: Units) -> Workout:
    return Workout(
        title="Logging day",
        intro="Write it all down.",
        warmup=Block(minutes=5, items=["Arm circles"]),
        exercises=[
            exercise("Goblet squat", 3, "8-10", weight, unit),
            exercise("Push-up", 3, "10-15", None, None),
            exercise("Plank", 3, "30s", None, None),
            exercise("One-arm dumbbell row", 3, "10 each side", weight / 2, unit),
        ],
        cooldown=Block(minutes=3, items=["Walk"]),
        outro="Logged.",
    )


async def open_from_history(user: FakeUser) -> ChatMessage:
    """/history, then the newest plan: the reopened workout with its buttons."""
    page = await say(user, "/history", "Your workouts")
    await press(user, page.buttons[0], message_id=page.message_id)
    await user.wait_until(lambda u: "✅ Done" in u.buttons(), timeout=WAIT)
    return user.last


async def logging_day(
    fake_bot_api: FakeBotAPI, bot: BotRunner, telegram_id: int, weight: float, units: Units
) -> tuple[FakeUser, ChatMessage, int]:
    """The user with ``four_exercises`` at ``weight`` stored, reopened from /history: the user,
    the workout and its plan id."""
    plan_id = seed_workout(bot.sessions, telegram_id, four_exercises(weight, units), units)
    user = fake_bot_api.user(telegram_id)
    return user, await open_from_history(user), plan_id


async def done_menu(user: FakeUser, workout: ChatMessage) -> CallbackAnswer:
    """Done under the workout; its answer, once the logging choices show."""
    answer = await press(user, "Done", message_id=workout.message_id)
    await user.wait_until(lambda u: "✍️ Enter sets" in u.buttons(workout.message_id), timeout=WAIT)
    return answer


async def enter_sets(user: FakeUser, workout: ChatMessage) -> ChatMessage:
    """Done, then Enter sets: the prompt for the first exercise."""
    await done_menu(user, workout)
    await press(user, "Enter sets", message_id=workout.message_id)
    return await user.wait_for_text("1/4 · Goblet squat", timeout=WAIT)


@pytest.mark.usefixtures("running_worker")
async def test_swap_an_exercise_edits_the_workout_and_the_stored_plan(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    user = fake_bot_api.user(601, "Sam")
    await to_summary(user, minutes="30 min")
    await press(user, "Generate")
    workout = await delivered_workout(user)
    assert workout.buttons == PLAN_BUTTONS
    [plan_id] = plan_ids(bot.sessions, 601)
    before = plan_of(bot.sessions, plan_id)
    first = before.exercises[0]

    await press(user, "Swap", message_id=workout.message_id)
    await user.wait_until(lambda u: "⬅️ Back" in u.buttons(workout.message_id), timeout=WAIT)
    listing = user.buttons(workout.message_id)
    assert listing == [f"{n}. {e.name}" for n, e in enumerate(before.exercises, 1)] + ["⬅️ Back"]
    await press(user, f"1. {first.name}", message_id=workout.message_id)
    await user.wait_until(lambda u: u.buttons(workout.message_id) != listing, timeout=WAIT)
    options = user.buttons(workout.message_id)[:-1]
    assert options and first.name not in options
    assert not set(options) & set(before.exercise_names[1:])  # nothing already in the plan

    answer = await press(user, options[0], message_id=workout.message_id)
    assert answer.text == f"Swapped {first.name} for {options[0]}."
    await user.wait_until(lambda u: f"1. {options[0]}" in u.last.text, timeout=WAIT)
    edited = next(m for m in user.messages if m.message_id == workout.message_id)
    assert f"1. {first.name}\n" not in edited.text
    assert edited.buttons == PLAN_BUTTONS  # back to the workout's own buttons
    after = plan_of(bot.sessions, plan_id)
    new = after.exercises[0]
    assert new.name == options[0]
    assert (new.sets, new.reps, new.rest_seconds) == (first.sets, first.reps, first.rest_seconds)
    assert set(new.equipment) <= {Equipment.DUMBBELLS, Equipment.BODYWEIGHT}
    assert after.exercises[1:] == before.exercises[1:]

    # The same alternative button again is stale: the exercise it was made for is gone.
    stale = f"s:{plan_id}:0:0:{name_check(first.name)}"
    answer = await press_data(user, stale, workout.message_id)
    assert answer.text == "That list is out of date; here it is again."
    assert plan_of(bot.sessions, plan_id) == after
    await user.wait_until(  # the exercise list again, as it is now
        lambda u: f"1. {new.name}" in u.buttons(workout.message_id), timeout=WAIT
    )
    await press(user, "Back", message_id=workout.message_id)
    await user.wait_until(lambda u: u.buttons(workout.message_id) == PLAN_BUTTONS, timeout=WAIT)

    # Another user cannot swap, list, regenerate or log this plan, whatever data they forge.
    other = fake_bot_api.user(602, "Eve")
    own = await say(other, "/help", "What I can do")
    forged = [
        f"s:{plan_id}:0:0:{name_check(new.name)}",
        f"s:{plan_id}:0",
        f"s:{plan_id}",
        f"g:{plan_id}",
        f"d:{plan_id}",
        f"b:{plan_id}",
    ]
    for data in forged:
        answer = await press_data(other, data, own.message_id)
        assert answer.text == "Workout not found.", data
    assert plan_of(bot.sessions, plan_id) == after
    assert requests_of(bot.sessions, 602) == []
    assert other.messages == [own]  # nothing was shown or sent to them
    assert api_errors(fake_bot_api) == []


@pytest.mark.usefixtures("running_worker")
async def test_regenerate_delivers_a_different_workout_once(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    user = fake_bot_api.user(603)
    await to_summary(user, minutes="30 min")
    await press(user, "Generate")
    first = await delivered_workout(user)
    answer = await press(user, "Regenerate", message_id=first.message_id)
    assert answer.text == "Writing you a different one…"
    await user.wait_for_text("MAX is writing your 30-minute strength workout…", timeout=WAIT)
    second = await delivered_workout(user, count=2)
    await user.wait_until(
        lambda _: [r.state for r in requests_of(bot.sessions, 603)] == ["delivered"] * 2,
        timeout=WAIT,
    )
    old_row, new_row = requests_of(bot.sessions, 603)
    assert (new_row.coach, new_row.workout_type, new_row.duration_min, new_row.equipment) == (
        old_row.coach,
        old_row.workout_type,
        old_row.duration_min,
        old_row.equipment,
    )
    old_id, new_id = plan_ids(bot.sessions, 603)
    old, new = plan_of(bot.sessions, old_id), plan_of(bot.sessions, new_id)
    assert new_row.avoid_exercises == list(old.exercise_names)
    assert not {n.lower() for n in new.exercise_names} & {n.lower() for n in old.exercise_names}
    # Delivered once: one placeholder edited into the workout, no second copy.
    assert second.message_id != first.message_id
    assert new_row.delivered_message_ids == [second.message_id]
    assert sum("Warm-up" in m.text for m in user.messages) == 2
    assert len(user.messages) == 2
    assert api_errors(fake_bot_api) == []


async def test_regenerate_is_refused_while_a_workout_is_on_the_way(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    user, workout, plan_id = await logging_day(fake_bot_api, bot, 604, 20, Units.KG)
    await press(user, "Regenerate", message_id=workout.message_id)  # queued: no worker here
    await user.wait_for_text("is writing", timeout=WAIT)
    await press(user, "Regenerate", message_id=workout.message_id)
    await user.wait_for_text("already have a workout on the way", timeout=WAIT)
    rows = requests_of(bot.sessions, 604)
    assert [r.state for r in rows] == ["delivered", "queued"]
    assert rows[1].avoid_exercises == list(plan_of(bot.sessions, plan_id).exercise_names)


async def test_done_as_planned_logs_every_planned_set_and_the_rating(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    user, workout, _ = await logging_day(fake_bot_api, bot, 605, 20, Units.KG)
    answer = await done_menu(user, workout)
    assert answer.text == "Log it as planned, or enter your sets."
    await press(user, "As planned", message_id=workout.message_id)
    # The plan has rep ranges ("8-10"): where in them is asked once, for the whole workout.
    await user.wait_until(lambda u: "🔝 Top of each range" in u.buttons(), timeout=WAIT)
    assert user.buttons(workout.message_id) == RANGE_BUTTONS
    await press(user, "Top of each range", message_id=workout.message_id)
    logged = await user.wait_for_text("Logged: Logging day", timeout=WAIT)
    assert logged.buttons == ["😌 Too easy", "👌 Just right", "🥵 Too hard"]
    assert "1. Goblet squat: 20×10, 20×10, 20×10 kg" in logged.text
    assert "3. Plank: 30s, 30s, 30s" in logged.text
    await user.wait_until(lambda u: u.buttons(workout.message_id) == PLAN_BUTTONS, timeout=WAIT)
    [(log, sets)] = logs_of(bot.sessions, 605)
    assert log.rating is None
    assert sets == [
        *[("Goblet squat", n, 10, 20.0, None) for n in (1, 2, 3)],
        *[("Push-up", n, 15, None, None) for n in (1, 2, 3)],
        *[("Plank", n, None, None, 30) for n in (1, 2, 3)],
        *[("One-arm dumbbell row", n, 10, 10.0, None) for n in (1, 2, 3)],
    ]
    # A second tap on As planned (the menu is gone) logs nothing more.
    answer = await press_data(user, "dn:m:all", workout.message_id)
    assert answer.text == "This button has expired."
    # How it felt: the caller's own log only.
    other = fake_bot_api.user(606)
    own = await say(other, "/help", "What I can do")
    answer = await press_data(other, f"f:{log.id}:too_hard", own.message_id)
    assert answer.text == "Workout not found."
    await press(user, "Just right", message_id=logged.message_id)
    await user.wait_until(
        lambda u: (
            "Felt: 👌 Just right"
            in next(m.text for m in u.messages if m.message_id == logged.message_id)
        ),
        timeout=WAIT,
    )
    [(log, _)] = logs_of(bot.sessions, 605)
    assert log.rating == "just_right"
    assert len(logs_of(bot.sessions, 605)) == 1
    assert api_errors(fake_bot_api) == []


async def test_done_as_planned_inside_the_ranges_or_fell_short(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    user, workout, _ = await logging_day(fake_bot_api, bot, 614, 20, Units.KG)
    await done_menu(user, workout)
    await press(user, "As planned", message_id=workout.message_id)
    await user.wait_until(lambda u: u.buttons(workout.message_id) == RANGE_BUTTONS, timeout=WAIT)
    await press(user, "Inside the ranges", message_id=workout.message_id)
    logged = await user.wait_for_text("Logged: Logging day", timeout=WAIT)
    assert "1. Goblet squat: 20×9, 20×9, 20×9 kg" in logged.text  # 8-10: the middle
    assert "2. Push-up: bw×12, bw×12, bw×12" in logged.text  # 10-15: 12, rounded down
    [(_, sets)] = logs_of(bot.sessions, 614)
    assert [s[2] for s in sets if s[0] == "One-arm dumbbell row"] == [10, 10, 10]
    # Fell short: nothing is logged for it, the sets are asked exercise by exercise.
    await done_menu(user, workout)
    await press(user, "As planned", message_id=workout.message_id)
    await user.wait_until(lambda u: u.buttons(workout.message_id) == RANGE_BUTTONS, timeout=WAIT)
    await press(user, "Fell short", message_id=workout.message_id)
    prompt = await user.wait_for_text("1/4 · Goblet squat", timeout=WAIT)
    await press(user, "Cancel", message_id=prompt.message_id)
    await user.wait_for_text("Logging cancelled", timeout=WAIT)
    assert len(logs_of(bot.sessions, 614)) == 1
    assert api_errors(fake_bot_api) == []


async def test_done_with_typed_sets_bad_shorthand_and_a_restart_kg(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    user, workout, _ = await logging_day(fake_bot_api, bot, 607, 60, Units.KG)
    prompt = await enter_sets(user, workout)
    assert "Planned: 3 × 8-10 at 60 kg" in prompt.text
    assert "60x10 60x10 60x9" in prompt.text  # the example stays inside the range
    assert prompt.buttons == ["✅ As planned", "🔝 Top (10 reps)", "⏭ Skip", "✖️ Cancel"]

    again = await say(user, "sixty for 8 & <b>", "I couldn't read")
    assert "“sixty”" in again.text and "60x10" in again.text
    assert again.buttons == ["✅ As planned", "🔝 Top (10 reps)", "⏭ Skip", "✖️ Cancel"]
    await say(user, "60x8, 60x8, 62.5x6", "2/4 · Push-up")

    await bot.restart()  # the dialog and the sets so far are in the database

    plank = await say(user, "12 10 8", "3/4 · Plank")
    await press(user, "Skip", message_id=plank.message_id)
    row = await user.wait_for_text("4/4 · One-arm dumbbell row", timeout=WAIT)
    assert row.message_id == plank.message_id  # a button edits the prompt into the next one
    logged = await say(user, "3x10 @ 32.5kg", "Logged: Logging day")
    assert "1. Goblet squat: 60×8, 60×8, 62.5×6 kg" in logged.text
    assert "3. Plank: skipped" in logged.text
    [(_, sets)] = logs_of(bot.sessions, 607)
    assert sets == [
        ("Goblet squat", 1, 8, 60.0, None),
        ("Goblet squat", 2, 8, 60.0, None),
        ("Goblet squat", 3, 6, 62.5, None),
        ("Push-up", 1, 12, None, None),
        ("Push-up", 2, 10, None, None),
        ("Push-up", 3, 8, None, None),
        *[("One-arm dumbbell row", n, 10, 32.5, None) for n in (1, 2, 3)],
    ]
    # The dialog is over: text is not taken as this exercise's sets any more; sets without
    # an exercise's name are no typed log either (bot/handlers/typedlog.py): nothing stored.
    await say(user, "60x8", "I couldn't read “60x8”")
    assert len(logs_of(bot.sessions, 607)) == 1
    assert api_errors(fake_bot_api) == []


async def test_done_with_typed_sets_lb_user_stores_kg(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    user, workout, _ = await logging_day(fake_bot_api, bot, 608, 135, Units.LB)
    prompt = await enter_sets(user, workout)
    assert "Planned: 3 × 8-10 at 135 lb" in prompt.text
    push_up = await say(user, "135x5 135 lb x 5 140x4", "2/4 · Push-up")
    await press(user, "As planned", message_id=push_up.message_id)
    plank = await user.wait_for_text("3/4 · Plank", timeout=WAIT)
    await say(user, "45s 40 1:00", "4/4 · One-arm dumbbell row")
    logged = await say(user, "8 8 6", "Logged: Logging day")  # reps at the planned 67.5 lb
    assert "1. Goblet squat: 135×5, 135×5, 140×4 lb" in logged.text
    assert plank.message_id != logged.message_id
    [(_, sets)] = logs_of(bot.sessions, 608)
    names = [s[0] for s in sets]
    assert (
        names
        == ["Goblet squat"] * 3 + ["Push-up"] * 3 + ["Plank"] * 3 + ["One-arm dumbbell row"] * 3
    )
    squat = [(reps, kg) for _, _, reps, kg, _ in sets[:3]]
    for (reps, kg), (want_reps, pounds) in zip(squat, [(5, 135), (5, 135), (4, 140)], strict=True):
        assert reps == want_reps and kg == pytest.approx(pounds / LB, abs=0.001)
    assert [s[2:] for s in sets[3:6]] == [(10, None, None)] * 3
    assert [s[4] for s in sets[6:9]] == [45, 40, 60]
    for *_, kg, _ in sets[9:]:
        assert kg == pytest.approx(67.5 / LB, abs=0.001)
    assert [s[2] for s in sets[9:]] == [8, 8, 6]
    assert api_errors(fake_bot_api) == []


async def test_done_cancel_and_back_log_nothing(fake_bot_api: FakeBotAPI, bot: BotRunner) -> None:
    user, workout, _ = await logging_day(fake_bot_api, bot, 609, 20, Units.KG)
    await press(user, "Done", message_id=workout.message_id)
    await user.wait_until(lambda u: "⬅️ Back" in u.buttons(workout.message_id), timeout=WAIT)
    await press(user, "Back", message_id=workout.message_id)
    await user.wait_until(lambda u: u.buttons(workout.message_id) == PLAN_BUTTONS, timeout=WAIT)
    prompt = await enter_sets(user, workout)
    await press(user, "Cancel", message_id=prompt.message_id)
    await user.wait_for_text("Logging cancelled", timeout=WAIT)
    assert logs_of(bot.sessions, 609) == []
    assert api_errors(fake_bot_api) == []


async def swap_for_the_first_option(user: FakeUser, message_id: int, listed: str) -> str:
    """Swap under the message, the ``listed`` exercise, then the first alternative offered;
    that alternative."""
    await press(user, "Swap", message_id=message_id)
    await user.wait_until(lambda u: "⬅️ Back" in u.buttons(message_id), timeout=WAIT)
    await press(user, listed, message_id=message_id)
    await user.wait_until(lambda u: listed not in u.buttons(message_id), timeout=WAIT)
    option = user.buttons(message_id)[0]
    await press(user, option, message_id=message_id)
    return option


@pytest.mark.usefixtures("running_worker")
async def test_swap_in_a_workout_of_several_messages(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    user = fake_bot_api.user(610)
    with bot.sessions.begin() as session:  # a workout too long for one message, then queued
        row = add_chat_request(
            session, 610, coach="KAI", workout_type=WorkoutType.HIIT, duration_min=180
        )
        save_plan(session, row, long_workout(to_generation_request(session, row)), "ai", "m")
        request_id = row.id
    jobs.enqueue_generation(request_id)
    last = await delivered_workout(user)
    await user.wait_until(
        lambda _: [r.state for r in requests_of(bot.sessions, 610)] == ["delivered"],
        timeout=WAIT,
    )
    [row] = requests_of(bot.sessions, 610)
    parts = row.delivered_message_ids or []
    assert len(parts) >= 2 and parts[-1] == last.message_id
    [plan_id] = plan_ids(bot.sessions, 610)
    first = plan_of(bot.sessions, plan_id).exercises[0]

    option = await swap_for_the_first_option(user, last.message_id, f"1. {first.name}")
    # The first part, where exercise 1 is, is edited; the buttons stay under the last part.
    await user.wait_until(
        lambda u: f"1. {option}\n" in next(m.text for m in u.messages if m.message_id == parts[0]),
        timeout=WAIT,
    )
    await user.wait_until(lambda u: u.buttons(last.message_id) == PLAN_BUTTONS, timeout=WAIT)
    assert [m.message_id for m in user.messages][-len(parts) :] == parts  # nothing sent anew
    assert plan_of(bot.sessions, plan_id).exercises[0].name == option

    # Reopened from /history, its parts are new messages whose ids are not kept: a swap sends
    # the updated workout again and takes the buttons off the old copy.
    reopened = await open_from_history(user)
    count = len(user.messages)
    second = plan_of(bot.sessions, plan_id).exercises[1]
    option = await swap_for_the_first_option(user, reopened.message_id, f"2. {second.name}")
    await user.wait_until(
        lambda u: u.last.message_id > reopened.message_id and u.last.buttons == PLAN_BUTTONS,
        timeout=WAIT,
    )
    assert len(user.messages) - count >= 2
    assert next(m for m in user.messages if m.message_id == reopened.message_id).buttons == []
    assert any(f"2. {option}\n" in m.text for m in user.messages[count:])
    assert api_errors(fake_bot_api) == []
