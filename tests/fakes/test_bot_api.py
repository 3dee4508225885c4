"""Self-tests of the fake Bot API: driven by the real python-telegram-bot Bot and Application."""

from __future__ import annotations

import asyncio
import html
import json
import socket
import struct
import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fakes.bot_api import FakeBotAPI, SimulatorError
from tests.fakes.telegram_html import Entity, TelegramHTMLError, parse_telegram_html, utf16_length

USER = 4242


def png(width: int, height: int) -> bytes:
    """A valid PNG header (signature and IHDR chunk) for an image of this size."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
    )


def keyboard(*labels_and_data: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t, callback_data=d)] for t, d in labels_and_data]
    )


async def raw_call(fake: FakeBotAPI, method: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    """A raw JSON POST, as a non-PTB client (or PTB's worker Bot) might send."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{fake.url}/bot{fake.token}/{method}", **kwargs) as response,
    ):
        return response.status, await response.json()


@pytest.fixture
async def bot(fake_bot_api: FakeBotAPI) -> AsyncIterator[Bot]:
    async with Bot(fake_bot_api.token, base_url=f"{fake_bot_api.url}/bot") as real_bot:
        yield real_bot


# ------------------------------------------------------------------ sending and validation


async def test_get_me_and_send_message(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    user = fake_bot_api.user(USER)
    assert bot.id == 123456 and bot.username == "flexflow_test_bot"
    sent = await bot.send_message(
        USER, "<b>Squats</b> &amp; lunges 💪 <i>now</i>", parse_mode="HTML"
    )
    assert sent.text == "Squats & lunges 💪 now"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 0, 6),
        ("italic", 19, 3),
    ]
    assert user.last.text == "Squats & lunges 💪 now" and user.last.message_id == sent.message_id
    second = await bot.send_message(USER, "  plain, trimmed  \n")
    assert second.message_id == sent.message_id + 1 and second.text == "plain, trimmed"


