"""The rule-based generator: a real workout from the catalogue, no AI needed.

    request ─▶ the session's shape by type (core/norms.py: how many exercises, which
               patterns, which dose per role, which interval format)
            ─▶ pick exercises slot by slot (equipment and level; a squat or lunge, a hinge,
               a push and a pull, core from 45 min; the lifts the user is progressing on
               first, then fresh ones before recent ones, spread muscles)
            ─▶ fit the time with sets, rounds, supersets of accessories and rests on the
               15-s grid, then the warm-up and cool-down minutes
            ─▶ loads in the user's unit (the progression target where there is one, see
               core/progression.py), alternatives within the user's gear and level
            ─▶ a warm-up and cool-down built from the session (core/sessions.py)

Formats per type: strength and bodyweight as sets of reps (main lifts first, heavy; then
accessories, isolation, core); HIIT as timed intervals (BLAZE: tabatas of exactly 8 x 20 s
on / 10 s off; KAI and NOVA: EMOMs; the others work/rest intervals by level), never with a
barbell; cardio as a sustained main bout plus structured intervals; mobility and
flexibility as unloaded holds and flows.

Used when there is no API key and as the fallback when the AI's answer is rejected.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from core.catalogue import Catalogue, Entry, load_catalogue
from core.coaches import Coach, coach_by_key
from core.domain import Equipment, Focus, Goal, WorkoutType
from core.loads import KETTLEBELLS, on_implement, starting_load
from core.models import Block, Exercise, Workout, WorkoutRequest, set_seconds
from core.norms import (
    COMPOUND_PATTERNS,
    FOCUS_ACCESSORIES,
    REST_GRID,
    Dose,
    Role,
    exercise_range,
    focus_patterns,
    full_body_patterns,
    interval_for,
    main_dose,
    on_focus,
    role_dose,
)
from core.recovery import group_of
from core.sessions import cooldown_items, ramp_up, warmup_items
from core.validation import exercise_count_bounds

__all__ = ["KETTLEBELLS", "generate_rule_based", "on_implement", "starting_load"]

TARGET = 0.04
"""Aim within 4% of the requested minutes (the promise is 10%)."""

_RELATED = {
    WorkoutType.STRENGTH: (WorkoutType.BODYWEIGHT,),
    WorkoutType.BODYWEIGHT: (WorkoutType.STRENGTH,),
    WorkoutType.HIIT: (WorkoutType.CARDIO, WorkoutType.BODYWEIGHT),
    WorkoutType.CARDIO: (WorkoutType.HIIT, WorkoutType.BODYWEIGHT),
    WorkoutType.MOBILITY: (WorkoutType.FLEXIBILITY,),
    WorkoutType.FLEXIBILITY: (WorkoutType.MOBILITY,),
}
_TITLES = {
    WorkoutType.STRENGTH: ("Strength Builder", "Heavy and Honest", "Iron Session"),
    WorkoutType.BODYWEIGHT: ("Bodyweight Power", "No Gym Needed", "Own Your Bodyweight"),
    WorkoutType.HIIT: ("Intervals on Fire", "HIIT Blast", "Short Rests, Big Output"),
    WorkoutType.CARDIO: ("Cardio Engine", "Heart and Lungs", "Steady Burn"),
    WorkoutType.MOBILITY: ("Move Freely", "Joint by Joint", "Mobility Reset"),
    WorkoutType.FLEXIBILITY: ("Long and Loose", "Deep Stretch", "Flexibility Flow"),
}
_RESISTANCE = (WorkoutType.STRENGTH, WorkoutType.BODYWEIGHT)
_LOOSE = (WorkoutType.MOBILITY, WorkoutType.FLEXIBILITY)
_STEADY = (
    "Treadmill run",
    "Elliptical steady",
    "Bicycling, stationary",
    "Treadmill incline walk",
    "Stairmaster",
    "Easy run",
    "Brisk walk",
    "Trail running/walking",
    "Marching in place",
    "Step-up",
)
"""What a sustained bout can be, best first (the last two for small rooms)."""
_EMOM_COACHES = frozenset({"KAI", "NOVA"})
_MAIN_ONLY = frozenset(
    {"Conventional deadlift", "Barbell back squat", "Barbell front squat", "Power clean"}
)
"""Lifts a coach doses heavy or not at all: never at an accessory's reps and rest."""
_IMPORTED_PER_PATTERN = 12
"""Imported (not hand-written) exercises a workout's picker considers per pattern."""
_ROLE_ORDER = {"main": 0, "accessory": 1, "isolation": 2, "carry": 3, "core": 4}


