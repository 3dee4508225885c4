"""core.render: escaping, Telegram-valid HTML, splitting, units (buttons: tests/chat)."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.coaches import COACHES
from core.domain import Equipment, Units, WorkoutType
from core.models import Block, Exercise, Workout
from core.render import (
    TELEGRAM_LIMIT,
    failure_text,
    render_html,
    render_text,
)
from tests.support.workouts import lift

ALLOWED_TAGS = {"b", "i", "u", "s", "code", "pre", "a", "blockquote", "tg-spoiler"}
NASTY = "<script>alert('x')</script> & </b> <i> &amp; <"
COACH = COACHES["MAX"]
LIMIT = 4096  # Telegram's, written out so a wrong TELEGRAM_LIMIT cannot pass
_ENTITY = re.compile(r"&(?:amp|lt|gt|quot|#[0-9]+|#x[0-9a-fA-F]+);")


class _TelegramHTMLChecker(HTMLParser):
    """Collects every way a string would be rejected by Telegram's HTML parse mode."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.errors.append(f"tag <{tag}> not allowed")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.errors.append(f"self-closing <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> does not close {self.stack[-1:]}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        for char in "<>&":
            if char in data:
                self.errors.append(f"bare {char!r} in {data[:40]!r}")

    def handle_comment(self, data: str) -> None:
        self.errors.append("comment")

    def handle_decl(self, decl: str) -> None:
        self.errors.append("declaration")

    def handle_pi(self, data: str) -> None:
        self.errors.append("processing instruction")


def html_errors(markup: str) -> list[str]:
    """Everything wrong with ``markup`` as Telegram HTML; empty when it is valid."""
    checker = _TelegramHTMLChecker()
    checker.feed(markup)
    checker.close()
    errors = checker.errors
    if checker.stack:
        errors.append(f"unclosed {checker.stack}")
    if checker.rawdata:
        errors.append(f"unparsed tail {checker.rawdata[:40]!r}")
    stray = markup.count("&") - len(_ENTITY.findall(markup))
    if stray:
        errors.append(f"{stray} '&' not starting a known entity")
    return errors


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


GOBLET_SQUAT: dict[str, object] = {
    "sets": 3,
    "reps": "8-12",
    "rest_seconds": 90,
    "instructions": "Chest up, elbows inside the knees, sit deep.",
    "equipment": [Equipment.DUMBBELLS],
    "target_weight": 22.5,
    "alternatives": ["Front squat", "Leg press"],
}


def exercise(name: str = "Goblet squat", **changes: object) -> Exercise:
    """A goblet squat, 3 × 8-12 at 22.5 kg, under ``name``; but for ``changes``."""
    return lift(name, **(GOBLET_SQUAT | changes))


def workout(exercises: list[Exercise], **changes: object) -> Workout:
    fields: dict[str, object] = {
        "title": "Leg day",
        "intro": "Let's go.",
        "warmup": Block(minutes=5, items=["30s arm circles", "10 air squats"]),
        "exercises": exercises,
        "cooldown": Block(minutes=5, items=["Hamstring stretch 60s"]),
        "outro": "Log your numbers.",
    }
    fields.update(changes)
    return Workout.model_validate(fields)


def html(w: Workout, units: Units = Units.KG, duration: int = 45) -> list[str]:
    return render_html(
        w,
        coach=COACH,
        workout_type=WorkoutType.STRENGTH,
        duration_min=duration,
        units=units,
        created=dt.date(2024, 5, 1),
    )


def text(w: Workout, units: Units = Units.KG) -> str:
    return render_text(
        w, coach=COACH, workout_type=WorkoutType.STRENGTH, duration_min=45, units=units
    )


def test_checker_catches_what_telegram_rejects() -> None:
    assert html_errors("<b>ok</b> &amp; &lt;fine&gt;") == []
    assert html_errors("<b>open")
    assert html_errors("<b><i>x</b></i>")
    assert html_errors("<script>x</script>")
    assert html_errors("a & b")
    assert html_errors("a &lt b")
    assert html_errors("a < b")
    assert html_errors("<br/>")


