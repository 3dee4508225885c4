"""Questions typed to the coach, read by rules, and the catalogue facts that answer them.

    "what can I do instead of squats, my knee hurts"  ─▶ Question(kind="instead",
                                                          exercise="squats", pain="knee")
    "how do I do a deadlift?"                          ─▶ Question(kind="how", ...)
    "my shoulder hurts"                                ─▶ Question(kind="pain", pain="shoulder")
    "is creatine good?"                                ─▶ Question(kind="other")

``answer_facts`` grounds the answer in the catalogue: the exercise named (matched as typed
logs are, core.names), its alternatives for the user's equipment and level
(``Catalogue.alternatives_for``), its form cues. With pain it adds no advice of its own:
only that pain means stop and see a professional, and that /profile's limitations steer
the workouts. The bot words the facts (a template, or Claude in the coach's voice). Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from core.catalogue import Catalogue, Entry
from core.models import Profile
from core.names import match_name

__all__ = ["MAX_ALTERNATIVES", "Facts", "Question", "QuestionKind", "answer_facts", "read_question"]

QuestionKind = Literal["instead", "how", "pain", "other"]
MAX_ALTERNATIVES = 4
"""Alternatives named in one answer."""
MAX_TEXT = 500
"""Characters read at most: a longer message is not one question."""

_BODY = (
    "knee", "knees", "back", "lower back", "shoulder", "shoulders", "wrist", "wrists",
    "elbow", "elbows", "hip", "hips", "ankle", "ankles", "neck", "hamstring", "foot", "feet",
)  # fmt: skip
_BODY_PART = "|".join(sorted((re.escape(b) for b in _BODY), key=len, reverse=True))
_PAIN = re.compile(
    rf"\b(?P<part>{_BODY_PART})\b[^.?!]{{0,20}}?\b(?:hurts?|hurting|pain|painful|sore|aches?|"
    r"aching|injured|is bad|are bad|is killing me|tweaked|pulled)\b"
    rf"|\b(?:hurt|injured|bad|sore|painful|tweaked|pulled|dodgy)\s+(?:my\s+)?(?P<part2>{_BODY_PART})\b"
    rf"|\b(?:pain|injury)\s+in\s+(?:my\s+)?(?P<part3>{_BODY_PART})\b",
    re.IGNORECASE,
)
_ANY_PAIN = re.compile(r"\b(?:hurts?|hurting|pain|painful|injur\w*|aches?|aching)\b", re.I)
_STOP = r"(?=[,.;?!]|\s+(?:because|cause|cos|since|as|my|it|they|that|with|for me|today)\b|$)"
_ARTICLE = r"(?:the\s+|a\s+|an\s+|doing\s+)?"
_INSTEAD = tuple(
    re.compile(pattern, re.I)
    for pattern in (
        rf"\binstead\s+of\s+{_ARTICLE}(?P<x>.+?){_STOP}",
        rf"\b(?:alternatives?|substitutes?|replacements?|swaps?)\s+(?:to|for)\s+{_ARTICLE}"
        rf"(?P<x>.+?){_STOP}",
        rf"\b(?:replace|swap|substitute|skip)\s+{_ARTICLE}(?P<x>.+?)(?:\s+(?:with|for)\b|{_STOP})",
        rf"\b(?:can'?t|cannot|can not|unable to)\s+do\s+{_ARTICLE}(?P<x>.+?){_STOP}",
        r"\b(?P<x>[a-z][a-z\- ]{2,30}?)\s+(?:hurts?|is painful|kills)\s+my\b",
    )
)
_HOW = re.compile(
    r"\b(?:how\s+(?:do|should|can)\s+i\s+(?:do\s+)?|how\s+to\s+(?:do\s+)?|form\s+(?:for|on)\s+|"
    r"what\s+is\s+(?:a\s+)?|what's\s+(?:a\s+)?|explain\s+(?:the\s+)?)(?:an?\s+|the\s+|proper\s+)?"
    rf"(?P<x>[a-z][a-z'\- ]{{2,40}}?){_STOP}",
    re.I,
)
_QUESTION = re.compile(
    r"\?|^\s*(?:what|how|why|when|which|should|can|could|is|are|do|does|will|would)\b", re.I
)


@dataclass(frozen=True, slots=True)
class Question:
    """A typed question, as read."""

    kind: QuestionKind
    text: str
    """The question as typed (data, never instructions)."""
    exercise: str | None = None
    """The exercise it is about, as typed ("squats")."""
    pain: str | None = None
    """The body part said to hurt ("knee"), or "" for pain without one."""


@dataclass(frozen=True, slots=True)
class Facts:
    """What the catalogue says in answer: everything a reply may use."""

    question: Question
    exercise: str | None
    """The catalogue's name of the exercise asked about, when one matched."""
    alternatives: tuple[str, ...]
    """Catalogue alternatives for the user's equipment and level, best first."""
    instructions: str | None
    """The exercise's form cues, for "how do I ..."."""
    limitations: str | None
    """What the profile already says (free text, the user's own)."""