@dataclass(slots=True)
class _Item:
    """One exercise being dosed: sets and rest move within bounds to fit the clock."""

    entry: Entry
    role: str
    sets: int
    sets_low: int
    sets_high: int
    reps: str
    rest: int
    rest_low: int
    rest_high: int
    note: str = ""
    partner: int | None = None
    """The other half of a superset (its index), whose sets move with this one's."""
    load: float | None = None
    work: float = field(init=False)

    def __post_init__(self) -> None:
        self.work = set_seconds(self.reps)

    @property
    def cost(self) -> float:
        return self.sets * (self.work + self.rest)


# ── picking ─────────────────────────────────────────────────────────────────────────


def _pool(
    catalogue: Catalogue, request: WorkoutRequest, keep: Callable[[Entry], bool]
) -> list[Entry]:
    """Candidates of the type first, then of related types: within the user's level and
    equipment, never above (a beginner gets beginner exercises, however few)."""
    level, gear = request.profile.level, request.equipment
    pool: list[Entry] = []
    names: set[str] = set()
    for kind in (request.workout_type, *_RELATED[request.workout_type]):
        for e in catalogue.candidates(kind, level, gear):
            if e.name not in names and keep(e):
                pool.append(e)
                names.add(e.name)
    return pool


class _Picker:
    """Orders candidates as a coach would: away from muscles still recovering, lifts being
    progressed (the anchor lift every session, the others when not done last session), then
    the least recently done; a Regenerate's avoided exercises only when nothing else fits."""

    def __init__(self, pool: list[Entry], request: WorkoutRequest, rng: random.Random) -> None:
        self.request = request
        self.avoid = {name.lower() for name in request.avoid}
        # How recently each exercise was done: the last session's rank highest, so what is
        # left of the recent ones rotates oldest first instead of at random.
        self.recency: dict[str, int] = {}
        for age, item in enumerate(request.history):
            for done in item.exercises:
                self.recency.setdefault(done.lower(), len(request.history) - age)
        self.progression: dict[str, int] = {}
        for i, target in enumerate(request.progression):
            self.progression.setdefault(" ".join(target.name.lower().split()), i)
        # The session's anchor lift (its first main lift) stays every session; the other
        # progressed lifts come back every other one, so two lifts of a pattern alternate
        # (A/B, as StrongLifts-style full-body programmes run: the squat every day, bench
        # and press, row and deadlift in turn) and consecutive sessions share little.
        last = request.history[0].exercises if request.history else ()
        self.last = {" ".join(name.lower().split()) for name in last}
        shuffled = list(pool)
        rng.shuffle(shuffled)
        # Every staple, and a fresh handful of the imported exercises of each pattern: the
        # staples come first anyway (see _key), the handful brings variety and covers a
        # pattern the staples lack, and the picker's work stays near the staples' size.
        per_pattern: dict[str, int] = {}
        kept = []
        for e in shuffled:
            if not e.staple:
                per_pattern[e.pattern] = per_pattern.get(e.pattern, 0) + 1
                if per_pattern[e.pattern] > _IMPORTED_PER_PATTERN:
                    continue
            kept.append(e)
        self.primary = {e.name for e in kept if request.workout_type in e.types}
        self.pool = shuffled = kept
        self.chosen: list[Entry] = []
        self.names: set[str] = set()
        self.muscles: list[str] = []

        # What ranks an entry and does not change while picking, worked out once.
        self._static: dict[str, tuple[bool, bool, bool, bool, int, int, bool, bool]] = {}
        for e in shuffled:
            name = e.name.lower()
            key = " ".join(name.split())
            index = self.progression.get(key)
            progressing = index is not None and e.weighted and name not in self.avoid
            self._static[e.name] = (
                name in self.avoid,
                # Away from muscle groups still recovering (core.recovery), progressed or not.
                bool(e.muscles) and group_of(e.muscles[0]) in request.tired,
                progressing,
                key in self.last,
                index if progressing and index is not None else 0,
                self.recency.get(name, 0),
                e.name not in self.primary,
                not e.staple,
            )

    def _key(self, e: Entry, prefer_loaded: bool, main: bool, anchor: bool) -> tuple[int, ...]:
        avoided, tired, progressing, in_last, index, recent, secondary, imported = self._static[
            e.name
        ]
        kept = progressing and (anchor or not in_last)
        return (
            avoided,
            tired,
            not kept,
            index if kept else 0,
            # With the gear for it, a loaded move beats an unloaded one, even a recent one.
            prefer_loaded and not e.weighted,
            # A main lift is a staple, recent or not (the big lifts stay); accessories take
            # the hand-written staples first and rotate through the imported exercises once
            # the staples are recent.
            main and imported,
            recent,
            imported,
            bool(e.muscles) and e.muscles[0] in self.muscles,
            secondary,
            # A main lift: a barbell when there is one, both sides at once.
            main and Equipment.BARBELL not in e.equipment,
            main and _per_side(e),
            not main and e.name in _MAIN_ONLY,
        )

    def take(
        self,
        patterns: frozenset[str] | None,
        *,
        prefer_loaded: bool,
        allow_avoided: bool,
        main: bool = False,
        anchor: bool = False,
    ) -> Entry | None:
        """The best entry of ``patterns`` (any when None) not yet chosen; ``anchor`` for the
        session's first main lift, which keeps a progressed lift even if done last time."""
        options = [
            e
            for e in self.pool
            if e.name not in self.names and (patterns is None or e.pattern in patterns)
        ]
        if not allow_avoided:
            options = [e for e in options if not self._static[e.name][0]]
        if not options:
            return None
        best = min(options, key=lambda e: self._key(e, prefer_loaded, main, anchor))
        self.add(best)
        return best

    def add(self, best: Entry) -> None:
        self.chosen.append(best)
        self.names.add(best.name)
        if best.muscles:
            self.muscles.append(best.muscles[0])


