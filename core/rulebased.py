"""The rule-based generator: a real workout from the catalogue, no AI needed.

    request ─▶ scheme (sets/reps/rest by type, level, goals, coach)
            ─▶ pick exercises (equipment, level, type; the lifts the user is progressing on
               first, then fresh ones before recent ones; spread muscles)
            ─▶ fit the time: sets, then rests, then the warm-up, until the derived
               estimate is within a few percent of the requested duration
            ─▶ loads in the user's unit (the progression target where there is one, see
               core/progression.py), alternatives usable with the user's equipment

Used when there is no API key and as the fallback when the AI's answer is rejected.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from core.catalogue import Catalogue, Entry, load_catalogue
from core.coaches import coach_by_key
from core.domain import Equipment, FitnessLevel, Goal, Units, WorkoutType
from core.models import Block, Exercise, Workout, WorkoutRequest, set_seconds
from core.validation import exercise_count_bounds

__all__ = ["generate_rule_based", "starting_load"]

TARGET = 0.04
"""Aim within 4% of the requested minutes (the promise is 10%)."""

# Neighbouring types widen the pool when the user's equipment leaves too few exercises.
_RELATED = {
    WorkoutType.STRENGTH: (WorkoutType.BODYWEIGHT,),
    WorkoutType.BODYWEIGHT: (WorkoutType.STRENGTH, WorkoutType.HIIT),
    WorkoutType.HIIT: (WorkoutType.CARDIO, WorkoutType.BODYWEIGHT),
    WorkoutType.CARDIO: (WorkoutType.HIIT, WorkoutType.BODYWEIGHT),
    WorkoutType.MOBILITY: (WorkoutType.FLEXIBILITY,),
    WorkoutType.FLEXIBILITY: (WorkoutType.MOBILITY,),
}

_WARMUPS = {
    "strength": [
        "Arm circles",
        "Hip circles",
        "Bodyweight squats",
        "Band pull-aparts or shoulder rolls",
        "Light set of the first lift",
    ],
    "cardio": [
        "Marching in place",
        "Jumping jacks",
        "Leg swings",
        "Arm circles",
        "Easy jog or step jacks",
    ],
    "mobility": [
        "Slow nasal breathing",
        "Neck release",
        "Shoulder rolls",
        "Cat-cow",
        "Hip circles",
    ],
}
_COOLDOWNS = {
    "strength": ["Easy walk", "Standing forward fold", "Chest doorway stretch", "Couch stretch"],
    "cardio": [
        "Easy walk to bring the heart rate down",
        "Calf stretch",
        "Standing quad stretch",
        "Side bend stretch",
    ],
    "mobility": ["Child's pose", "Spinal twist", "Slow breathing lying down"],
}
_FAMILY = {
    WorkoutType.STRENGTH: "strength",
    WorkoutType.BODYWEIGHT: "strength",
    WorkoutType.HIIT: "cardio",
    WorkoutType.CARDIO: "cardio",
    WorkoutType.MOBILITY: "mobility",
    WorkoutType.FLEXIBILITY: "mobility",
}
_TITLES = {
    WorkoutType.STRENGTH: ("Strength Builder", "Heavy and Honest", "Iron Session"),
    WorkoutType.BODYWEIGHT: ("Bodyweight Power", "No Gym Needed", "Own Your Bodyweight"),
    WorkoutType.HIIT: ("Intervals on Fire", "HIIT Blast", "Short Rests, Big Output"),
    WorkoutType.CARDIO: ("Cardio Engine", "Heart and Lungs", "Steady Burn"),
    WorkoutType.MOBILITY: ("Move Freely", "Joint by Joint", "Mobility Reset"),
    WorkoutType.FLEXIBILITY: ("Long and Loose", "Deep Stretch", "Flexibility Flow"),
}


@dataclass(frozen=True, slots=True)
class _Scheme:
    sets: int
    reps: str
    timed: str
    rest: int


def _scheme(request: WorkoutRequest) -> _Scheme:
    level = request.profile.level.rank
    goals = set(request.profile.goals)
    kind = request.workout_type
    if kind is WorkoutType.STRENGTH:
        if request.coach == "MAX" or Goal.STRENGTH in goals:
            return _Scheme(
                4 + (level > 0), ("8-10", "5-8", "4-6")[level], "40s", (90, 120, 150)[level]
            )
        if Goal.MUSCLE_GAIN in goals:
            return _Scheme(3 + (level > 0), "8-12", "45s", (75, 90, 90)[level])
        return _Scheme(3, ("10-12", "8-12", "6-10")[level], "40s", (75, 90, 120)[level])
    if kind is WorkoutType.BODYWEIGHT:
        return _Scheme(
            3, ("8-12", "10-15", "12-20")[level], ("30s", "40s", "45s")[level], (60, 45, 45)[level]
        )
    if kind is WorkoutType.HIIT:
        if request.coach == "BLAZE":
            return _Scheme(8, "20s", "20s", 10)  # tabata
        return _Scheme(
            3 + level,
            ("30s", "40s", "45s")[level],
            ("30s", "40s", "45s")[level],
            (30, 20, 15)[level],
        )
    if kind is WorkoutType.CARDIO:
        return _Scheme(
            3, ("60s", "90s", "2 min")[level], ("60s", "90s", "2 min")[level], (45, 30, 30)[level]
        )
    return _Scheme(2, "45s", ("30s", "45s", "60s")[level], 15)


def _pool(catalogue: Catalogue, request: WorkoutRequest, wanted: int) -> list[Entry]:
    level = request.profile.level
    pool = catalogue.candidates(request.workout_type, level, request.equipment)
    for related in _RELATED[request.workout_type]:
        if len(pool) >= wanted:
            break
        names = {e.name for e in pool}
        pool += [
            e
            for e in catalogue.candidates(related, level, request.equipment)
            if e.name not in names
        ]
    if len(pool) < wanted and level is not FitnessLevel.ADVANCED:
        names = {e.name for e in pool}
        pool += [
            e
            for e in catalogue.candidates(
                request.workout_type, FitnessLevel.ADVANCED, request.equipment
            )
            if e.name not in names
        ]
    return pool


def _pick(
    pool: list[Entry], count: int, request: WorkoutRequest, rng: random.Random
) -> list[Entry]:
    """``count`` entries: lifts being progressed, then fresh ones before recent ones (and
    those to avoid last), muscles spread, loaded lifts first."""
    recent = request.recent_exercises
    avoid = {name.lower() for name in request.avoid}
    # The lifts the user has been progressing on come back (a progression needs the same
    # lift again), when this type of workout uses them: most recently done first. A
    # Regenerate's avoided exercises do not: the person asked for something different.
    order = {id(e): i for e in pool if (i := request.target_index(e.name)) is not None}
    progressing = sorted(
        (
            e
            for e in pool
            if id(e) in order
            and e.weighted
            and request.workout_type in e.types
            and e.name.lower() not in avoid
        ),
        key=lambda e: order[id(e)],
    )
    rest = [e for e in pool if e not in progressing]
    fresh = [e for e in rest if e.name.lower() not in recent | avoid]
    stale = [e for e in rest if e.name.lower() in recent - avoid]
    avoided = [e for e in rest if e.name.lower() in avoid]
    rng.shuffle(fresh)
    rng.shuffle(stale)
    rng.shuffle(avoided)
    if request.workout_type is WorkoutType.STRENGTH:
        # Compound loaded lifts lead a strength session; isolation work fills in after.
        fresh.sort(key=lambda e: (not e.weighted, len(e.muscles) < 2))
    chosen: list[Entry] = []
    used_muscles: set[str] = set()
    # A progressed lift whose muscle is already trained gives way to a fresh one first.
    passes = (
        (progressing, True),
        (fresh, True),
        (fresh, False),
        (stale, True),
        (stale, False),
        (progressing, False),
        (avoided, True),
        (avoided, False),
    )
    for group, strict in passes:
        for entry in group:
            if len(chosen) >= count:
                break
            if entry in chosen:
                continue
            if strict and entry.muscles and entry.muscles[0] in used_muscles:
                continue
            chosen.append(entry)
            used_muscles.add(entry.muscles[0] if entry.muscles else entry.name)
    if request.workout_type is WorkoutType.STRENGTH:
        chosen.sort(key=lambda e: (not e.weighted, len(e.muscles) < 2))
    return chosen


_BASE_KG = {  # starting load per set by equipment, for beginner / intermediate / advanced
    Equipment.BARBELL: (30.0, 50.0, 80.0),
    Equipment.DUMBBELLS: (8.0, 14.0, 22.0),
    Equipment.KETTLEBELL: (12.0, 16.0, 24.0),
    Equipment.CABLE_MACHINE: (20.0, 30.0, 45.0),
    Equipment.MACHINES: (25.0, 45.0, 70.0),
}
_SMALL_MUSCLES = {
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
_BIG_LIFTS = {"quads", "hamstrings", "glutes"}


def _load(entry: Entry, level: FitnessLevel, units: Units) -> float | None:
    if not entry.weighted:
        return None
    base = next(
        (loads for eq, loads in _BASE_KG.items() if eq in entry.equipment), (10.0, 15.0, 20.0)
    )
    kg = base[level.rank]
    if entry.muscles and entry.muscles[0] in _BIG_LIFTS:
        kg *= 1.3
    elif len(entry.muscles) == 1 and entry.muscles[0] in _SMALL_MUSCLES:
        kg *= 0.5
    value = kg * units.per_kg
    return max(units.step, round(value / units.step) * units.step)


def starting_load(entry: Entry, level: FitnessLevel, units: Units) -> float | None:
    """The load the generator gives ``entry`` at ``level``, in ``units``; None if unweighted."""
    return _load(entry, level, units)


def _weighted_reps(entry: Entry, request: WorkoutRequest, scheme: _Scheme) -> str:
    """The scheme's reps, or the range the user is progressing in on this lift."""
    target = request.target_for(entry.name)
    if target is None:
        return scheme.reps
    if target.rep_low == target.rep_high:
        return str(target.rep_low)
    return f"{target.rep_low}-{target.rep_high}"