async def test_text_limit_counts_parsed_utf16(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    fake_bot_api.user(USER)
    await bot.send_message(USER, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")  # tags don't count
    await bot.send_message(USER, "😀" * 2048)  # 4096 UTF-16 code units
    for too_long in ("x" * 4097, "😀" * 2048 + "x"):
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(USER, too_long)
    for empty in ("", "   \n", "<b></b>"):
        with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
            await bot.send_message(USER, empty, parse_mode="HTML")
    assert len(fake_bot_api.user(USER).messages) == 2


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("<b>unclosed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<div>block</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("3 < 5", 'Unsupported start tag "" at byte offset 2'),
        (
            "salt & pepper",
            'Character "&" at byte offset 5 does not begin a supported HTML entity; escape it as &amp;',
        ),
        ("done</b>", "Unexpected end tag at byte offset 4"),
    ],
)
async def test_bad_html_rejected(
    fake_bot_api: FakeBotAPI, bot: Bot, text: str, detail: str
) -> None:
    user = fake_bot_api.user(USER)
    with pytest.raises(BadRequest) as caught:
        await bot.send_message(USER, text, parse_mode="HTML")
    # PTB drops "Bad Request: " and capitalizes the rest of Telegram's description.
    assert caught.value.message.lower() == f"can't parse entities: {detail}".lower()
    assert user.messages == []
    # The same text is fine without a parse mode: it is shown literally.
    assert (await bot.send_message(USER, text)).text == text


async def test_unknown_parse_mode_and_unknown_chat(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    fake_bot_api.user(USER)
    with pytest.raises(BadRequest, match=r"(?i)unsupported parse_mode"):
        await bot.send_message(USER, "hi", parse_mode="Textile")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(999, "nobody opened this chat")


async def test_inline_keyboard_validation(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    user = fake_bot_api.user(USER)
    await bot.send_message(USER, "ok", reply_markup=keyboard(("Go", "d" * 64)))
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(USER, "too long", reply_markup=keyboard(("Go", "d" * 65)))
    with pytest.raises(BadRequest, match="Button_data_invalid"):  # bytes, not characters
        await bot.send_message(USER, "too long", reply_markup=keyboard(("Go", "é" * 33)))
    both = {"inline_keyboard": [[{"text": "x", "callback_data": "a", "url": "https://e.com"}]]}
    neither = {"inline_keyboard": [[{"text": "x"}]]}
    empty_text = {"inline_keyboard": [[{"text": "", "callback_data": "a"}]]}
    for markup, problem in (
        (both, "exactly one"),
        (neither, "unallowed"),
        (empty_text, "non-empty"),
    ):
        status, body = await raw_call(
            fake_bot_api, "sendMessage", json={"chat_id": USER, "text": "t", "reply_markup": markup}
        )
        assert status == 400 and problem in body["description"], body
    assert [m.text for m in user.messages] == ["ok"] and user.buttons() == ["Go"]


async def test_edit_rules(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    user = fake_bot_api.user(USER)
    sent = await bot.send_message(
        USER, "<b>Plan</b>", parse_mode="HTML", reply_markup=keyboard(("A", "a"))
    )
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "<b>Plan</b>",
            USER,
            sent.message_id,
            parse_mode="HTML",
            reply_markup=keyboard(("A", "a")),
        )
    # Same text, different formatting is a change; so is dropping the keyboard.
    await bot.edit_message_text("Plan", USER, sent.message_id, reply_markup=keyboard(("A", "a")))
    await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=keyboard(("B", "b")))
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(
            USER, sent.message_id, reply_markup=keyboard(("B", "b"))
        )
    edited = await bot.edit_message_text("Plan v2", USER, sent.message_id)  # no markup: removed
    assert isinstance(edited, Message) and edited.reply_markup is None and user.last.keyboard == ()
    assert user.last.edits == ("Plan", "Plan") and user.last.text == "Plan v2"
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("ghost", USER, 999)
    assert await bot.delete_message(USER, sent.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("after delete", USER, sent.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(USER, sent.message_id)
    assert user.messages == []


async def test_callback_answers(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    user = fake_bot_api.user(USER)
    await bot.send_message(
        USER, "Pick", reply_markup=keyboard(("🏋️ Strength", "s"), ("🧘 Yoga", "y"))
    )
    query_id = user.press("yoga")
    assert await bot.answer_callback_query(query_id, "Namaste", show_alert=True)
    answer = await user.wait_answered(query_id, timeout=1)
    assert (answer.text, answer.show_alert) == ("Namaste", True)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("12345")
    with pytest.raises(BadRequest, match="Message_too_long"):
        await bot.answer_callback_query(user.press("Strength"), "x" * 201)
    with pytest.raises(SimulatorError, match="no button contains"):
        user.press("Pilates")
    await bot.send_message(
        USER, "Again", reply_markup=keyboard(("Yoga flow", "a"), ("Yoga nidra", "b"))
    )
    with pytest.raises(SimulatorError, match="several buttons"):
        user.press("yoga")


async def test_files_and_size_limits(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    user = fake_bot_api.user(USER)
    image = png(640, 480)
    photo = await bot.send_photo(USER, image, caption="<b>Form</b> check", parse_mode="HTML")
    assert (photo.photo[-1].width, photo.photo[-1].height) == (640, 480)
    assert user.last.kind == "photo" and user.last.text == "Form check"
    assert user.last.file is not None and user.last.file.data == image
    again = await bot.send_photo(USER, photo.photo[-1].file_id)  # re-send by file_id
    assert again.photo[-1].file_id == photo.photo[-1].file_id
    document = await bot.send_document(USER, b"week plan", filename="plan.txt")
    assert document.document is not None and document.document.file_name == "plan.txt"
    assert fake_bot_api.file(document.document.file_id).data == b"week plan"
    with pytest.raises(BadRequest, match="Photo_save_file_invalid"):
        await bot.send_photo(USER, image + b"\0" * (10 * 1024 * 1024))
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(USER, b"not an image")
    with pytest.raises(BadRequest, match="Photo_invalid_dimensions"):
        await bot.send_photo(USER, png(9000, 200))
    too_big = aiohttp.FormData({"chat_id": str(USER)})
    too_big.add_field("document", b"\0" * (50 * 1024 * 1024 + 1), filename="big.bin")
    status, body = await raw_call(fake_bot_api, "sendDocument", data=too_big)
    assert (status, body["description"]) == (413, "Request Entity Too Large")
    assert len(user.messages) == 3


async def test_photos_by_url(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    """sendPhoto with a URL: Telegram fetches it, so only a public http(s) image URL works;
    the caption is at most 1024 characters after HTML parsing; buttons come along."""
    user = fake_bot_api.user(USER)
    url = "https://raw.githubusercontent.com/yuhonas/free-exercise-db/main/exercises/Plank/0.jpg"
    markup = keyboard(("Back", "b:1"))
    caption = "<b>Plank</b>\n1. " + "&lt;" * 500 + "x" * 515  # 1,024 once parsed
    sent = await bot.send_photo(USER, url, caption=caption, parse_mode="HTML", reply_markup=markup)
    assert sent.photo and user.last.kind == "photo"
    assert user.last.file is not None and user.last.file.url == url and not user.last.file.data
    assert user.last.text.startswith("Plank\n1. <<<") and utf16_length(user.last.text) == 1024
    assert user.last.buttons == ["Back"]
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(USER, url, caption=caption + "y", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_photo(USER, url, caption="<b>Plank", parse_mode="HTML")
    for bad in (
        "ftp://example.com/a.jpg",
        "https://exa mple.com/a.jpg",
        "https:///a.jpg",
        "https://user:pw@example.com/a.jpg",
        "https://example.com/" + "a" * 2048 + ".jpg",
        "https://example.com/a.jpg\n",
    ):
        with pytest.raises(BadRequest, match="Wrong file identifier/http url specified"):
            await bot.send_photo(USER, bad)
    for unreachable in (
        "http://127.0.0.1:8080/a.jpg",
        "http://localhost/a.jpg",
        "http://192.168.1.2/a.png",
        "http://10.0.0.1/a.png",
        "http://intranet/a.png",
    ):
        with pytest.raises(BadRequest, match="Failed to get http url content"):
            await bot.send_photo(USER, unreachable)
    with pytest.raises(BadRequest, match="Wrong type of the web page content"):
        await bot.send_photo(USER, "https://example.com/exercises/plank.html")
    assert len(user.messages) == 1


async def test_commands(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    assert await bot.set_my_commands([("start", "Start over"), ("new_workout", "A new workout")])
    assert [(c.command, c.description) for c in await bot.get_my_commands()] == [
        ("start", "Start over"),
        ("new_workout", "A new workout"),
    ]
    for bad in [("Start", "capital"), ("x" * 33, "too long"), ("go-now", "hyphen")]:
        with pytest.raises(BadRequest, match="Bot_command_invalid"):
            await bot.set_my_commands([bad])
    with pytest.raises(BadRequest, match="description"):
        await bot.set_my_commands([("start", "d" * 257)])
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()


async def test_chat_action_and_raw_json(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    user = fake_bot_api.user(USER)
    assert await bot.send_chat_action(USER, "typing")
    status, body = await raw_call(
        fake_bot_api, "sendChatAction", json={"chat_id": USER, "action": "dancing"}
    )
    assert status == 400 and "action" in body["description"]
    status, body = await raw_call(
        fake_bot_api,
        "sendMessage",
        json={
            "chat_id": str(USER),
            "text": "<i>raw</i>",
            "parse_mode": "HTML",
            "reply_markup": json.dumps(
                {"inline_keyboard": [[{"text": "ok", "callback_data": "k"}]]}
            ),
        },
    )
    assert status == 200 and body["result"]["entities"] == [
        {"type": "italic", "offset": 0, "length": 3}
    ]
    assert user.chat_actions == ["typing"] and user.buttons() == ["ok"]


async def test_auth_and_unknown_method(fake_bot_api: FakeBotAPI) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{fake_bot_api.url}/bot1:wrong/getMe") as response:
            assert response.status == 401
            assert await response.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with session.post(
            f"{fake_bot_api.url}/bot{fake_bot_api.token}/sendTelegram"
        ) as response:
            assert response.status == 404 and (await response.json())["description"] == "Not Found"
    with pytest.raises(InvalidToken):
        async with Bot("1:wrong", base_url=f"{fake_bot_api.url}/bot"):
            pass


# ------------------------------------------------------------------ fault injection and metrics


async def test_retry_after_then_success(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    user = fake_bot_api.user(USER)
    fake_bot_api.fail_next("sendMessage", code=429, retry_after=3, chat_id=USER)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(USER, "first try")
    assert caught.value._retry_after.total_seconds() == 3
    await bot.send_message(USER, "second try")
    assert [m.text for m in user.messages] == ["second try"]
    assert [c.status for c in fake_bot_api.calls("sendMessage")] == [429, 200]
    assert fake_bot_api.errors() == []  # injected failures are not validation errors


async def test_forbidden_and_server_errors(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    user = fake_bot_api.user(USER)
    sent = await bot.send_message(USER, "before")
    user.block_bot()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "while blocked")
    with pytest.raises(Forbidden):
        await bot.edit_message_text("edit while blocked", USER, sent.message_id)
    user.unblock_bot()
    fake_bot_api.fail_next("sendMessage", code=403)
    with pytest.raises(Forbidden):
        await bot.send_message(USER, "injected")
    fake_bot_api.fail_next("sendMessage", code=502, times=2)
    for _ in range(2):
        with pytest.raises(Exception, match="Bad Gateway"):
            await bot.send_message(USER, "gateway")
    await bot.send_message(USER, "after")
    assert [m.text for m in user.messages] == ["before", "after"]


async def test_send_rate_metrics(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    for user_id in (1, 2):
        fake_bot_api.user(user_id)
    await asyncio.gather(
        *(bot.send_message(1, f"a{i}") for i in range(5)), bot.send_message(2, "b")
    )
    await bot.send_chat_action(1, "typing")  # not an outgoing message
    assert fake_bot_api.max_sends_in_any_second() == 6
    assert fake_bot_api.max_sends_per_chat_per_second() == 5


# ------------------------------------------------------------------ updates: polling and webhook


@pytest.fixture
async def echo_app(
    fake_bot_api: FakeBotAPI,
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            "Welcome! Pick one:",
            reply_markup=keyboard(("💪 Strength", "w:strength"), ("🧘 Yoga", "w:yoga")),
        )

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_message.text is not None
        await update.effective_message.reply_text(f"echo: {update.effective_message.text}")

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer(f"chose {query.data}")
        await query.edit_message_text(f"You chose {query.data}")

    app = (
        Application.builder().token(fake_bot_api.token).base_url(f"{fake_bot_api.url}/bot").build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        yield app


async def test_polling_conversation(
    fake_bot_api: FakeBotAPI, echo_app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    assert echo_app.updater is not None
    await echo_app.start()
    await echo_app.updater.start_polling(poll_interval=0)
    try:
        user = fake_bot_api.user(USER, "Sam", "sam_lifts")
        user.send("/start")
        welcome = await user.wait_for_text("Welcome", timeout=5)
        assert welcome.buttons == ["💪 Strength", "🧘 Yoga"]
        query_id = user.press("yoga")
        answer = await user.wait_answered(query_id, timeout=5)
        assert answer.text == "chose w:yoga" and not answer.show_alert
        await user.wait_for_text("You chose w:yoga", timeout=5)
        assert user.last.message_id == welcome.message_id and user.last.keyboard == ()
        user.send("hello there")
        await user.wait_for_text("echo: hello there", timeout=5)
        assert [m.text for m in user.transcript] == [
            "/start",
            "You chose w:yoga",
            "hello there",
            "echo: hello there",
        ]
        assert fake_bot_api.errors() == []
    finally:
        await echo_app.updater.stop()
        await echo_app.stop()
    assert fake_bot_api.pending_updates() == []  # every update was confirmed


async def test_long_poll_waits_and_conflicts(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    user = fake_bot_api.user(USER)
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    assert not poll.done()
    user.send("wake up")
    updates = await asyncio.wait_for(poll, 2)
    assert [u.message.text for u in updates if u.message] == ["wake up"]
    assert updates[0].message is not None and updates[0].message.entities == ()
    # A second poller (another bot instance: PTB's own Bot queues its getUpdates calls on one
    # connection) terminates the first.
    first = asyncio.create_task(bot.get_updates(offset=updates[-1].update_id + 1, timeout=5))
    await asyncio.sleep(0.1)
    status, body = await raw_call(fake_bot_api, "getUpdates", json={"timeout": 0})
    assert (status, body["result"]) == (200, [])
    with pytest.raises(Conflict, match="terminated by other getUpdates"):
        await asyncio.wait_for(first, 2)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_delivery(
    fake_bot_api: FakeBotAPI, echo_app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    assert echo_app.updater is not None
    port, secret = free_port(), "s3cret-token_1"
    await echo_app.start()
    await echo_app.updater.start_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="hook",
        webhook_url=f"http://127.0.0.1:{port}/hook",
        secret_token=secret,
    )
    try:
        info = await echo_app.bot.get_webhook_info()
        assert info.url == f"http://127.0.0.1:{port}/hook"
        with pytest.raises(Conflict, match="webhook is active"):
            await echo_app.bot.get_updates()
        user = fake_bot_api.user(USER)
        user.send("/start")
        await user.wait_for_text("Welcome", timeout=5)
        user.press("Strength")
        await user.wait_for_text("You chose w:strength", timeout=5)
        assert {status for _, status in fake_bot_api.webhook_deliveries()} == {200}
        forged = user.message_update("forged")
        assert await fake_bot_api.post_raw_update(forged, secret="wrong") == 403
        assert await fake_bot_api.post_raw_update(forged) == 403
        assert await fake_bot_api.post_raw_update(forged, secret=secret) == 200
        await user.wait_for_text("echo: forged", timeout=5)
    finally:
        await echo_app.updater.stop()
        await echo_app.stop()
    with pytest.raises(BadRequest, match=r"(?i)https url must be provided"):
        await echo_app.bot.set_webhook("http://example.com/hook")


async def test_webhook_failures_are_retried_and_reported(fake_bot_api: FakeBotAPI) -> None:
    port = free_port()  # nothing listens here
    status, _ = await raw_call(
        fake_bot_api,
        "setWebhook",
        json={"url": f"http://127.0.0.1:{port}/hook", "secret_token": "abc"},
    )
    assert status == 200
    user = fake_bot_api.user(USER)
    user.send("anyone there?")
    await user.wait_until(lambda _: len(fake_bot_api.webhook_deliveries()) >= 2, timeout=5)
    assert {code for _, code in fake_bot_api.webhook_deliveries()} == {0}
    _, info = await raw_call(fake_bot_api, "getWebhookInfo")
    assert (
        info["result"]["pending_update_count"] == 1
        and "Connection" in info["result"]["last_error_message"]
    )
    status, body = await raw_call(
        fake_bot_api, "setWebhook", json={"url": "https://e.com/h", "secret_token": "no spaces"}
    )
    assert status == 400 and "secret token" in body["description"]
    assert (await raw_call(fake_bot_api, "deleteWebhook"))[0] == 200
    _, updates = await raw_call(fake_bot_api, "getUpdates", json={"timeout": 0})
    assert [u["message"]["text"] for u in updates["result"]] == [
        "anyone there?"
    ]  # kept for polling


async def test_many_concurrent_requests(fake_bot_api: FakeBotAPI) -> None:
    users = [fake_bot_api.user(i) for i in range(1, 11)]
    async with aiohttp.ClientSession() as session:

        async def send(chat_id: int, n: int) -> int:
            async with session.post(
                f"{fake_bot_api.url}/bot{fake_bot_api.token}/sendMessage",
                data={"chat_id": str(chat_id), "text": f"<b>{n}</b>", "parse_mode": "HTML"},
            ) as response:
                assert response.status == 200
                return int((await response.json())["result"]["message_id"])

        ids = await asyncio.gather(*(send(u.id, n) for u in users for n in range(30)))
    assert len(ids) == 300
    for user in users:
        assert sorted(m.message_id for m in user.messages) == list(range(1, 31))
    assert fake_bot_api.max_sends_in_any_second() >= 30


async def test_reply_keyboard_and_commands_entities(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    from telegram import ReplyKeyboardMarkup, ReplyKeyboardRemove

    user = fake_bot_api.user(USER, username="alex_fit")
    await bot.send_message(
        "@alex_fit", "Level?", reply_markup=ReplyKeyboardMarkup([["Beginner", "Advanced"]])
    )
    assert user.reply_keyboard == [["Beginner", "Advanced"]] and user.last.keyboard == ()
    await bot.send_message(USER, "ok", reply_markup=ReplyKeyboardRemove())
    assert user.reply_keyboard == []
    user.send("/start@flexflow_test_bot now, then /help")
    (update,) = await bot.get_updates(timeout=0)
    assert update.message is not None
    assert [(e.type, e.offset, e.length) for e in update.message.entities] == [
        ("bot_command", 0, 24),
        ("bot_command", 35, 5),
    ]


async def test_stale_press_and_edits_of_user_messages(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    user = fake_bot_api.user(USER)
    own = user.send("my message")
    with pytest.raises(BadRequest, match="can't be edited"):
        await bot.edit_message_text("hijack", USER, own)
    sent = await bot.send_message(USER, "Old menu", reply_markup=keyboard(("Go", "go:1")))
    await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=None)
    query_id = user.press_data("go:1", sent.message_id)  # a stale button on the user's screen
    (_, update) = await bot.get_updates(timeout=0)
    assert update.callback_query is not None and update.callback_query.id == query_id
    assert update.callback_query.data == "go:1" and update.callback_query.message is not None
    with pytest.raises(SimulatorError, match="no message with buttons"):
        user.press("Go")


# ------------------------------------------------------------------ telegram_html corpus


@pytest.mark.parametrize(
    ("html", "text", "entities"),
    [
        ("plain", "plain", []),
        ("<b>b</b><strong>s</strong>", "bs", [Entity("bold", 0, 1), Entity("bold", 1, 1)]),
        (
            "<i>i</i><em>e</em><u>u</u><ins>n</ins>",
            "ieun",
            [
                Entity("italic", 0, 1),
                Entity("italic", 1, 1),
                Entity("underline", 2, 1),
                Entity("underline", 3, 1),
            ],
        ),
        (
            "<s>a</s><strike>b</strike><del>c</del>",
            "abc",
            [Entity("strikethrough", i, 1) for i in range(3)],
        ),
        (
            '<span class="tg-spoiler">x</span><tg-spoiler>y</tg-spoiler>',
            "xy",
            [Entity("spoiler", 0, 1), Entity("spoiler", 1, 1)],
        ),
        (
            '<a href="https://example.com/a?b=1&amp;c=2">link</a>',
            "link",
            [Entity("text_link", 0, 4, url="https://example.com/a?b=1&c=2")],
        ),
        ('<a href="tg://user?id=42">Sam</a>', "Sam", [Entity("text_mention", 0, 3, user_id=42)]),
        (
            '<a href="javascript:alert(1)">x</a>',
            "x",
            [],
        ),  # invalid URLs lose the link, like Telegram
        ("<code>x = 1</code>", "x = 1", [Entity("code", 0, 5)]),
        ("<pre>block</pre>", "block", [Entity("pre", 0, 5)]),
        (
            '<pre><code class="language-python">print()</code></pre>',
            "print()",
            [Entity("pre", 0, 7, language="python")],
        ),
        ("<blockquote>q</blockquote>", "q", [Entity("blockquote", 0, 1)]),
        ("<blockquote expandable>q</blockquote>", "q", [Entity("expandable_blockquote", 0, 1)]),
        (
            '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
            "👍",
            [Entity("custom_emoji", 0, 2, custom_emoji_id="5368324170671202286")],
        ),
        ("&lt;&gt;&amp;&quot;&#65;&#x1F4AA;", '<>&"A💪', []),
        ("😀<b>x</b>", "😀x", [Entity("bold", 2, 1)]),  # offsets in UTF-16 code units
        ("<B>caps</B>", "caps", [Entity("bold", 0, 4)]),
        ("<b>a <i>b</i></b>", "a b", [Entity("bold", 0, 3), Entity("italic", 2, 1)]),
        ("<b></b>x", "x", []),  # empty entities are dropped
        ("a > b", "a > b", []),  # a bare ">" is accepted, as by Telegram
        ("<b>x</>", "x", [Entity("bold", 0, 1)]),  # "</>" closes the open tag
    ],
)
def test_html_corpus(html: str, text: str, entities: list[Entity]) -> None:
    assert parse_telegram_html(html) == (text, entities)


@pytest.mark.parametrize(
    ("html", "detail"),
    [
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("é<br>", 'Unsupported start tag "br" at byte offset 2'),  # byte offsets, not characters
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("a<b", "Unclosed start tag at byte offset 1"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        (
            "<a href>x</a>",
            'Expected equal sign in declaration of an attribute of the tag "a" at byte offset 0',
        ),
        ('<a href="x>y</a>', 'Unclosed start tag "a" at byte offset 0'),
        ('<tg-emoji emoji-id="abc">x</tg-emoji>', "Invalid custom emoji identifier specified"),
        (
            "AT&T",
            'Character "&" at byte offset 2 does not begin a supported HTML entity; escape it as &amp;',
        ),
        (
            "&nbsp;",
            'Character "&" at byte offset 0 does not begin a supported HTML entity; escape it as &amp;',
        ),
        (
            "&#0;",
            'Character "&" at byte offset 0 does not begin a supported HTML entity; escape it as &amp;',
        ),
        (
            "&lt",
            'Character "&" at byte offset 0 does not begin a supported HTML entity; escape it as &amp;',
        ),
    ],
)
def test_html_errors(html: str, detail: str) -> None:
    with pytest.raises(TelegramHTMLError) as caught:
        parse_telegram_html(html)
    assert caught.value.detail == detail
    assert str(caught.value) == f"Can't parse entities: {detail}"


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"])))
def test_escaped_text_round_trips(text: str) -> None:
    assert parse_telegram_html(html.escape(text)) == (text, [])
    assert parse_telegram_html(f"<b>{html.escape(text)}</b>")[0] == text
    assert utf16_length(text) == len(text.encode("utf-16-le")) // 2


async def test_profile_methods(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    fake_bot_api.user(USER, "Sam")
    assert (await bot.get_chat(USER)).first_name == "Sam"
    assert await bot.set_my_description("Your AI workout coach")
    with pytest.raises(BadRequest, match=r"(?i)short_description_invalid"):
        await bot.set_my_short_description("x" * 121)
    assert await bot.set_chat_menu_button()
    assert await bot.log_out()
    with pytest.raises(InvalidToken):
        await bot.get_me()