_ACCESSORY_CYCLE: tuple[frozenset[str], ...] = (
    frozenset({"lunge", "squat"}),
    frozenset({"pull"}),
    frozenset({"push"}),
    frozenset({"other"}),
    frozenset({"hinge"}),
    frozenset({"core", "carry"}),
    frozenset({"other"}),
    frozenset({"full_body", "pull"}),
    frozenset({"core"}),
)


def _slots(
    kind: WorkoutType, minutes: int, count: int, focus: Focus | None = None
) -> list[frozenset[str]]:
    if focus is not None and focus is not Focus.FULL_BODY:  # a split's day: its own patterns
        required = list(focus_patterns(focus, minutes))
        slots = required[:count] if len(required) > count else required
        extra = FOCUS_ACCESSORIES[focus]
        while len(slots) < count:
            slots.append(extra[(len(slots) - len(required)) % len(extra)])
        return slots
    required = list(full_body_patterns(kind, minutes))
    if not required:  # shorter sessions are balanced all the same, in this order
        required = [
            frozenset({"squat", "lunge"}),
            frozenset({"push"}),
            frozenset({"pull"}),
            frozenset({"hinge"}),
            frozenset({"core"}),
        ]
    slots = required[:count] if len(required) > count else required
    cycle = 0
    while len(slots) < count:
        slots.append(_ACCESSORY_CYCLE[cycle % len(_ACCESSORY_CYCLE)])
        cycle += 1
    return slots


def _pick_by_slots(
    picker: _Picker,
    slots: list[frozenset[str]],
    prefer_loaded: bool,
    low: int,
    mains: int = 0,
) -> list[Entry]:
    """One entry per slot (a slot's pattern out of reach: any), the first ``mains`` picked
    as main lifts; topped up to ``low`` with anything, avoided ones last."""
    picked: list[Entry] = []
    for index, slot in enumerate(slots):
        main = index < mains
        entry = picker.take(
            slot, prefer_loaded=prefer_loaded, allow_avoided=False, main=main, anchor=index == 0
        )
        if entry is None:  # the slot's pattern is out of reach: any pattern of the pool
            entry = picker.take(None, prefer_loaded=prefer_loaded, allow_avoided=False)
        if entry is not None:
            picked.append(entry)
    while len(picked) < max(low, 1):
        entry = picker.take(None, prefer_loaded=prefer_loaded, allow_avoided=True)
        if entry is None:
            break
        picked.append(entry)
    return picked


# ── loads and reps ──────────────────────────────────────────────────────────────────


