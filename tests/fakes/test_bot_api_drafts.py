"""Self-tests of the fake Bot API's drafts (sendMessageDraft, Bot API 9.5) and group chats,
driven by the real python-telegram-bot Bot: private chats only, a non-zero draft_id, 0-4096
characters after parsing, one draft per id animated, replaced by the next sendMessage."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.error import BadRequest, Forbidden

from tests.fakes.bot_api import FakeBotAPI, SimulatorError

USER = 4242
GROUP = -4_001_234
SUPERGROUP = -1_001_234_567_890


@pytest.fixture
async def bot(fake_bot_api: FakeBotAPI) -> AsyncIterator[Bot]:
    async with Bot(fake_bot_api.token, base_url=f"{fake_bot_api.url}/bot") as real_bot:
        yield real_bot


async def test_a_draft_is_animated_by_its_id_and_replaced_by_the_next_message(
    fake_bot_api: FakeBotAPI, bot: Bot
) -> None:
    user = fake_bot_api.user(USER)
    assert await bot.send_message_draft(USER, 7, "<b>Squats</b> 3 × 8", parse_mode="HTML")
    assert await bot.send_message_draft(USER, 7, "<b>Squats</b> 3 × 8\nLunges", parse_mode="HTML")
    (draft,) = user.drafts  # the same id: one preview, updated
    assert draft.draft_id == 7 and draft.ended_at is None and draft.replaced_by is None
    assert [f.text for f in draft.frames] == ["Squats 3 × 8", "Squats 3 × 8\nLunges"]
    assert [(e.type, e.offset, e.length) for e in draft.frames[0].entities] == [("bold", 0, 6)]
    assert user.messages == []  # a draft is no message
    sent = await bot.send_message(USER, "The workout")
    (draft,) = user.drafts
    assert draft.replaced_by == sent.message_id and draft.ended_at is not None
    assert draft.text == "Squats 3 × 8\nLunges"  # what it last showed
    # The same id again after that is a new preview; two ids at once are two.
    await bot.send_message_draft(USER, 7, "again")
    await bot.send_message_draft(USER, 8, "another")
    assert [(d.draft_id, d.text, d.ended_at) for d in user.drafts[1:]] == [
        (7, "again", None),
        (8, "another", None),
    ]


async def test_an_edit_does_not_end_a_draft_and_a_draft_expires() -> None:
    with FakeBotAPI(draft_lifetime=0.3) as fake:
        user = fake.user(USER)
        async with Bot(fake.token, base_url=f"{fake.url}/bot") as short:
            message = await short.send_message(USER, "MAX is writing…")
            await short.send_message_draft(USER, 1, "first exercise")
            await short.edit_message_text("edited", chat_id=USER, message_id=message.message_id)
            assert user.drafts[0].ended_at is None  # only a new message replaces it
            await asyncio.sleep(0.35)
            (draft,) = user.drafts
            assert draft.replaced_by is None
            assert draft.ended_at == pytest.approx(draft.frames[-1].at + 0.3)
            await short.send_message_draft(USER, 1, "shown anew")
            assert [d.text for d in user.drafts] == ["first exercise", "shown anew"]


async def test_text_is_0_to_4096_characters_after_parsing(
    fake_bot_api: FakeBotAPI, bot: Bot
) -> None:
    user = fake_bot_api.user(USER)
    assert await bot.send_message_draft(USER, 1, "")  # Telegram's "Thinking..."
    assert await bot.send_message_draft(USER, 1)  # no text at all (Bot API 10.0)
    assert await bot.send_message_draft(USER, 1, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    assert await bot.send_message_draft(USER, 1, "😀" * 2048)  # 4096 UTF-16 code units
    for too_long in ("x" * 4097, "😀" * 2048 + "x"):
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message_draft(USER, 1, too_long)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message_draft(USER, 1, "<b>unclosed", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message_draft(USER, 1, "salt & pepper", parse_mode="HTML")
    assert [f.text for f in user.drafts[0].frames] == ["", "", "x" * 4096, "😀" * 2048]


@pytest.mark.filterwarnings("ignore:Please use 'Bot.sendMessageDraft'")  # raw on purpose
async def test_draft_id_must_be_given_and_non_zero(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    user = fake_bot_api.user(USER)
    with pytest.raises(BadRequest, match=r"(?i)draft_id must be non-zero"):
        await bot.send_message_draft(USER, 0, "x")
    with pytest.raises(BadRequest, match=r"(?i)draft_id is empty"):
        await bot.do_api_request("sendMessageDraft", api_kwargs={"chat_id": USER, "text": "x"})
    with pytest.raises(BadRequest, match=r"(?i)invalid draft_id"):
        await bot.do_api_request(
            "sendMessageDraft", api_kwargs={"chat_id": USER, "draft_id": "one", "text": "x"}
        )
    assert await bot.send_message_draft(USER, -5, "negative is non-zero")
    assert [d.draft_id for d in user.drafts] == [-5]


async def test_drafts_are_for_private_chats_only(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    fake_bot_api.group(GROUP, "Gym crew")
    fake_bot_api.group(SUPERGROUP, "Big gym", supergroup=True)
    for chat in (GROUP, SUPERGROUP):
        with pytest.raises(BadRequest, match="Textdraft_peer_invalid"):
            await bot.send_message_draft(chat, 1, "x")
        assert fake_bot_api.drafts(chat) == []
        # Messages and edits work in a group as in a private chat.
        sent = await bot.send_message(chat, "<b>hi</b> all", parse_mode="HTML")
        assert sent.chat.type == ("group" if chat == GROUP else "supergroup")
        await bot.edit_message_text("edited", chat_id=chat, message_id=sent.message_id)
        (message,) = fake_bot_api.messages(chat)
        assert message.text == "edited" and message.edits == ("hi all",)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message_draft(999, 1, "nobody opened this chat")
    with pytest.raises(SimulatorError):
        fake_bot_api.group(77)  # a group's id is negative
    codes = [c.description for c in fake_bot_api.calls("sendMessageDraft")]
    assert codes[:2] == ["Bad Request: TEXTDRAFT_PEER_INVALID"] * 2


async def test_a_blocked_user_gets_no_draft_and_drafts_count_as_sends(
    fake_bot_api: FakeBotAPI, bot: Bot
) -> None:
    user = fake_bot_api.user(USER)
    await asyncio.gather(*(bot.send_message_draft(USER, 3, f"frame {i}") for i in range(3)))
    assert fake_bot_api.max_sends_per_chat_per_second() == 3
    user.block_bot()
    with pytest.raises(Forbidden):
        await bot.send_message_draft(USER, 3, "blocked")
    user.unblock_bot()
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.send_message_draft(USER, 3, "x", message_thread_id=5)  # no topics here