def _fit_sets(sets: list[int], cost: list[float], target: float) -> list[int]:
    """Scale set counts (1-10) so sum(sets * cost) lands near ``target`` seconds."""
    total = sum(s * c for s, c in zip(sets, cost, strict=True))
    factor = target / total if total else 1.0
    sets = [min(10, max(1, round(s * factor))) for s in sets]
    for _ in range(60):
        total = sum(s * c for s, c in zip(sets, cost, strict=True))
        diff = target - total
        options = [
            (abs(diff - c), i, +1) for i, c in enumerate(cost) if diff > 0 and sets[i] < 10
        ] + [(abs(diff + c), i, -1) for i, c in enumerate(cost) if diff < 0 and sets[i] > 1]
        if not options:
            break
        best, i, step = min(options)
        if best >= abs(diff):
            break
        sets[i] += step
    return sets


def generate_rule_based(request: WorkoutRequest, rng: random.Random) -> Workout:
    """A complete workout for ``request`` from the catalogue; see the module docstring."""
    catalogue = load_catalogue()
    coach = coach_by_key(request.coach)
    scheme = _scheme(request)
    duration = request.duration_min
    family = _FAMILY[request.workout_type]

    warm = min(10, max(2, round(duration * 0.12)))
    cool = min(8, max(1, round(duration * 0.08)))
    main = (duration - warm - cool) * 60.0

    low, high = exercise_count_bounds(duration)
    per_exercise = scheme.sets * (set_seconds(scheme.reps) + scheme.rest)
    wanted = min(high, max(low, round(main / per_exercise)))
    pool = _pool(catalogue, request, wanted)
    entries = _pick(pool, min(wanted, len(pool)), request, rng)

    bodyweight_reps = ("8-12", "10-15", "12-20")[request.profile.level.rank]
    reps = [
        (
            scheme.timed
            if e.timed
            else _weighted_reps(e, request, scheme)
            if e.weighted
            else bodyweight_reps
        )
        + (" each side" if _per_side(e) else "")
        for e in entries
    ]
    rests = [scheme.rest] * len(entries)
    work = [set_seconds(r) for r in reps]
    sets = _fit_sets(
        [scheme.sets] * len(entries), [w + r for w, r in zip(work, rests, strict=True)], main
    )

    # Fine-tune with the rests, evenly, within 0-300 s.
    total = sum(s * (w + r) for s, w, r in zip(sets, work, rests, strict=True))
    if abs(total - main) > TARGET * main / 2:
        per_set = (main - total) / sum(sets)
        rests = [min(300, max(0, round(r + per_set))) for r in rests]
        total = sum(s * (w + r) for s, w, r in zip(sets, work, rests, strict=True))
    # Whatever is left goes into the warm-up and cool-down (whole minutes).
    spare = round((main - total) / 60)
    new_warm = min(20, max(1, warm + spare))
    cool = min(20, max(1, cool + spare - (new_warm - warm)))
    warm = new_warm

    units = request.profile.units
    exercises = []
    for entry, set_count, rep_text, rest in zip(entries, sets, reps, rests, strict=True):
        target = request.target_for(entry.name) if entry.weighted else None
        load = target.weight(units) if target else _load(entry, request.profile.level, units)
        alternatives = catalogue.alternatives_for(entry.name, request.equipment)[:3]
        exercises.append(
            Exercise(
                name=entry.name,
                sets=set_count,
                reps=rep_text,
                rest_seconds=rest,
                instructions=entry.instructions,
                equipment=sorted(entry.equipment),
                weighted=load is not None,
                target_weight=load,
                weight_unit=units if load is not None else None,
                alternatives=alternatives,
            )
        )
    warm_items = rng.sample(_WARMUPS[family], k=min(len(_WARMUPS[family]), 3 + warm // 4))
    cool_items = rng.sample(_COOLDOWNS[family], k=min(len(_COOLDOWNS[family]), 2 + cool // 4))
    return Workout(
        title=f"{rng.choice(_TITLES[request.workout_type])} · {duration} min",
        intro=coach.intro(rng, minutes=duration, workout_type=request.workout_type),
        warmup=Block(minutes=warm, items=warm_items),
        exercises=exercises,
        cooldown=Block(minutes=cool, items=cool_items),
        outro=coach.outro(rng),
    )


def _per_side(entry: Entry) -> bool:
    """Unilateral moves are counted per side (and take twice as long)."""
    words = (
        "single-leg",
        "one-arm",
        "side plank",
        "split squat",
        "pigeon",
        "suitcase",
        "lunge stretch",
        "couch",
        "single-leg",
    )
    name = entry.name.lower()
    return any(w in name for w in words) and "walking" not in name
