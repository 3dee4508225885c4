"""chat.callbacks and chat.keyboards: the one callback-data codec and the keyboards built on it."""

from __future__ import annotations

import pytest

from chat.callbacks import (
    NEW_WORKOUT,
    RATINGS,
    Button,
    Callback,
    Kind,
    decode,
    dialog_value,
    encode,
    encode_live,
    name_check,
)
from chat.keyboards import (
    failure_keyboard,
    feel_keyboard,
    pictures_keyboard,
    swap_exercises_keyboard,
    swap_options_keyboard,
    workout_keyboard,
)


def test_button_rejects_oversized_or_empty_data() -> None:
    assert Button("ok", "x" * 64).data == "x" * 64
    with pytest.raises(ValueError, match="1-64 bytes"):
        Button("too long", "x" * 65)
    with pytest.raises(ValueError, match="1-64 bytes"):
        Button("too long in bytes", "é" * 33)  # 66 bytes, 33 characters
    with pytest.raises(ValueError, match="1-64 bytes"):
        Button("empty", "")
    with pytest.raises(ValueError, match="label"):
        Button("  ", "w:new")


def test_keyboards() -> None:
    [[live], [swap, regenerate, done], [pictures, new, history]] = workout_keyboard(7)
    assert (live.label, live.data) == ("▶️ Start: set by set, with rest timers", "t:7")
    assert (swap.label, swap.data) == ("🔀 Swap", "s:7")
    assert (pictures.label, pictures.data) == ("🖼 How-to", "i:7")
    assert (regenerate.label, regenerate.data) == ("🎲 Regenerate", "g:7")
    assert (done.label, done.data) == ("✅ Done", "d:7")
    assert (new.label, new.data) == ("🔁 New workout", NEW_WORKOUT)
    assert (history.label, history.data) == ("📜 History", "h:0")
    [[retry]] = failure_keyboard(42)
    assert "Try again" in retry.label
    assert retry.data == "r:42"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (encode(Kind.NEW), Callback(Kind.NEW)),
        (encode(Kind.HISTORY, 0), Callback(Kind.HISTORY, 0)),
        (encode(Kind.HISTORY, 3), Callback(Kind.HISTORY, 3)),
        (encode(Kind.PLAN, 123), Callback(Kind.PLAN, 123)),
        (encode(Kind.RETRY, 10**18 - 1), Callback(Kind.RETRY, 10**18 - 1)),
    ],
)
def test_decode_round_trips(data: str, expected: Callback) -> None:
    assert decode(data) == expected
    assert len(data.encode()) <= 64


def test_the_wire_format_is_kept() -> None:
    """Buttons already in chats keep working: the data written today is what was written."""
    assert encode(Kind.NEW) == NEW_WORKOUT == "w:new"
    assert [encode(kind, 5) for kind in (Kind.HISTORY, Kind.PLAN, Kind.RETRY, Kind.BUTTONS,
            Kind.REGENERATE, Kind.DONE, Kind.SWAP)] == ["h:5", "p:5", "r:5", "b:5", "g:5",
                                                        "d:5", "s:5"]  # fmt: skip
    assert encode(Kind.RATE, 5, rating="too_hard") == "f:5:too_hard"


@pytest.mark.parametrize(
    "data",
    [
        "",
        "w",
        "w:new ",
        "w:old",
        "h:",
        "h:-1",
        "h:+1",
        "h: 1",
        "h:01",
        "h:1_000",
        "h:١",  # an Arabic-Indic digit: int() would accept it
        "h:1:2",
        "x:1",
        "P:1",
        "p:1e3",
        "r:" + "9" * 19,
        "p:12\n",
        "{'plan': 1}",
    ],
)
def test_decode_rejects_garbage(data: str) -> None:
    with pytest.raises(ValueError, match="unknown callback data"):
        decode(data)


def test_swap_and_rating_data_round_trip() -> None:
    big = 10**18 - 1
    check = name_check("Barbell bench press")
    assert check == name_check("  barbell BENCH press ") and len(check) == 8
    for data, expected in [
        (encode(Kind.SWAP, big), Callback(Kind.SWAP, big)),
        (encode(Kind.SWAP, big, index=999), Callback(Kind.SWAP, big, index=999)),
        (
            encode(Kind.SWAP, big, index=999, choice=999, check=check),
            Callback(Kind.SWAP, big, index=999, choice=999, check=check),
        ),
    ]:
        assert len(data.encode()) <= 64
        assert decode(data) == expected
    assert decode(encode(Kind.REGENERATE, 5)) == Callback(Kind.REGENERATE, 5)
    assert decode(encode(Kind.DONE, 5)) == Callback(Kind.DONE, 5)
    assert decode(encode(Kind.BUTTONS, 5)) == Callback(Kind.BUTTONS, 5)
    for value, _ in RATINGS:
        [row] = feel_keyboard(big)
        data = next(b.data for b in row if b.data.endswith(value))
        assert len(data.encode()) <= 64
        assert decode(data) == Callback(Kind.RATE, big, rating=value)


