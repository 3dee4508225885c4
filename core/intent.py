"""A typed workout request, read by rules: "30 min hiit with ZARA, just a kettlebell".

``parse_request(text)`` returns the fields the sentence states and nothing else: the coach
(one of the nine names, any case), the workout type (its name, or words for it: "upper
body", "legs", "stretch", "run"), the duration (minutes or hours: "45 minutes", "1h",
"half an hour", "90'", "something short"), the equipment ("just a kettlebell",
"dumbbells", "no equipment" = bodyweight only) and "same as last time" (whose fields the
caller fills from the latest request; the stated ones override them). Words it does not
know are ignored; a typo of one letter is forgiven on words of five letters or more.
A duration outside 10-180 minutes, or two different workout types, is left unstated
rather than guessed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Final

from core.coaches import COACHES
from core.domain import Equipment, WorkoutType, with_bodyweight
from core.models import MAX_DURATION, MIN_DURATION

__all__ = ["SHORT_MINUTES", "Intent", "parse_request"]

SHORT_MINUTES: Final = 20
"""What "something short" or "a quick one" means."""

# ------------------------------------------------------------------ vocabulary

_TYPE_NAMES: Final = {
    "strength": WorkoutType.STRENGTH,
    "hiit": WorkoutType.HIIT,
    "cardio": WorkoutType.CARDIO,
    "mobility": WorkoutType.MOBILITY,
    "flexibility": WorkoutType.FLEXIBILITY,
    "bodyweight": WorkoutType.BODYWEIGHT,
}
"""The types' own names: they win over the words below."""

_TYPE_WORDS: Final = {
    WorkoutType.STRENGTH: (
        "weights", "weight training", "lifting", "lift", "weightlifting",
        "powerlifting", "upper body", "lower body", "full body", "legs", "leg day", "leg",
        "arms", "arm day", "chest", "back day", "shoulders", "glutes", "push day", "pull day",
        "biceps", "triceps", "muscle", "hypertrophy",
    ),
    WorkoutType.HIIT: (
        "high intensity", "interval", "intervals", "tabata", "circuit", "circuits", "emom",
        "amrap", "metcon", "hitt",
    ),
    WorkoutType.CARDIO: (
        "run", "running", "jog", "jogging", "conditioning", "endurance", "cycling", "spin",
        "rowing", "aerobic",
    ),
    WorkoutType.MOBILITY: ("joints", "joint", "range of motion", "foam rolling", "mobilise",
                           "mobilize"),
    WorkoutType.FLEXIBILITY: ("stretch", "stretching", "stretches", "stretchy", "yoga",
                              "flexible", "splits", "pilates"),
    WorkoutType.BODYWEIGHT: ("calisthenics", "body weight workout", "no equipment workout"),
}  # fmt: skip
"""Words for a type; the longest phrase is matched first."""

_EQUIPMENT_WORDS: Final = {
    Equipment.DUMBBELLS: ("dumbbell", "dumbbells", "dumbell", "dumbells", "db", "dbs",
                          "dumb bells"),
    Equipment.BARBELL: ("barbell", "barbells", "bar bell", "olympic bar", "squat rack", "rack"),
    Equipment.KETTLEBELL: ("kettlebell", "kettlebells", "kettle bell", "kettle bells", "kb",
                           "kbs"),
    Equipment.BENCH: ("bench", "benches", "weight bench"),
    Equipment.PULL_UP_BAR: ("pull up bar", "pullup bar", "pull up bars", "chin up bar",
                            "pullupbar"),
    Equipment.RESISTANCE_BANDS: ("resistance band", "resistance bands", "band", "bands",
                                 "elastic", "elastics"),
    Equipment.CABLE_MACHINE: ("cable machine", "cable", "cables"),
    Equipment.MACHINES: ("machines", "machine", "leg press", "smith machine"),
    Equipment.JUMP_ROPE: ("jump rope", "skipping rope", "skipping", "rope", "jumprope"),
    Equipment.CARDIO_MACHINE: ("cardio machine", "treadmill", "exercise bike", "bike",
                               "rower", "rowing machine", "elliptical", "stationary bike"),
    Equipment.YOGA_MAT: ("yoga mat", "mat", "exercise mat"),
}  # fmt: skip
"""Words for equipment; the longest phrase is matched first ("yoga mat" before "yoga")."""

_NO_EQUIPMENT: Final = (
    "no equipment", "without equipment", "no gear", "nothing at all", "no kit",
    "bodyweight only", "body weight only", "only bodyweight", "only body weight",
    "just bodyweight", "just my body", "just body weight", "equipment free", "no weights",
    "without weights", "zero equipment", "hotel room",
)  # fmt: skip
"""Bodyweight only."""

