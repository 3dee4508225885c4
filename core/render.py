"""Workouts as chat text and terminal text.

One builder turns a workout into sections of styled lines (header and intro, warm-up, one
section per exercise, cool-down and outro); two writers serialise them:

- ``render_html``: Telegram HTML (parse mode HTML). Every string that comes from the
  workout or the user is escaped; only ``<b>`` and ``<i>`` are written. The message is split
  into parts of at most ``TELEGRAM_LIMIT`` characters, only between sections; a section that
  alone is over the limit is cut with an ellipsis, its open tags closed. Sizes are counted
  in UTF-16 code units of the raw HTML, which is never less than ``len()`` of it and never
  less than what Telegram counts (the parsed text, in UTF-16).
- ``render_text``: the same content as plain text for a terminal.

Buttons and their callback data are the chat's (chat/callbacks.py, chat/keyboards.py).
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
import textwrap
from dataclasses import dataclass
from typing import Protocol

from core.coaches import Coach, coach_by_key
from core.domain import Units, WorkoutType
from core.loads import per_hand
from core.models import Block, Exercise, Workout
from core.partial import Draft

__all__ = [
    "TELEGRAM_LIMIT",
    "RenderablePlan",
    "failure_text",
    "format_weight",
    "one_line",
    "render_draft",
    "render_html",
    "render_plan",
    "render_text",
    "utc_date",
    "weight_in",
]

TELEGRAM_LIMIT = 4096
"""Telegram's maximum message length."""
ELLIPSIS = "…"
TEXT_WIDTH = 88
"""Terminal text is wrapped at this many columns."""

_MIN_CUT_LINE = 256
"""A section over the limit first shortens its longest line, unless that leaves less than this."""
_WORD_BACKOFF = 40
"""A cut backs up to the last space if that is at most this many characters back."""
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
"""Control characters (but newline and tab) and lone surrogates, which no chat can send."""
_TOKEN = re.compile(r"<[^>]*>|&(?:#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z]+);|.", re.DOTALL)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# ---------------------------------------------------------------------------------------------
# Messages


def failure_text(coach: Coach, reason_for_user: str | None = None) -> str:
    """A plain apology in Telegram HTML, with an optional (escaped) reason."""
    lines = [
        f"{coach.emoji} {_esc(coach.key)}: sorry, I couldn't write your workout this time.",
    ]
    reason = _clean(reason_for_user or "")
    if reason:
        lines.append(_esc(_shorten(reason, 500)))
    lines.append("Tap <b>Try again</b>, or ask for a new workout with /workout.")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Content: sections of styled lines, shared by both writers


@dataclass(frozen=True, slots=True)
class _Span:
    """A run of text; ``style`` is "" (plain), "b" (bold) or "i" (italic)."""

    text: str
    style: str = ""


@dataclass(frozen=True, slots=True)
class _Line:
    """One line; ``indent`` and ``hang`` only matter for terminal text."""

    spans: tuple[_Span, ...]
    indent: int = 0
    """Spaces before the line."""
    hang: int = 0
    """Extra spaces before wrapped continuation lines."""


_Section = tuple[_Line, ...]
_BLANK = _Line(())


def _clean(text: str) -> str:
    """Strip surrounding whitespace, control characters and lone surrogates."""
    return _UNSAFE.sub("", text).strip()


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def one_line(text: str, limit: int) -> str:
    """``text`` on one line, cleaned and cut to ``limit`` characters (button labels)."""
    return _shorten(" ".join(_clean(text).split()), limit)


