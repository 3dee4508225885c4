"""The exercise catalogue: real exercises kept as data (core/data/catalogue.json).

core/data/catalogue.json is written by ``flexflow catalogue import`` from two sources: the
hand-written entries of core/data/exercises.yaml (first, as written) and the 873
public-domain exercises of free-exercise-db (see flexflow/catalogue_import.py). Loaded once
(JSON: a fraction of YAML's parse time) and validated at load: unique names and aliases,
known equipment, types, levels, movement patterns and dosing classes, at least two
alternatives that exist in the catalogue and differ from the exercise itself.

Lookups by name (the AI's names are matched with these):

    catalogue.get(name)    the entry of that exact name or alias, any case and spacing
    catalogue.find(name)   the same, then by ``name_key`` (punctuation and plurals ignored:
                           "Barbell Squats" finds "Barbell squat"); None if neither matches
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from core.domain import Equipment, FitnessLevel, WorkoutType, with_bodyweight

__all__ = [
    "DOSING",
    "PATTERNS",
    "Catalogue",
    "CatalogueError",
    "Entry",
    "load_catalogue",
    "load_catalogue_from",
    "load_catalogue_records",
    "name_key",
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


DOSING = frozenset({"compound", "isolation", "core", "carry", "interval", "hold"})
"""How an exercise is dosed: compound lifts (main or accessory), isolation work (never 6
reps or fewer), core, carries, intervals (cardio) and holds (stretches, mobility)."""


def name_key(name: str) -> str:
    """A name reduced for matching: lower case, words only, a plural's final s dropped."""
    words = re.sub(r"[^a-z0-9]+", " ", name.lower()).split()
    return " ".join(
        w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words
    )


def _spaced(name: str) -> str:
    return " ".join(name.lower().split())


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
    dosing: str = "isolation"
    """One of ``DOSING``."""
    load_ratio: float = 0.0
    """Starting load relative to the level's reference load (core.loads); 0 if unweighted.
    For an assisted exercise, the share of the reference assistance."""
    assisted: bool = False
    """The load is help (an assisted pull-up machine): a stronger user gets less."""
    aliases: tuple[str, ...] = ()
    """Other names of the same exercise (free-exercise-db's, common spellings)."""
    needs: tuple[str, ...] = ()
    """Gear the user cannot declare (a medicine ball, a sled): never picked by the
    generator, still known by name."""
    images: tuple[str, ...] = ()
    """Pictures, as paths under the picture URL prefix (a setting): start and end position."""
    steps: tuple[str, ...] = ()
    """Step-by-step instructions (free-exercise-db's), for the picture's caption."""
    staple: bool = False
    """A hand-written entry: the generator's first choice when nothing else decides."""


