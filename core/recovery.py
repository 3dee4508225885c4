"""How recovered each muscle group is, from the sets logged in the last days.

A simple fatigue model in the spirit of the one Fitbod describes for its own app: every
logged set adds fatigue to the muscles it trains (its catalogue entry's first muscle in
full, the others at half), and fatigue decays exponentially with a half-life of a day.
Readiness is what is left of a group's capacity, ``CAPACITY`` set-units being a hard
session for it. So eight sets of squats and lunges yesterday leave the quads at 50%, the
day after at 75%, and a week later they are fresh; a muscle trained lightly (three sets)
yesterday is at about 80%, above ``TIRED``.

Its groups are finer than ``core.muscles.group`` (which folds the legs into one for swaps):
quads, hamstrings and glutes are trained and recover apart. Why our own: no library
models training fatigue; the model is a dozen lines of arithmetic
and its constants are the coaching decision, so they sit here with their reasons.

    logged sets (7 days) ──▶ fatigue per group ──▶ readiness % ──▶ the generator steers
                                                                    away from tired groups;
                                                                    /progress shows them
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from core.catalogue import Catalogue, load_catalogue

__all__ = [
    "CAPACITY",
    "FRESH",
    "GROUPS",
    "HALF_LIFE_H",
    "TIRED",
    "WINDOW",
    "LoggedWork",
    "group_of",
    "logged_work",
    "readiness",
    "tired_groups",
]

HALF_LIFE_H = 24.0
"""Hours for a set's fatigue to halve: most of a hard session is gone in two to three days
(the 48-72 h of recovery that strength coaches plan around)."""
CAPACITY = 8.0
"""Fresh set-units that empty a group (0% ready): about eight hard working sets for one
muscle group in a session is a hard session for it (within the 10-20 weekly sets per group
that hypertrophy guidance spreads over two or three sessions)."""
TIRED = 60
"""Readiness (%) below which the generator keeps a group out of today's accessory work and
prefers, among main lifts, the variant that loads it least."""
FRESH = 90
"""Readiness (%) from which /progress calls a group ready; between ``TIRED`` and this it is
recovering (trainable, not fully fresh)."""
WINDOW = dt.timedelta(days=7)
"""Sets older than this count no more (under 1% of their fatigue is left)."""
SECONDARY = 0.5
"""Fatigue a set adds to the muscles after an exercise's first (its secondary movers)."""

GROUPS: tuple[str, ...] = (
    "chest",
    "back",
    "shoulders",
    "arms",
    "core",
    "quads",
    "hamstrings",
    "glutes",
    "calves",
)
"""The groups /progress shows, in the order a coach reads a body: upper, trunk, lower."""

_GROUP_OF: Mapping[str, str] = {
    # The catalogue's muscle words (hand-written and imported ones) to the groups.
    "chest": "chest",
    "upper chest": "chest",
    "pecs": "chest",
    "back": "back",
    "upper back": "back",
    "middle back": "back",
    "lower back": "back",
    "lats": "back",
    "traps": "back",
    "rear shoulders": "shoulders",
    "shoulders": "shoulders",
    "delts": "shoulders",
    "neck": "back",
    "biceps": "arms",
    "triceps": "arms",
    "forearms": "arms",
    "grip": "arms",
    "core": "core",
    "abs": "core",
    "abdominals": "core",
    "lower abs": "core",
    "obliques": "core",
    "hip flexors": "core",
    "quads": "quads",
    "quadriceps": "quads",
    "adductors": "quads",
    "hamstrings": "hamstrings",
    "glutes": "glutes",
    "abductors": "glutes",
    "hips": "glutes",
    "calves": "calves",
}


def group_of(muscle: str) -> str | None:
    """The group a catalogue muscle word belongs to; None for words that are not one
    muscle ("full body", "cardio", "mobility")."""
    return _GROUP_OF.get(muscle.strip().lower())


@dataclass(frozen=True, slots=True)
class LoggedWork:
    """The sets of one exercise in one logged session, as the model needs them."""

    muscles: tuple[str, ...]
    """The exercise's muscles, the main one first (its catalogue entry's)."""
    sets: int
    """Working sets done."""
    at: dt.datetime
    """When (aware)."""


def _fatigue(work: Iterable[LoggedWork], now: dt.datetime) -> dict[str, float]:
    fatigue = dict.fromkeys(GROUPS, 0.0)
    for w in work:
        age = now - w.at
        if w.sets <= 0 or age > WINDOW:
            continue
        decay = 0.5 ** (max(age.total_seconds(), 0.0) / 3600 / HALF_LIFE_H)
        seen: set[str] = set()
        for muscle in w.muscles:
            group = group_of(muscle)
            if group is None or group in seen:  # "glutes, hips": one group, counted once
                continue
            weight = 1.0 if not seen else SECONDARY  # the first group found is the main one
            seen.add(group)
            fatigue[group] += w.sets * weight * decay
    return fatigue


def readiness(work: Iterable[LoggedWork], now: dt.datetime) -> dict[str, int]:
    """Every group's readiness in percent (100 fresh, 0 spent) at ``now``."""
    return {
        group: max(0, min(100, math.floor(100 * (1 - f / CAPACITY) + 0.5)))
        for group, f in _fatigue(work, now).items()
    }


def tired_groups(ready: Mapping[str, int]) -> frozenset[str]:
    """The groups below ``TIRED``."""
    return frozenset(g for g, r in ready.items() if r < TIRED)


def logged_work(
    sets: Iterable[tuple[str, dt.datetime]], catalogue: Catalogue | None = None
) -> list[LoggedWork]:
    """The model's input from logged sets, each ``(exercise name, when)``: one entry per
    exercise and session, its muscles from the catalogue. An exercise the catalogue does
    not know (an AI's own name) counts for no muscle rather than for a guessed one."""
    catalogue = catalogue or load_catalogue()
    counts: dict[tuple[str, dt.datetime], int] = {}
    for name, at in sets:
        key = (name.strip().lower(), at)
        counts[key] = counts.get(key, 0) + 1
    work = []
    for (name, at), n in counts.items():
        entry = catalogue.get(name)
        if entry is not None:
            work.append(LoggedWork(entry.muscles, n, at))
    return work