def _per_side(entry: Entry) -> bool:
    """Unilateral moves are counted per side (and take twice as long)."""
    words = (
        "single-leg",
        "single leg",
        "one-arm",
        "one arm",
        "single-arm",
        "single arm",
        "one-legged",
        "one leg",
        "side plank",
        "split squat",
        "pigeon",
        "suitcase",
        "lunge stretch",
        "couch",
        "quad stretch",
        "figure-four",
        "cross-body",
        "side bend",
        "overhead triceps stretch",
        "thread the needle",
        "open book",
        "spinal twist",
        "warrior ii",
        "lateral lunge",
        "cossack",
    )
    name = entry.name.lower()
    return any(w in name for w in words) and "walking" not in name


def _side(entry: Entry, reps: str) -> str:
    return reps + (" each side" if _per_side(entry) else "")


def _grid(seconds: float) -> int:
    return int(round(seconds / REST_GRID) * REST_GRID)


def _reps_for(entry: Entry, request: WorkoutRequest, dose: Dose, role: str) -> str:
    if entry.timed:
        return dose.timed
    target = request.target_for(entry.name) if entry.weighted else None
    if target is not None and not (role == "isolation" and target.rep_low <= 6):
        if target.rep_low == target.rep_high:
            return str(target.rep_low)
        return f"{target.rep_low}-{target.rep_high}"
    return dose.reps


def _are(group: str) -> str:
    return "is" if group in ("chest", "back", "core") else "are"


def _item(entry: Entry, role: str, dose: Dose, reps: str, load: float | None) -> _Item:
    return _Item(
        entry=entry,
        role=role,
        sets=dose.sets,
        sets_low=dose.sets_low,
        sets_high=dose.sets_high,
        reps=_side(entry, reps),
        rest=dose.rest,
        rest_low=dose.rest_low,
        rest_high=dose.rest_high,
        load=load,
    )


def _weight(entry: Entry, request: WorkoutRequest) -> float | None:
    target = request.target_for(entry.name) if entry.weighted else None
    units = request.profile.units
    if target is None:
        return starting_load(entry, request.profile.level, units)
    weight = target.weight(units)
    if Equipment.KETTLEBELL in entry.equipment:  # progression counts plate steps; a bell
        return on_implement(entry.equipment, weight, units)  # comes in the sizes that exist
    return weight


# ── the session's shape per type ────────────────────────────────────────────────────


def _role(entry: Entry) -> Role:
    """The role an entry's dosing class gives it before mains are chosen."""
    if entry.dosing == "compound" and entry.pattern in COMPOUND_PATTERNS:
        return "accessory"
    if entry.dosing in ("carry", "core"):
        return "carry" if entry.dosing == "carry" else "core"
    return "isolation"


def _resistance(
    catalogue: Catalogue, request: WorkoutRequest, rng: random.Random, count: int, low: int
) -> list[_Item]:
    kind = request.workout_type
    minutes = request.duration_min
    level = request.profile.level

    focus = request.focus if request.focus is not Focus.FULL_BODY else None

    def keep(e: Entry) -> bool:
        if e.pattern in ("cardio", "stretch", "mobility"):
            return False
        if focus is not None and not on_focus(focus, e.muscles):
            return False  # a split's day keeps to its muscles (core/norms.py)
        # A bodyweight session borrows only unloaded strength moves.
        return not (
            kind is WorkoutType.BODYWEIGHT and WorkoutType.BODYWEIGHT not in e.types and e.weighted
        )

    picker = _Picker(_pool(catalogue, request, keep), request, rng)
    strength = kind is WorkoutType.STRENGTH
    mains_wanted = 1 if minutes < 30 else 2 if minutes < 75 else 3
    entries = _pick_by_slots(
        picker,
        _slots(kind, minutes, count, focus),
        strength,
        low,
        mains_wanted if strength else 0,
    )
    heavy = request.coach == "MAX" or Goal.STRENGTH in request.profile.goals
    items: list[_Item] = []
    mains = 0
    for entry in entries:
        role = _role(entry)
        if role == "accessory" and mains < mains_wanted and (entry.weighted or not strength):
            role, mains = "main", mains + 1
        if role == "main" and strength and entry.weighted:
            dose = main_dose(level, frozenset(request.profile.goals), heavy)
        else:
            dose = role_dose(role, level, kind)
        item = _item(
            entry, role, dose, _reps_for(entry, request, dose, role), _weight(entry, request)
        )
        group = group_of(entry.muscles[0]) if entry.muscles else None
        if group in request.tired:  # still recovering: a set fewer, never more (core/recovery.py)
            item.sets_high = max(item.sets_low, item.sets_high - 1)
            item.sets = max(item.sets_low, min(item.sets - 1, item.sets_high))
            item.note = f"Your {group} {_are(group)} still recovering: keep to these sets."
        items.append(item)
    # Main lifts first, then accessories, isolation, carries and core (NSCA).
    items.sort(key=lambda it: _ROLE_ORDER[it.role])
    return items


