"""An exercise's picture and steps, as the chat shows them under a workout.

    pictured(workout, catalogue)           the exercises of a workout that have a picture:
                                           (index, name) pairs, in the workout's order
    picture_card(exercise, entry, prefix)  the photo's URL (``prefix`` + the catalogue's
                                           image path) and its caption: the name in bold,
                                           then the numbered steps, HTML-escaped, at most
                                           ``CAPTION_LIMIT`` characters once Telegram has
                                           parsed the tags (counted in UTF-16, as it does)

The pictures are free-exercise-db's (public domain), hosted upstream; the prefix is a
setting (adapters.settings: ``FLEXFLOW_PICTURE_URL``). Each exercise has two, the start and
the end position: the card shows the first and says so when steps are cut.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from core.catalogue import Catalogue, Entry
from core.models import Exercise, Workout

__all__ = ["CAPTION_LIMIT", "PictureCard", "picture_card", "pictured"]

CAPTION_LIMIT = 1024
"""Telegram's limit for a photo's caption, after entity parsing."""


@dataclass(frozen=True, slots=True)
class PictureCard:
    """One exercise's photo message."""

    url: str
    """The picture, for ``sendPhoto`` by URL (Telegram's servers fetch it)."""
    caption: str
    """Telegram HTML, within ``CAPTION_LIMIT`` after parsing."""


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def entry_for(exercise: Exercise, catalogue: Catalogue) -> Entry | None:
    """The catalogue entry of a plan's exercise (by name, alias or loose spelling), when it
    has a picture."""
    entry = catalogue.find(exercise.name)
    return entry if entry is not None and entry.images else None


def pictured(workout: Workout, catalogue: Catalogue) -> list[tuple[int, str]]:
    """(index, name) of each exercise of ``workout`` the catalogue has a picture of."""
    return [
        (i, exercise.name)
        for i, exercise in enumerate(workout.exercises)
        if entry_for(exercise, catalogue) is not None
    ]


def picture_card(exercise: Exercise, entry: Entry, prefix: str) -> PictureCard:
    """The photo and caption for ``exercise`` (the plan's, named as the plan names it),
    whose catalogue ``entry`` has a picture."""
    if not entry.images:
        raise ValueError(f"{entry.name!r} has no picture")
    url = prefix.rstrip("/") + "/" + entry.images[0].lstrip("/")
    head = f"<b>{_esc(exercise.name)}</b>"
    visible = _utf16(exercise.name)
    if exercise.name.strip().lower() != entry.name.lower():
        extra = f" ({entry.name})"
        head += _esc(extra)
        visible += _utf16(extra)
    visible += 1  # the line break after the name
    steps = list(entry.steps) or [entry.instructions]
    lines: list[str] = []
    note = "\n… (the rest: the cues in the workout)"
    for n, step in enumerate(steps, 1):
        line = f"\n{n}. {step}"
        # Room for this step, and for the note should a later one not fit.
        room = CAPTION_LIMIT - visible - (_utf16(note) if n < len(steps) else 0)
        if _utf16(line) > room:
            if not lines:  # not even the first step fits whole: cut it at a word
                cut = _cut(line, CAPTION_LIMIT - visible - _utf16(note))
                lines.append(_esc(cut))
                visible += _utf16(cut)
            lines.append(_esc(note))
            visible += _utf16(note)
            break
        lines.append(_esc(line))
        visible += _utf16(line)
    caption = head + "\n" + "".join(lines)
    return PictureCard(url=url, caption=caption)


def _cut(text: str, limit: int) -> str:
    """``text`` cut at a word to at most ``limit`` UTF-16 units, with an ellipsis."""
    if _utf16(text) <= limit:
        return text
    out = ""
    for word in text.split(" "):
        candidate = f"{out} {word}" if out else word
        if _utf16(candidate) + 1 > limit:
            break
        out = candidate
    return out + "…"