def test_everything_from_the_workout_is_escaped() -> None:
    w = workout(
        [
            exercise(
                name=f"Squat {NASTY}",
                reps=f"10 {NASTY}",
                instructions=f"Cue {NASTY}",
                alternatives=[f"Alt one {NASTY}", f"Alt two {NASTY}"],
            )
        ],
        title=f"Title {NASTY}",
        intro=f"Intro {NASTY}",
        warmup=Block(minutes=5, items=[f"Item {NASTY}"]),
        cooldown=Block(minutes=5, items=[f"Stretch {NASTY}"]),
        outro=f"Outro {NASTY}",
    )
    [message] = html(w)
    assert html_errors(message) == []
    assert "<script>" not in message
    escaped = "&lt;script&gt;alert('x')&lt;/script&gt; &amp; &lt;/b&gt; &lt;i&gt; &amp;amp; &lt;"
    for label in ("Squat", "10", "Cue", "Alt one", "Alt two", "Title", "Intro", "Item"):
        assert f"{label} {escaped}" in message
    assert f"Stretch {escaped}" in message
    assert f"Outro {escaped}" in message
    assert "<b>1. Squat &lt;script&gt;" in message


def test_layout_of_a_normal_workout() -> None:
    [message] = html(workout([exercise(), exercise("Push-up", weighted=False)]))
    lines = message.split("\n")
    assert lines[0] == "🏋️ MAX · <b>Leg day</b>"
    estimated = round(workout([exercise(), exercise("Push-up", weighted=False)]).estimated_minutes)
    assert lines[1] == f"Strength · 45 min (est. {estimated}) · 1 May 2024"
    assert "<i>Let's go.</i>" in message
    assert "<b>Warm-up</b> · 5 min\n• 30s arm circles\n• 10 air squats" in message
    assert (
        "<b>1. Goblet squat</b>\n3 × 8-12 · rest 1 min 30 s · 22.5 kg\nEquipment: Dumbbells\n"
        "Chest up, elbows inside the knees, sit deep.\n<i>Instead:</i> Front squat · Leg press"
    ) in message
    assert "<b>2. Push-up</b>\n3 × 8-12 · rest 1 min 30 s\n" in message
    assert message.endswith(
        "<b>Cool-down</b> · 5 min\n• Hamstring stretch 60s\n\n<i>Log your numbers.</i>"
    )


def test_without_optional_parts() -> None:
    w = workout([exercise(rest_seconds=0)], warmup=None, cooldown=None, outro=None, intro="")
    [message] = html(w)
    assert html_errors(message) == []
    assert "Warm-up" not in message
    assert "Cool-down" not in message
    assert "<i></i>" not in message
    assert "3 × 8-12 · no rest · 22.5 kg" in message
    assert message.endswith("<i>Instead:</i> Front squat · Leg press")


def long_workout() -> Workout:
    cues = "Brace <hard> & breathe, keep the bar path straight over the mid-foot. " * 6
    moves = [
        exercise(f"Move #{n:02d} <&>", sets=4, reps="10", rest_seconds=90, instructions=cues)
        for n in range(1, 21)
    ]
    return workout(moves)


def test_a_180_minute_workout_splits_between_exercises() -> None:
    w = long_workout()
    assert 170 <= w.estimated_minutes <= 190
    parts = html(w, duration=180)
    assert len(parts) >= 3
    for part in parts:
        assert len(part) <= LIMIT
        assert utf16_len(part) <= LIMIT
        assert html_errors(part) == []
    for part in parts[1:]:
        assert re.match(r"<b>\d+\. Move #", part), part[:60]
    joined = "\n\n".join(parts)
    positions = []
    for n in range(1, 21):
        name = f"Move #{n:02d} &lt;&amp;&gt;"
        assert joined.count(name) == 1
        positions.append(joined.index(name))
    assert positions == sorted(positions)
    assert "…" not in joined  # nothing had to be cut
    assert parts[0].startswith("🏋️ MAX · <b>Leg day</b>")
    assert parts[-1].endswith("<i>Log your numbers.</i>")


