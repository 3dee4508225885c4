"""Callback data, the one codec: what a button sends back, written and read in one place.

Ids only, never payloads, at most ``CALLBACK_DATA_LIMIT`` bytes (Telegram's limit, checked
by ``Button`` and by ``encode``). Each kind of button has a one-letter tag:

==================================  ===================  ===================================
data                                kind                 meaning
==================================  ===================  ===================================
``w:new``                           ``Kind.NEW``         start a new workout
``h:<page>``                        ``Kind.HISTORY``     page ``<page>`` of the history
``p:<plan_id>``                     ``Kind.PLAN``        show one stored plan
``r:<request_id>``                  ``Kind.RETRY``       try a failed request again
``b:<plan_id>``                     ``Kind.BUTTONS``     back to the buttons under a workout
``g:<plan_id>``                     ``Kind.REGENERATE``  a new workout like this one
``d:<plan_id>``                     ``Kind.DONE``        log the workout (the Done dialog)
``s:<plan_id>[:<i>[:<j>:<check>]]`` ``Kind.SWAP``        swap: the exercises, the
                                                         alternatives to exercise ``i``,
                                                         or the swap for alternative ``j``
``f:<log_id>:<rating>``             ``Kind.RATE``        how a logged workout felt
``c:<session_id>:<action>``         ``Kind.SESSION``     a planned session's reminder:
                                                         ``go`` (Start), ``tm`` (Tomorrow),
                                                         ``sk`` (Skip)
``t:<plan_id>``                     ``Kind.START``       start a live session of the plan
``l:<live_id>:<step>:<action>``     ``Kind.LIVE``        a live session's button, pressed
                                                         at ``step`` (``LIVE_ACTIONS``)
``i:<plan_id>[:<i>:<check>]``       ``Kind.PICTURE``     pictures: the exercises that have
                                                         one, or exercise ``i``'s picture
==================================  ===================  ===================================

``check`` (8 hex digits of ``name_check``) names the exercise a swap list (or a picture
button) was made for, so a button left over from before an earlier swap cannot replace (or
show) the wrong exercise. Ids are
canonical decimals (no sign, no leading zeros, at most 18 digits). ``decode`` raises
``ValueError`` for anything else, so forged data never reaches a query; whether the id
belongs to the person pressing is the use case's check.

The dialogs (/profile, /workout, Done) use prefixes of their own (``pf:l:beginner``, see
chat/keyboards.py), matched by the ConversationHandler's patterns; ``dialog_value`` reads
their value.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "CALLBACK_DATA_LIMIT",
    "LIVE_ACTIONS",
    "NEW_WORKOUT",
    "RATINGS",
    "SESSION_ACTIONS",
    "Button",
    "Callback",
    "Kind",
    "decode",
    "dialog_value",
    "encode",
    "encode_live",
    "encode_session",
    "name_check",
]

CALLBACK_DATA_LIMIT = 64
"""Telegram's maximum callback data length, in bytes."""
RATINGS = (
    ("too_easy", "😌 Too easy"),
    ("just_right", "👌 Just right"),
    ("too_hard", "🥵 Too hard"),
)
"""How a workout felt: the stored value and the button's label."""

_MAX_ID = 10**18 - 1
_ID = r"(0|[1-9][0-9]{0,17})"
_SMALL = r"(0|[1-9][0-9]{0,2})"
_CHECK = re.compile(r"[0-9a-f]{8}", re.ASCII)


class Kind(StrEnum):
    """The kinds of button that work from anywhere; the value is the data's tag."""

    NEW = "w"
    HISTORY = "h"
    PLAN = "p"
    RETRY = "r"
    BUTTONS = "b"
    REGENERATE = "g"
    DONE = "d"
    SWAP = "s"
    RATE = "f"
    SESSION = "c"
    START = "t"
    LIVE = "l"
    PICTURE = "i"


NEW_WORKOUT = "w:new"
"""The data of the New workout button (also an entry point of the /workout dialog)."""

_PLAIN = re.compile(rf"([hprbgdt]):{_ID}", re.ASCII)
_SWAP = re.compile(rf"s:{_ID}(?::{_SMALL}(?::{_SMALL}:([0-9a-f]{{8}}))?)?", re.ASCII)
SESSION_ACTIONS = ("go", "tm", "sk")
"""A reminder's buttons: Start, Tomorrow, Skip."""
_SESSION = re.compile(rf"c:{_ID}:({'|'.join(SESSION_ACTIONS)})", re.ASCII)
LIVE_ACTIONS = ("d", "rp", "rm", "wp", "wm", "sk", "nx", "x")
"""A live session's buttons: set done, a rep (or 5 s) more or less, a load step more or
less, skip the exercise, next set now (end the rest), finish."""
_LIVE = re.compile(rf"l:{_ID}:{_ID}:({'|'.join(LIVE_ACTIONS)})", re.ASCII)
_PICTURE = re.compile(rf"i:{_ID}(?::{_SMALL}:([0-9a-f]{{8}}))?", re.ASCII)
_RATE = re.compile(rf"f:{_ID}:({'|'.join(value for value, _ in RATINGS)})", re.ASCII)


@dataclass(frozen=True, slots=True)
class Button:
    """One inline button: what it says and the callback data it sends."""

    label: str
    """The text on the button."""
    data: str
    """Callback data, 1 to 64 bytes of UTF-8 (Telegram's limit)."""

    def __post_init__(self) -> None:
        # A ValueError rather than an assert: this must hold under ``python -O`` too.
        size = len(self.data.encode())
        if not 1 <= size <= CALLBACK_DATA_LIMIT:
            raise ValueError(f"callback data must be 1-{CALLBACK_DATA_LIMIT} bytes, got {size}")
        if not self.label.strip():
            raise ValueError("a button needs a label")


