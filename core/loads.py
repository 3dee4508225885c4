"""Starting loads per movement, on implements that exist.

    starting_load(entry, level, units)   the load the generator gives an exercise:
                                         REFERENCE_KG[level] x the entry's load ratio (a
                                         squat 1.0, a bench press 0.75, an overhead press
                                         0.45, a curl 0.3 on a barbell; a dumbbell's ratio
                                         is per hand), on the implement; assisted exercises
                                         inverted (ASSIST_KG: a stronger user gets less help)
    on_implement(equipment, value, units) the value as a load the implement can have: a
                                         kettlebell that exists, at least the empty bar on a
                                         barbell, else the unit's plate step
    per_hand(name, equipment)            is the load shown per hand (two dumbbells)?
    lighter_bells(weight, units)         the kettlebells below a working bell (its ramp-up)

The load ratios are the catalogue's (core/data/catalogue.json, set by the import from the
movement and the implement; see flexflow/catalogue_import.py). The reference is a
plausible working load for 5-8 reps of the barbell back squat at each level, after
common strength standards (about 0.5, 1 and 1.4 x bodyweight for a 70 kg adult): a start
that a coach would then adjust, and that the progression (core/progression.py) moves.
"""

from __future__ import annotations

import re

from core.catalogue import Entry
from core.domain import Equipment, FitnessLevel, Units
from core.muscles import muscle_share

__all__ = [
    "ASSIST_KG",
    "EMPTY_BAR",
    "IMPLEMENT_SHARE",
    "KETTLEBELLS",
    "REFERENCE_KG",
    "lighter_bells",
    "on_implement",
    "per_hand",
    "ratio_of",
    "starting_load",
]

EMPTY_BAR = {Units.KG: 20.0, Units.LB: 45.0}
"""An Olympic bar's own weight, in each unit."""
REFERENCE_KG = (40.0, 70.0, 100.0)
"""Beginner, intermediate, advanced: the barbell back squat's starting working load."""
ASSIST_KG = (35.0, 22.5, 10.0)
"""Help on an assisted pull-up or dip machine by level: less for a stronger user."""

KETTLEBELLS = {
    Units.KG: (8.0, 12.0, 16.0, 20.0, 24.0, 28.0, 32.0),
    Units.LB: (18.0, 26.0, 35.0, 44.0, 53.0, 62.0, 70.0),
}
"""The kettlebells that exist (the competition series, and its usual lb labels)."""

IMPLEMENT_SHARE = {
    Equipment.BARBELL: 1.0,
    Equipment.MACHINES: 0.9,
    Equipment.CABLE_MACHINE: 0.7,
    Equipment.KETTLEBELL: 0.4,
    Equipment.DUMBBELLS: 0.4,
}
"""Load relative to a barbell for the same movement (dumbbells: per hand), in priority order."""
OTHER_SHARE = 0.4
"""Any other loaded equipment (bands, a weighted vest)."""

_ONE_DUMBBELL = re.compile(
    r"goblet|pullover|one.?arm|single.?arm|one.?hand|halo|twist|crunch|suitcase|"
    r"tate|sit-?up|side bend|windmill|swing|snatch|clean|turkish|get-?up|hip thrust|bridge",
    re.I,
)


def implement_share(gear: frozenset[Equipment] | list[Equipment]) -> float:
    """The first implement of ``gear``'s share of a barbell's load (see IMPLEMENT_SHARE)."""
    for implement, share in IMPLEMENT_SHARE.items():
        if implement in gear:
            return share
    return OTHER_SHARE


def ratio_of(entry: Entry) -> float:
    """The entry's load ratio; for one without (a hand-made test catalogue) an estimate
    from its implement and muscles."""
    if entry.load_ratio > 0:
        return entry.load_ratio
    return 0.6 * implement_share(entry.equipment) * muscle_share(entry.muscles)


def starting_load(entry: Entry, level: FitnessLevel, units: Units) -> float | None:
    """The load the generator gives ``entry`` at ``level``, in ``units``; None if unweighted.
    For an assisted exercise the load is the help: less at a higher level."""
    if not entry.weighted:
        return None
    if entry.assisted:
        kg = ASSIST_KG[level.rank] * (entry.load_ratio or 1.0)
    else:
        kg = REFERENCE_KG[level.rank] * ratio_of(entry)
    return on_implement(entry.equipment, kg * units.per_kg, units)


def on_implement(equipment: frozenset[Equipment], value: float, units: Units) -> float:
    """``value`` as a load the implement can have: the nearest kettlebell that exists, at
    least the empty bar on a barbell, else a multiple of the unit's plate step."""
    if Equipment.KETTLEBELL in equipment and Equipment.BARBELL not in equipment:
        return min(KETTLEBELLS[units], key=lambda bell: (abs(bell - value), bell))
    floor = EMPTY_BAR[units] if Equipment.BARBELL in equipment else units.step
    return max(floor, round(value / units.step) * units.step)


def per_hand(name: str, equipment: frozenset[Equipment] | list[Equipment]) -> bool:
    """True when the load is a dumbbell in each hand (a dumbbell bench press), False for
    one dumbbell (a goblet squat, a one-arm row) or any other implement."""
    gear = frozenset(equipment)
    if Equipment.DUMBBELLS not in gear or gear & {Equipment.BARBELL, Equipment.KETTLEBELL}:
        return False
    return not _ONE_DUMBBELL.search(name)


def lighter_bells(weight: float, units: Units) -> list[float]:
    """The kettlebells that exist below ``weight``, heaviest last (a ramp-up's bells)."""
    return [bell for bell in KETTLEBELLS[units] if bell < weight]
