"""A workout log typed as one message: "bench 60x8 60x8 62.5x6, squats 3x5@100", "did it all".

    text ─▶ "did it all" (and its spellings)       ─▶ every exercise as planned
         └▶ segments: exercise words, then sets     ─▶ each name matched (core.names) to the
              ("bench 60x8 60x8", "squats 3x5@100")    workout's exercises, else to the
                                                       catalogue's; the sets read by
                                                       core.shorthand with that exercise's plan

The result is a reading to show the user for confirmation, never something to store as it
is: ``TypedLog.problems`` lists what did not read (a name that matches nothing or several
exercises, sets that are not shorthand, sets without a name), and a reading with problems
is not to be saved at all. ``read_log`` returns None for text that is not a log at all (no
sets and no "did it all"), so a request or a question can be tried next. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from core.names import match_name, words
from core.shorthand import (
    MAX_TEXT,
    Planned,
    SetDone,
    ShorthandError,
    as_planned,
    parse_sets,
)

__all__ = ["LogExercise", "TypedLog", "read_log"]


@dataclass(frozen=True, slots=True)
class LogExercise:
    """One exercise of the workout being logged, and what its plan asked."""

    name: str
    planned: Planned


@dataclass(frozen=True, slots=True)
class TypedLog:
    """What a typed log says, to be confirmed before anything is stored."""

    entries: tuple[tuple[str, tuple[SetDone, ...]], ...]
    """Each exercise named and its sets, the workout's exercises in the workout's order, then
    exercises from the catalogue; () sets: typed as skipped."""
    problems: tuple[str, ...] = ()
    """What did not read, as plain text parts to quote back (never save with any)."""
    all_done: bool = False
    """The whole workout as planned ("did it all")."""

    @property
    def savable(self) -> bool:
        """Everything read (it may all be skipped: then there is nothing to store)."""
        return not self.problems and bool(self.entries)


_ALL = re.compile(
    r"(?:i\s+)?(?:(?:did|done|finished|completed|smashed|crushed|nailed)\s+)?"
    r"(?:it|them|everything|every\s*thing|the\s+(?:whole\s+)?(?:workout|lot|session|plan)|"
    r"all(?:\s+of\s+it)?|all\s+sets)?\s*"
    r"(?:all|everything)?\s*(?:as\s+planned|as\s+written|like\s+planned)?",
)
_ALL_WORDS = frozenset(
    {"did", "done", "finished", "completed", "smashed", "crushed", "nailed", "all", "everything"}
    | {"planned"}
)
_SET_WORDS = frozenset(
    {
        "x", "bw", "bodyweight", "kg", "kgs", "kilo", "kilos", "lb", "lbs", "pounds", "rep",
        "reps", "s", "sec", "secs", "seconds", "m", "min", "mins", "minutes", "skip",
        "skipped", "none", "at", "sets", "set", "for", "each", "per",
    }
)  # fmt: skip
"""Words that belong to sets ("60 kg x 8 reps", "3 sets of 10 at 60"), not to a name."""
_MARKS = frozenset({"x", "@", "-", "–"})
_PLANNED_WORDS = frozenset({"done", "planned", "as", "all", "fine", "ok", "yes"})
"""A name followed only by these: that exercise as planned ("squats done")."""
_SETS_OF = re.compile(r"(\d+)\s*sets?\s*(?:of|x)\s*(\d+)(?:\s*reps?)?", re.ASCII)
_AT = re.compile(r"(\d)\s*(?:reps?\s+)?(?:at|@)\s*(\d)", re.ASCII)
_SEPARATORS = re.compile(r"([,;]+)|[\n]+|\s+(?:and|then|&|\+)\s+|\.\s+")
"""Between exercises; a comma or semicolon may also be between the sets of one."""
_TOKEN = re.compile(r"\S+")
_HAS_DIGIT = re.compile(r"\d")
_SET_SHAPED = re.compile(r"\d\s*x\s*\d|\d\s*@|\bbw\s*x", re.ASCII)
"""Text that can only be sets ("60x8", "8@60", "bw x12"): a log even when nothing in it
reads, so the user is asked rather than answered as if it were a request."""
_NAME_WORD = re.compile(r"[a-z][a-z'\-]*")


def _is_all(text: str) -> bool:
    """ "did it all", "all done", "finished everything as planned"."""
    clean = re.sub(r"[!.?👍💪✅🔥]+", " ", text).strip()
    clean = " ".join(clean.split())
    if not clean or not any(w in _ALL_WORDS for w in clean.split()):
        return False
    return _ALL.fullmatch(clean) is not None or clean in {
        "all done",
        "done all",
        "all done as planned",
        "everything done",
        "all sets done",
        "done it all",
    }


def _prepare(text: str) -> str:
    """One spelling of sets: "3 sets of 10 at 60" -> "3x10@60", "8 reps at 60" -> "8@60"."""
    text = text.lower().replace("×", "x").replace("*", "x")
    text = re.sub(r"(?<![\d.x@])(\d+),(\d{1,2})(?=\s*(?:kg|lb|x))", r"\1.\2", text)  # 62,5x6
    text = _SETS_OF.sub(r"\1x\2", text)
    return _AT.sub(r"\1@\2", text)


def _is_set_token(token: str) -> bool:
    return bool(_HAS_DIGIT.search(token)) or token.strip(".!") in _SET_WORDS | _MARKS


@dataclass(frozen=True, slots=True)
class _Segment:
    name: str
    sets: str


def _segments(text: str) -> list[_Segment]:
    """The text cut into name-then-sets pieces: a name word after sets starts the next."""
    out: list[_Segment] = []
    pieces = _SEPARATORS.split(text)
    # split() with the comma group: text, comma-or-None, text, ...
    chunks = pieces[0::2]
    commas = [False, *(bool(c) for c in pieces[1::2])]
    for chunk, after_comma in zip(chunks, commas, strict=True):
        chunk = chunk or ""
        name: list[str] = []
        sets: list[str] = []
        for token in _TOKEN.findall(chunk):
            if _is_set_token(token):
                sets.append(token)
            elif sets and _NAME_WORD.fullmatch(token.strip(".!:")):
                out.append(_Segment(" ".join(name), " ".join(sets)))
                name, sets = [token.strip(".!:")], []
            else:
                name.append(token.strip(".!:"))
        if name or sets:
            if out and not name and out[-1].sets and after_comma:
                # "bench 60x8, 60x8, 62.5x6": sets cut by commas belong to the last name
                last = out.pop()
                out.append(_Segment(last.name, f"{last.sets} {' '.join(sets)}"))
            else:
                out.append(_Segment(" ".join(name), " ".join(sets)))
    return [s for s in out if s.name or s.sets]


def _unplanned(planned: Planned) -> Planned:
    return Planned(sets=0, reps=None, seconds=None, weight=None, units=planned.units)


def read_log(
    text: str,
    exercises: Sequence[LogExercise],
    catalogue: Sequence[str] = (),
) -> TypedLog | None:
    """What ``text`` logs of the workout ``exercises`` (names not in it matched against
    ``catalogue``); None when it is no log at all. See the module docstring."""
    if not exercises or len(text.strip()) > MAX_TEXT:
        return None
    prepared = _prepare(text)
    if _is_all(prepared):
        return TypedLog(tuple((e.name, as_planned(e.planned)) for e in exercises), all_done=True)
    segments = _segments(prepared)
    has_sets = any(
        _HAS_DIGIT.search(s.sets) or _PLANNED_WORDS & set(s.sets.split()) for s in segments
    )
    if not has_sets and not any(_named_only(s, exercises) for s in segments):
        return None  # no sets anywhere ("squats done, bench skipped" has: it is a log)
    base = exercises[0].planned
    by_name = {e.name: e for e in exercises}
    names = list(by_name)
    found: dict[str, list[SetDone]] = {}
    problems: list[str] = []
    named = False
    for segment in segments:
        if not segment.name:
            if len(exercises) == 1:
                segment = _Segment(exercises[0].name, segment.sets)
            else:
                problems.append(segment.sets)
                continue
        name, sets_text = _named(segment)
        match = match_name(name, names)
        exercise_name = match.found
        planned = by_name[exercise_name].planned if exercise_name else None
        if exercise_name is None and not match.names:
            catalogue_match = match_name(name, catalogue)
            exercise_name = catalogue_match.found
            planned = _unplanned(base) if exercise_name else None
        if exercise_name is None or planned is None or not words(name):
            problems.append(segment.name)
            first = name.split()[:1]
            named = named or bool(match.names) or bool(first and match_name(first[0], names).names)
            continue
        named = True
        try:
            sets = _sets(sets_text, planned)
        except ShorthandError as exc:
            problems.append(exc.part or sets_text or segment.name)
            continue
        found.setdefault(exercise_name, []).extend(sets)
    if not found and not named and not _SET_SHAPED.search(prepared):
        return None  # nothing named, nothing shaped like sets: a request or a question
    ordered = [n for n in by_name if n in found] + [n for n in found if n not in by_name]
    return TypedLog(tuple((n, tuple(found[n])) for n in ordered), tuple(problems))


def _named(segment: _Segment) -> tuple[str, str]:
    """The name and the sets of a segment; planned-words at the end of a name ("squats
    done") are its sets."""
    parts = segment.name.split()
    tail: list[str] = []
    while parts and parts[-1] in _PLANNED_WORDS and not segment.sets:
        tail.insert(0, parts.pop())
    return " ".join(parts), " ".join(tail) if tail else segment.sets


def _named_only(segment: _Segment, exercises: Sequence[LogExercise]) -> bool:
    name, sets = _named(segment)
    return bool(sets) and match_name(name, [e.name for e in exercises]).found is not None


def _sets(text: str, planned: Planned) -> tuple[SetDone, ...]:
    words_ = set(text.split())
    if not words_:
        raise ShorthandError("no sets given")
    if words_ <= _PLANNED_WORDS:
        if planned.sets == 0:  # a catalogue exercise: no plan to be done as
            raise ShorthandError("no sets given", text)
        return as_planned(planned)
    return parse_sets(text, planned)