@pytest.mark.parametrize(
    "data",
    ["s:", "s:1:", "s:1:2:3", "s:1:2:3:abc", "s:1:2:3:ABCDEF12", "s:1:1000", "s:01",
     "s:1:2:3:abcdef123", "f:1:meh", "f:1", "f:01:too_easy", "s:1:2:3:abcdef12:4"],
)  # fmt: skip
def test_swap_and_rating_data_reject_garbage(data: str) -> None:
    with pytest.raises(ValueError, match="unknown callback data"):
        decode(data)


def test_swap_keyboards() -> None:
    names = ["Squat", "<b>Press</b> & co " + "x" * 100]
    *rows, [back] = swap_exercises_keyboard(3, names)
    assert rows[0][0].label == "1. Squat"
    assert rows[1][0].label.startswith("2. <b>Press</b> & co") and len(rows[1][0].label) < 60
    assert [r[0].data for r in rows] == ["s:3:0", "s:3:1"] and back.data == "b:3"
    *rows, [back] = swap_options_keyboard(3, 1, "Press", ["Push-up", "Dip"])
    check = name_check("Press")
    assert [r[0].data for r in rows] == [f"s:3:1:0:{check}", f"s:3:1:1:{check}"]
    assert back.data == "s:3"


@pytest.mark.parametrize("bad", [-1, 10**18, True])
def test_encode_rejects_bad_ids(bad: int) -> None:
    for kind in Kind:
        if kind in (Kind.NEW, Kind.LIVE):  # LIVE: encode_live, below
            continue
        with pytest.raises(ValueError, match="integer"):
            encode(kind, bad, rating="too_easy")
    with pytest.raises(ValueError, match="integer"):
        encode_live(bad, 0, "d")
    with pytest.raises(ValueError, match="integer"):
        encode_live(1, bad, "d")
    for build in (workout_keyboard, failure_keyboard, feel_keyboard):
        with pytest.raises(ValueError, match="integer"):
            build(bad)


def test_encode_rejects_what_decode_would_not_read() -> None:
    with pytest.raises(ValueError, match="needs an id"):
        encode(Kind.PLAN)
    with pytest.raises(ValueError, match="0-999"):
        encode(Kind.SWAP, 1, index=1000)
    with pytest.raises(ValueError, match="check"):
        encode(Kind.SWAP, 1, index=1, choice=2, check="XYZ")
    with pytest.raises(ValueError, match="rating"):
        encode(Kind.RATE, 1, rating="meh")


def test_live_data_round_trips_and_rejects_garbage() -> None:
    data = encode_live(10**18 - 1, 10**18 - 1, "wm")
    assert len(data.encode()) <= 64
    assert decode(data) == Callback(Kind.LIVE, 10**18 - 1, step=10**18 - 1, action="wm")
    assert decode("l:5:0:d") == Callback(Kind.LIVE, 5, step=0, action="d")
    assert decode("t:5") == Callback(Kind.START, 5)
    for bad in ("l:5:0", "l:5:00:d", "l:5:1:zz", "l:-1:0:d", "l:5:0:d:x", "t:05"):
        with pytest.raises(ValueError, match="unknown callback data"):
            decode(bad)
    with pytest.raises(ValueError, match="unknown live action"):
        encode_live(5, 0, "boom")
    with pytest.raises(ValueError, match="encode_live"):
        encode(Kind.LIVE, 5)  # its data comes from encode_live only


def test_dialog_value() -> None:
    assert dialog_value("pf:g:cardio") == "cardio"
    assert dialog_value("pf:edit:coach") == "coach"
    assert dialog_value("wk:go") == ""
    assert dialog_value(None) == ""


def test_picture_data_round_trips_and_rejects_garbage() -> None:
    big = 10**18 - 1
    check = name_check("Goblet squat")
    assert encode(Kind.PICTURE, 5) == "i:5"
    for data, expected in [
        (encode(Kind.PICTURE, big), Callback(Kind.PICTURE, big)),
        (
            encode(Kind.PICTURE, big, index=999, check=check),
            Callback(Kind.PICTURE, big, index=999, check=check),
        ),
    ]:
        assert len(data.encode()) <= 64
        assert decode(data) == expected
    for garbage in ["i:", "i:1:", "i:1:2", "i:1:2:ABCDEF12", "i:1:1000:abcdef12", "i:01",
                    "i:1:2:abcdef12:3", "i:1:2:abcdef1"]:  # fmt: skip
        with pytest.raises(ValueError, match="unknown callback data"):
            decode(garbage)
    with pytest.raises(ValueError, match="check"):
        encode(Kind.PICTURE, 1, index=0)


def test_pictures_keyboard() -> None:
    *rows, [back] = pictures_keyboard(3, [(0, "Goblet squat"), (2, "<i>Row</i> " + "y" * 90)])
    assert rows[0][0].label == "🖼 1. Goblet squat"
    assert rows[1][0].label.startswith("🖼 3. <i>Row</i>") and len(rows[1][0].label) < 60
    assert rows[0][0].data == f"i:3:0:{name_check('Goblet squat')}"
    assert decode(rows[1][0].data).index == 2 and back.data == "b:3"
