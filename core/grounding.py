"""Grounding: the AI's exercise names matched to catalogue entries.

An AI workout names its exercises its own way ("DB Bench Press", "push ups", "RDL"). Matched
to the catalogue's own names, the rest of the product (Swap, recovery, level and pattern
checks, the repairs of core/repair.py, the score) knows them as it knows the rule-based
generator's. ``ground_workout`` renames each exercise it can match, in three steps, and says
which it could not:

1. the same name once normalised: case, punctuation, hyphens and spaces, a plural
   ("Push-ups" is "Push-up"), "&" and "and", an aside in parentheses ("(each leg)");
2. the same after the common abbreviations are spelled out (``ABBREVIATIONS``: "DB"
   dumbbell, "RDL" Romanian deadlift, "OHP" overhead press) and a whole name taken for the
   catalogue's (``ALIASES``: "Military press", "Bench press", "Farmer's walk");
3. a fuzzy match: the closest catalogue name by ``difflib`` ratio on the normalised words,
   at least ``FUZZY_THRESHOLD``, and the same words in another order counted as equal.

An exercise matched exactly keeps its name; one renamed keeps its sets, reps, rest, load and
the AI's instructions (only the name changes). A name that matches a progression target of
the request is left as it is, so the target still finds it. Unmatched exercises keep their
own text and are listed. Pure (stdlib only).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache

from core.catalogue import Catalogue, Entry, load_catalogue
from core.models import Workout, WorkoutRequest

__all__ = [
    "ABBREVIATIONS",
    "ALIASES",
    "FUZZY_THRESHOLD",
    "Grounded",
    "ground_workout",
    "match",
    "normalise",
]

FUZZY_THRESHOLD = 0.88
"""The least ``difflib.SequenceMatcher`` ratio a fuzzy match needs (tuned on typos and
word-order changes of catalogue names; "Dumbbell row" and "Dumbbell curl" stay apart)."""

ABBREVIATIONS: dict[str, str] = {
    "db": "dumbbell",
    "bb": "barbell",
    "kb": "kettlebell",
    "rdl": "romanian deadlift",
    "sldl": "single leg romanian deadlift",
    "ohp": "overhead press",
    "pushup": "push up",
    "situp": "sit up",
    "pullup": "pull up",
    "chinup": "chin up",
}
"""Words (normalised) and what they stand for, wherever they are in a name."""
ALIASES: dict[str, str] = {
    "military press": "overhead press",
    "standing press": "overhead press",
    "shoulder press": "overhead press",
    "bench press": "barbell bench press",
    "back squat": "barbell back squat",
    "front squat": "barbell front squat",
    "deadlift": "conventional deadlift",
    "hip thrust": "barbell hip thrust",
    "press up": "push up",
    "farmer walk": "farmer s carry",
    "farmer carry": "farmer s carry",
    "bent over row": "bent over barbell row",
    "dumbbell row": "one arm dumbbell row",
    "single arm dumbbell row": "one arm dumbbell row",
    "barbell row": "bent over barbell row",
}
"""Whole names (normalised, abbreviations spelled out) and the catalogue name they mean."""

_NON_WORD = re.compile(r"[^a-z0-9]+")
_ASIDE = re.compile(r"\([^)]*\)")
"""A parenthesised aside: "(each leg)", "(slow)"."""


def normalise(name: str) -> str:
    """``name`` as plain lower-case words: "Farmer's Carry" -> "farmer s carry",
    "Push-Ups" -> "push up", "Sit-ups & twists" -> "sit up and twist"."""
    text = _ASIDE.sub(" ", name.lower()).replace("&", " and ")
    words = [w for w in _NON_WORD.split(text) if w]
    return " ".join(_singular(w) for w in words)


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _spelled_out(words: str) -> str:
    """``words`` (normalised) with the abbreviations spelled out, then a whole-name alias."""
    spelled = " ".join(ABBREVIATIONS.get(word, word) for word in words.split())
    return normalise(ALIASES.get(spelled, spelled))


@dataclass(frozen=True, slots=True)
class _Index:
    by_words: dict[str, Entry]
    by_sorted: dict[str, Entry]
    names: tuple[str, ...]


@lru_cache(maxsize=4)
def _index(catalogue: Catalogue) -> _Index:
    by_words: dict[str, Entry] = {}
    by_sorted: dict[str, Entry] = {}
    for entry in catalogue.entries:
        words = normalise(entry.name)
        by_words.setdefault(words, entry)
        by_sorted.setdefault(" ".join(sorted(words.split())), entry)
    return _Index(by_words, by_sorted, tuple(by_words))


def match(name: str, catalogue: Catalogue) -> Entry | None:
    """The catalogue entry ``name`` stands for, or None (see the module docstring)."""
    found = catalogue.get(name.strip())
    if found is not None:
        return found
    index = _index(catalogue)
    words = normalise(name)
    for candidate in (words, _spelled_out(words)):
        if candidate in index.by_words:
            return index.by_words[candidate]
        ordered = " ".join(sorted(candidate.split()))
        if ordered in index.by_sorted:
            return index.by_sorted[ordered]
    spelled = _spelled_out(words)
    close = difflib.get_close_matches(spelled, index.names, n=1, cutoff=FUZZY_THRESHOLD)
    return index.by_words[close[0]] if close else None


@dataclass(frozen=True, slots=True)
class Grounded:
    """The workout with its exercises named as the catalogue names them."""

    workout: Workout
    renamed: tuple[str, ...]
    """"DB bench press -> Dumbbell bench press", one per renamed exercise."""
    unmatched: tuple[str, ...]
    """Names no catalogue entry matched (kept as the AI wrote them)."""


def ground_workout(
    workout: Workout, request: WorkoutRequest, catalogue: Catalogue | None = None
) -> Grounded:
    """``workout`` with each exercise matched to the catalogue renamed to its entry."""
    catalogue = catalogue or load_catalogue()
    renamed: list[str] = []
    unmatched: list[str] = []
    exercises = []
    taken = {ex.name.strip().lower() for ex in workout.exercises}
    for ex in workout.exercises:
        name = ex.name.strip()
        entry = match(name, catalogue)
        if entry is None:
            unmatched.append(name)
        elif (
            entry.name != name
            and request.target_for(name) is None
            and entry.name.lower() not in taken
        ):
            renamed.append(f"{name} -> {entry.name}")
            taken.add(entry.name.lower())
            ex = ex.model_copy(update={"name": entry.name})
        exercises.append(ex)
    if renamed:
        workout = workout.model_copy(update={"exercises": exercises})
    return Grounded(workout, tuple(renamed), tuple(unmatched))
