"""The sets of one exercise, as typed after a workout in a forgiving shorthand.

People type what they did the way they write it in a notebook, so the parser takes many
spellings and turns them into sets with weights in kg (the unit the logs are stored in):

==========================  ==================================  ============================
typed                       means                               examples
==========================  ==================================  ============================
``W x R``                   one set: weight W, R reps           ``60x8``, ``62.5x6``,
                                                                ``135lb x5``, ``60 kg × 8``
``W x R x S``               S such sets                         ``60x8x3``
``S x R @ W``               S sets of R reps at W               ``3x10@60``, ``3x10 @ 60kg``
``R @ W``                   one set of R reps at W              ``8@60``
``R``                       R reps at the planned weight        ``8 8 6``
``bw x R`` (``x S``)        R reps with bodyweight              ``bw x12``, ``bodyweight x 10``
``S x R`` (no weight)       S sets of R reps, when the          ``3x12`` (push-ups)
                            exercise has no weight and S <= 10
``30s``, ``1 min``, ``1:30`` a timed set (a bare number is      ``30s 30s 25s``
                            seconds for a timed exercise)
``S x 30s``                 S timed sets                        ``3x30s``
``kg`` / ``lb`` alone       the unit of every weight            ``135x5 135x5 lb``
                            written without one
``skip``, ``-``, ``none``   nothing done                        ``skip``
==========================  ==================================  ============================

Sets are separated by commas, semicolons or spaces; spaces inside a set are fine ("60 x 8").
A decimal comma works where it cannot be a separator ("62,5x6"). ``x``, ``X``, ``×`` and
``*`` are the same. A weight without a unit is in the user's unit.

Anything else raises ``ShorthandError`` (a ``ValueError``) naming the part that did not
read; the bot answers it with an example and asks again, never with an error.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from core.domain import Units

__all__ = [
    "MAX_REPS",
    "MAX_SECONDS",
    "MAX_SETS",
    "MAX_WEIGHT_KG",
    "Planned",
    "Point",
    "SetDone",
    "ShorthandError",
    "as_planned",
    "format_sets",
    "parse_sets",
    "planned_reps",
    "planned_top",
    "to_kg",
]

MAX_REPS = 300
"""More reps than this in one set is a typo."""
MAX_SETS = 30
"""More sets than this for one exercise is a typo."""
MAX_SECONDS = 3600
"""A timed set of more than an hour is a typo."""
MAX_WEIGHT_KG = 500.0
"""Heavier than any lift on record: a typo (or the wrong unit)."""
MAX_TEXT = 300
"""Characters read at most; a longer message is not a list of sets."""
_SETS_WITHOUT_WEIGHT = 10
"""``S x R`` reads as sets x reps (not weight x reps) only for S up to this."""


Point = Literal["bottom", "middle", "top"]
"""Where in a planned rep range ("8-10") a set done "as planned" sits."""


class ShorthandError(ValueError):
    """The text is not a list of sets; ``part`` is what could not be read."""

    def __init__(self, message: str, part: str = "") -> None:
        super().__init__(message)
        self.part = part


@dataclass(frozen=True, slots=True)
class SetDone:
    """One set as done, ready for the log."""

    reps: int | None = None
    """Repetitions; None for a timed set."""
    weight_kg: float | None = None
    """External load in kg; None for bodyweight."""
    duration_s: int | None = None
    """Seconds, for a timed set."""


@dataclass(frozen=True, slots=True)
class Planned:
    """What the plan said for one exercise, in the user's unit."""

    sets: int
    """Working sets."""
    reps: int | None
    """Reps per set (the low end of a range); None for a timed or an AMRAP set."""
    seconds: int | None
    """Seconds per set for a timed exercise, else None."""
    weight: float | None
    """The weight shown to the user, in ``units``; None without one."""
    units: Units
    """The user's unit: typed weights without a unit are in it."""
    reps_high: int | None = None
    """The top of the plan's rep range ("8-10" -> 10); None when it asks for one number."""

    @property
    def timed(self) -> bool:
        return self.seconds is not None

    @property
    def ranged(self) -> bool:
        """The plan asks for a range of reps ("8-10"), not one number."""
        return self.reps is not None and self.reps_high is not None and self.reps_high > self.reps

    def reps_at(self, point: Point) -> int | None:
        """The reps of a set done at ``point`` of the range: its bottom, the middle (rounded
        down: never more than was done) or its top; the planned reps without a range."""
        if not self.ranged or self.reps is None or self.reps_high is None:
            return self.reps
        if point == "top":
            return self.reps_high
        if point == "middle":
            return (self.reps + self.reps_high) // 2
        return self.reps


