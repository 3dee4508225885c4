"""Typed words read by Claude through the real bot, the real SDK and the strict fake
Messages API: the AI's reading is used, the rules answer when it fails or the user's daily
allowance is spent, and questions get the coach's answer with the fixed pain line."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from adapters.claude_words import ClaudeWords
from adapters.settings import Settings
from core.words import ANSWER_TOOL, REQUEST_TOOL
from tests.bot.conftest import BotRunner, api_errors
from tests.bot.test_typed_log import say_new
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.messages_api import FakeMessagesAPI, status, tool_answer
from tests.support.chat import say

READING = {
    "is_request": True, "coach": "KAI", "workout_type": "strength", "duration_min": 45,
    "equipment": ["dumbbells"], "same_as_last": False,
}  # fmt: skip


@pytest.fixture
async def ai_bot(
    app_settings: Settings, sessions: sessionmaker[Session], fake_anthropic: FakeMessagesAPI
) -> AsyncIterator[BotRunner]:
    """The running bot with Claude reading typed words; two AI readings a day per user."""
    words = ClaudeWords(
        api_key=fake_anthropic.api_key, model="claude-haiku-4-5", timeout=2.0,
        base_url=fake_anthropic.url,
    )  # fmt: skip
    settings = app_settings.model_copy(update={"flexflow_ai_messages_per_day": 2})
    async with BotRunner(settings, sessions, words_ai=words) as runner:
        yield runner
    words.close()


async def test_claude_reads_the_request_and_the_rules_step_in(
    fake_bot_api: FakeBotAPI, fake_anthropic: FakeMessagesAPI, ai_bot: BotRunner
) -> None:
    user = fake_bot_api.user(721)
    await say(user, "/start", "Welcome")
    # The AI's reading (KAI, 45 min, dumbbells) is what the summary shows.
    fake_anthropic.script(tool_answer(REQUEST_TOOL, READING))
    # (The rules read only the coach of this one: no type, no minutes, no equipment.)
    text = "quiero entrenar fuerza tres cuartos de hora con mancuernas, entrenador kai"
    summary = await say(user, text, "Duration")
    assert "KAI" in summary.text and "Duration: 45 min" in summary.text
    assert "Dumbbells" in summary.text
    await say_new(user, "/cancel", "Cancelled")
    # The AI fails: the rules read the sentence at once.
    fake_anthropic.script(status(500))
    summary = await say_new(user, "30 min hiit with ZARA, just a kettlebell", "Duration: 30 min")
    assert "ZARA" in summary.text and "Kettlebell" in summary.text
    await say_new(user, "/cancel", "Cancelled")
    # Two AI readings a day: the third message is read by the rules, no AI call.
    before = len(fake_anthropic.requests)
    summary = await say_new(user, "20 min cardio with BLAZE, no equipment", "Duration: 20 min")
    assert "BLAZE" in summary.text
    assert len(fake_anthropic.requests) == before
    assert api_errors(fake_bot_api) == []


async def test_claude_answers_a_question_from_the_catalogue_facts(
    fake_bot_api: FakeBotAPI, fake_anthropic: FakeMessagesAPI, ai_bot: BotRunner
) -> None:
    user = fake_bot_api.user(722)
    said = "Glute bridges <b>keep</b> the knee quiet; box squats let you stop high."
    fake_anthropic.script(
        tool_answer(ANSWER_TOOL, {"answer": said, "exercises_named": ["Glute bridge", "Box squat"]})
    )
    answer = await say(user, "what can I do instead of squats, my knee hurts", "Glute bridges")
    print(answer.text)
    assert "<b>keep</b>" in answer.text  # escaped: shown as typed, not bold
    assert "see a doctor or a physiotherapist" in answer.text  # fixed, not the AI's
    body = fake_anthropic.requests[-1].body
    assert body["tool_choice"] == {"type": "tool", "name": ANSWER_TOOL}
    assert "Glute bridge" in body["messages"][0]["content"]  # the catalogue's facts
    # An answer naming what the facts do not hold is refused: the template answers.
    fake_anthropic.script(
        tool_answer(
            ANSWER_TOOL, {"answer": "Do pistol squats!", "exercises_named": ["Pistol squat"]}
        )
    )
    answer = await say_new(user, "alternative to squats?", "Instead of")
    assert "pistol" not in answer.text.lower()
    assert api_errors(fake_bot_api) == []


async def test_other_questions_are_claudes_to_answer(
    fake_bot_api: FakeBotAPI, fake_anthropic: FakeMessagesAPI, ai_bot: BotRunner
) -> None:
    user = fake_bot_api.user(723)
    said = "I help with exercises and workouts; for supplements, ask your doctor."
    # The typed request reading says "not a request", then the question is answered.
    fake_anthropic.script(
        tool_answer(REQUEST_TOOL, {**READING, "is_request": False}),
        tool_answer(ANSWER_TOOL, {"answer": said, "exercises_named": []}),
    )
    answer = await say(user, "is creatine good?", "I help with exercises")
    assert answer.text.startswith("🏋️ MAX: ")
    assert [r.body["tool_choice"]["name"] for r in fake_anthropic.requests] == [
        REQUEST_TOOL,
        ANSWER_TOOL,
    ]