def _hiit(
    catalogue: Catalogue, request: WorkoutRequest, rng: random.Random, count: int, low: int
) -> list[_Item]:
    def keep(e: Entry) -> bool:
        # Intervals are never done with a barbell; stretches are for the cool-down.
        return Equipment.BARBELL not in e.equipment and e.pattern not in ("stretch", "mobility")

    picker = _Picker(_pool(catalogue, request, keep), request, rng)
    slots = [
        frozenset({"full_body", "cardio"}),
        frozenset({"squat", "lunge", "hinge"}),
        frozenset({"push", "pull", "core"}),
        frozenset({"cardio"}),
    ]
    while len(slots) < count:
        slots.append(slots[len(slots) % 4])
    loaded = bool(request.equipment & {Equipment.KETTLEBELL, Equipment.DUMBBELLS})
    entries = _pick_by_slots(picker, slots[:count], loaded, low)
    level = request.profile.level
    items: list[_Item] = []
    tabatas = 0
    for entry in entries:
        load = _weight(entry, request)
        if request.coach == "BLAZE" and (request.duration_min <= 45 or tabatas < 2):
            tabatas += 1
            it = _Item(entry, "tabata", 8, 8, 8, "20s", 10, 10, 10, load=load)
            it.note = "Tabata: 8 rounds of 20 s all-out, 10 s rest."
        elif request.coach in _EMOM_COACHES and not entry.timed:
            reps = ("8", "10", "12")[level.rank]
            it = _Item(
                entry,
                "emom",
                8,
                4,
                10,
                f"EMOM: {reps} reps{' a side' if _per_side(entry) else ''} in 1 min",
                0,
                0,
                0,
                load=load,
            )
            it.note = "Every minute on the minute: the reps, then rest what is left of the minute."
        else:
            iv = interval_for(level, long=request.duration_min > 60)
            reps = f"{iv.work}s"  # unilateral moves alternate sides within the interval
            it = _Item(
                entry, "interval", iv.rounds, 4, 10, reps, iv.rest, iv.rest, iv.rest, load=load
            )
            it.note = f"Intervals: {iv.work} s on, {iv.rest} s off."
        items.append(it)
    return items


def _cardio(
    catalogue: Catalogue, request: WorkoutRequest, rng: random.Random, count: int, low: int
) -> list[_Item]:
    def keep(e: Entry) -> bool:
        return e.pattern in ("cardio", "full_body", "squat", "lunge") and not e.weighted

    pool = _pool(catalogue, request, keep)
    picker = _Picker(pool, request, rng)
    names = {e.name for e in pool}
    steady = [e for name in _STEADY if (e := catalogue.get(name)) is not None and e.name in names]
    minutes = request.duration_min
    level = request.profile.level
    items: list[_Item] = []
    bout = 10 if minutes >= 30 else 5 if minutes >= 15 else 3
    if steady:
        fresh = [e for e in steady if e.name.lower() not in picker.avoid]
        main = next((e for e in fresh if e.name.lower() not in picker.recency), None)
        main = main or (fresh or steady)[0]
        picker.add(main)
        sets = max(1, round((minutes * 0.45) / bout))
        it = _Item(main, "bout", sets, 1, 10, f"{bout} min", 60 if sets > 1 else 0, 0, 120)
        it.rest_low = 0 if sets == 1 else 30
        it.note = "Steady: you can talk in short sentences (about 6/10 effort)."
        items.append(it)
        if len(pool) >= count + len(steady):
            # Intervals of other moves: the other steady bouts stay free for a Regenerate.
            picker.names.update(e.name for e in steady)
    work, rest = ((60, 60), (60, 30), (90, 30))[level.rank]
    entries = _pick_by_slots(
        picker, [frozenset({"cardio"})] * (count - len(items)), False, low - len(items)
    )
    for entry in entries:
        it = _Item(entry, "interval", 5, 2, 10, f"{work}s", rest, rest, rest * 2)
        it.note = f"Intervals: {work} s brisk, {rest} s easy."
        items.append(it)
    return items