def test_rendering_is_deterministic() -> None:
    # The worker resumes a half-delivered workout by index: the parts must not move.
    assert html(long_workout(), duration=180) == html(long_workout(), duration=180)


def test_a_giant_exercise_is_cut_and_stays_valid() -> None:
    giant = exercise(
        "Giant <one>",
        instructions="Keep <b>tight</b> & steady; " * 1000,
        alternatives=["Smaller & safer", "Rest"],
    )
    parts = html(workout([exercise("Before"), giant, exercise("After")]))
    for part in parts:
        assert len(part) <= LIMIT
        assert html_errors(part) == []
    [cut] = [p for p in parts if "Giant &lt;one&gt;" in p]
    assert "…" in cut
    # cut between words, not inside one
    assert re.search(r"(Keep|&lt;b&gt;tight&lt;/b&gt;|&amp;|steady;)…\n", cut), cut[-200:]
    assert "<b>2. Giant &lt;one&gt;</b>" in cut
    assert cut.endswith("<i>Instead:</i> Smaller &amp; safer · Rest")  # only the cues gave way
    assert len(cut) > LIMIT - 100  # cut near the limit, not far below it
    joined = "".join(parts)
    assert joined.count("Before") == joined.count("After") == 1


def test_a_cut_falls_between_words() -> None:
    words = ("stability", "breathing", "alignment", "tempo")
    for shift in range(8):
        cues = "x" * shift + " " + " ".join(words * 400)
        [part] = [p for p in html(workout([exercise(instructions=cues)])) if "…" in p]
        before = part.split("…")[0].rsplit(" ", 1)[1]
        assert before in words, (shift, before)


def test_a_cut_inside_bold_or_italic_closes_the_tag() -> None:
    w = workout([exercise()], title="Big & bold " * 600, intro="So <very> long " * 400)
    parts = html(w)
    for part in parts:
        assert len(part) <= LIMIT
        assert html_errors(part) == []
    header = parts[0].split("\n\n<b>Warm-up</b>")[0]
    assert header.startswith("🏋️ MAX · <b>Big &amp; bold")
    assert "…</b>" in header or "…</i>" in header
    assert "<b>1. Goblet squat</b>" in "".join(parts)


def test_a_section_of_many_short_lines_is_cut_too() -> None:
    w = workout([exercise()], warmup=Block(minutes=5, items=[f"<move> & {n}" for n in range(900)]))
    parts = html(w)
    for part in parts:
        assert len(part) <= LIMIT
        assert html_errors(part) == []
    assert any("…" in part and "<b>Warm-up</b>" in part for part in parts)


def test_astral_characters_count_double() -> None:
    # 💪 is one Python character but two UTF-16 units, which is what Telegram counts.
    parts = html(workout([exercise(instructions="💪" * 5000)]))
    for part in parts:
        assert utf16_len(part) <= LIMIT
        assert html_errors(part) == []
    assert any("💪…" in part for part in parts)


def bar(name: str, **changes: object) -> Exercise:
    """``exercise`` on a barbell: one load, never "per hand"."""
    return exercise(name, **({"equipment": [Equipment.BARBELL]} | changes))


def test_weights_convert_into_the_users_unit() -> None:
    w = workout(
        [
            bar("Squat", target_weight=60, weight_unit=Units.KG),
            bar("Press", target_weight=22.5, weight_unit=Units.KG),
            bar("Curl", target_weight=10, weight_unit=Units.KG),
            bar("Deadlift", target_weight=135, weight_unit=Units.LB),
        ]
    )
    [in_lb] = html(w, Units.LB)
    assert "· 130 lb\n" in in_lb  # 60 kg = 132.3 lb, nearest 5 lb step
    assert "· 50 lb\n" in in_lb  # 22.5 kg = 49.6 lb
    assert "· 20 lb\n" in in_lb  # 10 kg = 22.0 lb
    assert "· 135 lb\n" in in_lb  # already in lb: as given
    assert " kg" not in in_lb
    [in_kg] = html(w, Units.KG)
    assert "· 60 kg\n" in in_kg
    assert "· 22.5 kg\n" in in_kg
    assert "· 10 kg\n" in in_kg
    assert "· 60 kg\n" in in_kg.split("Deadlift")[1]  # 135 lb = 61.2 kg, nearest 2.5 kg
    assert " lb" not in in_kg