class Catalogue:
    """All entries, with the lookups the generators need."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        self._by_name: dict[str, Entry] = {}
        for e in entries:
            for name in (e.name, *e.aliases):
                self._by_name.setdefault(_spaced(name), e)
        self._by_key: dict[str, Entry] | None = None  # built on the first find()
        self._reachable = [e for e in entries if not e.needs]
        # Lookups the generator repeats for every workout, kept per key (the catalogue is
        # immutable once loaded).
        self._within: dict[tuple[frozenset[Equipment], int], tuple[Entry, ...]] = {}
        self._grouped: dict[tuple[frozenset[Equipment], int], dict[str, tuple[Entry, ...]]] = {}
        self._patterns: dict[str, tuple[Entry, ...]] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, name: str) -> Entry | None:
        """The entry named ``name`` or having it as an alias (any case and spacing)."""
        return self._by_name.get(_spaced(name))

    def find(self, name: str) -> Entry | None:
        """``get``, then a match on ``name_key`` (punctuation and plurals ignored)."""
        if self._by_key is None:
            by_key: dict[str, Entry] = {}
            for e in self.entries:
                for other in (e.name, *e.aliases):
                    by_key.setdefault(name_key(other), e)
            self._by_key = by_key
        return self.get(name) or self._by_key.get(name_key(name))

    def candidates(
        self, workout_type: WorkoutType, level: FitnessLevel, equipment: frozenset[Equipment]
    ) -> list[Entry]:
        """Entries serving the type, within the level, needing only the given equipment."""
        return [e for e in self.within(equipment, level.rank) if workout_type in e.types]

    def within(self, equipment: frozenset[Equipment], rank: int) -> tuple[Entry, ...]:
        """Entries needing only ``equipment`` (bodyweight added), of level rank <= ``rank``;
        never one that ``needs`` other gear."""
        key = (equipment, rank)
        found = self._within.get(key)
        if found is None:
            have = with_bodyweight(equipment)
            found = tuple(
                e for e in self._reachable if e.level.rank <= rank and e.equipment <= have
            )
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
        same_pattern = (
            self._within_pattern(equipment, top).get(entry.pattern, ())
            if entry.pattern != "other"
            else ()
        )
        later_entries = tuple(e for e in own if e.name in later)
        tiers: tuple[tuple[tuple[Entry, ...], Callable[[Entry], bool]], ...] = (
            (same_pattern, lambda o: o.muscles[:1] == (main,)),
            (same_pattern, lambda o: bool(o.types & entry.types)),
            (later_entries, lambda o: True),
            (reachable, lambda o: o.muscles[:1] == (main,) and bool(o.types & entry.types)),
            (reachable, lambda o: main in o.muscles and bool(o.types & entry.types)),
            (
                reachable,
                lambda o: bool(set(o.muscles) & set(entry.muscles)) and bool(o.types & entry.types),
            ),
            (reachable, lambda o: bool(o.types & entry.types)),
            (reachable, lambda o: True),
        )
        for candidates, fits in tiers:
            for other in candidates:
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

    def _within_pattern(
        self, equipment: frozenset[Equipment], rank: int
    ) -> dict[str, tuple[Entry, ...]]:
        """``within`` grouped by movement pattern (the look-alikes' first tiers)."""
        key = (equipment, rank)
        found = self._grouped.get(key)
        if found is None:
            groups: dict[str, list[Entry]] = {}
            for e in self.within(equipment, rank):
                groups.setdefault(e.pattern, []).append(e)
            found = {k: tuple(v) for k, v in groups.items()}
            if len(self._grouped) < 4096:
                self._grouped[key] = found
        return found

    def by_pattern(self, pattern: str) -> tuple[Entry, ...]:
        """Every entry of a movement pattern, in catalogue order (staples first)."""
        found = self._patterns.get(pattern)
        if found is None:
            found = self._patterns[pattern] = tuple(e for e in self.entries if e.pattern == pattern)
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
            dosing=str(raw.get("dosing") or _dosing(str(raw.get("pattern", "other")))),
            load_ratio=float(raw.get("load_ratio", 0.0)),  # type: ignore[arg-type]
            assisted=bool(raw.get("assisted", False)),
            aliases=tuple(str(a) for a in raw.get("aliases", ())),  # type: ignore[attr-defined]
            needs=tuple(str(a) for a in raw.get("needs", ())),  # type: ignore[attr-defined]
            images=tuple(str(a) for a in raw.get("images", ())),  # type: ignore[attr-defined]
            steps=tuple(str(a) for a in raw.get("steps", ())),  # type: ignore[attr-defined]
            staple=bool(raw.get("staple", False)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogueError(f"exercise {name!r}: {exc}") from None


_COMPOUND = frozenset({"squat", "lunge", "hinge", "push", "pull", "full_body"})


def _dosing(pattern: str) -> str:
    """The dosing class a pattern implies when the entry states none."""
    if pattern in _COMPOUND:
        return "compound"
    if pattern in ("core", "carry"):
        return pattern
    if pattern == "cardio":
        return "interval"
    return "hold" if pattern in ("stretch", "mobility") else "isolation"


def load_catalogue_from(text: str) -> Catalogue:
    """Parse and validate a catalogue from YAML text (the hand-written form)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's when built with it
    data = yaml.load(text, Loader=loader)  # noqa: S506 (a safe loader, C or Python)
    if not isinstance(data, list):
        raise CatalogueError("the catalogue must be a list of exercises")
    return load_catalogue_records(data)


def load_catalogue_records(data: list[dict[str, object]]) -> Catalogue:
    """Validate records (dicts as in the JSON or YAML files) and build the catalogue."""
    if not isinstance(data, list):
        raise CatalogueError("the catalogue must be a list of exercises")
    entries = [_entry(raw, i) for i, raw in enumerate(data)]
    seen: dict[str, int] = {}
    for i, e in enumerate(entries):
        for name in (e.name, *e.aliases):
            if seen.setdefault(_spaced(name), i) != i:
                raise CatalogueError(f"exercise {name!r} appears twice")
    names = {e.name.lower() for e in entries}
    for e in entries:
        if not e.types or not e.equipment or not e.instructions:
            raise CatalogueError(
                f"exercise {e.name!r}: types, equipment and instructions are required"
            )
        if e.dosing not in DOSING:
            raise CatalogueError(f"exercise {e.name!r}: unknown dosing class {e.dosing!r}")
        if e.load_ratio < 0 or (e.weighted and not e.assisted and e.load_ratio > 3):
            raise CatalogueError(f"exercise {e.name!r}: load ratio {e.load_ratio} is off")
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
    """The packaged catalogue (core/data/catalogue.json), loaded and validated once."""
    text = resources.files("core").joinpath("data/catalogue.json").read_text(encoding="utf-8")
    return load_catalogue_records(json.loads(text))


def load_catalogue_path(path: Path) -> Catalogue:
    """A catalogue file: JSON (the imported form) or YAML (the hand-written form)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return load_catalogue_records(json.loads(text))
    return load_catalogue_from(text)