def _loose(
    catalogue: Catalogue, request: WorkoutRequest, rng: random.Random, count: int, low: int
) -> list[_Item]:
    def keep(e: Entry) -> bool:
        return not e.weighted and e.pattern not in ("cardio", "full_body")

    picker = _Picker(_pool(catalogue, request, keep), request, rng)
    first = (
        frozenset({"mobility"})
        if request.workout_type is WorkoutType.MOBILITY
        else frozenset({"stretch"})
    )
    slots = [first, frozenset({"stretch", "mobility"})] * count
    entries = _pick_by_slots(picker, slots[:count], False, low)
    level = request.profile.level
    # Longer sessions hold longer (and do more rounds), not more stretches.
    minutes = request.duration_min
    hold = (30, 45, 60)[level.rank] + (30 if minutes >= 100 else 15 if minutes >= 50 else 0)
    if minutes < 20:  # a short session holds each stretch briefly to reach a few of them
        hold = 30
    items: list[_Item] = []
    for entry in entries:
        flow = entry.pattern == "mobility" or not entry.timed
        reps = _side(entry, f"{hold}s")
        it = _Item(entry, "flow" if flow else "hold", 2, 1, 5, reps, 15, 15, 30)
        it.note = (
            "Flow: slow, controlled reps through the range."
            if flow
            else "Hold: breathe out into the stretch, no bouncing."
        )
        items.append(it)
    # Flows (dynamic) before holds (static).
    items.sort(key=lambda it: it.role != "flow")
    return items


_PER_EXERCISE = {  # seconds an exercise takes at its starting dose, about
    WorkoutType.STRENGTH: 480.0,
    WorkoutType.BODYWEIGHT: 390.0,
    WorkoutType.HIIT: 330.0,
    WorkoutType.CARDIO: 600.0,
    WorkoutType.MOBILITY: 200.0,
    WorkoutType.FLEXIBILITY: 200.0,
}
_BUILDERS = {
    WorkoutType.STRENGTH: _resistance,
    WorkoutType.BODYWEIGHT: _resistance,
    WorkoutType.HIIT: _hiit,
    WorkoutType.CARDIO: _cardio,
    WorkoutType.MOBILITY: _loose,
    WorkoutType.FLEXIBILITY: _loose,
}


# ── fitting the clock ───────────────────────────────────────────────────────────────


def _total(items: list[_Item]) -> float:
    return sum(it.cost for it in items)


def _fit(items: list[_Item], target: float) -> None:
    """Move sets (supersets together) and rests (on the grid) until the total is as close
    to ``target`` seconds as they get."""
    total = _total(items)
    if total:  # a first proportional step, then one set or one rest step at a time
        factor = target / total
        for it in items:
            if it.partner is None:
                it.sets = min(it.sets_high, max(it.sets_low, round(it.sets * factor)))
    for _ in range(200):
        diff = target - _total(items)
        if abs(diff) <= REST_GRID:
            return
        best: tuple[float, int, str, int] | None = None
        for i, it in enumerate(items):
            partner = items[it.partner] if it.partner is not None else None
            if partner is not None and it.partner is not None and it.partner < i:
                continue  # a superset moves from its first half
            per_set = it.work + it.rest + (partner.work + partner.rest if partner else 0)
            for step in (1, -1):
                ok = it.sets_low <= it.sets + step <= it.sets_high
                if partner is not None:
                    ok = ok and partner.sets_low <= partner.sets + step <= partner.sets_high
                if ok:
                    option = (abs(diff - step * per_set), i, "sets", step)
                    best = option if best is None or option < best else best
                if it.rest_low <= it.rest + step * REST_GRID <= it.rest_high:
                    option = (abs(diff - step * REST_GRID * it.sets), i, "rest", step)
                    best = option if best is None or option < best else best
            if partner is not None:
                for step in (1, -1):
                    if partner.rest_low <= partner.rest + step * REST_GRID <= partner.rest_high:
                        j = it.partner
                        assert j is not None
                        option = (abs(diff - step * REST_GRID * partner.sets), j, "rest", step)
                        best = option if best is None or option < best else best
        if best is None or best[0] >= abs(diff):
            return
        _, i, what, step = best
        it = items[i]
        if what == "rest":
            it.rest += step * REST_GRID
        else:
            it.sets += step
            if it.partner is not None:
                items[it.partner].sets += step


