"""The exercise catalogue: real exercises kept as data (core/data/exercises.yaml).

Loaded once and validated at load: unique names, known equipment, types, levels and
movement patterns, at least two alternatives that exist in the catalogue and differ from the
exercise itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from core.domain import Equipment, FitnessLevel, WorkoutType, with_bodyweight

__all__ = [
    "PATTERNS",
    "Catalogue",
    "CatalogueError",
    "Entry",
    "load_catalogue",
    "load_catalogue_from",
]

PATTERNS = frozenset(
    {
        "squat",
        "lunge",
        "hinge",
        "push",
        "pull",
        "core",
        "carry",
        "full_body",
        "cardio",
        "mobility",
        "stretch",
        "other",
    }
)
"""Movement patterns: what a coach balances a session by. ``other`` is single-joint work
(curls, raises, calf raises); ``full_body`` the complexes (cleans, thrusters, burpees)."""


class CatalogueError(ValueError):
    """The catalogue file is malformed; the message names the entry."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One exercise of the catalogue."""

    name: str
    equipment: frozenset[Equipment]
    """Everything the exercise needs at once."""
    muscles: tuple[str, ...]
    types: frozenset[WorkoutType]
    level: FitnessLevel
    """The lowest level it suits."""
    timed: bool
    """Done for time (holds, stretches, intervals) rather than for reps."""
    weighted: bool
    instructions: str
    alternatives: tuple[str, ...]
    pattern: str = "other"
    """One of ``PATTERNS``."""


class Catalogue:
    """All entries, with the lookups the generators need."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        self._by_name = {e.name.lower(): e for e in entries}
        # Lookups the generator repeats for every workout, kept per key (the catalogue is
        # immutable once loaded).
        self._within: dict[tuple[frozenset[Equipment], int], tuple[Entry, ...]] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, name: str) -> Entry | None:
        return self._by_name.get(name.lower())

    def candidates(
        self, workout_type: WorkoutType, level: FitnessLevel, equipment: frozenset[Equipment]
    ) -> list[Entry]:
        """Entries serving the type, within the level, needing only the given equipment."""
        return [e for e in self.within(equipment, level.rank) if workout_type in e.types]

    def within(self, equipment: frozenset[Equipment], rank: int) -> tuple[Entry, ...]:
        """Entries needing only ``equipment`` (bodyweight added), of level rank <= ``rank``."""
        key = (equipment, rank)
        found = self._within.get(key)
        if found is None:
            have = with_bodyweight(equipment)
            found = tuple(e for e in self.entries if e.level.rank <= rank and e.equipment <= have)
            if len(self._within) < 4096:
                self._within[key] = found
        return found

    def alternatives_for(
        self,
        name: str,
        equipment: frozenset[Equipment],
        level: FitnessLevel | None = None,
        *,
        exclude: frozenset[str] = frozenset(),
    ) -> list[str]:
        """Substitutes usable with ``equipment`` (and within ``level`` when given, not named
        in ``exclude``, lower case): the entry's own first, then look-alikes."""
        have = with_bodyweight(equipment)
        entry = self.get(name)
        if entry is None:
            return []
        top = level.rank if level is not None else len(FitnessLevel)
        reachable = self.within(equipment, top)

        def usable(other: Entry) -> bool:
            return (
                other.equipment <= have
                and other.level.rank <= top
                and other.name.lower() not in exclude
            )

        own = [alt for a in entry.alternatives if (alt := self.get(a)) is not None and usable(alt)]
        # The entry's own alternatives of its movement pattern first (a row for a row); an
        # own alternative of another pattern only after the catalogue's same-pattern ones.
        same = [a.name for a in own if entry.pattern == "other" or a.pattern == entry.pattern]
        found = same + [a.name for a in own if a.name not in same] if len(same) >= 2 else same
        later = [a.name for a in own if a.name not in found]
        # Top up with look-alikes, closest first: the same movement pattern (a row for a
        # row), then the same main muscle and a shared workout type, then the same main
        # muscle, then any shared muscle and type.
        main = entry.muscles[0] if entry.muscles else ""
        pattern = entry.pattern if entry.pattern != "other" else ""
        tiers: tuple[Callable[[Entry], bool], ...] = (
            lambda o: o.pattern == pattern and o.muscles[:1] == (main,),
            lambda o: o.pattern == pattern and bool(o.types & entry.types),
            lambda o: o.name in later,
            lambda o: o.muscles[:1] == (main,) and bool(o.types & entry.types),
            lambda o: main in o.muscles and bool(o.types & entry.types),
            lambda o: bool(set(o.muscles) & set(entry.muscles)) and bool(o.types & entry.types),
            lambda o: bool(o.types & entry.types),
            lambda o: True,
        )
        for fits in tiers:
            for other in reachable:
                if len(found) >= 2:
                    return found
                if (
                    other.name != entry.name
                    and fits(other)
                    and other.name not in found
                    and other.name.lower() not in exclude
                ):
                    found.append(other.name)
        return found


def _entry(raw: dict[str, object], index: int) -> Entry:
    name = str(raw.get("name") or f"#{index}")
    try:
        return Entry(
            name=name,
            equipment=frozenset(Equipment(e) for e in raw["equipment"]),  # type: ignore[attr-defined]
            muscles=tuple(str(m) for m in raw["muscles"]),  # type: ignore[attr-defined]
            types=frozenset(WorkoutType(t) for t in raw["types"]),  # type: ignore[attr-defined]
            level=FitnessLevel(str(raw["level"])),
            timed=raw["mode"] == "time",
            weighted=bool(raw["weighted"]),
            instructions=str(raw["instructions"]),
            alternatives=tuple(str(a) for a in raw["alternatives"]),  # type: ignore[attr-defined]
            pattern=str(raw.get("pattern", "other")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogueError(f"exercise {name!r}: {exc}") from None


def load_catalogue_from(text: str) -> Catalogue:
    """Parse and validate a catalogue from YAML text."""
    data = yaml.safe_load(text)
    if not isinstance(data, list):
        raise CatalogueError("the catalogue must be a list of exercises")
    entries = [_entry(raw, i) for i, raw in enumerate(data)]
    names = [e.name.lower() for e in entries]
    for e in entries:
        if names.count(e.name.lower()) > 1:
            raise CatalogueError(f"exercise {e.name!r} appears twice")
        if not e.types or not e.equipment or not e.instructions:
            raise CatalogueError(
                f"exercise {e.name!r}: types, equipment and instructions are required"
            )
        if e.pattern not in PATTERNS:
            raise CatalogueError(
                f"exercise {e.name!r}: unknown pattern {e.pattern!r}; valid: "
                + ", ".join(sorted(PATTERNS))
            )
        if len(set(e.alternatives)) < 2:
            raise CatalogueError(f"exercise {e.name!r} needs at least two alternatives")
        for alt in e.alternatives:
            if alt.lower() == e.name.lower() or alt.lower() not in names:
                raise CatalogueError(
                    f"exercise {e.name!r}: alternative {alt!r} is not another catalogue entry"
                )
    return Catalogue(entries)


@lru_cache(maxsize=1)
def load_catalogue() -> Catalogue:
    """The packaged catalogue, loaded and validated once."""
    text = resources.files("core").joinpath("data/exercises.yaml").read_text(encoding="utf-8")
    return load_catalogue_from(text)


def load_catalogue_path(path: Path) -> Catalogue:
    return load_catalogue_from(path.read_text(encoding="utf-8"))