_NEGATION: Final = frozenset({"no", "not", "without", "dont", "don't", "nor", "except"})
"""Words that, just before an equipment word, mean the person does not have it."""

_SAME: Final = re.compile(
    r"\b(?:same\s+(?:as\s+)?(?:last|before|previous|yesterday)"
    r"|same\s+(?:again|one|workout\s+again)|like\s+last\s+time|as\s+last\s+time"
    r"|repeat\s+(?:my\s+|the\s+)?(?:last|previous)|the\s+usual|last\s+one\s+again"
    r"|again\s+like\s+last\s+time|same\s+thing|do\s+it\s+again)\b"
)
_SHORT: Final = re.compile(
    r"\b(?:short|quick|quickie|brief|fast\s+one|little\s+time|no\s+time|in\s+a\s+hurry)\b"
)

_NUMBER_WORDS: Final = {
    "ten": 10, "fifteen": 15, "twenty": 20, "twenty five": 25, "thirty": 30,
    "thirty five": 35, "forty": 40, "fourty": 40, "forty five": 45, "fifty": 50,
    "sixty": 60, "seventy": 70, "seventy five": 75, "eighty": 80, "ninety": 90,
    "one": 1, "two": 2, "three": 3, "a": 1, "an": 1, "half": 0.5, "one and a half": 1.5,
}  # fmt: skip

_MIN_UNIT = r"(?:minutes?|minuts?|mins?|mns?|minuten|minutos?|m|')"
_HOUR_UNIT = r"(?:hours?|hrs?|h)"
_NUM = r"(\d{1,3}(?:[.,]\d+)?)"
_WORD_NUM = "|".join(sorted((re.escape(w) for w in _NUMBER_WORDS), key=len, reverse=True))

_DURATION_FORMS: Final = (
    # "1h30", "1 h 30 min", "1 hour 15 minutes", "1hr 45"
    (re.compile(rf"\b(\d)\s*{_HOUR_UNIT}\s*(?:and\s+)?(\d{{1,2}})\s*{_MIN_UNIT}?(?!\w)"),
     lambda m: int(m[1]) * 60 + int(m[2])),
    # "an hour and a half", "1 hour and a half"
    (re.compile(r"\b(?:an?|one|1)\s+hours?\s+and\s+a\s+half\b"), lambda m: 90),
    (re.compile(r"\bhalf\s+(?:an\s+)?hour\b|\bhalf-hour\b"), lambda m: 30),
    (re.compile(r"\bquarter\s+(?:of\s+)?(?:an\s+)?hour\b"), lambda m: 15),
    (re.compile(rf"\b{_NUM}\s*{_HOUR_UNIT}(?!\w)"), lambda m: _float(m[1]) * 60),
    (re.compile(rf"(?<!\w){_NUM}\s*-?\s*{_MIN_UNIT}(?!\w)"), lambda m: _float(m[1])),
    (re.compile(rf"\b({_WORD_NUM})\s+(?:hours?|hrs?)\b"), lambda m: _NUMBER_WORDS[m[1]] * 60),
    (re.compile(rf"\b({_WORD_NUM})\s+(?:minutes?|minuts?|mins?)\b"),
     lambda m: _NUMBER_WORDS[m[1]]),
)  # fmt: skip
"""A duration with its unit, most specific first; the value is minutes."""

_BARE_NUMBER: Final = re.compile(
    r"(?<![\w.,:])(\d{2,3})(?![\w.,:%]|\s*(?:kg|kgs|kilos?|lbs?|pounds?|x|reps?|sets?|rounds?"
    r"|km|k|miles?|mi|am|pm|years?|yrs?|cm|seconds?|secs?|s|times?|days?|weeks?)\b)"
)
"""A number with no unit ("hiit 30"): minutes, but only next to another stated field."""

_TOKEN: Final = re.compile(r"\d+(?:[.,:]\d+)*|[^\W\d_]+(?:'[^\W\d_]+)?|'", re.UNICODE)

_PROTECTED: Final = frozenset(
    {"bunch", "march", "macro", "blame", "hands", "table", "tables", "fable", "bunches",
     "match", "lunch", "blast", "rally", "ridge", "stench", "strange", "lifts", "mobiles",
     "range", "runny", "being", "bench's", "lightly", "machos", "cables", "barrel", "hours",
     "minute", "minutes", "sweaty", "ninety", "sixty", "forty", "fifty", "twenty", "thirty",
     "fifteen", "seventy", "eighty", "again", "equipment", "usual", "quick", "short",
     "brief", "bikes", "ropes", "bands", "where", "there", "their", "would", "could",
     "points", "split", "internal", "growing", "cunning", "beach", "bonds", "heights",
     "blazer", "power", "tower", "mower", "rover", "shipping", "slipping", "gluten",
     "pirates", "sport", "shirt", "sweet", "string", "eight", "lower", "later"}
)  # fmt: skip
"""Ordinary words one letter away from a word above: never "corrected"."""


