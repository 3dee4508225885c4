"""Benchmark 5: the rule-based generator, read as a strength coach would, on random requests.

What holds today (duration, equipment, validation, determinism, speed) and the figures of
issue 12's first slice, each with its target:

1. balance: full-body strength/bodyweight sessions of 40+ min with a squat or lunge, a
   hinge, a push and a pull (core from 45), when the equipment allows;
2. count and dose: exercises per session inside the norm table (core/norms.py), rests on
   the 15-s grid, isolation never <=6 reps nor 2 min rest, main lifts first;
3. formats: HIIT as timed intervals (tabata exactly 8 x 20/10), no barbell intervals of
   40 kg+, cardio of 45+ min with a 10-min bout, mobility as unloaded holds and flows;
4. warm-up and cool-down: only the user's gear, ramp-up sets for the first loaded lift,
   no "Light set of the first lift" without a load, cool-down stretches for the muscles
   trained, no main exercise again;
5. level: nothing above the user's level in the session or its alternatives.
"""

from __future__ import annotations

import random
import re
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from core.catalogue import Catalogue, Entry, load_catalogue
from core.coaches import COACHES
from core.domain import Equipment, FitnessLevel, Units, WorkoutType
from core.models import Profile, Workout, WorkoutRequest, set_seconds
from core.norms import (
    COMPOUND_PATTERNS,
    COUNT_NORMS,
    REST_GRID,
    exercise_range,
    full_body_patterns,
)
from core.rulebased import generate_rule_based
from core.validation import validate_workout

__all__ = ["Figure", "QualityResult", "random_request", "run"]


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured figure: what, the value as text, the target as text, met or not."""

    item: str
    label: str
    value: str
    target: str
    met: bool | None


@dataclass(frozen=True, slots=True)
class QualityResult:
    requests: int
    within_10pct: float
    equipment_ok: float
    validation_ok: float
    median_distinct: float
    ms_p50: float
    ms_max: float
    worst: str
    figures: tuple[Figure, ...] = field(default=())


def random_request(rng: random.Random) -> WorkoutRequest:
    """Any type, level, coach, unit, duration 10-180 and equipment subset."""
    gear = [e for e in Equipment if e is not Equipment.BODYWEIGHT]
    equipment = frozenset(rng.sample(gear, rng.randint(0, len(gear))))
    return WorkoutRequest(
        coach=rng.choice(list(COACHES)),
        workout_type=rng.choice(list(WorkoutType)),
        duration_min=rng.randint(10, 180),
        equipment=equipment,
        profile=Profile(level=rng.choice(list(FitnessLevel)), units=rng.choice(list(Units))),
    )


def _max_strength_request(rng: random.Random) -> WorkoutRequest:
    """The issue's example population: MAX, strength, 40-60 min, dumbbells and a barbell."""
    extra = [e for e in Equipment if e not in (Equipment.DUMBBELLS, Equipment.BARBELL)]
    equipment = frozenset(
        {Equipment.DUMBBELLS, Equipment.BARBELL, *rng.sample(extra, rng.randint(0, 3))}
    )
    return WorkoutRequest(
        coach="MAX",
        workout_type=WorkoutType.STRENGTH,
        duration_min=rng.randint(40, 60),
        equipment=equipment,
        profile=Profile(level=rng.choice(list(FitnessLevel)), units=rng.choice(list(Units))),
    )


# Gear words in warm-up and cool-down lines, beside the catalogue's names.
_GEAR_WORDS = (
    (re.compile(r"\bband", re.I), Equipment.RESISTANCE_BANDS),
    (re.compile(r"\bdumbbell", re.I), Equipment.DUMBBELLS),
    (re.compile(r"\bkettlebell", re.I), Equipment.KETTLEBELL),
    (re.compile(r"\b(empty bar|barbell)", re.I), Equipment.BARBELL),
    (re.compile(r"\b(jump rope|rope)\b", re.I), Equipment.JUMP_ROPE),
    (re.compile(r"\b(rower|treadmill|bike|elliptical)\b", re.I), Equipment.CARDIO_MACHINE),
    (re.compile(r"\bcable\b", re.I), Equipment.CABLE_MACHINE),
    (re.compile(r"\bpull-up bar\b", re.I), Equipment.PULL_UP_BAR),
)
_RAMP = re.compile(r"×\s*\d+.*×\s*\d+")
_REP_LOW = re.compile(r"^\s*(\d+)")
_GROUPS = {
    "legs": {"quads", "hamstrings", "glutes", "adductors", "calves", "legs", "hips"},
    "hip flexors": {"hip flexors"},
    "chest": {"chest", "upper chest"},
    "shoulders": {"shoulders", "rear shoulders"},
    "arms": {"triceps", "biceps", "forearms"},
    "back": {"back", "lats", "upper back", "lower back", "traps", "spine", "thoracic spine"},
    "core": {"core", "abs", "obliques", "lower abs"},
}


