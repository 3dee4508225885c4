"""Exercise names as people type them: short forms, plurals and typos, matched to real names.

``match_name("bench", names)`` finds "Barbell bench press" among a workout's exercises;
"squats", "ohp", "rdl", "pullups", "latteral raise" work the same. A typed name matches an
exercise when every word of it matches a word of the exercise's name: the same word, its
start (at least three letters: "bench", "lat"), or the same word with a typo (difflib's
ratio at least 0.8 on words of four letters or more). Of several matches the one with the
most words typed exactly wins, then the one named in full ("lateral raise" is the Lateral
raise, not the Cable lateral raise); a tie is ambiguous ("press" with a bench press and an
overhead press) and returns every tied name, so the caller asks instead of guessing.

Written here rather than with a fuzzy-matching library: the matching is word by word with
short forms, a few dozen lines, and difflib (the standard library) gives the typo ratio.
Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

__all__ = ["NameMatch", "match_name", "words"]

_SHORT = {
    "ohp": "overhead press",
    "rdl": "romanian deadlift",
    "rdls": "romanian deadlift",
    "dl": "deadlift",
    "dls": "deadlift",
    "deads": "deadlift",
    "bp": "bench press",
    "benchpress": "bench press",
    "ups": "up",
    "db": "dumbbell",
    "dbs": "dumbbell",
    "bb": "barbell",
    "kb": "kettlebell",
    "kbs": "kettlebell",
    "pullup": "pull up",
    "pullups": "pull up",
    "chinup": "chin up",
    "chinups": "chin up",
    "pushup": "push up",
    "pushups": "push up",
    "situp": "sit up",
    "situps": "sit up",
    "squats": "squat",
    "lats": "lat",
    "tris": "triceps",
    "bis": "biceps",
    "bi": "biceps",
    "tri": "triceps",
    "raises": "raise",
    "presses": "press",
    "lunges": "lunge",
    "curls": "curl",
    "rows": "row",
    "flys": "fly",
    "flyes": "fly",
    "flies": "fly",
    "dips": "dip",
    "planks": "plank",
    "swings": "swing",
    "thrusts": "thrust",
    "deadlifts": "deadlift",
    "extensions": "extension",
    "crunches": "crunch",
    "burpees": "burpee",
    "bridges": "bridge",
    "shrugs": "shrug",
    "pulldowns": "pulldown",
}
"""Short forms and plurals, to the words the catalogue uses."""
_FILLER = frozenset({"the", "a", "an", "my", "of", "on", "with", "some", "then", "and"})
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_TYPO_RATIO = 0.8
_TYPO_LENGTH = 4
_PREFIX = 3


@lru_cache(maxsize=4096)
def words(text: str) -> tuple[str, ...]:
    """The words of a name, lower case, short forms spelled out, plurals singular, filler
    words ("the", "my") dropped: "Pull-ups" -> ("pull", "up"). Cached: the catalogue's
    names are split once."""
    out: list[str] = []
    for word in _WORD.findall(text.lower().replace("-", " ")):
        word = word.removesuffix("'s")
        expanded = _SHORT.get(word)
        if expanded is None:
            plural = len(word) >= 4 and word.endswith("s") and not word.endswith("ss")
            expanded = word[:-1] if plural else word
        out += [w for w in expanded.split() if w not in _FILLER]
    return tuple(out)


@dataclass(frozen=True, slots=True)
class NameMatch:
    """What a typed name matched: one name, several (ambiguous), or none."""

    names: tuple[str, ...]

    @property
    def found(self) -> str | None:
        """The one name matched, or None (none, or ambiguous)."""
        return self.names[0] if len(self.names) == 1 else None


def _word_matches(typed: str, real: str) -> bool:
    if typed == real:
        return True
    if len(typed) >= _PREFIX and real.startswith(typed):
        return True
    if min(len(typed), len(real)) >= _TYPO_LENGTH:
        return _ratio(typed, real) >= _TYPO_RATIO
    return False


@lru_cache(maxsize=65536)
def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio()


def _score(typed: tuple[str, ...], name: str) -> tuple[int, bool] | None:
    """How well ``typed`` matches ``name``: the words matched exactly, and whether it names
    all of it; None unless every typed word matches a word of it."""
    real = words(name)
    if not typed or not real:
        return None
    used: set[int] = set()
    for word in typed:
        index = next((i for i, r in enumerate(real) if i not in used and word == r), None)
        if index is None:
            index = next(
                (i for i, r in enumerate(real) if i not in used and _word_matches(word, r)), None
            )
        if index is None:
            return None
        used.add(index)
    exact = sum(1 for w in typed if w in real)
    return exact, len(used) == len(real)


def match_name(typed: str, names: Sequence[str]) -> NameMatch:
    """The name of ``names`` that ``typed`` stands for; see the module docstring."""
    wanted = words(typed)
    scored = [(s, n) for n in names if (s := _score(wanted, n)) is not None]
    if not scored:
        return NameMatch(())
    best = max(s for s, _ in scored)
    tied = tuple(dict.fromkeys(n for s, n in scored if s == best))
    return NameMatch(tied)