@dataclass(frozen=True, slots=True)
class Intent:
    """What a typed request states; None: not stated."""

    coach: str | None = None
    """A coach's key ("ZARA")."""
    workout_type: WorkoutType | None = None
    duration_min: int | None = None
    """Minutes, within 10-180."""
    equipment: frozenset[Equipment] | None = None
    """The equipment at hand, bodyweight included ({bodyweight}: none)."""
    same_as_last: bool = False
    """"Same as last time": the latest request's fields, the stated ones above overriding."""

    @property
    def found(self) -> tuple[str, ...]:
        """The names of the stated fields, in dialog order."""
        names = ("coach", "workout_type", "duration_min", "equipment")
        stated = tuple(n for n in names if getattr(self, n) is not None)
        return (*stated, "same_as_last") if self.same_as_last else stated

    @property
    def empty(self) -> bool:
        """Nothing stated: the sentence is not a workout request."""
        return not self.found


def _float(text: str) -> float:
    return float(text.replace(",", "."))


def _normalise(text: str) -> str:
    """Lower case, accents off, emoji and punctuation as spaces, typos mended."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("-", " ").replace("_", " ").replace("/", " ").replace("’", "'")
    tokens = [_mend(token) for token in _TOKEN.findall(text)]
    return " ".join(tokens)


@cache
def _lexicon() -> frozenset[str]:
    """Every single word the vocabulary knows (what a typo is mended into)."""
    words: set[str] = {key.lower() for key in COACHES} | set(_TYPE_NAMES)
    phrases = [p for ps in _TYPE_WORDS.values() for p in ps]
    phrases += [p for ps in _EQUIPMENT_WORDS.values() for p in ps]
    phrases += [*_NO_EQUIPMENT, "minutes", "minute", "hours", "hour", "equipment", "kettlebell"]
    phrases += ["again", "last", "time", "same", "usual", "short", "quick", "without", "only"]
    for phrase in phrases:
        words.update(phrase.split())
    return frozenset(words)


@cache
def _gear_words() -> frozenset[str]:
    return frozenset(w for ps in _EQUIPMENT_WORDS.values() for p in ps for w in p.split())


@cache
def _long_words() -> tuple[str, ...]:
    return tuple(sorted(w for w in _lexicon() if len(w) >= 5))


def _close(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` are one edit apart (insert, delete, replace or swap)."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return True
        i = diff[0]
        return len(diff) == 2 and diff[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


@cache
def _mend(token: str) -> str:
    """A word of five letters or more one edit from exactly one known word becomes it."""
    if len(token) < 5 or not token.isalpha() or token in _lexicon() or token in _PROTECTED:
        return token
    near = [word for word in _long_words() if _close(token, word)]
    longest = max(near, key=len, default=token)
    # "minutse": minute and minutes are one word here; choose the longer
    return longest if near and all(longest.startswith(w) for w in near) else token


def _phrase(phrase: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w'])" + re.escape(phrase).replace(r"\ ", r"\s+") + r"(?![\w'])")


@cache
def _patterns() -> tuple[
    tuple[tuple[re.Pattern[str], WorkoutType], ...],
    tuple[tuple[re.Pattern[str], WorkoutType], ...],
    tuple[tuple[str, re.Pattern[str], Equipment], ...],
]:
    names = tuple((_phrase(w), t) for w, t in _TYPE_NAMES.items())
    words = sorted(((p, t) for t, ps in _TYPE_WORDS.items() for p in ps), key=lambda x: -len(x[0]))
    gear = sorted(
        ((p, e) for e, ps in _EQUIPMENT_WORDS.items() for p in ps), key=lambda x: -len(x[0])
    )
    return (
        names,
        tuple((_phrase(p), t) for p, t in words),
        tuple((p, _phrase(p), e) for p, e in gear),
    )


_NOT_COACH: Final = re.compile(
    r"\bmax(?:imum)?\s+(?:effort|reps?|weight|intensity|out|heart|power|speed|hr|pace)\b"
    r"|\b(?:at|to\s+the|my|your|the)\s+max\b|\bace\s+(?:it|this|that)\b"
)


def _coach(text: str) -> str | None:
    cleaned = _NOT_COACH.sub(" ", text)
    found = {key for key in COACHES if _phrase(key.lower()).search(cleaned)}
    return found.pop() if len(found) == 1 else None


def _blank(text: str, match: re.Match[str], fill: str = " ") -> str:
    """``text`` with the match overwritten by ``fill`` (so that it is matched once)."""
    return text[: match.start()] + fill * (match.end() - match.start()) + text[match.end() :]


_GEAR_MARK: Final = "#"
"""What an equipment word already read is overwritten with: a negation stops at it."""
_NEGATION_STOPS: Final = frozenset({"just", "only", "but", "and", "or", "have", "got", "use"})
_FILLERS: Final = frozenset({"a", "an", "any", "my", "the", "have", "got", "use", "need"})


def _negated(before: str) -> bool:
    """True when the words just before an equipment word say the person lacks it."""
    for word in reversed(before.split()[-3:]):
        if word in _NEGATION:
            return True
        if word.startswith(_GEAR_MARK) or word in _gear_words():
            return False  # another item between: "no bench, dumbbells"
        if word in _NEGATION_STOPS and word not in _FILLERS:
            return False
    return False


def _equipment(text: str) -> tuple[frozenset[Equipment] | None, str]:
    """The equipment stated, and the text without the words used for it."""
    none = False
    for phrase in _NO_EQUIPMENT:
        while (match := _phrase(phrase).search(text)) is not None:
            none = True
            text = _blank(text, match, _GEAR_MARK)
    have: set[Equipment] = set()
    for _, pattern, item in _patterns()[2]:
        while (match := pattern.search(text)) is not None:
            if not _negated(text[: match.start()]):
                have.add(item)
            text = _blank(text, match, _GEAR_MARK)
    text = text.replace(_GEAR_MARK, " ")
    if have:
        return with_bodyweight(have), text
    return (with_bodyweight(()) if none else None), text


_BODY_PARTS: Final = frozenset(
    {"upper body", "lower body", "full body", "legs", "leg day", "leg", "arms", "arm day",
     "chest", "back day", "shoulders", "glutes", "push day", "pull day", "biceps", "triceps"}
)  # fmt: skip
"""Words for strength that go with any type: "upper body hiit" is hiit."""


def _workout_type(text: str) -> tuple[WorkoutType | None, bool]:
    """The type stated (None for none, or two different ones), and whether "bodyweight"
    was the equipment rather than the type ("bodyweight hiit")."""
    names, words, _ = _patterns()
    named = {t for pattern, t in names if pattern.search(text)}
    bodyweight_only = WorkoutType.BODYWEIGHT in named and len(named) > 1
    if bodyweight_only:
        named.discard(WorkoutType.BODYWEIGHT)
    strong: set[WorkoutType] = set()
    weak: set[WorkoutType] = set()
    for pattern, kind in words:
        while (match := pattern.search(text)) is not None:
            word = " ".join(match.group().split())
            (weak if word in _BODY_PARTS else strong).add(kind)
            text = _blank(text, match)
    for found in (named | strong, weak):
        if found:
            return (found.pop() if len(found) == 1 else None), bodyweight_only
    return None, bodyweight_only


def _duration(text: str) -> tuple[int | None, bool]:
    """The minutes stated (None outside 10-180), and whether any duration was stated."""
    for pattern, minutes in _DURATION_FORMS:
        match = pattern.search(text)
        if match is not None:
            value = minutes(match)
            whole = round(value)
            if abs(value - whole) > 1e-9 or not MIN_DURATION <= whole <= MAX_DURATION:
                return None, True
            return whole, True
    return None, False


def parse_request(text: str) -> Intent:
    """The fields ``text`` states (see the module's docstring); ``Intent()`` for none."""
    norm = _normalise(text)
    same = _SAME.search(norm) is not None
    coach = _coach(norm)
    equipment, rest = _equipment(norm)
    kind, bodyweight_only = _workout_type(rest)
    if bodyweight_only and equipment is None:
        equipment = with_bodyweight(())
    minutes, stated = _duration(rest)
    if not stated and _SHORT.search(rest):
        minutes = SHORT_MINUTES
    if minutes is None and not stated and (coach or kind or equipment):
        bare = _BARE_NUMBER.findall(rest)
        if len(bare) == 1 and MIN_DURATION <= int(bare[0]) <= MAX_DURATION:
            minutes = int(bare[0])
    return Intent(
        coach=coach,
        workout_type=kind,
        duration_min=minutes,
        equipment=equipment,
        same_as_last=same,
    )