@dataclass(frozen=True, slots=True)
class Callback:
    """A button's data read back."""

    kind: Kind
    id: int | None = None
    """The plan, request, log or page the button is about; None for ``Kind.NEW``."""
    index: int | None = None
    """SWAP, PICTURE: the exercise (0-based); None lists the exercises."""
    choice: int | None = None
    """SWAP: the alternative picked (0-based, of ``core.swap.swap_options``)."""
    check: str | None = None
    """SWAP: ``name_check`` of the exercise the alternatives were listed for; PICTURE: of
    the exercise the button shows."""
    rating: str | None = None
    """RATE: one of ``RATINGS``' values."""
    action: str | None = None
    """SESSION: one of ``SESSION_ACTIONS``; LIVE: one of ``LIVE_ACTIONS``."""
    step: int | None = None
    """LIVE: the session's step the button was made at."""


def _checked_id(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_ID:
        raise ValueError(f"{what} must be an integer in 0..{_MAX_ID}, got {value!r}")
    return value


def encode(
    kind: Kind,
    id: int | None = None,
    *,
    index: int | None = None,
    choice: int | None = None,
    check: str | None = None,
    rating: str | None = None,
) -> str:
    """The data for one button; ``ValueError`` for values ``decode`` would not read back."""
    if kind is Kind.NEW:
        return NEW_WORKOUT
    if kind is Kind.LIVE:
        raise ValueError("a LIVE button's data comes from encode_live")
    if id is None:
        raise ValueError(f"a {kind.name} button needs an id")
    data = f"{kind.value}:{_checked_id(id, 'id')}"
    if kind is Kind.SWAP and index is not None:
        if not 0 <= index < 1000:
            raise ValueError(f"exercise index must be 0-999, got {index}")
        data += f":{index}"
        if choice is not None:
            if not 0 <= choice < 1000 or check is None or not _CHECK.fullmatch(check):
                raise ValueError("a swap needs an alternative 0-999 and an 8-hex-digit check")
            data += f":{choice}:{check}"
    elif kind is Kind.PICTURE and index is not None:
        if not 0 <= index < 1000 or check is None or not _CHECK.fullmatch(check):
            raise ValueError("a picture needs an exercise 0-999 and an 8-hex-digit check")
        data += f":{index}:{check}"
    elif kind is Kind.RATE:
        if rating not in {value for value, _ in RATINGS}:
            raise ValueError(f"unknown rating {rating!r}")
        data += f":{rating}"
    if len(data.encode()) > CALLBACK_DATA_LIMIT:  # cannot happen with the forms above
        raise ValueError(f"callback data over {CALLBACK_DATA_LIMIT} bytes")
    return data


def decode(data: str) -> Callback:
    """Data written by ``encode`` read back; ``ValueError`` for anything else."""
    if data == NEW_WORKOUT:
        return Callback(Kind.NEW)
    if match := _PLAIN.fullmatch(data):
        return Callback(Kind(match.group(1)), int(match.group(2)))
    if match := _SWAP.fullmatch(data):
        plan, index, choice, check = match.groups()
        return Callback(
            Kind.SWAP,
            int(plan),
            index=None if index is None else int(index),
            choice=None if choice is None else int(choice),
            check=check,
        )
    if match := _PICTURE.fullmatch(data):
        plan, index, check = match.groups()
        return Callback(
            Kind.PICTURE, int(plan), index=None if index is None else int(index), check=check
        )
    if match := _RATE.fullmatch(data):
        return Callback(Kind.RATE, int(match.group(1)), rating=match.group(2))
    if match := _SESSION.fullmatch(data):
        return Callback(Kind.SESSION, int(match.group(1)), action=match.group(2))
    if match := _LIVE.fullmatch(data):
        live, step, action = match.groups()
        return Callback(Kind.LIVE, int(live), step=int(step), action=action)
    raise ValueError(f"unknown callback data {data[:80]!r}")


def encode_session(session_id: int, action: str) -> str:
    """The data of a reminder's button: ``action`` (``SESSION_ACTIONS``) on session
    ``session_id``; ``ValueError`` for anything ``decode`` would not read back."""
    if action not in SESSION_ACTIONS:
        raise ValueError(f"unknown session action {action!r}")
    return f"{Kind.SESSION.value}:{_checked_id(session_id, 'session id')}:{action}"


def encode_live(live_id: int, step: int, action: str) -> str:
    """The data of a live session's button: ``action`` (``LIVE_ACTIONS``) on session
    ``live_id`` at ``step``; ``ValueError`` for anything ``decode`` would not read back."""
    if action not in LIVE_ACTIONS:
        raise ValueError(f"unknown live action {action!r}")
    data = f"{Kind.LIVE.value}:{_checked_id(live_id, 'id')}:{_checked_id(step, 'step')}:{action}"
    if len(data.encode()) > CALLBACK_DATA_LIMIT:  # 2 + 18 + 1 + 18 + 3 at most: cannot happen
        raise ValueError(f"callback data over {CALLBACK_DATA_LIMIT} bytes")
    return data


def name_check(name: str) -> str:
    """8 hex digits standing for an exercise name (case and outer spaces ignored)."""
    return f"{zlib.crc32(name.strip().lower().encode()) & 0xFFFFFFFF:08x}"


def dialog_value(data: str | None) -> str:
    """The value after the second colon of a dialog button's data (``pf:g:cardio`` ->
    ``cardio``); empty when there is none."""
    parts = (data or "").split(":", 2)
    return parts[2] if len(parts) == 3 else ""
