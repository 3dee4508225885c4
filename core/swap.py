"""Swapping one exercise of a plan for another, without asking the AI.

    swap_options(workout, index, ...)   what may replace exercise ``index``: first the
                                        exercise's own alternatives, then catalogue look-alikes
                                        (same main muscle first); every one doable with the
                                        request's equipment, suited to the workout type, and
                                        not already in the plan
    swap_exercise(workout, index, name) the plan with exercise ``index`` replaced in place:
                                        same position, sets, reps and rest; the weight carried
                                        over sensibly (barbell -> dumbbells per hand, none for
                                        bodyweight)

An alternative the AI wrote that is not in the catalogue is offered too when its name does
not call for equipment the user lacks (``equipment_in_name``).
"""

from __future__ import annotations

import math
import re

from core.catalogue import Catalogue, Entry, load_catalogue
from core.domain import Equipment, FitnessLevel, Units, WorkoutType, with_bodyweight
from core.loads import IMPLEMENT_SHARE, implement_share, on_implement, ratio_of, starting_load
from core.models import Exercise, Workout
from core.muscles import group, muscle_share
from core.render import weight_in

__all__ = ["MAX_OPTIONS", "SwapError", "equipment_in_name", "swap_exercise", "swap_options"]

MAX_OPTIONS = 6
"""Alternatives offered at most (one button each)."""


_NAME_EQUIPMENT = (
    (re.compile(r"barbell|\bbar\b(?!.*pull)|deadlift|bench press", re.I), Equipment.BARBELL),
    (re.compile(r"dumbbell|\bdb\b", re.I), Equipment.DUMBBELLS),
    (re.compile(r"kettlebell|\bkb\b", re.I), Equipment.KETTLEBELL),
    (re.compile(r"\bband", re.I), Equipment.RESISTANCE_BANDS),
    (re.compile(r"cable", re.I), Equipment.CABLE_MACHINE),
    (re.compile(r"machine|leg press|smith", re.I), Equipment.MACHINES),
    (re.compile(r"pull-?up|chin-?up|hanging", re.I), Equipment.PULL_UP_BAR),
    (re.compile(r"jump rope|skipping", re.I), Equipment.JUMP_ROPE),
    (re.compile(r"treadmill|rower|rowing machine|bike|elliptical", re.I), Equipment.CARDIO_MACHINE),
)


class SwapError(ValueError):
    """The swap cannot be made: no such exercise, or the name is not an option."""


def equipment_in_name(name: str) -> frozenset[Equipment]:
    """Equipment an exercise name calls for ("Dumbbell row" -> dumbbells); bodyweight if none."""
    found = {gear for pattern, gear in _NAME_EQUIPMENT if pattern.search(name)}
    return frozenset(found) or frozenset({Equipment.BODYWEIGHT})


def _taken(workout: Workout) -> set[str]:
    return {e.name.strip().lower() for e in workout.exercises}


def _entry(catalogue: Catalogue, exercise: Exercise) -> Entry | None:
    """The catalogue's entry for the exercise (by name, alias or loose spelling), else for
    its first alternative the catalogue knows."""
    for name in (exercise.name, *exercise.alternatives):
        entry = catalogue.find(name)
        if entry is not None:
            return entry
    return None


def _muscles(catalogue: Catalogue, exercise: Exercise) -> tuple[str, ...]:
    """The exercise's muscles, or those of its first alternative the catalogue knows."""
    entry = _entry(catalogue, exercise)
    return entry.muscles if entry is not None else ()


_POSITION = (1.0, 0.75, 0.5, 0.35, 0.25, 0.2, 0.15, 0.1)


def _weights(muscles: tuple[str, ...]) -> dict[str, float]:
    """Each muscle group of a list, weighted by where it first appears (main first)."""
    out: dict[str, float] = {}
    for m in muscles:
        out.setdefault(group(m), _POSITION[min(len(out), len(_POSITION) - 1)])
    return out


def _likeness(current: Entry | None, muscles: tuple[str, ...], other: Entry) -> tuple[float, str]:
    """How alike ``other`` is to the exercise being swapped, as a sort key (most alike
    first): the same movement pattern and main muscle count most, then each muscle shared,
    the current exercise's first muscles weighing more (a thruster's look-alikes share its
    legs and its shoulders: squat-and-press moves before presses), then the same dosing
    class, mode (a hold for a hold) and implement, a level near the current one, and the
    hand-written staples before the imported exercises."""
    score = 0.0
    main = muscles[0] if muscles else ""
    theirs = _weights(other.muscles)
    shared = sum(w * theirs.get(g, 0.0) for g, w in _weights(muscles).items())
    if current is not None and current.pattern == "full_body":
        # A complex is alike by all it works (a thruster: legs and shoulders), not by its
        # pattern or first muscle: a push press before a snatch.
        score += 6 * shared
    else:
        if current is not None and current.pattern != "other":
            score += 4 * (other.pattern == current.pattern)
        if main and other.muscles[:1] == (main,):
            score += 3
        elif main and other.muscles and group(other.muscles[0]) == group(main):
            score += 2
        score += 4 * shared
    if current is not None:
        score += 1.0 * (other.dosing == current.dosing) + 1.0 * (other.timed == current.timed)
        score += 0.5 * (other.equipment == current.equipment)
        score -= 0.5 * abs(other.level.rank - current.level.rank)
    if other.staple:
        score += 1.0
    return (-score, other.name)