_TIME = re.compile(r"(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?)\b", re.ASCII)
_RANGE = re.compile(r"(\d+)\s*(?:-|–|to)\s*(\d+)", re.ASCII)
_FIRST_NUMBER = re.compile(r"\d+", re.ASCII)


def planned_reps(reps: str) -> tuple[int | None, int | None]:
    """``(reps, seconds)`` of a plan's reps text: "8-12" -> (8, None), "30s" -> (None, 30).

    A range counts as its low end, so "as planned" never claims more than was asked;
    "AMRAP" and other words give (None, None).
    """
    text = reps.strip().lower()
    if m := _TIME.search(text):
        value = float(m.group(1)) * (1 if m.group(2).startswith("s") else 60)
        return None, max(1, min(MAX_SECONDS, round(value)))
    if m := _RANGE.search(text):
        return max(1, min(MAX_REPS, int(m.group(1)))), None
    if m := _FIRST_NUMBER.search(text):
        return max(1, min(MAX_REPS, int(m.group()))), None
    return None, None


def planned_top(reps: str) -> int | None:
    """The top of a plan's rep range ("8-12" -> 12); None for one number, a time or words."""
    text = reps.strip().lower()
    if _TIME.search(text):
        return None
    if m := _RANGE.search(text):
        low, high = sorted((int(m.group(1)), int(m.group(2))))
        return max(1, min(MAX_REPS, high)) if high > low else None
    return None


def to_kg(value: float, units: Units) -> float:
    """A weight in ``units`` as kg, to the gram."""
    return round(value / units.per_kg, 3)


def as_planned(planned: Planned, point: Point = "bottom") -> tuple[SetDone, ...]:
    """Every planned set, done as planned: with a rep range, at ``point`` of it (the bottom
    is what the plan asks at least; core.progression holds the load there, never deloads)."""
    weight = None if planned.weight is None else to_kg(planned.weight, planned.units)
    one = SetDone(reps=planned.reps_at(point), weight_kg=weight, duration_s=planned.seconds)
    return (one,) * max(0, planned.sets)


# ---------------------------------------------------------------------------------------------
# Parsing

_NUM = r"\d+(?:\.\d+)?"
_UNIT = r"(?:kg|lb)"
_SKIP = {"skip", "skipped", "-", "–", "none", "no"}
_SECONDS_WORDS = r"(?:s|sec|secs|second|seconds)"
_MINUTES_WORDS = r"(?:m|min|mins|minute|minutes)"

_WEIGHT_REPS = re.compile(
    rf"(?P<w>{_NUM})(?P<u>{_UNIT})?x(?P<r>\d+)(?:x(?P<s>\d+))?(?P<u2>{_UNIT})?", re.ASCII
)
_BODYWEIGHT = re.compile(r"bwx(?P<r>\d+)(?:x(?P<s>\d+))?", re.ASCII)
_SETS_AT = re.compile(
    rf"(?P<s>\d+)x(?P<r>\d+)@(?:(?P<w>{_NUM})(?P<u>{_UNIT})?|(?P<bw>bw))", re.ASCII
)
_REPS_AT = re.compile(rf"(?P<r>\d+)@(?:(?P<w>{_NUM})(?P<u>{_UNIT})?|(?P<bw>bw))", re.ASCII)
_REPS = re.compile(r"\d+", re.ASCII)
_SECONDS = re.compile(rf"(?:(?P<s>\d+)x)?(?P<n>\d+){_SECONDS_WORDS}", re.ASCII)
_MINUTES = re.compile(rf"(?:(?P<s>\d+)x)?(?P<n>{_NUM}){_MINUTES_WORDS}", re.ASCII)
_CLOCK = re.compile(r"(?:(?P<s>\d+)x)?(?P<m>\d{1,2}):(?P<ss>[0-5]\d)", re.ASCII)