def _superset(items: list[_Item], roles: tuple[str, ...]) -> None:
    """Pair neighbouring exercises of ``roles`` into supersets: the first rests 15 s, both
    keep the same sets, the second carries the rest."""
    free = [i for i, it in enumerate(items) if it.role in roles and it.partner is None]
    for a, b in zip(free[::2], free[1::2], strict=False):
        first, second = items[a], items[b]
        if first.entry.pattern == second.entry.pattern and first.role == "main":
            continue
        first.partner, second.partner = b, a
        first.rest = first.rest_low = first.rest_high = REST_GRID
        second.sets = first.sets = min(
            max(first.sets, second.sets), first.sets_high, second.sets_high
        )
        first.note = (
            f"Superset A1 with {second.entry.name}: go straight to it, rest after both. "
            + first.note
        ).strip()
        second.note = (
            f"Superset A2 with {first.entry.name}: rest after this one. " + second.note
        ).strip()


def _blocks_minutes(duration: int) -> tuple[int, int]:
    """Warm-up and cool-down minutes: about 15% and 8% of the session (ACSM: 5-10 min of
    warm-up), at least 4 and 2 from 20 minutes."""
    warm = min(12, max(_warm_floor(duration), round(duration * 0.15)))
    cool = min(8, max(2 if duration >= 20 else 1, round(duration * 0.08)))
    return warm, cool


def _warm_floor(duration: int) -> int:
    return 4 if duration >= 20 else 2 if duration >= 15 else 1


def _clone(items: list[_Item]) -> list[_Item]:
    out = []
    for it in items:
        copy = _Item(
            it.entry,
            it.role,
            it.sets,
            it.sets_low,
            it.sets_high,
            it.reps,
            it.rest,
            it.rest_low,
            it.rest_high,
            it.note,
            it.partner,
            it.load,
        )
        out.append(copy)
    return out


