"""A strict fake Telegram Bot API server on 127.0.0.1, and a user simulator that drives it.

`FakeBotAPI` serves ``{url}/bot{token}/{method}`` from an aiohttp server on its own event loop
in a background thread, so the real python-telegram-bot code (Application, Updater, Bot) talks
to it over HTTP exactly as it talks to Telegram: form fields with JSON-encoded values,
multipart uploads, or a raw JSON body. Requests are validated like Telegram does and rejected
with Telegram's own error codes and descriptions; whatever a `FakeUser` sees has passed those
checks. Updates reach the bot through long-polled ``getUpdates`` or, after ``setWebhook``, as
POSTs to the webhook with the secret token header.

Deliberate differences from Telegram, each to keep tests honest: a bare ``&`` in HTML is an
error (see telegram_html); http:// webhooks are allowed only on loopback hosts; parse modes
Markdown and MarkdownV2 are refused (the project sends HTML); webhook updates are delivered one
at a time in order; a photo sent by URL is judged by its URL alone (nothing is fetched: a
public http(s) host, a picture's extension).

Drafts (``sendMessageDraft``, Bot API 9.5): the animated preview of a message being written,
private chats only (a group gets Telegram's ``TEXTDRAFT_PEER_INVALID``), named by a non-zero
``draft_id``; it lasts ``DRAFT_LIFETIME`` seconds after its last update, and the bot's next
``sendMessage`` in the chat replaces it. ``fake.drafts(chat_id)`` tells what the user saw and
when.

    ApiError        -- a Telegram error response (raised inside the server, returned as JSON)
    SimulatorError  -- a FakeUser could not do what the test asked (an AssertionError)
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import secrets
import struct
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp import web

from tests.fakes.local_server import LocalServer
from tests.fakes.telegram_html import (
    Entity,
    TelegramHTMLError,
    parse_telegram_html,
    trim_formatted,
    utf16_length,
)

__all__ = [
    "DEFAULT_TOKEN",
    "DRAFT_LIFETIME",
    "SEND_METHODS",
    "ApiError",
    "Button",
    "Call",
    "CallbackAnswer",
    "ChatMessage",
    "Draft",
    "DraftFrame",
    "FakeBotAPI",
    "FakeUser",
    "SimulatorError",
    "UploadedFile",
    "fake_bot_api",
    "max_in_window",
]

T = TypeVar("T")
_Predicate = Callable[["FakeUser"], T | None]
"""What a wait polls: the value it waits for, or something falsy."""
_Wait = tuple[_Predicate[T], float, str]
"""What a wait polls for, how long, and what a timeout calls it."""

DEFAULT_TOKEN = "123456:TEST-token"
SEND_METHODS = frozenset(
    {"sendMessage", "editMessageText", "sendPhoto", "sendDocument", "sendMessageDraft"}
)
"""Calls that put something in front of the user: counted by the send-rate checks (a draft's
update too: Telegram documents no separate budget for drafts, so they are counted as sends)."""
DRAFT_LIFETIME = 30.0
"""Seconds a draft stays on screen after its last update (the Bot API: "a temporary
30-second preview")."""
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_ANSWER_LIMIT = 200
PHOTO_LIMIT = 10 * 1024 * 1024
DOCUMENT_LIMIT = 50 * 1024 * 1024
_BODY_LIMIT = 64 * 1024 * 1024
_POLL_INTERVAL = 0.005
_CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip
_BUTTON_ACTIONS = (
    "callback_data", "url", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "web_app", "login_url", "callback_game", "pay",
    "copy_text",
)  # fmt: skip
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_BOT_COMMAND_IN_TEXT = re.compile(r"(?<![^\s])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![^\s])")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_DEFAULT_UPDATE_TYPES = frozenset({"message", "callback_query", "edited_message"})
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
_BLOCKED = "Forbidden: bot was blocked by the user"


class ApiError(Exception):
    """A Telegram error response: HTTP status, description and optional parameters."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        data: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            data["parameters"] = self.parameters
        return data


class SimulatorError(AssertionError):
    """A FakeUser could not do what the test asked (no such button, no message, timeout)."""


@dataclass(frozen=True, slots=True)
class Call:
    """One request the server answered."""

    at: float  # time.monotonic() when the request arrived
    method: str  # canonical Bot API method name ("sendMessage"), or the path's name if unknown
    chat_id: int | None  # the request's chat_id, when it had a numeric one
    status: int  # HTTP status of the response (200 on success)
    description: str | None  # error description, None on success
    injected: bool  # the failure came from fail_next or block, not from validation


@dataclass(frozen=True, slots=True)
class Button:
    """One inline keyboard button as the user sees it."""

    text: str
    callback_data: str | None
    url: str | None


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file the bot sent (uploaded bytes, or a URL Telegram would fetch)."""

    file_id: str
    file_unique_id: str
    kind: str  # "photo" or "document"
    filename: str | None
    mime_type: str | None
    data: bytes  # empty when sent by URL
    url: str | None
    width: int = 0  # photos only
    height: int = 0  # photos only


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """A snapshot of one message in a chat, as the user sees it."""

    message_id: int
    chat_id: int
    from_bot: bool
    kind: str  # "text", "photo" or "document"
    text: str  # the text, or the caption of a photo or document, after HTML parsing
    entities: tuple[Entity, ...]
    keyboard: tuple[tuple[Button, ...], ...]  # inline keyboard rows; empty when none
    reply_markup: str | None  # the stored reply_markup as canonical JSON, None when none
    file: UploadedFile | None
    edits: tuple[str, ...]  # earlier texts, oldest first
    deleted: bool
    date: int
    reply_to: int | None  # message_id this one replies to

    @property
    def buttons(self) -> list[str]:
        """Labels of the inline keyboard, row by row."""
        return [button.text for row in self.keyboard for button in row]


@dataclass(frozen=True, slots=True)
class DraftFrame:
    """One accepted ``sendMessageDraft``: what the preview showed from ``at`` on."""

    at: float  # time.monotonic() when the request arrived
    text: str  # after HTML parsing and trimming; empty shows Telegram's "Thinking..."
    entities: tuple[Entity, ...]


@dataclass(frozen=True, slots=True)
class Draft:
    """One draft on a chat's screen (one ``draft_id``, from its first update until it was
    replaced or expired) as the user saw it."""

    draft_id: int
    frames: tuple[DraftFrame, ...]  # its updates, oldest first
    ended_at: float | None  # when it left the screen (replaced or expired); None: still shown
    replaced_by: int | None  # the message_id of the sendMessage that replaced it

    @property
    def text(self) -> str:
        """What the preview shows (or last showed)."""
        return self.frames[-1].text


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    """The bot's answerCallbackQuery for one button press."""

    query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    at: float = 0.0
    """When the answer arrived (time.monotonic())."""


@dataclass(slots=True)
class _Upload:
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(slots=True)
class _Stored:
    message_id: int
    from_bot: bool
    date: int
    kind: str
    text: str
    entities: list[Entity]
    reply_markup: dict[str, Any] | None
    file: UploadedFile | None = None
    reply_to: int | None = None
    edit_date: int | None = None
    edits: list[str] = field(default_factory=list)
    deleted: bool = False


@dataclass(slots=True)
class _Chat:
    user_id: int
    first_name: str
    username: str | None
    language_code: str | None
    next_message_id: int = 1
    messages: dict[int, _Stored] = field(default_factory=dict)
    blocked: bool = False
    actions: list[str] = field(default_factory=list)
    reply_keyboard: dict[str, Any] | None = None  # the custom keyboard shown under the input
    kind: str = "private"  # or "group", "supergroup" (first_name is then the title)
    drafts: list[_Draft] = field(default_factory=list)  # every draft shown, first shown first

    def user_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def chat_json(self) -> dict[str, Any]:
        if self.kind != "private":
            return {"id": self.user_id, "type": self.kind, "title": self.first_name}
        data: dict[str, Any] = {
            "id": self.user_id,
            "type": "private",
            "first_name": self.first_name,
        }
        if self.username:
            data["username"] = self.username
        return data


@dataclass(slots=True)
class _Draft:
    draft_id: int
    frames: list[DraftFrame]
    ended_at: float | None = None
    replaced_by: int | None = None

    def end_if_expired(self, now: float, lifetime: float) -> None:
        if self.ended_at is None and now - self.frames[-1].at >= lifetime:
            self.ended_at = self.frames[-1].at + lifetime

    def view(self) -> Draft:
        return Draft(self.draft_id, tuple(self.frames), self.ended_at, self.replaced_by)


@dataclass(slots=True)
class _Query:
    chat_id: int
    message_id: int
    data: str
    created: float
    answer: CallbackAnswer | None = None


@dataclass(slots=True)
class _Fault:
    method: str
    code: int
    retry_after: int
    chat_id: int | None
    remaining: int
    description: str | None

    def error(self) -> ApiError:
        if self.code == 429:
            return ApiError(
                429,
                self.description or f"Too Many Requests: retry after {self.retry_after}",
                {"retry_after": self.retry_after},
            )
        defaults = {
            400: "Bad Request: injected failure",
            403: _BLOCKED,
            500: "Internal Server Error",
            502: "Bad Gateway",
        }
        return ApiError(self.code, self.description or defaults.get(self.code, "Injected failure"))


@dataclass(slots=True)
class _Webhook:
    url: str
    secret: str | None
    max_connections: int
    last_error_date: int | None = None
    last_error_message: str | None = None


_Handler = Callable[["_Params"], Any]


class _Params:
    """Request parameters, typed the way Telegram reads form fields and JSON bodies."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def string(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        raise ApiError(400, f'Bad Request: field "{name}" must be of type String')

    def integer(self, name: str) -> int | None:
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*-?[0-9]{1,20}\s*", value):
            return int(value)
        raise ApiError(400, f"Bad Request: invalid {name} specified")

    def boolean(self, name: str) -> bool:
        value = self.values.get(name)
        if value is None:
            return False
        if isinstance(value, bool | int):
            return bool(value)
        if isinstance(value, str) and value.lower() in ("true", "1", "false", "0", ""):
            return value.lower() in ("true", "1")
        raise ApiError(400, f'Bad Request: field "{name}" must be of type Boolean')

    def json(self, name: str, what: str | None = None) -> Any:
        value = self.values.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise ApiError(
                    400, f"Bad Request: can't parse {what or name} JSON object"
                ) from None
        return value

    def chat_id_hint(self) -> int | None:
        value = self.values.get("chat_id")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,20}", value.strip()):
            return int(value)
        return None


async def _read_params(request: web.Request) -> _Params:
    values: dict[str, Any] = dict(request.query)
    if not request.body_exists:
        return _Params(values)
    if request.content_type == "application/json":
        try:
            data = await request.json()
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse JSON object") from None
        if not isinstance(data, dict):
            raise ApiError(400, "Bad Request: JSON object expected")
        values.update(data)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                values[key] = _Upload(value.filename, value.content_type, value.file.read())
            else:
                values[key] = value
    return _Params(values)


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF, JPEG or WebP image; None if it is none of these."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        chunk = data[12:16]
        if chunk == b"VP8X":
            return (
                int.from_bytes(data[24:27], "little") + 1,
                int.from_bytes(data[27:30], "little") + 1,
            )
        if chunk == b"VP8L":
            bits = int.from_bytes(data[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        if chunk == b"VP8 ":
            return (
                int.from_bytes(data[26:28], "little") & 0x3FFF,
                int.from_bytes(data[28:30], "little") & 0x3FFF,
            )
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        if marker == 0xFF:
            index += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            index += 2
            continue
        length = int.from_bytes(data[index + 2 : index + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return int(width), int(height)
        index += 2 + length
    return None


_URL_LIMIT = 2048
_PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")
_WRONG_URL = "Bad Request: wrong file identifier/HTTP URL specified"


def _check_file_url(url: str, kind: str) -> None:
    """A file sent by URL as Telegram takes it: Telegram's servers fetch it themselves, so
    the URL must be a well-formed public http(s) address, and for a photo one that serves
    an image. This fake fetches nothing: it judges the URL alone (an image's path ends in
    a picture's extension; loopback, private and local hosts cannot be fetched from
    Telegram's side)."""
    if len(url) > _URL_LIMIT or re.search(r"[\s\x00-\x1f\x7f]", url):
        raise ApiError(400, _WRONG_URL)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ApiError(400, _WRONG_URL) from None
    host = (parts.hostname or "").lower()
    if not host or parts.username is not None or port == 0:
        raise ApiError(400, _WRONG_URL)
    local = (
        host == "localhost"
        or host.endswith((".localhost", ".local", ".internal"))
        or re.fullmatch(r"127\.\d+\.\d+\.\d+|10\.\d+\.\d+\.\d+|192\.168\.\d+\.\d+", host)
        or re.fullmatch(r"172\.(1[6-9]|2\d|3[01])\.\d+\.\d+|0\.0\.0\.0|\[?::1\]?", host)
        or "." not in host.strip("[]")
    )
    if local:
        raise ApiError(400, "Bad Request: failed to get HTTP URL content")
    if kind == "photo" and not parts.path.lower().endswith(_PHOTO_EXTENSIONS):
        raise ApiError(400, "Bad Request: wrong type of the web page content")


def _valid_button_url(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("http", "https"):
        return bool(parts.hostname)
    return parts.scheme == "tg" and len(url) > 5


def _check_button(button: object) -> None:
    if not isinstance(button, dict):
        raise ApiError(400, "Bad Request: can't parse inline keyboard button: object expected")
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ApiError(
            400, "Bad Request: can't parse inline keyboard button: Text must be non-empty"
        )
    actions = [name for name in _BUTTON_ACTIONS if button.get(name) is not None]
    if not actions:
        raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise ApiError(
            400,
            "Bad Request: can't parse inline keyboard button: exactly one of the optional "
            f"fields must be used, got {', '.join(actions)}",
        )
    data = button.get("callback_data")
    if data is not None and (not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64):
        raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    url = button.get("url")
    if url is not None and (not isinstance(url, str) or not _valid_button_url(url)):
        raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")


def _check_markup(markup: object, *, inline_only: bool) -> dict[str, Any] | None:
    """The validated reply_markup (None for none or an empty inline keyboard)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise ApiError(
                400,
                'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup should be '
                "an Array of Arrays",
            )
        count = 0
        for row in rows:
            for button in row:
                _check_button(button)
                count += 1
        if count > 100:
            raise ApiError(400, "Bad Request: reply markup is too long")
        return markup if count else None
    if inline_only:
        raise ApiError(400, "Bad Request: inline keyboard expected")
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise ApiError(400, 'Bad Request: field "keyboard" must be an Array of Arrays')
        for row in rows:
            for button in row:
                text = button if isinstance(button, str) else None
                if isinstance(button, dict):
                    text = button.get("text")
                if not isinstance(text, str) or not text:
                    raise ApiError(400, "Bad Request: keyboard button text must be non-empty")
        return markup
    if markup.get("remove_keyboard") or markup.get("force_reply"):
        return markup
    raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")


def _keyboard(markup: dict[str, Any] | None) -> tuple[tuple[Button, ...], ...]:
    if not markup or "inline_keyboard" not in markup:
        return ()
    return tuple(
        tuple(Button(b["text"], b.get("callback_data"), b.get("url")) for b in row)
        for row in markup["inline_keyboard"]
    )


def _check_commands(commands: object) -> list[dict[str, str]]:
    if not isinstance(commands, list):
        raise ApiError(400, "Bad Request: can't parse commands JSON object")
    if len(commands) > 100:
        raise ApiError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
    checked: list[dict[str, str]] = []
    for item in commands:
        if not isinstance(item, dict):
            raise ApiError(400, "Bad Request: can't parse BotCommand JSON object")
        command, description = item.get("command"), item.get("description")
        if not isinstance(command, str) or not _COMMAND.fullmatch(command):
            raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise ApiError(400, "Bad Request: command description must be 1-256 characters")
        checked.append({"command": command, "description": description})
    return checked


def _entities_param(value: object, text: str) -> list[Entity]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ApiError(400, "Bad Request: can't parse entities JSON object")
    total = utf16_length(text)
    entities: list[Entity] = []
    for item in value:
        if not isinstance(item, dict):
            raise ApiError(400, "Bad Request: can't parse MessageEntity JSON object")
        kind, offset, length = item.get("type"), item.get("offset"), item.get("length")
        if not isinstance(kind, str) or not isinstance(offset, int) or not isinstance(length, int):
            raise ApiError(400, "Bad Request: can't parse MessageEntity JSON object")
        if offset < 0 or length <= 0 or offset + length > total:
            raise ApiError(400, "Bad Request: entity beginning or end is out of the text")
        entities.append(
            Entity(kind, offset, length, url=item.get("url"), language=item.get("language"))
        )
    return entities


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """The most of ``times`` (seconds) in any ``window`` seconds (the benchmarks use it too)."""
    times = sorted(times)
    best = start = 0
    for end, at in enumerate(times):
        while at - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


class FakeBotAPI(LocalServer):
    """A strict fake Telegram Bot API server; start() it, point the bot at ``url``."""

    thread_name = "fake-bot-api"

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "flexflow_test_bot",
        callback_query_timeout: float = 15.0,
        draft_lifetime: float = DRAFT_LIFETIME,
    ) -> None:
        self.token = token
        self.draft_lifetime = draft_lifetime
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.callback_query_timeout = callback_query_timeout
        self._lock = threading.RLock()
        self._chats: dict[int, _Chat] = {}
        self._users: dict[int, FakeUser] = {}
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 100_000_001
        self._query_handed: dict[str, float] = {}
        self._allowed_updates: list[str] = []
        self._queries: dict[str, _Query] = {}
        self._files: dict[str, UploadedFile] = {}
        self._commands: dict[str, list[dict[str, str]]] = {}
        self._faults: list[_Fault] = []
        self._calls: list[Call] = []
        self._deliveries: list[tuple[int, int]] = []
        self._webhook: _Webhook | None = None
        self._logged_out = False
        self._poller: asyncio.Future[str] | None = None
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._webhook_wakeup: asyncio.Event | None = None
        self._deliverer: asyncio.Task[None] | None = None
        self.port = 0
        self._methods: dict[str, tuple[str, _Handler]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "getUpdates": self._get_updates,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "sendMessage": self._send_message,
                "sendMessageDraft": self._send_message_draft,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "sendChatAction": self._send_chat_action,
                "sendPhoto": self._send_photo,
                "sendDocument": self._send_document,
                "close": self._close,
                "logOut": self._log_out,
                "getChat": self._get_chat,
                "setMyDescription": self._set_my_description,
                "setMyShortDescription": self._set_my_short_description,
                "setChatMenuButton": self._set_chat_menu_button,
            }.items()
        }

    # ---------------------------------------------------------------- lifecycle

    async def _startup(self) -> None:
        app = web.Application(client_max_size=_BODY_LIMIT)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._session = aiohttp.ClientSession()
        self._webhook_wakeup = asyncio.Event()
        address = self._runner.addresses[0]
        self.port = int(address[1])

    async def _shutdown(self) -> None:
        """End pending long polls and webhook deliveries, then the server."""
        if self._poller is not None and not self._poller.done():
            self._poller.set_result("stopped")
        if self._deliverer is not None:
            self._deliverer.cancel()
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def _wake(self) -> None:
        """Tell a pending long poll and the webhook deliverer that updates changed."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return

        def wake() -> None:
            if self._poller is not None and not self._poller.done():
                self._poller.set_result("woken")
            if self._webhook_wakeup is not None:
                self._webhook_wakeup.set()

        loop.call_soon_threadsafe(wake)

    # ---------------------------------------------------------------- HTTP

    async def _handle(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        path_method = request.match_info["method"]
        known = self._methods.get(path_method.lower())
        method = known[0] if known else path_method
        chat_id: int | None = None
        injected = False
        try:
            if request.match_info["token"] != self.token or self._logged_out:
                raise ApiError(401, "Unauthorized")
            if known is None:
                raise ApiError(404, "Not Found")
            try:
                params = await _read_params(request)
            except web.HTTPRequestEntityTooLarge:
                raise ApiError(413, "Request Entity Too Large") from None
            chat_id = params.chat_id_hint()
            fault = self._take_fault(method, chat_id)
            if fault is not None:
                injected = True
                raise fault
            result = known[1](params)
            if inspect.isawaitable(result):
                result = await result
            status, body = 200, {"ok": True, "result": result}
        except ApiError as error:
            status, body = error.code, error.body()
        except Exception as error:  # a bug in the fake: make it loud in the test, not a hang
            status, body = 500, ApiError(500, f"Internal Server Error: {error!r}").body()
        self._record(Call(arrived, method, chat_id, status, body.get("description"), injected))
        return web.json_response(body, status=status)

    def _take_fault(self, method: str, chat_id: int | None) -> ApiError | None:
        with self._lock:
            for fault in self._faults:
                if fault.method == method.lower() and fault.chat_id in (None, chat_id):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault.error()
            if method in SEND_METHODS | {"sendChatAction", "editMessageReplyMarkup"}:
                chat = self._chats.get(chat_id) if chat_id is not None else None
                if chat is not None and chat.blocked:
                    return ApiError(403, _BLOCKED)
        return None

    def _record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    # ---------------------------------------------------------------- test controls

    def fail_next(
        self,
        method: str,
        *,
        code: int = 429,
        retry_after: int = 1,
        chat_id: int | None = None,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (for ``chat_id``, if given) fail."""
        with self._lock:
            self._faults.append(
                _Fault(method.lower(), code, retry_after, chat_id, times, description)
            )

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends and edits to the chat get 403 until unblock()."""
        with self._lock:
            self._chat(user_id).blocked = True

    def unblock(self, user_id: int) -> None:
        """The user unblocks the bot."""
        with self._lock:
            self._chat(user_id).blocked = False

    def user(
        self,
        user_id: int,
        first_name: str = "Alex",
        username: str | None = None,
        *,
        language_code: str | None = "en",
    ) -> FakeUser:
        """The simulated user ``user_id`` (created on first call; their private chat opens)."""
        with self._lock:
            existing = self._users.get(user_id)
            if existing is not None:
                return existing
            self._chats[user_id] = _Chat(user_id, first_name, username, language_code)
            created = FakeUser(self, user_id)
            self._users[user_id] = created
            return created

    def group(self, chat_id: int, title: str = "Gym crew", *, supergroup: bool = False) -> int:
        """Open the group (or supergroup) chat ``chat_id`` (negative, as Telegram's are) with
        the bot in it; returns its id. Its messages: ``fake.messages(chat_id)``."""
        if chat_id >= 0:
            raise SimulatorError(f"a group's chat id is negative, not {chat_id}")
        with self._lock:
            kind = "supergroup" if supergroup else "group"
            self._chats.setdefault(chat_id, _Chat(chat_id, title, None, None, kind=kind))
        return chat_id

    def queue_update(self, kind: str, payload: dict[str, Any]) -> int:
        """Queue a raw update of type ``kind`` (e.g. "edited_message"); returns its update_id."""
        with self._lock:
            update_id = self._next_update_id
            self._next_update_id += 1
            self._updates.append({"update_id": update_id, kind: payload})
        self._wake()
        return update_id

    async def post_raw_update(
        self, update: Mapping[str, Any], *, secret: str | None = None, url: str | None = None
    ) -> int:
        """POST ``update`` to the webhook (or ``url``) with this secret header; the HTTP status."""
        target = url or (self._webhook.url if self._webhook else None)
        if target is None or self._loop is None:
            raise SimulatorError("no webhook is set and no url was given")
        future = asyncio.run_coroutine_threadsafe(
            self._post_update(target, dict(update), secret), self._loop
        )
        status, _ = await asyncio.wrap_future(future)
        return status

    # ---------------------------------------------------------------- inspection

    def calls(self, method: str | None = None) -> list[Call]:
        """Every call the server answered (of ``method``, if given), in arrival order."""
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def calls_since(self, index: int) -> list[Call]:
        """Calls answered after the first ``index`` ones: a cheap way to follow a long run."""
        with self._lock:
            return self._calls[index:]

    def errors(self) -> list[Call]:
        """Calls answered with an error that validation (not fault injection) produced."""
        with self._lock:
            return [c for c in self._calls if c.status != 200 and not c.injected]

    def max_sends_in_any_second(self) -> int:
        """Most outgoing-message calls (SEND_METHODS, any outcome) in any 1-second window."""
        return max_in_window([c.at for c in self.calls() if c.method in SEND_METHODS])

    def max_sends_per_chat_per_second(self) -> int:
        """The largest per-chat count of outgoing-message calls in any 1-second window."""
        per_chat: dict[int, list[float]] = {}
        for call in self.calls():
            if call.method in SEND_METHODS and call.chat_id is not None:
                per_chat.setdefault(call.chat_id, []).append(call.at)
        return max((max_in_window(times) for times in per_chat.values()), default=0)

    def messages(self, chat_id: int, *, include_deleted: bool = False) -> list[ChatMessage]:
        """Snapshots of every message in the chat (both sides), in order."""
        with self._lock:
            chat = self._chat(chat_id)
            return [
                self._snapshot(chat_id, m)
                for m in chat.messages.values()
                if include_deleted or not m.deleted
            ]

    def drafts(self, chat_id: int) -> list[Draft]:
        """The drafts the bot showed in the chat, first shown first: one per ``draft_id``
        while it stays on screen (the same id after it ended is a new one)."""
        with self._lock:
            chat = self._chat(chat_id)
            now = time.monotonic()
            for draft in chat.drafts:
                draft.end_if_expired(now, self.draft_lifetime)
            return [draft.view() for draft in chat.drafts]

    def chat_actions(self, chat_id: int) -> list[str]:
        """The chat actions ("typing", ...) the bot sent to the chat, in order."""
        with self._lock:
            return list(self._chat(chat_id).actions)

    def query_handed_at(self, query_id: str) -> float | None:
        """When getUpdates first handed the button press ``query_id`` to the bot (monotonic)."""
        with self._lock:
            return self._query_handed.get(query_id)

    def callback_answer(self, query_id: str) -> CallbackAnswer | None:
        """The bot's answer to a button press, or None while unanswered."""
        with self._lock:
            query = self._queries.get(query_id)
            return query.answer if query else None

    def reply_keyboard(self, chat_id: int) -> list[list[str]]:
        """Labels of the custom reply keyboard the chat shows (empty when none)."""
        with self._lock:
            markup = self._chat(chat_id).reply_keyboard
            if markup is None:
                return []
            return [
                [b if isinstance(b, str) else str(b.get("text", "")) for b in row]
                for row in markup["keyboard"]
            ]

    def commands(
        self, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, str]]:
        """The command list the bot set for this scope and language."""
        with self._lock:
            return list(self._commands.get(self._commands_key(scope, language_code), []))

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates queued and not yet confirmed by the bot."""
        with self._lock:
            return [dict(u) for u in self._updates]

    def webhook_deliveries(self) -> list[tuple[int, int]]:
        """(update_id, HTTP status) of every webhook delivery attempt, in order."""
        with self._lock:
            return list(self._deliveries)

    def file(self, file_id: str) -> UploadedFile:
        """A file the bot sent, by file_id."""
        with self._lock:
            return self._files[file_id]

    # ---------------------------------------------------------------- state helpers

    def _chat(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise SimulatorError(f"no chat {chat_id}: create the user with fake.user({chat_id})")
        return chat

    def _bot_json(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "FlexFlow Test",
            "username": self.bot_username,
        }

    def _snapshot(self, chat_id: int, stored: _Stored) -> ChatMessage:
        return ChatMessage(
            message_id=stored.message_id,
            chat_id=chat_id,
            from_bot=stored.from_bot,
            kind=stored.kind,
            text=stored.text,
            entities=tuple(stored.entities),
            keyboard=_keyboard(stored.reply_markup),
            reply_markup=(
                json.dumps(stored.reply_markup, sort_keys=True) if stored.reply_markup else None
            ),
            file=stored.file,
            edits=tuple(stored.edits),
            deleted=stored.deleted,
            date=stored.date,
            reply_to=stored.reply_to,
        )

    def _message_json(
        self, chat: _Chat, stored: _Stored, *, nested: bool = False
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": stored.message_id,
            "from": self._bot_json() if stored.from_bot else chat.user_json(),
            "chat": chat.chat_json(),
            "date": stored.date,
        }
        if stored.edit_date is not None:
            data["edit_date"] = stored.edit_date
        entities = [e.to_api() for e in stored.entities]
        if stored.kind == "text":
            data["text"] = stored.text
            if entities:
                data["entities"] = entities
        else:
            data.update(self._file_json(stored.file))
            if stored.text:
                data["caption"] = stored.text
                if entities:
                    data["caption_entities"] = entities
        if stored.reply_markup and "inline_keyboard" in stored.reply_markup:
            data["reply_markup"] = stored.reply_markup
        if stored.reply_to is not None and not nested:
            replied = chat.messages.get(stored.reply_to)
            if replied is not None and not replied.deleted:
                data["reply_to_message"] = self._message_json(chat, replied, nested=True)
        return data

    @staticmethod
    def _file_json(file: UploadedFile | None) -> dict[str, Any]:
        if file is None:
            return {}
        base = {"file_id": file.file_id, "file_unique_id": file.file_unique_id}
        if file.kind == "document":
            document = dict(base, file_size=len(file.data))
            if file.filename:
                document["file_name"] = file.filename
            if file.mime_type:
                document["mime_type"] = file.mime_type
            return {"document": document}
        scale = 90 / max(file.width, file.height, 1)
        thumb = {
            "file_id": file.file_id + "-thumb",
            "file_unique_id": file.file_unique_id + "t",
            "width": max(1, round(file.width * min(scale, 1.0))),
            "height": max(1, round(file.height * min(scale, 1.0))),
        }
        full = dict(base, width=file.width, height=file.height, file_size=len(file.data))
        return {"photo": [thumb, full]}

    def _new_message(self, chat: _Chat, **fields: Any) -> _Stored:
        stored = _Stored(message_id=chat.next_message_id, date=int(time.time()), **fields)
        chat.next_message_id += 1
        chat.messages[stored.message_id] = stored
        return stored

    # ---------------------------------------------------------------- validation helpers

    def _target_chat(self, params: _Params) -> _Chat:
        raw = params.raw("chat_id")
        if raw is None or raw == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        if isinstance(raw, str) and raw.startswith("@"):
            for candidate in self._chats.values():
                if candidate.username and candidate.username.lower() == raw[1:].lower():
                    return candidate
            raise ApiError(400, "Bad Request: chat not found")
        chat_id = params.integer("chat_id")
        chat = self._chats.get(chat_id) if chat_id is not None else None
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    def _formatted(
        self, params: _Params, name: str, entities_name: str, *, limit: int, too_long: str,
        required: bool,
    ) -> tuple[str, list[Entity]]:  # fmt: skip
        raw = params.string(name) or ""
        mode = (params.string("parse_mode") or "").strip()
        given = params.json(entities_name)
        if mode and given is None:
            if mode.lower() in ("markdown", "markdownv2"):
                raise ApiError(
                    400, "Bad Request: this fake Bot API implements parse_mode HTML only"
                )
            if mode.lower() != "html":
                raise ApiError(400, "Bad Request: unsupported parse_mode")
            try:
                text, entities = parse_telegram_html(raw)
            except TelegramHTMLError as error:
                raise ApiError(400, f"Bad Request: can't parse entities: {error.detail}") from None
        else:
            text, entities = raw, _entities_param(given, raw)
        text, entities = trim_formatted(text, entities)
        if required and not text:
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_length(text) > limit:
            raise ApiError(400, too_long)
        return text, entities

    @staticmethod
    def _markup_param(params: _Params) -> Any:
        return params.json("reply_markup", "reply keyboard markup")

    def _message_markup(self, chat: _Chat, params: _Params) -> dict[str, Any] | None:
        """The inline keyboard of a new message; a reply keyboard is set on the chat instead."""
        markup = _check_markup(self._markup_param(params), inline_only=False)
        if markup is None or "inline_keyboard" in markup:
            return markup
        if "keyboard" in markup:
            chat.reply_keyboard = markup
        elif markup.get("remove_keyboard"):
            chat.reply_keyboard = None
        return None

    def _reply_to(self, chat: _Chat, params: _Params) -> int | None:
        reply = params.json("reply_parameters", "reply parameters")
        message_id = params.integer("reply_to_message_id")
        allow = params.boolean("allow_sending_without_reply")
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow = bool(reply.get("allow_sending_without_reply"))
        if message_id is None:
            return None
        stored = chat.messages.get(int(message_id))
        if stored is None or stored.deleted:
            if allow:
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return stored.message_id

    def _bot_message(self, chat: _Chat, params: _Params, missing: str) -> _Stored:
        if params.raw("inline_message_id") is not None:
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        message_id = params.integer("message_id")
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        stored = chat.messages.get(message_id)
        if stored is None or stored.deleted:
            raise ApiError(400, missing)
        if not stored.from_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        return stored

    def _upload(self, params: _Params, name: str, limit: int) -> UploadedFile:
        value = params.raw(name)
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.raw(value.removeprefix("attach://"))
        if isinstance(value, _Upload):
            if len(value.data) > limit:
                if name == "photo":
                    raise ApiError(400, "Bad Request: PHOTO_SAVE_FILE_INVALID")
                raise ApiError(413, "Request Entity Too Large")
            if not value.data:
                raise ApiError(400, "Bad Request: file must be non-empty")
            return self._new_file(name, value)
        if isinstance(value, str) and value:
            known = self._files.get(value)
            if known is not None:
                if known.kind != name:
                    raise ApiError(
                        400, f"Bad Request: can't use file of type {known.kind} as {name}"
                    )
                return known
            if urlsplit(value).scheme.lower() in ("http", "https"):
                _check_file_url(value, name)
                return UploadedFile(
                    "BQAC" + secrets.token_hex(12), secrets.token_hex(8), name, None, None, b"",
                    value, 1280 if name == "photo" else 0, 720 if name == "photo" else 0,
                )  # fmt: skip
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        raise ApiError(400, f"Bad Request: there is no {name} in the request")

    def _new_file(self, kind: str, upload: _Upload) -> UploadedFile:
        width = height = 0
        if kind == "photo":
            size = _image_size(upload.data)
            if size is None:
                raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
            width, height = size
            if (
                width <= 0
                or height <= 0
                or width + height > 10000
                or max(width / height, height / width) > 20
            ):
                raise ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        prefix = "AgAC" if kind == "photo" else "BQAC"
        file = UploadedFile(
            prefix + secrets.token_hex(16), secrets.token_hex(8), kind, upload.filename,
            upload.content_type, upload.data, None, width, height,
        )  # fmt: skip
        self._files[file.file_id] = file
        return file

    @staticmethod
    def _commands_key(scope: object, language_code: str | None) -> str:
        scope_json = json.dumps(scope or {"type": "default"}, sort_keys=True)
        return f"{scope_json}|{language_code or ''}"

    # ---------------------------------------------------------------- methods

    def _get_me(self, params: _Params) -> dict[str, Any]:
        return dict(
            self._bot_json(),
            can_join_groups=True,
            can_read_all_group_messages=False,
            supports_inline_queries=False,
            can_connect_to_business=False,
            has_main_web_app=False,
        )

    def _deliverable(self, limit: int) -> list[dict[str, Any]]:
        allowed = set(self._allowed_updates) or _DEFAULT_UPDATE_TYPES
        self._updates = [u for u in self._updates if set(u) - {"update_id"} <= allowed]
        ready = [dict(u) for u in self._updates[:limit]]
        now = time.monotonic()
        for update in ready:
            if "callback_query" in update:
                self._query_handed.setdefault(update["callback_query"]["id"], now)
        return ready

    async def _get_updates(self, params: _Params) -> list[dict[str, Any]]:
        offset = params.integer("offset") or 0
        limit = min(max(params.integer("limit") or 100, 1), 100)
        timeout = max(params.integer("timeout") or 0, 0)
        allowed = params.json("allowed_updates", "allowed updates")
        with self._lock:
            if self._webhook is not None:
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            if isinstance(allowed, list):
                self._allowed_updates = [str(kind) for kind in allowed]
            if offset > 0:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            elif offset < 0:
                self._updates = self._updates[offset:]
            if self._poller is not None and not self._poller.done():
                self._poller.set_result("conflict")
            ready = self._deliverable(limit)
            if ready or timeout == 0:
                return ready
            poller: asyncio.Future[str] = asyncio.get_running_loop().create_future()
            self._poller = poller
        try:
            outcome = await asyncio.wait_for(poller, timeout)
        except TimeoutError:
            outcome = "timeout"
        with self._lock:
            if self._poller is poller:
                self._poller = None
            if outcome == "conflict":
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                )
            if self._webhook is not None:
                return []
            return self._deliverable(limit)

    def _set_webhook(self, params: _Params) -> bool:
        url = params.string("url") or ""
        secret = params.string("secret_token")
        max_connections = params.integer("max_connections") or 40
        allowed = params.json("allowed_updates", "allowed updates")
        if not url:
            return self._delete_webhook(params)
        parts = urlsplit(url)
        loopback = parts.hostname in _LOOPBACK_HOSTS
        if not parts.hostname or parts.scheme not in ("https", "http"):
            raise ApiError(400, "Bad Request: bad webhook: invalid webhook URL specified")
        if parts.scheme == "http" and not loopback:
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        if secret is not None and not _SECRET.fullmatch(secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if not 1 <= max_connections <= 100:
            raise ApiError(400, "Bad Request: bad webhook: max_connections must be 1-100")
        with self._lock:
            if params.boolean("drop_pending_updates"):
                self._updates.clear()
            if isinstance(allowed, list):
                self._allowed_updates = [str(kind) for kind in allowed]
            self._webhook = _Webhook(url, secret, max_connections)
            if self._poller is not None and not self._poller.done():
                self._poller.set_result("woken")
        if self._deliverer is None or self._deliverer.done():
            self._deliverer = asyncio.get_running_loop().create_task(self._deliver_webhooks())
        self._wake()
        return True

    def _delete_webhook(self, params: _Params) -> bool:
        with self._lock:
            if params.boolean("drop_pending_updates"):
                self._updates.clear()
            self._webhook = None
        self._wake()
        return True

    def _get_webhook_info(self, params: _Params) -> dict[str, Any]:
        with self._lock:
            webhook = self._webhook
            info: dict[str, Any] = {
                "url": webhook.url if webhook else "",
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }
            if webhook is not None:
                info["max_connections"] = webhook.max_connections
                info["ip_address"] = "127.0.0.1"
                if self._allowed_updates:
                    info["allowed_updates"] = list(self._allowed_updates)
                if webhook.last_error_date is not None:
                    info["last_error_date"] = webhook.last_error_date
                    info["last_error_message"] = webhook.last_error_message
            return info

    def _set_my_commands(self, params: _Params) -> bool:
        commands = _check_commands(params.json("commands"))
        key = self._commands_key(params.json("scope"), params.string("language_code"))
        with self._lock:
            self._commands[key] = commands
        return True

    def _get_my_commands(self, params: _Params) -> list[dict[str, str]]:
        key = self._commands_key(params.json("scope"), params.string("language_code"))
        with self._lock:
            return list(self._commands.get(key, []))

    def _delete_my_commands(self, params: _Params) -> bool:
        key = self._commands_key(params.json("scope"), params.string("language_code"))
        with self._lock:
            self._commands.pop(key, None)
        return True

    def _send_message(self, params: _Params) -> dict[str, Any]:
        return self._send(
            params, "text", ("text", "entities"), TEXT_LIMIT, "Bad Request: message is too long"
        )

    def _send_file(self, params: _Params, kind: str, limit: int) -> dict[str, Any]:
        return self._send(
            params, kind, ("caption", "caption_entities"), CAPTION_LIMIT,
            "Bad Request: message caption is too long", upload_limit=limit,
        )  # fmt: skip

    def _send(
        self,
        params: _Params,
        kind: str,
        names: tuple[str, str],
        limit: int,
        too_long: str,
        upload_limit: int | None = None,
    ) -> dict[str, Any]:
        """A new bot message: its text and entities from the parameters ``names``, at most
        ``limit`` long (``too_long`` past it); required unless a file is uploaded with it."""
        with self._lock:
            chat = self._target_chat(params)
            text, entities = self._formatted(
                params, *names, limit=limit, too_long=too_long, required=upload_limit is None
            )
            markup = self._message_markup(chat, params)
            reply_to = self._reply_to(chat, params)
            file = None if upload_limit is None else self._upload(params, kind, upload_limit)
            stored = self._new_message(
                chat, from_bot=True, kind=kind, text=text, entities=entities,
                reply_markup=markup, reply_to=reply_to, file=file,
            )  # fmt: skip
            if kind == "text":
                self._replace_drafts(chat, stored.message_id)
            return self._message_json(chat, stored)

    def _replace_drafts(self, chat: _Chat, message_id: int) -> None:
        """The bot's new text message replaces the chat's drafts on screen."""
        now = time.monotonic()
        for draft in chat.drafts:
            draft.end_if_expired(now, self.draft_lifetime)
            if draft.ended_at is None:
                draft.ended_at, draft.replaced_by = now, message_id

    def _send_message_draft(self, params: _Params) -> bool:
        """A draft's update: private chats only, a non-zero draft_id, 0-4096 characters after
        entity parsing (empty: Telegram's "Thinking..."). The descriptions of a missing or
        zero draft_id are this fake's wording (Telegram answers 400; its text is not
        documented); TEXTDRAFT_PEER_INVALID is Telegram's own for a group."""
        arrived = time.monotonic()
        with self._lock:
            chat = self._target_chat(params)
            if chat.kind != "private":
                raise ApiError(400, "Bad Request: TEXTDRAFT_PEER_INVALID")
            if params.raw("message_thread_id") is not None:
                raise ApiError(400, "Bad Request: message thread not found")
            draft_id = params.integer("draft_id")
            if draft_id is None:
                raise ApiError(400, "Bad Request: draft_id is empty")
            if draft_id == 0:
                raise ApiError(400, "Bad Request: draft_id must be non-zero")
            text, entities = self._formatted(
                params, "text", "entities", limit=TEXT_LIMIT,
                too_long="Bad Request: message is too long", required=False,
            )  # fmt: skip
            frame = DraftFrame(arrived, text, tuple(entities))
            draft = next((d for d in reversed(chat.drafts) if d.draft_id == draft_id), None)
            if draft is not None:
                draft.end_if_expired(arrived, self.draft_lifetime)
            if draft is None or draft.ended_at is not None:
                chat.drafts.append(_Draft(draft_id, [frame]))  # a new one on screen
            else:
                draft.frames.append(frame)  # the same one, animated into the new text
            return True

    def _send_photo(self, params: _Params) -> dict[str, Any]:
        return self._send_file(params, "photo", PHOTO_LIMIT)

    def _send_document(self, params: _Params) -> dict[str, Any]:
        return self._send_file(params, "document", DOCUMENT_LIMIT)

    def _edit_message_text(self, params: _Params) -> dict[str, Any]:
        with self._lock:
            chat = self._target_chat(params)
            stored = self._bot_message(chat, params, "Bad Request: message to edit not found")
            if stored.kind != "text":
                raise ApiError(400, "Bad Request: there is no text in the message to edit")
            text, entities = self._formatted(
                params, "text", "entities", limit=TEXT_LIMIT,
                too_long="Bad Request: MESSAGE_TOO_LONG", required=True,
            )  # fmt: skip
            markup = _check_markup(self._markup_param(params), inline_only=True)
            if (text, entities, markup) == (stored.text, stored.entities, stored.reply_markup):
                raise ApiError(400, _NOT_MODIFIED)
            stored.edits.append(stored.text)
            stored.text, stored.entities, stored.reply_markup = text, entities, markup
            stored.edit_date = int(time.time())
            return self._message_json(chat, stored)

    def _edit_message_reply_markup(self, params: _Params) -> dict[str, Any]:
        with self._lock:
            chat = self._target_chat(params)
            stored = self._bot_message(chat, params, "Bad Request: message to edit not found")
            markup = _check_markup(self._markup_param(params), inline_only=True)
            if markup == stored.reply_markup:
                raise ApiError(400, _NOT_MODIFIED)
            stored.reply_markup = markup
            stored.edit_date = int(time.time())
            return self._message_json(chat, stored)

    def _delete_message(self, params: _Params) -> bool:
        with self._lock:
            chat = self._target_chat(params)
            message_id = params.integer("message_id")
            if message_id is None:
                raise ApiError(400, "Bad Request: message identifier is not specified")
            stored = chat.messages.get(message_id)
            if stored is None or stored.deleted:
                raise ApiError(400, "Bad Request: message to delete not found")
            stored.deleted = True
            return True

    def _answer_callback_query(self, params: _Params) -> bool:
        query_id = params.string("callback_query_id") or ""
        text = params.string("text")
        with self._lock:
            query = self._queries.get(query_id)
            expired = query is not None and (
                time.monotonic() - query.created > self.callback_query_timeout
            )
            if query is None or query.answer is not None or expired:
                raise ApiError(400, _QUERY_TOO_OLD)
            if text is not None and len(text) > CALLBACK_ANSWER_LIMIT:
                raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
            query.answer = CallbackAnswer(
                query_id,
                text or None,
                params.boolean("show_alert"),
                params.string("url"),
                time.monotonic(),
            )
            return True

    def _send_chat_action(self, params: _Params) -> bool:
        with self._lock:
            chat = self._target_chat(params)
            action = params.string("action")
            if action not in _CHAT_ACTIONS:
                raise ApiError(400, "Bad Request: wrong parameter action in request")
            chat.actions.append(action)
            return True

    def _get_chat(self, params: _Params) -> dict[str, Any]:
        with self._lock:
            chat = self._target_chat(params)
            return dict(chat.chat_json(), accent_color_id=0, max_reaction_count=11)

    def _set_my_description(self, params: _Params) -> bool:
        if len(params.string("description") or "") > 512:
            raise ApiError(400, "Bad Request: BOT_DESCRIPTION_INVALID")
        return True

    def _set_my_short_description(self, params: _Params) -> bool:
        if len(params.string("short_description") or "") > 120:
            raise ApiError(400, "Bad Request: BOT_SHORT_DESCRIPTION_INVALID")
        return True

    def _set_chat_menu_button(self, params: _Params) -> bool:
        button = params.json("menu_button", "menu button")
        if button is not None and (
            not isinstance(button, dict)
            or button.get("type") not in ("commands", "default", "web_app")
        ):
            raise ApiError(400, "Bad Request: can't parse menu button JSON object")
        return True

    def _close(self, params: _Params) -> bool:
        return True

    def _log_out(self, params: _Params) -> bool:
        self._logged_out = True
        return True

    # ---------------------------------------------------------------- webhook delivery

    async def _post_update(
        self, url: str, update: dict[str, Any], secret: str | None
    ) -> tuple[int, str]:
        assert self._session is not None
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        try:
            async with self._session.post(
                url, json=update, headers=headers, timeout=aiohttp.ClientTimeout(total=10)
            ) as response:
                await response.read()
                return response.status, f"Wrong response from the webhook: {response.status}"
        except (aiohttp.ClientError, TimeoutError) as error:
            return 0, f"Connection failed: {error!r}"

    async def _deliver_webhooks(self) -> None:
        assert self._webhook_wakeup is not None
        failures = 0
        while True:
            self._webhook_wakeup.clear()
            with self._lock:
                webhook = self._webhook
                if webhook is None:
                    return
                ready = self._deliverable(1)
            if not ready:
                await self._webhook_wakeup.wait()
                continue
            update = ready[0]
            status, problem = await self._post_update(webhook.url, update, webhook.secret)
            with self._lock:
                self._deliveries.append((update["update_id"], status))
                if 200 <= status < 300:
                    failures = 0
                    self._updates = [
                        u for u in self._updates if u["update_id"] != update["update_id"]
                    ]
                    continue
                webhook.last_error_date = int(time.time())
                webhook.last_error_message = problem
            failures += 1
            await asyncio.sleep(min(0.05 * 2**failures, 2.0))

    # ---------------------------------------------------------------- user actions

    def _user_message(self, user_id: int, text: str) -> dict[str, Any]:
        with self._lock:
            chat = self._chat(user_id)
            entities = [
                Entity(
                    "bot_command",
                    utf16_length(text[: match.start()]),
                    utf16_length(match.group()),
                )
                for match in _BOT_COMMAND_IN_TEXT.finditer(text)
            ]
            stored = self._new_message(
                chat, from_bot=False, kind="text", text=text, entities=entities, reply_markup=None
            )
            return self._message_json(chat, stored)

    def _press(self, user_id: int, message_id: int, data: str) -> str:
        with self._lock:
            chat = self._chat(user_id)
            stored = chat.messages.get(message_id)
            if stored is None or stored.deleted:
                raise SimulatorError(f"message {message_id} is not in chat {user_id}")
            query_id = str(secrets.randbits(63))
            self._queries[query_id] = _Query(user_id, message_id, data, time.monotonic())
            payload = {
                "id": query_id,
                "from": chat.user_json(),
                "message": self._message_json(chat, stored),
                "chat_instance": str(user_id * 7919 + self.bot_id),
                "data": data,
            }
        self.queue_update("callback_query", payload)
        return query_id


class FakeUser:
    """A person in a private chat with the bot (chat_id == user_id)."""

    def __init__(self, api: FakeBotAPI, user_id: int) -> None:
        self.api = api
        self.id = user_id

    @property
    def chat_id(self) -> int:
        """The private chat's id (the same as the user's)."""
        return self.id

    # ---------------------------------------------------------------- actions

    def send(self, text: str) -> int:
        """Send a text message (commands get bot_command entities); returns its message_id."""
        message = self.api._user_message(self.id, text)
        self.api.queue_update("message", message)
        return int(message["message_id"])

    def message_update(self, text: str) -> dict[str, Any]:
        """A message update for ``text`` stored in the chat but not queued (for webhook posts)."""
        message = self.api._user_message(self.id, text)
        with self.api._lock:
            update_id = self.api._next_update_id
            self.api._next_update_id += 1
        return {"update_id": update_id, "message": message}

    def press(self, label: str, *, message_id: int | None = None) -> str:
        """Press the button whose text contains ``label``; returns the callback query id."""
        message = self._keyboard_message(message_id)
        wanted = label.casefold()
        buttons = [b for row in message.keyboard for b in row]
        matches = [b for b in buttons if wanted in b.text.casefold()]
        exact = [b for b in matches if b.text.casefold() == wanted]
        if len(exact) == 1:
            matches = exact
        if len(matches) != 1:
            problem = "no button contains" if not matches else "several buttons contain"
            raise SimulatorError(
                f"{problem} {label!r} in message {message.message_id}; buttons: "
                f"{[b.text for b in buttons]}"
            )
        button = matches[0]
        if button.callback_data is None:
            raise SimulatorError(f"button {button.text!r} opens a URL; it sends no callback")
        return self.api._press(self.id, message.message_id, button.callback_data)

    def press_data(self, data: str, message_id: int) -> str:
        """Send a callback query with any (stale or forged) data for a message; its query id."""
        return self.api._press(self.id, message_id, data)

    def block_bot(self) -> None:
        """Block the bot (sends to this chat get 403 Forbidden)."""
        self.api.block(self.id)

    def unblock_bot(self) -> None:
        """Unblock the bot."""
        self.api.unblock(self.id)

    # ---------------------------------------------------------------- what the user sees

    @property
    def messages(self) -> list[ChatMessage]:
        """The bot's messages still visible in the chat, oldest first."""
        return [m for m in self.api.messages(self.id) if m.from_bot]

    @property
    def transcript(self) -> list[ChatMessage]:
        """Every visible message in the chat, the user's included, oldest first."""
        return self.api.messages(self.id)

    @property
    def last(self) -> ChatMessage:
        """The bot's newest visible message."""
        messages = self.messages
        if not messages:
            raise SimulatorError(f"the bot has sent user {self.id} no message")
        return messages[-1]

    @property
    def drafts(self) -> list[Draft]:
        """The drafts the bot showed in this chat (``FakeBotAPI.drafts``)."""
        return self.api.drafts(self.id)

    @property
    def chat_actions(self) -> list[str]:
        """Chat actions ("typing", ...) the bot sent to this chat."""
        return self.api.chat_actions(self.id)

    @property
    def reply_keyboard(self) -> list[list[str]]:
        """Rows of the custom reply keyboard under the input field (empty when none)."""
        return self.api.reply_keyboard(self.id)

    def buttons(self, message_id: int | None = None) -> list[str]:
        """Labels of the inline keyboard of a message (default: newest with a keyboard)."""
        return self._keyboard_message(message_id).buttons

    def render(self) -> str:
        """The chat as readable text, for assertion messages."""
        lines = []
        for message in self.transcript:
            who = "bot" if message.from_bot else "user"
            lines.append(f"[{who} #{message.message_id}] {message.text}")
            if message.keyboard:
                lines.append(f"    buttons: {message.buttons}")
        return "\n".join(lines) or "(empty chat)"

    def _keyboard_message(self, message_id: int | None) -> ChatMessage:
        messages = self.messages
        if message_id is not None:
            for message in messages:
                if message.message_id == message_id:
                    return message
            raise SimulatorError(f"no visible bot message {message_id} in chat {self.id}")
        for message in reversed(messages):
            if message.keyboard:
                return message
        raise SimulatorError(f"no message with buttons in chat {self.id}:\n{self.render()}")

    # ---------------------------------------------------------------- waiting

    def _find_text(self, substring: str) -> ChatMessage | None:
        for message in reversed(self.messages):
            if substring in message.text:
                return message
        return None

    def _answer_of(self, query_id: str) -> CallbackAnswer | None:
        return self.api.callback_answer(query_id)

    def _timeout(self, what: str, timeout: float) -> SimulatorError:
        return SimulatorError(f"waited {timeout}s for {what}; chat {self.id}:\n{self.render()}")

    # The waits take a timeout (ASYNC109) because it is part of the assertion: a timeout raises
    # SimulatorError with the whole chat rendered, which asyncio.timeout() cannot do.
    async def wait_until(
        self,
        predicate: _Predicate[T],
        timeout: float = 10.0,  # noqa: ASYNC109
        what: str = "condition",
    ) -> T:
        """Poll until ``predicate(user)`` is truthy; return that value."""
        deadline = time.monotonic() + timeout
        while True:
            result = self._look(predicate, deadline, timeout, what)
            if result is not None:
                return result
            await asyncio.sleep(_POLL_INTERVAL)

    def wait_until_sync(
        self, predicate: _Predicate[T], timeout: float = 10.0, what: str = "condition"
    ) -> T:
        """Blocking wait_until, for a bot running in another thread or process."""
        deadline = time.monotonic() + timeout
        while (result := self._look(predicate, deadline, timeout, what)) is None:
            time.sleep(_POLL_INTERVAL)
        return result

    def _look(
        self, predicate: _Predicate[T], deadline: float, timeout: float, what: str
    ) -> T | None:
        """One poll: the predicate's value when it is truthy, else None; past the deadline,
        the timeout error."""
        result = predicate(self)
        if result:
            return result
        if time.monotonic() >= deadline:
            raise self._timeout(what, timeout)
        return None

    async def wait_for_text(self, substring: str, timeout: float = 10.0) -> ChatMessage:  # noqa: ASYNC109
        """Wait until a visible bot message contains ``substring``; the newest such message."""
        return await self.wait_until(*self._text_shown(substring, timeout))

    def wait_for_text_sync(self, substring: str, timeout: float = 10.0) -> ChatMessage:
        """Blocking wait_for_text."""
        return self.wait_until_sync(*self._text_shown(substring, timeout))

    async def wait_answered(self, query_id: str, timeout: float = 10.0) -> CallbackAnswer:  # noqa: ASYNC109
        """Wait until the bot answers the callback query; its answer."""
        return await self.wait_until(*self._query_answered(query_id, timeout))

    def wait_answered_sync(self, query_id: str, timeout: float = 10.0) -> CallbackAnswer:
        """Blocking wait_answered."""
        return self.wait_until_sync(*self._query_answered(query_id, timeout))

    def _text_shown(self, substring: str, timeout: float) -> _Wait[ChatMessage]:
        return (lambda user: user._find_text(substring)), timeout, f"text {substring!r}"

    def _query_answered(self, query_id: str, timeout: float) -> _Wait[CallbackAnswer]:
        return (lambda user: user._answer_of(query_id)), timeout, f"answer to query {query_id}"


@pytest.fixture
def fake_bot_api() -> Iterator[FakeBotAPI]:
    """A started FakeBotAPI (token ``fake.token``, root ``fake.url``), stopped after the test."""
    with FakeBotAPI() as fake:
        yield fake