def _normalise(text: str) -> str:
    text = text.strip().lower()
    text = re.sub(r"[×✕✖*]", "x", text)
    text = re.sub(r"\bbody\s*-?\s*weight\b|\bb/w\b", "bw", text)
    text = re.sub(r"\b(kgs|kilos?|kilograms?)\b", "kg", text)
    text = re.sub(r"\b(lbs|pounds?)\b", "lb", text)
    text = re.sub(r"\s*\breps?\b", " ", text)
    text = re.sub(r"\s*([x@])\s*", r"\1", text)
    # A decimal comma, where it cannot be a separator: "62,5x6", "62,5 kg"; never right
    # after "x" or "@" ("60x8,60x8" is two sets).
    text = re.sub(r"(?<![\d.x@])(\d+),(\d{1,2})(?=\s*(?:kg|lb|x))", r"\1.\2", text)
    text = re.sub(r"[,;]", " ", text)
    # "60 kg x 8" -> "60kgx8"; but "100x5 lb" keeps "lb" apart: it is every weight's unit.
    text = re.sub(rf"(?<![x@\d.])(\d+(?:\.\d+)?)\s+({_UNIT})(?![a-wyz])", r"\1\2", text, flags=re.A)
    text = re.sub(rf"(\d)\s+({_SECONDS_WORDS}|{_MINUTES_WORDS})\b", r"\1\2", text)
    return text.strip()


def _count(value: str, what: str, high: int, part: str) -> int:
    number = int(value)
    if not 1 <= number <= high:
        raise ShorthandError(f"{what} must be 1-{high}, not {number}", part)
    return number


