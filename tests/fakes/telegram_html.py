"""Telegram's HTML parse mode, as the Bot API applies it to a message before anyone sees it.

The rules follow tdlib's HTML parser (the code behind ``parse_mode=HTML``): the same tags,
attributes, entity merging (``<pre><code class="language-x">``), error wording and byte
offsets. One deliberate difference, written in the Bot API documentation but not enforced by
tdlib: a ``&`` that does not start a supported entity (``&lt;`` ``&gt;`` ``&amp;`` ``&quot;``
``&#NNN;`` ``&#xHH;``, semicolon required) is an error here, so text that was not escaped is
caught in tests instead of rendering wrongly for some inputs.

Offsets and lengths of entities are in UTF-16 code units, as in the Bot API.

    TelegramHTMLError  -- the text is not valid Telegram HTML (str() is the API's wording)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "Entity",
    "TelegramHTMLError",
    "parse_telegram_html",
    "trim_formatted",
    "utf16_length",
]

_SUPPORTED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins",
        "tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote",
    }
)  # fmt: skip
_SIMPLE_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_SPACES = frozenset(" \t\r\n\v\f\0")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TG_USER_LINK = re.compile(r"^tg://user\?id=(\d{1,20})$", re.IGNORECASE)
_DOMAIN = re.compile(
    r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)+$"
)


class TelegramHTMLError(ValueError):
    """The text is not valid Telegram HTML; ``detail`` is tdlib's wording of the problem."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"Can't parse entities: {detail}")
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Entity:
    """One formatting entity of a message, as the Bot API's MessageEntity."""

    type: str  # Bot API entity type: "bold", "text_link", "pre", "bot_command", ...
    offset: int  # start, in UTF-16 code units from the start of the text
    length: int  # length in UTF-16 code units
    url: str | None = None  # for "text_link"
    language: str | None = None  # for "pre" with <code class="language-x">
    custom_emoji_id: str | None = None  # for "custom_emoji"
    user_id: int | None = None  # for "text_mention" (<a href="tg://user?id=N">)

    def to_api(self) -> dict[str, Any]:
        """The entity as the Bot API's JSON object."""
        data: dict[str, Any] = {"type": self.type, "offset": self.offset, "length": self.length}
        if self.url is not None:
            data["url"] = self.url
        if self.language is not None:
            data["language"] = self.language
        if self.custom_emoji_id is not None:
            data["custom_emoji_id"] = self.custom_emoji_id
        if self.user_id is not None:
            data["user"] = {"id": self.user_id, "is_bot": False, "first_name": ""}
        return data


@dataclass(slots=True)
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int
    text_index: int  # index in the output characters, to read an <a>'s own text


def utf16_length(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, as Telegram counts it."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8", "surrogatepass"))


def _decode_entity(text: str, index: int) -> tuple[str, int] | None:
    """The character an entity at ``text[index] == "&"`` stands for and the index after it."""
    end = text.find(";", index + 1, index + 12)
    if end < 0:
        return None
    body = text[index + 1 : end]
    if body in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[body], end + 1
    if re.fullmatch(r"#[0-9]{1,7}", body):
        code = int(body[1:])
    elif re.fullmatch(r"#[xX][0-9a-fA-F]{1,6}", body):
        code = int(body[2:], 16)
    else:
        return None
    if code == 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), end + 1


def _decode_attribute(text: str, start: int, end: int) -> str:
    parts: list[str] = []
    index = start
    while index < end:
        if text[index] == "&":
            decoded = _decode_entity(text[:end], index)
            if decoded is None:
                raise TelegramHTMLError(_bare_ampersand(text, index))
            parts.append(decoded[0])
            index = decoded[1]
        else:
            parts.append(text[index])
            index += 1
    return "".join(parts)


def _bare_ampersand(text: str, index: int) -> str:
    return (
        f'Character "&" at byte offset {_byte_offset(text, index)} does not begin a supported '
        "HTML entity; escape it as &amp;"
    )