def _pain(text: str) -> str | None:
    if m := _PAIN.search(text):
        part = m.group("part") or m.group("part2") or m.group("part3") or ""
        return part.lower()
    return "" if _ANY_PAIN.search(text) else None


def read_question(text: str) -> Question | None:
    """The question in ``text``, or None when it is none (see the module docstring)."""
    text = " ".join(text.split())
    if not text or len(text) > MAX_TEXT:
        return None
    pain = _pain(text)
    for pattern in _INSTEAD:
        if (m := pattern.search(text)) and m.group("x").strip():
            return Question("instead", text, m.group("x").strip(), pain)
    if (m := _HOW.search(text)) and m.group("x").strip():
        return Question("how", text, m.group("x").strip(), pain)
    if pain is not None:
        return Question("pain", text, None, pain)
    if _QUESTION.search(text):
        return Question("other", text, None, None)
    return None


def _entry(catalogue: Catalogue, typed: str, preferred: tuple[str, ...]) -> Entry | None:
    """The catalogue entry ``typed`` names: among the user's own exercises first
    (``preferred``, their newest workout), else the catalogue's first of the tied names."""
    own = match_name(typed, [p for p in preferred if catalogue.get(p) is not None])
    if own.names:
        return catalogue.get(own.names[0])
    found = match_name(typed, [e.name for e in catalogue.entries])
    return catalogue.get(found.names[0]) if found.names else None


_HARSH = re.compile(r"\b(?:jump|jumping|tuck|pistol|plyo|burpee|skater|sprint)", re.I)


def answer_facts(
    question: Question,
    profile: Profile,
    catalogue: Catalogue,
    preferred: tuple[str, ...] = (),
) -> Facts:
    """The catalogue's facts for ``question`` and the user's ``profile``: the exercise, its
    alternatives within the profile's equipment and level (with pain, none that jump)."""
    entry = _entry(catalogue, question.exercise, preferred) if question.exercise else None
    alternatives: tuple[str, ...] = ()
    if entry is not None and question.kind in ("instead", "how"):
        names = catalogue.alternatives_for(
            entry.name,
            frozenset(profile.equipment),
            profile.level,
            exclude=frozenset({entry.name.lower()}),
        )
        more = [
            e.name
            for e in catalogue.within(frozenset(profile.equipment), profile.level.rank)
            if e.pattern == entry.pattern and e.pattern != "other" and e.name != entry.name
        ]
        picked = list(dict.fromkeys([*names, *more]))
        if question.pain in ("knee", "knees") and entry.pattern in ("squat", "lunge"):
            # Moves that bend the knee less first: hip-led ones of the same legs.
            hinges = [
                e.name
                for e in catalogue.within(frozenset(profile.equipment), profile.level.rank)
                if e.pattern == "hinge"
            ]
            picked = list(dict.fromkeys([*hinges[:2], *picked]))
        if question.pain is not None:
            picked = [n for n in picked if not _HARSH.search(n)]
        alternatives = tuple(picked[:MAX_ALTERNATIVES])
    return Facts(
        question=question,
        exercise=entry.name if entry is not None else None,
        alternatives=alternatives,
        instructions=entry.instructions if entry is not None and question.kind == "how" else None,
        limitations=profile.limitations,
    )