def swap_options(
    workout: Workout,
    index: int,
    *,
    workout_type: WorkoutType,
    equipment: frozenset[Equipment],
    catalogue: Catalogue | None = None,
) -> list[str]:
    """Names that may replace exercise ``index``, best first, at most ``MAX_OPTIONS``."""
    if not 0 <= index < len(workout.exercises):
        raise SwapError(f"the plan has no exercise {index + 1}")
    catalogue = catalogue or load_catalogue()
    have = with_bodyweight(equipment)
    current = workout.exercises[index]
    taken = _taken(workout)
    found: list[str] = []

    def add(name: str) -> None:
        if name.strip().lower() not in taken and name.lower() not in {f.lower() for f in found}:
            found.append(name)

    def fits(entry: Entry) -> bool:
        return not entry.needs and entry.equipment <= have and workout_type in entry.types

    for alt in current.alternatives:
        entry = catalogue.get(alt)
        if entry is not None:
            if fits(entry):
                add(entry.name)
        elif alt.strip() and equipment_in_name(alt) <= have:
            add(alt.strip())
    known = _entry(catalogue, current)
    muscles = _muscles(catalogue, current)
    for other in sorted(
        (o for o in catalogue.entries if fits(o)), key=lambda o: _likeness(known, muscles, o)
    ):
        if len(found) >= MAX_OPTIONS:
            break
        add(other.name)
    return found[:MAX_OPTIONS]


def _carried_weight(
    old: Exercise,
    old_muscles: tuple[str, ...],
    new_gear: frozenset[Equipment],
    new_entry: Entry | None,
    level: FitnessLevel,
    units: Units,
    old_entry: Entry | None = None,
) -> float | None:
    """The new exercise's weight in ``units``; None when it takes no external load."""
    weighted = (
        new_entry.weighted if new_entry is not None else bool(new_gear & set(IMPLEMENT_SHARE))
    )
    if not weighted:
        return None
    before = weight_in(old, units)
    if before is None:  # from bodyweight to a loaded move: the generator's starting load
        return starting_load(new_entry, level, units) if new_entry is not None else None
    if (
        old_entry is not None
        and new_entry is not None
        and not (old_entry.assisted or new_entry.assisted)
    ):
        # Both known: the movements' own load ratios (a bench press to a dumbbell press:
        # 0.75 of the squat's reference on a bar, 0.3 per hand).
        ratio = ratio_of(new_entry) / ratio_of(old_entry)
    else:
        ratio = implement_share(new_gear) / implement_share(old.equipment)
        new_muscles = new_entry.muscles if new_entry is not None else old_muscles
        ratio *= muscle_share(new_muscles) / muscle_share(old_muscles)
    value = before * ratio
    if not math.isfinite(value) or value <= 0:
        return None
    return on_implement(new_entry.equipment if new_entry is not None else new_gear, value, units)


def swap_exercise(
    workout: Workout,
    index: int,
    name: str,
    *,
    workout_type: WorkoutType,
    equipment: frozenset[Equipment],
    level: FitnessLevel,
    units: Units,
    catalogue: Catalogue | None = None,
) -> Workout:
    """The workout with exercise ``index`` replaced by ``name`` (one of ``swap_options``)."""
    catalogue = catalogue or load_catalogue()
    options = swap_options(
        workout, index, workout_type=workout_type, equipment=equipment, catalogue=catalogue
    )
    chosen = next((o for o in options if o.lower() == name.strip().lower()), None)
    if chosen is None:
        raise SwapError(f"{name!r} is not an alternative to exercise {index + 1}")
    old = workout.exercises[index]
    entry = catalogue.get(chosen)
    gear = entry.equipment if entry is not None else equipment_in_name(chosen)
    weight = _carried_weight(
        old, _muscles(catalogue, old), gear, entry, level, units, catalogue.get(old.name)
    )
    have = with_bodyweight(equipment)
    alternatives = [old.name]
    for alt in [*catalogue.alternatives_for(chosen, have), *old.alternatives, *options]:
        if len(alternatives) >= 3:
            break
        if alt.lower() != chosen.lower() and alt.lower() not in {a.lower() for a in alternatives}:
            alternatives.append(alt)
    instructions = (
        entry.instructions
        if entry is not None
        else f"Same sets, reps and rest as {old.name} had; move with control."
    )
    new = Exercise(
        name=chosen,
        sets=old.sets,
        reps=old.reps,
        rest_seconds=old.rest_seconds,
        instructions=instructions,
        equipment=sorted(gear),
        weighted=weight is not None,
        target_weight=weight,
        weight_unit=units if weight is not None else None,
        alternatives=alternatives,
    )
    exercises = list(workout.exercises)
    exercises[index] = new
    return workout.model_copy(update={"exercises": exercises})