def _arrange(items: list[_Item], duration: int) -> tuple[list[_Item], int, int]:
    """The items' sets, rests and supersets, and the warm-up and cool-down minutes, so the
    session lasts ``duration`` minutes (within ``TARGET`` when it can)."""
    warm, cool = _blocks_minutes(duration)
    main = (duration - warm - cool) * 60.0
    best: tuple[float, list[_Item], int, int] | None = None
    structures: tuple[tuple[str, ...], ...] = (
        (),
        ("isolation", "core", "carry"),
        ("accessory", "isolation", "core", "carry"),
        ("main", "accessory", "isolation", "core", "carry"),
    )
    for roles in structures:
        trial = _clone(items)
        if roles:
            _superset(trial, roles)
        _fit(trial, main)
        spare = round((main - _total(trial)) / 60)
        w = min(15, max(_warm_floor(duration), warm + spare // 2))
        c = min(10, max(2 if duration >= 20 else 1, cool + spare - (w - warm)))
        minutes = w + c + _total(trial) / 60
        off = abs(minutes - duration) / duration
        if best is None or off < best[0] - 1e-9:
            best = (off, trial, w, c)
        if off <= TARGET:
            break
    assert best is not None
    return best[1], best[2], best[3]


def _relax(items: list[_Item], request: WorkoutRequest) -> None:
    """The last resort for a session the norms cannot fill: up to 10 sets each; an EMOM
    (ten minutes at most) becomes work/rest intervals, which a long session fills better."""
    iv = interval_for(request.profile.level, long=request.duration_min > 60)
    for it in items:
        if it.role == "tabata":
            continue  # a tabata is 8 rounds, always
        if it.role == "emom":
            it.role, it.reps, it.work = "interval", f"{iv.work}s", float(iv.work)
            it.rest = it.rest_low = it.rest_high = iv.rest
            it.note = f"Intervals: {iv.work} s on, {iv.rest} s off."
        it.sets_high = 10
        if it.partner is None and it.role not in ("tabata", "emom", "interval"):
            it.rest_high = max(it.rest_high, 120 if it.role != "isolation" else 105)


def generate_rule_based(request: WorkoutRequest, rng: random.Random) -> Workout:
    """A complete workout for ``request`` from the catalogue; see the module docstring."""
    catalogue = load_catalogue()
    coach = coach_by_key(request.coach)
    kind = request.workout_type
    duration = request.duration_min
    low, high = exercise_range(kind, duration)
    floor, ceiling = exercise_count_bounds(duration)

    build = _BUILDERS[kind]
    warm, cool = _blocks_minutes(duration)
    main = (duration - warm - cool) * 60
    # How many exercises: the norm's count that the clock suggests.
    per = _PER_EXERCISE[kind]
    # Intervals and holds lean to one more exercise and fewer rounds.
    guess = main / per if per else low
    guess = math.ceil(guess) if kind in (WorkoutType.HIIT, *_LOOSE) else round(guess)
    count = min(high, max(low, guess))
    # A full-body session holds its patterns: never fewer exercises than it needs.
    count = max(count, min(high, len(full_body_patterns(kind, duration))))

    state = rng.getstate()
    result: tuple[float, list[_Item], int, int] | None = None
    tried: set[int] = set()
    relax = False
    while True:
        rng.setstate(state)
        items = build(catalogue, request, rng, count, min(low, count))
        if relax:
            _relax(items, request)
        arranged, w, c = _arrange(items, duration)
        minutes = w + c + _total(arranged) / 60
        off = abs(minutes - duration) / duration
        if result is None or off < result[0]:
            result = (off, arranged, w, c)
        tried.add(count)
        if off <= TARGET:
            break
        longer = minutes < duration
        nxt = count + 1 if longer else count - 1
        # Relaxed, sets and rests stretch first; the count leaves the norm only when the
        # norm's counts cannot come within the promised 10% at all.
        wide = relax and (result[0] > 0.10 or not low <= len(result[1]) <= high)
        bound_high = ceiling if wide else high
        bound_low = floor if wide else low
        if nxt in tried or not bound_low <= nxt <= bound_high or len(items) < count:
            if relax or result[0] <= 0.08:
                break
            relax, tried = True, set()
            continue
        count = nxt
    _, items, warm, cool = result
    return _workout(catalogue, request, rng, coach, items, warm, cool)


def _workout(
    catalogue: Catalogue,
    request: WorkoutRequest,
    rng: random.Random,
    coach: Coach,
    items: list[_Item],
    warm: int,
    cool: int,
) -> Workout:
    kind = request.workout_type
    units = request.profile.units
    level = request.profile.level
    names = frozenset(it.entry.name.lower() for it in items)
    # Intervals are never done with a barbell: nor are their alternatives.
    gear = (
        request.equipment - {Equipment.BARBELL} if kind is WorkoutType.HIIT else request.equipment
    )
    exercises = []
    for it in items:
        load = it.load
        alternatives = catalogue.alternatives_for(
            it.entry.name, gear, level, exclude=names - {it.entry.name.lower()}
        )[:3]
        instructions = (
            f"{it.note} {it.entry.instructions}".strip() if it.note else it.entry.instructions
        )
        exercises.append(
            Exercise(
                name=it.entry.name,
                sets=it.sets,
                reps=it.reps,
                rest_seconds=it.rest,
                instructions=instructions[:600],
                equipment=sorted(it.entry.equipment),
                weighted=load is not None,
                target_weight=load,
                weight_unit=units if load is not None else None,
                alternatives=alternatives,
            )
        )
    entries = [it.entry for it in items]
    first_loaded = (
        next((it for it in items if it.load is not None), None) if kind in _RESISTANCE else None
    )
    ramp = (
        ramp_up(first_loaded.entry, first_loaded.load, units)
        if first_loaded and first_loaded.load
        else None
    )
    warm_items = warmup_items(catalogue, kind, entries, request.equipment, level, warm, ramp)
    cool_items = cooldown_items(catalogue, kind, entries, request.equipment, level, cool)
    return Workout(
        title=(f"{request.focus.label}: " if request.focus not in (None, Focus.FULL_BODY) else "")
        + f"{rng.choice(_TITLES[kind])} · {request.duration_min} min",
        intro=coach.intro(rng, minutes=request.duration_min, workout_type=kind),
        warmup=Block(minutes=warm, items=warm_items),
        exercises=exercises,
        cooldown=Block(minutes=cool, items=cool_items),
        outro=coach.outro(rng),
    )