def _checked_link(url: str) -> Entity | str | None:
    """A user id for tg://user links, the normalised URL for valid links, None otherwise."""
    mention = _TG_USER_LINK.match(url)
    if mention:
        return Entity("text_mention", 0, 0, user_id=int(mention.group(1)))
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        host = (parts.hostname or "").lower()
        valid_host = bool(_DOMAIN.match(host)) or bool(re.fullmatch(r"[0-9.]+", host))
        return url if valid_host else None
    if scheme in ("tg", "ton", "tonsite"):
        return url if len(url) > len(scheme) + 1 else None
    if not scheme and _DOMAIN.match(url.split("/", 1)[0].lower()):
        return f"http://{url}"
    return None


class _Parser:
    """One pass over the text; the state of tdlib's ``parse_html`` loop."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.index = 0
        self.out: list[str] = []
        self.utf16 = 0
        self.entities: list[Entity] = []
        self.stack: list[_OpenTag] = []

    def char(self, index: int) -> str:
        return self.text[index] if index < len(self.text) else ""

    def error_at(self, message: str, index: int) -> TelegramHTMLError:
        return TelegramHTMLError(f"{message} at byte offset {_byte_offset(self.text, index)}")

    def emit(self, ch: str) -> None:
        self.out.append(ch)
        self.utf16 += 2 if ord(ch) > 0xFFFF else 1

    def skip_spaces(self) -> None:
        while self.index < len(self.text) and self.text[self.index] in _SPACES:
            self.index += 1

    def run(self) -> tuple[str, list[Entity]]:
        text = self.text
        while self.index < len(text):
            ch = text[self.index]
            if ch == "&":
                decoded = _decode_entity(text, self.index)
                if decoded is None:
                    raise TelegramHTMLError(_bare_ampersand(text, self.index))
                self.emit(decoded[0])
                self.index = decoded[1]
            elif ch == "<":
                if self.char(self.index + 1) == "/":
                    self.end_tag()
                else:
                    self.start_tag()
            else:
                self.emit(ch)
                self.index += 1
        if self.stack:
            raise TelegramHTMLError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        self.entities.sort(key=lambda e: (e.offset, -e.length))
        return "".join(self.out), self.entities

    def start_tag(self) -> None:
        begin = self.index
        self.index += 1
        while self.char(self.index) not in _SPACES and self.char(self.index) not in (">", ""):
            self.index += 1
        if self.char(self.index) == "":
            raise self.error_at("Unclosed start tag", begin)
        name = self.text[begin + 1 : self.index].lower()
        if name not in _SUPPORTED_TAGS:
            raise self.error_at(f'Unsupported start tag "{name}"', begin)
        argument = ""
        while True:
            self.skip_spaces()
            if self.char(self.index) == "":
                raise self.error_at(f'Unclosed start tag "{name}"', begin)
            if self.char(self.index) == ">":
                break
            argument = self.attribute(name, begin, argument)
        self.index += 1
        if name == "span" and argument != "spoiler":
            raise self.error_at('Tag "span" must have class "tg-spoiler"', begin)
        self.stack.append(_OpenTag(name, argument, self.utf16, len(self.out)))

    def attribute(self, tag: str, begin: int, argument: str) -> str:
        start = self.index
        while self.char(self.index) not in _SPACES and self.char(self.index) not in ("=", ">", ""):
            self.index += 1
        attr = self.text[start : self.index].lower()
        if not attr:
            raise self.error_at(f'Empty attribute name in the tag "{tag}"', begin)
        self.skip_spaces()
        if self.char(self.index) != "=":
            if tag == "blockquote" and attr == "expandable":
                return "expandable"
            raise self.error_at(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}"', begin
            )
        self.index += 1
        self.skip_spaces()
        quote = self.char(self.index)
        if quote == "":
            raise self.error_at(f'Unclosed start tag "{tag}"', begin)
        if quote in ("'", '"'):
            end = self.text.find(quote, self.index + 1)
            if end < 0:
                raise self.error_at(f'Unclosed start tag "{tag}"', begin)
            value = _decode_attribute(self.text, self.index + 1, end)
            self.index = end + 1
        else:
            token_start = self.index
            while (
                self.char(self.index).isascii()
                and (self.char(self.index).isalnum() or self.char(self.index) in (".", "-"))
                and self.char(self.index) != ""
            ):
                self.index += 1
            value = self.text[token_start : self.index].lower()
            if self.char(self.index) not in _SPACES and self.char(self.index) != ">":
                raise self.error_at("Unexpected end of name token", token_start)
        if tag == "a" and attr == "href":
            return value
        if tag == "code" and attr == "class" and value.startswith("language-"):
            return value.removeprefix("language-")
        if tag == "span" and attr == "class" and value.startswith("tg-"):
            return value.removeprefix("tg-")
        if tag == "tg-emoji" and attr == "emoji-id":
            return value
        return argument

    def end_tag(self) -> None:
        begin = self.index
        if not self.stack:
            raise self.error_at("Unexpected end tag", begin)
        self.index += 2
        start = self.index
        while self.char(self.index) not in _SPACES and self.char(self.index) not in (">", ""):
            self.index += 1
        end_name = self.text[start : self.index].lower()
        self.skip_spaces()
        if self.char(self.index) != ">":
            raise self.error_at("Unclosed end tag", begin)
        self.index += 1
        top = self.stack[-1]
        if end_name and end_name != top.name:
            raise TelegramHTMLError(
                f"Unmatched end tag at byte offset {_byte_offset(self.text, begin)}, "
                f'expected "</{top.name}>", found "</{end_name}>"'
            )
        self.stack.pop()
        length = self.utf16 - top.utf16_offset
        if length > 0:
            self.close_entity(top, length)

    def close_entity(self, top: _OpenTag, length: int) -> None:
        offset = top.utf16_offset
        last = self.entities[-1] if self.entities else None
        same_span = last is not None and last.offset == offset and last.length == length
        if top.name in _SIMPLE_TYPES:
            self.entities.append(Entity(_SIMPLE_TYPES[top.name], offset, length))
        elif top.name == "blockquote":
            kind = "expandable_blockquote" if top.argument == "expandable" else "blockquote"
            self.entities.append(Entity(kind, offset, length))
        elif top.name == "tg-emoji":
            if not re.fullmatch(r"-?[0-9]{1,19}", top.argument) or int(top.argument) == 0:
                raise TelegramHTMLError("Invalid custom emoji identifier specified")
            self.entities.append(
                Entity("custom_emoji", offset, length, custom_emoji_id=top.argument)
            )
        elif top.name == "a":
            url = top.argument or "".join(self.out[top.text_index :])
            link = _checked_link(url)
            if isinstance(link, Entity):
                self.entities.append(Entity("text_mention", offset, length, user_id=link.user_id))
            elif link is not None:
                self.entities.append(Entity("text_link", offset, length, url=link))
        elif top.name == "pre":
            if same_span and last is not None and last.type == "code" and last.language:
                self.entities[-1] = Entity("pre", offset, length, language=last.language)
            else:
                self.entities.append(Entity("pre", offset, length))
        elif top.name == "code":
            if same_span and last is not None and last.type == "pre" and top.argument:
                self.entities[-1] = Entity("pre", offset, length, language=top.argument)
            else:
                self.entities.append(Entity("code", offset, length, language=top.argument or None))


def parse_telegram_html(text: str) -> tuple[str, list[Entity]]:
    """Parse Telegram HTML into the plain text the user sees and its entities."""
    plain, entities = _Parser(text).run()
    # A <code class="language-x"> outside <pre> is plain code: the language is dropped.
    cleaned = [
        Entity("code", e.offset, e.length) if e.type == "code" and e.language else e
        for e in entities
    ]
    return plain, cleaned


def trim_formatted(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Strip leading and trailing whitespace as Telegram does, shifting and clipping entities."""
    stripped_left = text.lstrip()
    shift = utf16_length(text[: len(text) - len(stripped_left)])
    result = stripped_left.rstrip()
    total = utf16_length(result)
    kept: list[Entity] = []
    for entity in entities:
        start = max(entity.offset - shift, 0)
        end = min(entity.offset + entity.length - shift, total)
        if end > start:
            kept.append(
                Entity(
                    entity.type, start, end - start, entity.url, entity.language,
                    entity.custom_emoji_id, entity.user_id,
                )
            )  # fmt: skip
    return result, kept