def test_weights_only_when_weighted_and_sensible() -> None:
    w = workout(
        [
            bar("Plank", weighted=False, target_weight=20),
            bar("Row", target_weight=None),
            bar("Odd", target_weight=float("nan")),
            bar("Neg", target_weight=-5),
            bar("Tiny", target_weight=0.5, weight_unit=Units.KG),
            bar("Mine", target_weight=30, weight_unit=None),
        ]
    )
    [message] = html(w, Units.LB)
    for name in ("Plank", "Row", "Odd", "Neg"):
        block = message.split(f"{name}</b>\n")[1].split("\n")[0]
        assert block == "3 × 8-12 · rest 1 min 30 s", name
    assert message.split("Tiny</b>\n")[1].startswith("3 × 8-12 · rest 1 min 30 s · 5 lb\n")
    assert message.split("Mine</b>\n")[1].startswith("3 × 8-12 · rest 1 min 30 s · 30 lb\n")


def test_two_dumbbells_show_the_load_per_hand() -> None:
    w = workout(
        [
            exercise("Dumbbell bench press", equipment=[Equipment.DUMBBELLS, Equipment.BENCH]),
            exercise("Goblet squat"),
        ]
    )
    [message] = html(w, Units.KG)
    assert "· 22.5 kg per hand\n" in message.split("Dumbbell bench press</b>\n")[1]
    assert message.split("Goblet squat</b>\n")[1].startswith(
        "3 × 8-12 · rest 1 min 30 s · 22.5 kg\n"
    )


def test_render_text_is_plain_and_complete() -> None:
    names = [f"Exercise number {n}" for n in range(1, 13)]
    w = workout([exercise(name, instructions="Slow and steady. " * 30) for name in names])
    out = text(w, Units.LB)
    for n, name in enumerate(names, 1):
        assert out.count(f"{n}. {name}\n") == 1
    assert not re.search(r"</?[a-z][a-z-]*>", out)
    assert "&amp;" not in out
    assert "50 lb" in out
    assert "Leg day" in out and "Let's go." in out and "Log your numbers." in out
    assert "  • 30s arm circles" in out
    assert max(len(line) for line in out.splitlines()) <= 88
    assert "   Slow and steady." in out  # wrapped cues stay under their exercise


def test_render_text_shows_raw_strings_without_control_characters() -> None:
    w = workout([exercise("Fish <b> & chips\x1b[31m")], title="A & B")
    out = text(w)
    assert "1. Fish <b> & chips[31m" in out
    assert "\x1b" not in out
    assert "A & B" in out


def test_failure_text_escapes_the_reason() -> None:
    message = failure_text(COACHES["SAGE"], "the <AI> & friends")
    assert html_errors(message) == []
    assert "🧘 SAGE" in message
    assert "the &lt;AI&gt; &amp; friends" in message
    assert html_errors(failure_text(COACH)) == []
    assert len(failure_text(COACH, "x" * 10_000)) < 1000


def test_telegram_limit() -> None:
    assert TELEGRAM_LIMIT == LIMIT


_TEXT = st.text(
    alphabet=st.sampled_from(list("ab <>&;/#x1bi\n💪é")) | st.characters(), max_size=300
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=_TEXT,
    names=st.lists(_TEXT, min_size=1, max_size=6),
    cues=_TEXT,
    items=st.lists(_TEXT, max_size=4),
    repeat=st.integers(min_value=1, max_value=40),
)
def test_any_text_gives_valid_parts(
    title: str, names: list[str], cues: str, items: list[str], repeat: int
) -> None:
    w = workout(
        [exercise(name, instructions=cues * repeat, alternatives=[cues, name]) for name in names],
        title=title,
        intro=cues,
        warmup=Block(minutes=3, items=items * repeat),
        outro=title,
    )
    for units in Units:
        parts = html(w, units)
        for part in parts:
            assert utf16_len(part) <= LIMIT
            assert html_errors(part) == [], part
        plain = text(w, units)
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]", plain)