def _groups(muscles: tuple[str, ...]) -> set[str]:
    return {g for g, members in _GROUPS.items() if set(muscles) & members}


def _named(catalogue: Catalogue, text: str) -> Entry | None:
    """The catalogue exercise a warm-up or cool-down line names (the longest name in it)."""
    lower = text.lower()
    found = [e for e in catalogue.entries if e.name.lower() in lower]
    return max(found, key=lambda e: len(e.name), default=None)


def _block_lines(workout: Workout) -> list[str]:
    return [*(workout.warmup.items if workout.warmup else []), *_cool_lines(workout)]


def _cool_lines(workout: Workout) -> list[str]:
    return list(workout.cooldown.items) if workout.cooldown else []


def _lacks_gear(catalogue: Catalogue, workout: Workout, have: frozenset[Equipment]) -> bool:
    for line in _block_lines(workout):
        entry = _named(catalogue, line)
        if entry is not None and not entry.equipment <= have:
            return True
        if any(p.search(line) and eq not in have for p, eq in _GEAR_WORDS):
            return True
    return False


def _timed(reps: str) -> bool:
    return bool(re.search(r"\d\s*(s|sec|min)\b", reps.lower()))


def _on_grid(workout: Workout) -> bool:
    for ex in workout.exercises:
        tabata = ex.sets == 8 and ex.reps.strip() == "20s" and ex.rest_seconds == 10
        if ex.rest_seconds % REST_GRID and not tabata:
            return False
    return True


class _Share:
    """Counts hits over cases; ``value`` is hits / cases (None without cases)."""

    def __init__(self) -> None:
        self.hits = 0
        self.cases = 0

    def add(self, hit: bool) -> None:
        self.hits += hit
        self.cases += 1

    @property
    def value(self) -> float | None:
        return self.hits / self.cases if self.cases else None

    def text(self) -> str:
        v = self.value
        return "n/a" if v is None else f"{v:.1%} ({self.hits}/{self.cases})"


def _patterns_allowed(catalogue: Catalogue, request: WorkoutRequest) -> set[str]:
    kinds = {request.workout_type, WorkoutType.STRENGTH, WorkoutType.BODYWEIGHT}
    return {
        e.pattern
        for kind in kinds
        for e in catalogue.candidates(kind, request.profile.level, request.equipment)
    }


def _has_patterns(
    catalogue: Catalogue, workout: Workout, needed: tuple[frozenset[str], ...]
) -> bool:
    have = {e.pattern for ex in workout.exercises if (e := catalogue.get(ex.name)) is not None}
    return all(have & options for options in needed)


def _push_and_pull(catalogue: Catalogue, workout: Workout) -> bool:
    have = {e.pattern for ex in workout.exercises if (e := catalogue.get(ex.name)) is not None}
    return {"push", "pull"} <= have


