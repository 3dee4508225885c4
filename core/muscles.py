"""Muscle classes shared by the generator's loads and the swaps' carried weights.

BIG_MUSCLES     the legs' prime movers: a movement led by one of them carries more load
SMALL_MUSCLES   muscles worked alone by isolation moves (curls, raises, extensions)
group(muscle)   the group a muscle belongs to, so "legs" and "quads" compare alike
"""

from __future__ import annotations

__all__ = ["BIG_MUSCLES", "SMALL_MUSCLES", "group", "muscle_share"]

BIG_MUSCLES = frozenset({"quads", "hamstrings", "glutes"})
SMALL_MUSCLES = frozenset(
    {
        "biceps",
        "triceps",
        "shoulders",
        "rear shoulders",
        "calves",
        "abs",
        "traps",
        "forearms",
        "chest",
    }
)


def muscle_share(muscles: tuple[str, ...]) -> float:
    """A rough load factor by the muscles an exercise lists (main first): 1.3 for a big
    leg muscle, 0.5 for a small muscle worked alone, else 1. Used only where an entry has
    no load ratio of its own (an exercise the catalogue does not know)."""
    if muscles and muscles[0] in BIG_MUSCLES:
        return 1.3
    if len(muscles) == 1 and muscles[0] in SMALL_MUSCLES:
        return 0.5
    return 1.0


_GROUP = {
    "quads": "legs",
    "hamstrings": "legs",
    "glutes": "legs",
    "legs": "legs",
    "hips": "legs",
    "adductors": "legs",
    "hip flexors": "legs",
    "upper chest": "chest",
    "rear shoulders": "shoulders",
    "lats": "back",
    "upper back": "back",
    "traps": "back",
    "abs": "core",
    "obliques": "core",
    "lower abs": "core",
    "grip": "forearms",
}
"""The hand-written entries say "legs" and "back" where the data set names the muscle
("quads", "lats"): both compare by the group."""


def group(muscle: str) -> str:
    """The group a muscle belongs to ("lats" -> "back"); the muscle itself if it leads one."""
    return _GROUP.get(muscle, muscle)
