"""How-to under a delivered workout, through the real bot and worker: the exercises that
have a picture, then one exercise's picture and steps as a photo sent by URL (the strict
fake checks the URL and the caption). A button from before a swap shows nothing wrong, and
nobody can press their way into another user's plan."""

from __future__ import annotations

import pytest

import jobs
from adapters.settings import DEFAULT_PICTURE_URL
from chat.callbacks import name_check
from core.catalogue import load_catalogue
from core.domain import Equipment
from core.models import Block, Exercise, Workout
from tests.bot.conftest import PLAN_BUTTONS, WAIT, BotRunner, api_errors, press, press_data
from tests.bot.test_loop import delivered_workout, plan_ids, plan_of
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.telegram_html import utf16_length
from tests.seed import save_plan
from tests.support.chat import say
from tests.support.requests import add_chat_request


def move(name: str, equipment: Equipment = Equipment.BODYWEIGHT) -> Exercise:
    return Exercise(
        name=name,
        sets=3,
        reps="8-12",
        rest_seconds=60,
        instructions="Move well.",
        equipment=[equipment],
        weighted=False,
        target_weight=None,
        weight_unit=None,
        alternatives=["Push-up", "Plank"],
    )


def workout(*exercises: Exercise) -> Workout:
    return Workout(
        title="Form day",
        intro="Slow and clean.",
        warmup=Block(minutes=5, items=["Arm circles"]),
        exercises=list(exercises),
        cooldown=Block(minutes=3, items=["Walk"]),
        outro="Well done.",
    )


async def deliver(bot: BotRunner, telegram_id: int, plan: Workout) -> None:
    with bot.sessions.begin() as session:
        row = add_chat_request(session, telegram_id)
        save_plan(session, row, plan, "ai", "m")
        request_id = row.id
    jobs.enqueue_generation(request_id)


@pytest.mark.usefixtures("running_worker")
async def test_how_to_shows_an_exercises_picture_and_steps(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    user = fake_bot_api.user(701, "Ada")
    # Two pictured exercises (one by the data set's own name), one the catalogue knows
    # without a picture, one it does not know at all.
    catalogue = load_catalogue()
    unpictured = next(e.name for e in catalogue.entries if e.staple and not e.images)
    plan = workout(
        move("Barbell back squat", Equipment.BARBELL),
        move(unpictured),
        move("Pullups", Equipment.PULL_UP_BAR),
        move("The <secret> move & co"),
    )
    await deliver(bot, 701, plan)
    message = await delivered_workout(user)
    assert message.buttons == PLAN_BUTTONS
    [plan_id] = plan_ids(bot.sessions, 701)

    answer = await press(user, "How-to", message_id=message.message_id)
    assert answer.text == "Which exercise? Its picture and steps come as a photo."
    await user.wait_until(lambda u: "⬅️ Back" in u.buttons(message.message_id), timeout=WAIT)
    assert user.buttons(message.message_id) == [
        "🖼 1. Barbell back squat",
        "🖼 3. Pullups",
        "⬅️ Back",
    ]

    sent_before = len(user.messages)
    answer = await press(user, "1. Barbell back squat", message_id=message.message_id)
    await user.wait_until(lambda u: u.last.kind == "photo", timeout=WAIT)
    photo = user.last
    squat = catalogue.get("Barbell back squat")
    assert squat is not None and squat.images
    assert photo.file is not None and photo.file.url == DEFAULT_PICTURE_URL + squat.images[0]
    lines = photo.text.splitlines()
    assert lines[0] == "Barbell back squat" and lines[2].startswith("1. ")
    assert lines[2] == "1. " + squat.steps[0]
    assert utf16_length(photo.text) <= 1024
    assert [e.type for e in photo.entities][:1] == ["bold"]
    assert len(user.messages) == sent_before + 1
    # The list stays under the workout: another picture is one tap away.
    await press(user, "3. Pullups", message_id=message.message_id)
    await user.wait_until(lambda u: u.last.text.startswith("Pullups (Pull-up)"), timeout=WAIT)

    # Back to the workout's own buttons.
    await press(user, "⬅️ Back", message_id=message.message_id)
    await user.wait_until(lambda u: u.buttons(message.message_id) == PLAN_BUTTONS, timeout=WAIT)

    # A picture button made for another exercise (as after a swap) shows nothing wrong.
    stale = f"i:{plan_id}:0:{name_check('Goblet squat')}"
    answer = await press_data(user, stale, message.message_id)
    assert answer.text == "That list is out of date; here it is again."
    photos = [m for m in user.messages if m.kind == "photo"]
    assert len(photos) == 2

    # Another user cannot list or open this plan's pictures, whatever data they forge.
    other = fake_bot_api.user(702, "Eve")
    own = await say(other, "/help", "What I can do")
    for data in (f"i:{plan_id}", f"i:{plan_id}:0:{name_check('Barbell back squat')}"):
        answer = await press_data(other, data, own.message_id)
        assert answer.text == "Workout not found.", data
    assert other.messages == [own]
    assert plan_of(bot.sessions, plan_id) == plan
    assert api_errors(fake_bot_api) == []


@pytest.mark.usefixtures("running_worker")
async def test_a_workout_without_pictures_says_so(fake_bot_api: FakeBotAPI, bot: BotRunner) -> None:
    user = fake_bot_api.user(703)
    await deliver(bot, 703, workout(move("Mystery move one"), move("Mystery move two")))
    message = await delivered_workout(user)
    answer = await press(user, "How-to", message_id=message.message_id)
    assert answer.text == "No pictures for these exercises, sorry."
    assert user.buttons(message.message_id) == PLAN_BUTTONS
    assert [m for m in user.messages if m.kind == "photo"] == []
    assert api_errors(fake_bot_api) == []