def _date(day: dt.date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _rest(seconds: int) -> str:
    if seconds <= 0:
        return "no rest"
    minutes, secs = divmod(seconds, 60)
    if minutes == 0:
        return f"rest {secs} s"
    return f"rest {minutes} min" + (f" {secs} s" if secs else "")


def _number(value: float) -> str:
    """60.0 -> "60", 22.5 -> "22.5", 10.125 -> "10.13"."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def format_weight(exercise: Exercise, units: Units) -> str | None:
    """The exercise's target weight in ``units`` ("60 kg", "135 lb"), or None if it has none.

    A weight given in the other unit is converted and rounded to ``units.step`` (never to 0);
    one already in ``units`` (or with no unit) is shown as given.
    """
    value = weight_in(exercise, units)
    return None if value is None else f"{_number(value)} {units.value}"


def weight_in(exercise: Exercise, units: Units) -> float | None:
    """The exercise's target weight as shown in ``units`` (see ``format_weight``), or None."""
    value = exercise.target_weight
    if not exercise.weighted or value is None or not math.isfinite(value) or value <= 0:
        return None
    source = exercise.weight_unit or units
    if source is not units:
        converted = value / source.per_kg * units.per_kg
        steps = max(1, math.floor(converted / units.step + 0.5))
        value = steps * units.step
    return value


def _header(
    workout: Workout,
    coach: Coach,
    workout_type: WorkoutType,
    duration_min: int,
    created: dt.date | None,
) -> _Section:
    estimated = math.floor(workout.estimated_minutes + 0.5)
    meta = [workout_type.label, f"{duration_min} min (est. {estimated})"]
    if created is not None:
        meta.append(_date(created))
    lines = [
        _Line((_Span(f"{coach.emoji} {coach.key} · "), _Span(_clean(workout.title), "b"))),
        _Line((_Span(" · ".join(meta)),)),
    ]
    intro = _clean(workout.intro)
    if intro:
        lines += [_BLANK, _Line((_Span(intro, "i"),))]
    return tuple(lines)


def _block(name: str, block: Block) -> _Section:
    head = [_Span(name, "b")]
    if block.minutes > 0:
        head.append(_Span(f" · {block.minutes} min"))
    items = [_clean(item) for item in block.items]
    return (
        _Line(tuple(head)),
        *(_Line((_Span(f"• {item}"),), indent=2, hang=2) for item in items if item),
    )


def _exercise(number: int, exercise: Exercise, units: Units) -> _Section:
    prefix = f"{number}. "
    pad = len(prefix)
    reps = _clean(exercise.reps)
    facts = [f"{exercise.sets} × {reps}" if reps else f"{exercise.sets} sets"]
    facts.append(_rest(exercise.rest_seconds))
    weight = format_weight(exercise, units)
    if weight is not None:
        # Two dumbbells: the load of each (a coach's "20 kg dumbbells", not 40 kg in all).
        facts.append(
            f"{weight} per hand" if per_hand(exercise.name, exercise.equipment) else weight
        )
    lines = [
        _Line((_Span(prefix + _clean(exercise.name), "b"),)),
        _Line((_Span(" · ".join(facts)),), indent=pad),
    ]
    if exercise.equipment:
        gear = ", ".join(item.label for item in exercise.equipment)
        lines.append(_Line((_Span(f"Equipment: {gear}"),), indent=pad))
    instructions = _clean(exercise.instructions)
    if instructions:
        lines.append(_Line((_Span(instructions),), indent=pad))
    alternatives = [a for a in (_clean(alt) for alt in exercise.alternatives) if a]
    if alternatives:
        spans = (_Span("Instead:", "i"), _Span(" " + " · ".join(alternatives)))
        lines.append(_Line(spans, indent=pad, hang=len("Instead: ")))
    return tuple(lines)


def _sections(
    workout: Workout,
    coach: Coach,
    workout_type: WorkoutType,
    duration_min: int,
    units: Units,
    created: dt.date | None,
) -> list[_Section]:
    sections = [_header(workout, coach, workout_type, duration_min, created)]
    if workout.warmup is not None:
        sections.append(_block("Warm-up", workout.warmup))
    sections += [_exercise(n, ex, units) for n, ex in enumerate(workout.exercises, 1)]
    closing: list[_Line] = []
    if workout.cooldown is not None:
        closing += _block("Cool-down", workout.cooldown)
    outro = _clean(workout.outro or "")
    if outro:
        closing += [_BLANK] if closing else []
        closing.append(_Line((_Span(outro, "i"),)))
    if closing:
        sections.append(tuple(closing))
    return sections


# ---------------------------------------------------------------------------------------------
# Telegram HTML


def _size(text: str) -> int:
    """Length in UTF-16 code units: what Telegram counts, and never less than ``len()``."""
    return len(text.encode("utf-16-le")) // 2


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _html_span(span: _Span) -> str:
    text = _esc(span.text)
    if not span.style or not text.strip():
        return text
    return f"<{span.style}>{text}</{span.style}>"


def _html_line(line: _Line) -> str:
    return "".join(_html_span(span) for span in line.spans)


def _closers(stack: list[str]) -> str:
    return "".join(f"</{tag}>" for tag in reversed(stack))


def _after(stack: list[str], token: str) -> list[str]:
    """The open-tag stack after ``token`` (tags here are only ones this module wrote)."""
    if token.startswith("</"):
        return stack[:-1]
    if token.startswith("<"):
        return [*stack, token[1:-1].split()[0]]
    return stack


def _truncate(markup: str, limit: int) -> str:
    """``markup`` cut to at most ``limit`` units with an ellipsis, every open tag closed.

    Cuts only between tokens (a tag, an entity or one character), backing up to a space
    when one is near, so the result is valid HTML whenever ``markup`` is.
    """
    if _size(markup) <= limit:
        return markup
    budget = limit - _size(ELLIPSIS)
    kept: list[str] = []
    stack: list[str] = []
    used = 0
    space_at: int | None = None
    for match in _TOKEN.finditer(markup):
        token = match.group()
        after = _after(stack, token)
        cost = used + _size(token)
        if cost + _size(_closers(after)) > budget:
            near = space_at is not None and len(kept) - space_at <= _WORD_BACKOFF
            if near and not token.isspace() and not token.startswith("<"):
                del kept[space_at:]
            break
        kept.append(token)
        used, stack = cost, after
        if token.isspace():
            space_at = len(kept) - 1
        elif token.startswith("<"):
            space_at = None  # never back up across a tag: the stack would change
    return "".join(kept).rstrip() + ELLIPSIS + _closers(stack)


def _fit(lines: list[str], limit: int) -> str:
    """One section's HTML lines joined, shortened to ``limit`` if need be.

    The longest line (in practice: absurd instructions) gives way first, so the exercise's
    name, sets and alternatives stay; if that is not enough the section itself is cut.
    """
    lines = list(lines)
    for _ in range(len(lines)):
        excess = _size("\n".join(lines)) - limit
        if excess <= 0:
            break
        longest = max(range(len(lines)), key=lambda i: _size(lines[i]))
        target = _size(lines[longest]) - excess
        if target < _MIN_CUT_LINE:
            break
        lines[longest] = _truncate(lines[longest], target)
    return _truncate("\n".join(lines), limit)


def _pack(sections: list[str], limit: int) -> list[str]:
    """Sections joined by blank lines into as few parts of at most ``limit`` as fit."""
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for section in sections:
        size = _size(section)
        if current and used + 2 + size > limit:
            parts.append("\n\n".join(current))
            current, used = [], 0
        used = used + 2 + size if current else size
        current.append(section)
    if current:
        parts.append("\n\n".join(current))
    return parts


class RenderablePlan(Protocol):
    """What ``render_plan`` reads of a stored plan (db.history.StoredPlan is one)."""

    @property
    def workout(self) -> Workout: ...
    @property
    def coach(self) -> str: ...
    @property
    def workout_type(self) -> WorkoutType: ...
    @property
    def duration_min(self) -> int: ...
    @property
    def created_at(self) -> dt.datetime: ...


def utc_date(moment: dt.datetime) -> dt.date:
    """The UTC calendar date of a stored timestamp (naive ones are UTC)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(dt.UTC).date()


def render_plan(plan: RenderablePlan, units: Units) -> list[str]:
    """A stored plan as Telegram HTML messages: what every sender of a workout uses."""
    return render_html(
        plan.workout,
        coach=coach_by_key(plan.coach),
        workout_type=WorkoutType(plan.workout_type),
        duration_min=plan.duration_min,
        units=units,
        created=utc_date(plan.created_at),
    )


def render_html(
    workout: Workout,
    *,
    coach: Coach,
    workout_type: WorkoutType,
    duration_min: int,
    units: Units,
    created: dt.date | None = None,
) -> list[str]:
    """The workout as Telegram HTML messages, each at most ``TELEGRAM_LIMIT`` long."""
    sections = _sections(workout, coach, workout_type, duration_min, units, created)
    fitted = [_fit([_html_line(line) for line in s], TELEGRAM_LIMIT) for s in sections]
    return _pack(fitted, TELEGRAM_LIMIT)


def render_draft(
    draft: Draft,
    *,
    coach: Coach,
    workout_type: WorkoutType,
    duration_min: int,
    units: Units,
) -> str:
    """A workout still being written, as one Telegram HTML message: the placeholder's line,
    the title and the exercises finished so far. What does not fit in one message is left
    for the workout itself, which replaces this (an ellipsis says more is coming)."""
    writing = coach.writing(minutes=duration_min, workout_type=workout_type)
    head: list[_Line] = [_Line((_Span(writing, "i"),))]
    if draft.title:
        head.append(_Line((_Span(f"{coach.emoji} "), _Span(_clean(draft.title), "b"))))
    sections: list[_Section] = [tuple(head)]
    sections += [_exercise(n, ex, units) for n, ex in enumerate(draft.exercises, 1)]
    room = TELEGRAM_LIMIT - 2 - len(ELLIPSIS)
    fitted = [_fit([_html_line(line) for line in s], room) for s in sections]
    parts = _pack(fitted, room)
    return parts[0] + ("\n\n" + ELLIPSIS if len(parts) > 1 else "")


# ---------------------------------------------------------------------------------------------
# Terminal text


def _text_line(line: _Line) -> str:
    text = "".join(span.text for span in line.spans)
    first, rest = " " * line.indent, " " * (line.indent + line.hang)
    return "\n".join(
        textwrap.fill(
            paragraph,
            TEXT_WIDTH,
            initial_indent=first if index == 0 else rest,
            subsequent_indent=rest,
            break_on_hyphens=False,
        )
        for index, paragraph in enumerate(text.split("\n"))
    )


def render_text(
    workout: Workout,
    *,
    coach: Coach,
    workout_type: WorkoutType,
    duration_min: int,
    units: Units,
    created: dt.date | None = None,
) -> str:
    """The workout as plain text for a terminal (no markup), wrapped at ``TEXT_WIDTH``."""
    sections = _sections(workout, coach, workout_type, duration_min, units, created)
    return "\n\n".join("\n".join(_text_line(line) for line in s) for s in sections)