def run(n: int = 2000, seed: int = 7) -> QualityResult:
    catalogue = load_catalogue()
    rng = random.Random(seed)
    within = equipment_ok = valid = 0
    distinct: list[int] = []
    times: list[float] = []
    worst, worst_off = "", 0.0
    shares: dict[str, _Share] = defaultdict(_Share)
    cells: dict[tuple[WorkoutType, int], list[bool]] = defaultdict(list)
    most = 0
    most_where = ""

    def s(key: str) -> _Share:
        return shares[key]

    for i in range(n):
        request = random_request(rng)
        workout_seed = rng.randrange(2**32)
        start = time.perf_counter()
        workout = generate_rule_based(request, random.Random(workout_seed))
        times.append((time.perf_counter() - start) * 1000)
        if i < 300:
            again = generate_rule_based(request, random.Random(workout_seed))
            s("deterministic").add(again == workout)
        kind, minutes = request.workout_type, request.duration_min
        level = request.profile.level
        have = request.equipment | {Equipment.BODYWEIGHT}
        off = abs(workout.estimated_minutes - minutes) / minutes
        within += off <= 0.10
        if off > worst_off:
            worst_off = off
            worst = f"{kind.value} {minutes} min: {workout.estimated_minutes:.1f} min"
        equipment_ok += all(set(e.equipment) <= have for e in workout.exercises)
        valid += not validate_workout(workout, request)
        count = len(workout.exercises)
        distinct.append(len({e.name for e in workout.exercises}))
        entries = [catalogue.get(ex.name) for ex in workout.exercises]

        # 1. balance
        needed = full_body_patterns(kind, minutes)
        if needed and all(_patterns_allowed(catalogue, request) & o for o in needed):
            s("balance").add(_has_patterns(catalogue, workout, needed))

        # 2. count and dose
        low, high = exercise_range(kind, minutes)
        inside = low <= count <= high
        s("count").add(inside)
        top = next(t for t, _, _ in COUNT_NORMS[kind] if minutes <= t)
        cells[(kind, top)].append(inside)
        if count > most:
            most, most_where = count, f"{kind.value} {minutes} min"
        s("grid").add(_on_grid(workout))
        isolation_ok = True
        for ex, entry in zip(workout.exercises, entries, strict=True):
            if entry is None or entry.pattern != "other" or _timed(ex.reps):
                continue
            m = _REP_LOW.match(ex.reps)
            if (m and int(m.group(1)) <= 6) or ex.rest_seconds >= 120:
                isolation_ok = False
        s("isolation").add(isolation_ok)
        if kind is WorkoutType.STRENGTH and any(
            e is not None and e.pattern in COMPOUND_PATTERNS and e.weighted for e in entries
        ):
            first = entries[0]
            s("main_first").add(first is not None and first.pattern in COMPOUND_PATTERNS)

        # 3. formats
        if kind is WorkoutType.HIIT:
            s("hiit_reps").add(any(not _timed(ex.reps) for ex in workout.exercises))
            heavy = 40 * request.profile.units.per_kg
            s("hiit_barbell").add(
                any(
                    Equipment.BARBELL in ex.equipment and (ex.target_weight or 0) >= heavy
                    for ex in workout.exercises
                )
            )
            if request.coach == "BLAZE" and minutes <= 45:
                s("tabata").add(
                    all(
                        ex.sets == 8 and ex.reps.strip() == "20s" and ex.rest_seconds == 10
                        for ex in workout.exercises
                    )
                )
        if kind is WorkoutType.CARDIO and minutes >= 45:
            s("cardio_bout").add(any(set_seconds(ex.reps) >= 600 for ex in workout.exercises))
        if kind in (WorkoutType.MOBILITY, WorkoutType.FLEXIBILITY):
            s("mobility").add(all(not ex.weighted and _timed(ex.reps) for ex in workout.exercises))

        # 4. warm-up and cool-down
        lacks = _lacks_gear(catalogue, workout, frozenset(have))
        s("gear").add(lacks)
        if request.equipment <= {Equipment.BODYWEIGHT}:
            s("gear_bodyweight").add(lacks)
        warm = workout.warmup.items if workout.warmup else []
        if not workout.exercises[0].weighted:
            s("light_set").add(any("light set of the first lift" in w.lower() for w in warm))
        loaded = next((ex for ex in workout.exercises if ex.weighted), None)
        if kind is WorkoutType.STRENGTH and loaded is not None:
            unit = request.profile.units.value
            s("ramp").add(
                any(
                    w.lower().startswith(loaded.name.lower())
                    and "×" in w
                    and (unit in w or "empty bar" in w)
                    for w in warm
                )
            )
        if kind in (WorkoutType.STRENGTH, WorkoutType.BODYWEIGHT):
            trained = set().union(*(_groups(e.muscles) for e in entries if e is not None))
            stretches = [
                e
                for line in _cool_lines(workout)
                if (e := _named(catalogue, line)) is not None
                and e.pattern in ("stretch", "mobility")
            ]
            s("cooldown").add(
                bool(stretches) and all(_groups(e.muscles) & trained for e in stretches)
            )
        mains = {ex.name.lower() for ex in workout.exercises}
        s("main_again").add(
            any(
                (e := _named(catalogue, line)) is not None
                and e.name.lower() in mains
                and "×" not in line  # the ramp-up sets of the first lift
                for line in _block_lines(workout)
            )
        )

        # 5. level
        above = [e for e in entries if e is not None and e.level.rank > level.rank]
        if level is FitnessLevel.BEGINNER:
            s("level_beginner").add(bool(above))
        s("level_any").add(bool(above))
        for ex in workout.exercises:
            for alt in ex.alternatives:
                entry = catalogue.get(alt)
                above_alt = entry is not None and entry.level.rank > level.rank
                if level is FitnessLevel.BEGINNER:
                    s("alt_beginner").add(above_alt)
                if level is not FitnessLevel.ADVANCED:
                    s("alt_any").add(above_alt)

    # The example: MAX, strength, 40-60 min, dumbbells and a barbell.
    sub = random.Random(seed + 1)
    for _ in range(max(300, n // 6)):
        request = _max_strength_request(sub)
        workout = generate_rule_based(request, random.Random(sub.randrange(2**32)))
        s("max_push_pull").add(_push_and_pull(catalogue, workout))
        s("max_balance").add(
            _has_patterns(
                catalogue, workout, full_body_patterns(request.workout_type, request.duration_min)
            )
        )

    cell_share = _Share()
    for hits in cells.values():
        cell_share.add(all(hits))

    def f(item: str, label: str, key: str, target: float, good: Callable[[float], bool]) -> Figure:
        share = shares[key]
        value = share.value
        return Figure(
            item, label, share.text(), f"{target:.0%}", None if value is None else good(value)
        )

    def at_least(t: float) -> Callable[[float], bool]:
        return lambda v: v >= t

    def at_most(t: float) -> Callable[[float], bool]:
        return lambda v: v <= t

    figures = (
        f(
            "1",
            "full-body 40+ min with squat/lunge, hinge, push, pull (+core 45+)",
            "balance",
            1,
            at_least(1),
        ),
        f(
            "1",
            "MAX strength 40-60 min, db+bb: push and pull both present",
            "max_push_pull",
            1,
            at_least(1),
        ),
        f(
            "1",
            "MAX strength 40-60 min, db+bb: all required patterns",
            "max_balance",
            1,
            at_least(1),
        ),
        f("2", "exercise count inside the norm table", "count", 1, at_least(1)),
        Figure(
            "2",
            "type-by-duration cells with every session inside the norm",
            cell_share.text(),
            "100%",
            cell_share.value == 1,
        ),
        Figure("2", "most exercises in one session", f"{most} ({most_where})", "<= 14", most <= 14),
        f("2", "every rest on the 15-s grid (tabata's 10 s excepted)", "grid", 1, at_least(1)),
        f("2", "isolation never <=6 reps nor >=2 min rest", "isolation", 1, at_least(1)),
        f("2", "strength: a compound lift comes first", "main_first", 1, at_least(1)),
        f("3", "HIIT sessions with rep-counted sets", "hiit_reps", 0, at_most(0)),
        f("3", "HIIT sessions with barbell intervals of 40 kg+", "hiit_barbell", 0, at_most(0)),
        f(
            "3",
            "BLAZE HIIT up to 45 min: every block a tabata, 8 x 20 s / 10 s",
            "tabata",
            1,
            at_least(1),
        ),
        f("3", "cardio 45+ min with a bout of 10+ min", "cardio_bout", 1, at_least(1)),
        f("3", "mobility/flexibility only unloaded holds and flows", "mobility", 1, at_least(1)),
        f("4", "warm-up/cool-down naming gear the user lacks", "gear", 0, at_most(0)),
        f("4", "... of bodyweight-only sessions", "gear_bodyweight", 0, at_most(0)),
        f(
            "4",
            "'Light set of the first lift' with an unloaded first lift",
            "light_set",
            0,
            at_most(0),
        ),
        f(
            "4",
            "strength with a loaded lift: ramp-up sets in the user's unit",
            "ramp",
            1,
            at_least(1),
        ),
        f(
            "4",
            "strength/bodyweight cool-down stretches the muscles trained",
            "cooldown",
            1,
            at_least(1),
        ),
        f("4", "a main exercise again in the warm-up or cool-down", "main_again", 0, at_most(0)),
        f(
            "5",
            "beginner sessions with an exercise above the level",
            "level_beginner",
            0,
            at_most(0),
        ),
        f("5", "sessions with an exercise above the user's level", "level_any", 0, at_most(0)),
        f("5", "beginners' alternatives above the level", "alt_beginner", 0, at_most(0)),
        f(
            "5",
            "alternatives above the user's level (non-advanced users)",
            "alt_any",
            0,
            at_most(0),
        ),
        f("-", "same seed, same workout", "deterministic", 1, at_least(1)),
    )
    return QualityResult(
        requests=n,
        within_10pct=within / n,
        equipment_ok=equipment_ok / n,
        validation_ok=valid / n,
        median_distinct=statistics.median(distinct),
        ms_p50=statistics.median(times),
        ms_max=max(times),
        worst=worst or "none",
        figures=figures,
    )