class _Reader:
    """Turns tokens into sets for one exercise."""

    def __init__(self, planned: Planned, units: Units) -> None:
        self.planned = planned
        self.units = units
        """The unit of weights typed without one (a lone "kg"/"lb" changes it)."""

    def weight(
        self, value: str | None, unit: str | None, bodyweight: bool, part: str
    ) -> float | None:
        if bodyweight or value is None:
            return None
        number = float(value)
        kg = to_kg(number, Units(unit) if unit else self.units)
        if not math.isfinite(number) or not 0 < kg <= MAX_WEIGHT_KG:
            raise ShorthandError(f"the weight {value} is out of range", part)
        return kg

    def planned_weight(self) -> float | None:
        if self.planned.weight is None:
            return None
        return to_kg(self.planned.weight, self.planned.units)

    def timed(self, sets: str | None, seconds: float, part: str) -> list[SetDone]:
        count = _count(sets, "sets", MAX_SETS, part) if sets else 1
        total = round(seconds)
        if not 1 <= total <= MAX_SECONDS:
            raise ShorthandError(f"a timed set must be 1-{MAX_SECONDS} seconds", part)
        return [SetDone(duration_s=total)] * count

    def token(self, part: str) -> list[SetDone]:
        """The sets one token stands for (one form per branch)."""
        if m := _SETS_AT.fullmatch(part):
            sets = _count(m["s"], "sets", MAX_SETS, part)
            reps = _count(m["r"], "reps", MAX_REPS, part)
            weight = self.weight(m["w"], m["u"], m["bw"] is not None, part)
            return [SetDone(reps=reps, weight_kg=weight)] * sets
        if m := _REPS_AT.fullmatch(part):
            reps = _count(m["r"], "reps", MAX_REPS, part)
            return [
                SetDone(reps=reps, weight_kg=self.weight(m["w"], m["u"], m["bw"] is not None, part))
            ]
        if m := _BODYWEIGHT.fullmatch(part):
            reps = _count(m["r"], "reps", MAX_REPS, part)
            sets = _count(m["s"], "sets", MAX_SETS, part) if m["s"] else 1
            return [SetDone(reps=reps)] * sets
        if m := _SECONDS.fullmatch(part):
            return self.timed(m["s"], float(m["n"]), part)
        if m := _MINUTES.fullmatch(part):
            return self.timed(m["s"], float(m["n"]) * 60, part)
        if m := _CLOCK.fullmatch(part):
            return self.timed(m["s"], int(m["m"]) * 60 + int(m["ss"]), part)
        if m := _WEIGHT_REPS.fullmatch(part):
            reps = _count(m["r"], "reps", MAX_REPS, part)
            sets = _count(m["s"], "sets", MAX_SETS, part) if m["s"] else 1
            first, unit = m["w"], m["u"] or m["u2"]
            if m["u"] and m["u2"]:
                raise ShorthandError("one unit per set, please", part)
            no_weight = self.planned.weight is None and unit is None and m["s"] is None
            if no_weight and first.isdigit() and 1 <= int(first) <= _SETS_WITHOUT_WEIGHT:
                return [SetDone(reps=reps)] * int(first)  # "3x12" push-ups: sets x reps
            return [SetDone(reps=reps, weight_kg=self.weight(first, unit, False, part))] * sets
        if _REPS.fullmatch(part):
            if self.planned.timed:
                return self.timed(None, int(part), part)
            reps = _count(part, "reps", MAX_REPS, part)
            return [SetDone(reps=reps, weight_kg=self.planned_weight())]
        raise ShorthandError(f"I couldn't read {part!r}", part)


def parse_sets(text: str, planned: Planned) -> tuple[SetDone, ...]:
    """The sets typed for one exercise, in order; () for "skip". ``ShorthandError`` else."""
    if len(text.strip()) > MAX_TEXT:  # refused whole: a cut would log the wrong sets
        raise ShorthandError(f"more than {MAX_TEXT} characters", text.strip()[MAX_TEXT:])
    normal = _normalise(text)
    if not normal:
        raise ShorthandError("nothing typed")
    if normal in _SKIP:
        return ()
    tokens = normal.split()
    units = [t for t in tokens if t in ("kg", "lb")]
    if len(set(units)) > 1:
        raise ShorthandError("both kg and lb on their own: write the unit after each weight")
    reader = _Reader(planned, Units(units[0]) if units else planned.units)
    sets: list[SetDone] = []
    for token in tokens:
        if token in ("kg", "lb"):
            continue
        sets += reader.token(token)
        if len(sets) > MAX_SETS:
            raise ShorthandError(f"more than {MAX_SETS} sets", token)
    if not sets:
        raise ShorthandError("no sets in it")
    return tuple(sets)


# ---------------------------------------------------------------------------------------------
# Showing sets back


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _one(s: SetDone, units: Units) -> str:
    if s.duration_s is not None:
        minutes, seconds = divmod(s.duration_s, 60)
        return f"{minutes}:{seconds:02d}" if minutes else f"{seconds}s"
    reps = "?" if s.reps is None else str(s.reps)
    if s.weight_kg is None:
        return f"bw×{reps}" if s.reps is not None else "bw"
    return f"{_number(s.weight_kg * units.per_kg)}×{reps}"


def format_sets(sets: tuple[SetDone, ...] | list[SetDone], units: Units) -> str:
    """Sets as the user would write them, in their unit: "60×8, 60×8, 62.5×6 kg"."""
    if not sets:
        return "skipped"
    text = ", ".join(_one(s, units) for s in sets)
    weighted = any(s.weight_kg is not None and s.duration_s is None for s in sets)
    return f"{text} {units.value}" if weighted else text
