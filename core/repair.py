"""Fitting an AI workout that breaks a rule, the way a coach would, instead of discarding it.

``repair_workout(workout, request)`` returns the workout changed where a coach would change
it, and one ``Repair`` (a kind and what changed, in plain words) per change:

- ``gear``: an exercise on equipment the user lacks is swapped for an alternative they can
  do (core/swap.py's options, the same movement pattern first, within the level);
- ``level``: a catalogue exercise above the user's level is swapped the same way;
- ``duplicate``: an exercise named twice is dropped the second time; ``count``: exercises
  beyond the most the duration allows are dropped from the end (accessories come last);
- ``alternatives``: fewer than two alternatives are topped up from the catalogue;
- ``weight``: the flags made to agree: weighted without a load gets the generator's
  starting load (or is made unweighted when the catalogue does not know it); a load on an
  unweighted exercise makes it weighted when its gear takes a load (else the load goes);
  a load without a unit is read in the user's unit; a load in the other unit is converted;
- ``blocks``: warm-up and cool-down minutes clamped to 1-20 and to a quarter (a fifth) of
  the session, items to 12;
- ``sets``, ``rest``: sets clamped to 1-10, rests to 0-300 s on the 15-s grid of
  core/norms.py (a tabata's 10 s excepted);
- ``duration``: a total far from the requested duration is fitted with sets first (one at
  a time, from the exercise with most sets when long, fewest when short), then rests, in
  steps of the grid.

What no coach can fix is left alone for ``core.validation.validate_workout`` to reject
(an unsafe load, too few exercises, an unreadable set, text out of bounds). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.catalogue import Catalogue, Entry, load_catalogue
from core.domain import Equipment, with_bodyweight
from core.models import Block, Exercise, Workout, WorkoutRequest, set_seconds
from core.norms import REST_GRID
from core.rulebased import on_implement, starting_load
from core.swap import SwapError, swap_exercise, swap_options
from core.validation import MAX_WEIGHT, exercise_count_bounds

__all__ = ["REPAIR_KINDS", "Repair", "Repaired", "repair_workout"]

REPAIR_KINDS = (
    "gear",
    "level",
    "duplicate",
    "count",
    "alternatives",
    "weight",
    "blocks",
    "sets",
    "rest",
    "duration",
)
"""Every kind of repair, for the metric's labels."""
FIT_WITHIN = 0.10
"""The duration is fitted when it is further than this (a share) from the request."""
MAX_REST = 300
LOADED = frozenset(
    {Equipment.BARBELL, Equipment.DUMBBELLS, Equipment.KETTLEBELL, Equipment.CABLE_MACHINE,
     Equipment.MACHINES}
)  # fmt: skip
"""Equipment that carries an external load."""
BLOCK_SHARE = (0.25, 0.20)
"""The most of the session a warm-up and a cool-down may take (and never over 20 min)."""
_SET_BOUNDS = (2, 6)
"""The duration fit moves sets within this range (a coach's working sets)."""
_REST_BOUNDS = (30, 180)
"""... and rests within this one."""


@dataclass(frozen=True, slots=True)
class Repair:
    """One change made to the AI's workout."""

    kind: str
    """One of ``REPAIR_KINDS``."""
    what: str
    """What changed, in plain words (an exercise's name, before and after)."""


@dataclass(frozen=True, slots=True)
class Repaired:
    """The workout after repair, and every change made to it (empty: none was needed)."""

    workout: Workout
    repairs: tuple[Repair, ...]


def _on_grid(seconds: int, reps: str) -> int:
    """``seconds`` on the rest grid; a tabata's 10 s after 20 s of work stays."""
    if seconds == 10 and set_seconds(reps) == 20:
        return seconds
    return min(MAX_REST, max(0, round(seconds / REST_GRID) * REST_GRID))


class _Fitter:
    """The repairs of one workout, applied in order; ``log`` collects them."""

    def __init__(self, workout: Workout, request: WorkoutRequest, catalogue: Catalogue) -> None:
        self.workout = workout
        self.request = request
        self.catalogue = catalogue
        self.units = request.profile.units
        self.level = request.profile.level
        self.have = with_bodyweight(request.equipment)
        self.log: list[Repair] = []

    def note(self, kind: str, what: str) -> None:
        self.log.append(Repair(kind, what[:300]))

    def exercises(self, update: Callable[[int, Exercise], Exercise | None]) -> None:
        """Apply ``update`` to each exercise (None drops it)."""
        kept = []
        for i, ex in enumerate(self.workout.exercises):
            new = update(i, ex)
            if new is not None:
                kept.append(new)
        if kept:
            self.workout = self.workout.model_copy(update={"exercises": kept})

    # ------------------------------------------------------------------ the exercises

    def _too_hard(self, ex: Exercise) -> bool:
        entry = self.catalogue.get(ex.name.strip())
        return entry is not None and entry.level.rank > self.level.rank

    def _swap_target(self, index: int) -> str | None:
        """The best alternative for exercise ``index``: usable, within the level, the same
        movement pattern first."""
        old = self.workout.exercises[index]
        options = swap_options(
            self.workout,
            index,
            workout_type=self.request.workout_type,
            equipment=self.request.equipment,
            catalogue=self.catalogue,
        )
        entries: list[tuple[str, Entry | None]] = [(o, self.catalogue.get(o)) for o in options]
        fitting = [(o, e) for o, e in entries if e is None or e.level.rank <= self.level.rank]
        known = self.catalogue.get(old.name.strip())
        pattern = known.pattern if known is not None else None
        same = [o for o, e in fitting if e is not None and pattern and e.pattern == pattern]
        best = same or [o for o, _ in fitting]
        return best[0] if best else None

    def _from_catalogue(self, index: int) -> Exercise | None:
        """When no swap option is within the level (``swap_options`` does not look at it):
        a catalogue exercise the user can do, of the same pattern (else the same main
        muscle, else any of the type), with the old one's sets, reps and rest."""
        old = self.workout.exercises[index]
        taken = {e.name.strip().lower() for e in self.workout.exercises}
        known = self.catalogue.get(old.name.strip())
        pool = [
            e
            for e in self.catalogue.candidates(
                self.request.workout_type, self.level, self.request.equipment
            )
            if e.name.lower() not in taken
        ]
        tiers: list[Callable[[Entry], bool]] = [lambda e: True]
        if known is not None:
            main = known.muscles[:1]
            tiers = [lambda e: e.pattern == known.pattern, lambda e: e.muscles[:1] == main, *tiers]
        entry = next((e for fits in tiers for e in pool if fits(e)), None)
        if entry is None:
            return None
        load = starting_load(entry, self.level, self.units)
        alternatives = [old.name.strip()]
        for alt in self.catalogue.alternatives_for(entry.name, self.have, self.level):
            if len(alternatives) < 3 and alt.lower() != entry.name.lower():
                alternatives.append(alt)
        return Exercise(
            name=entry.name,
            sets=old.sets,
            reps=old.reps,
            rest_seconds=old.rest_seconds,
            instructions=entry.instructions,
            equipment=sorted(entry.equipment),
            weighted=load is not None,
            target_weight=load,
            weight_unit=self.units if load is not None else None,
            alternatives=alternatives,
        )

    def _swap(self, index: int) -> str | None:
        """Swap exercise ``index`` for the best alternative; its name (None: none fits)."""
        target = self._swap_target(index)
        if target is not None:
            try:
                self.workout = swap_exercise(
                    self.workout,
                    index,
                    target,
                    workout_type=self.request.workout_type,
                    equipment=self.request.equipment,
                    level=self.level,
                    units=self.units,
                    catalogue=self.catalogue,
                )
            except SwapError:
                target = None
            else:
                return target
        new = self._from_catalogue(index)
        if new is None:
            return None
        exercises = list(self.workout.exercises)
        exercises[index] = new
        self.workout = self.workout.model_copy(update={"exercises": exercises})
        return new.name

    def swaps(self) -> None:
        for index in range(len(self.workout.exercises)):
            ex = self.workout.exercises[index]
            missing = sorted(e.value for e in set(ex.equipment) - self.have)
            if not missing and not self._too_hard(ex):
                continue
            target = self._swap(index)
            if target is None:
                continue  # nothing fits: the validator will say so
            why = f"needs {', '.join(missing)}" if missing else f"above {self.level.value}"
            self.note("gear" if missing else "level", f"{ex.name} ({why}) -> {target}")

    def duplicates_and_count(self) -> None:
        seen: set[str] = set()

        def once(_: int, ex: Exercise) -> Exercise | None:
            key = ex.name.strip().lower()
            if key in seen:
                self.note("duplicate", f"{ex.name} named twice: the second dropped")
                return None
            seen.add(key)
            return ex

        self.exercises(once)
        _, most = exercise_count_bounds(self.request.duration_min)
        extra = self.workout.exercises[most:]
        if extra:
            names = ", ".join(ex.name for ex in extra)
            self.workout = self.workout.model_copy(
                update={"exercises": list(self.workout.exercises[:most])}
            )
            self.note("count", f"{len(extra)} over {most} exercises dropped: {names}")

    def alternatives(self) -> None:
        def top_up(_: int, ex: Exercise) -> Exercise:
            name = ex.name.strip().lower()
            alts = [a for a in ex.alternatives if a.strip() and a.strip().lower() != name]
            if len(alts) >= 2 and len(alts) == len(ex.alternatives):
                return ex
            for extra in self.catalogue.alternatives_for(ex.name.strip(), self.have, self.level):
                if len(alts) >= 2:
                    break
                if extra.lower() != name and extra.lower() not in {a.lower() for a in alts}:
                    alts.append(extra)
            if alts == ex.alternatives:
                return ex
            self.note("alternatives", f"{ex.name}: {', '.join(alts) or 'none found'}")
            return ex.model_copy(update={"alternatives": alts})

        self.exercises(top_up)

    # ------------------------------------------------------------------ the numbers

    def weights(self) -> None:
        units = self.units

        def fix(_: int, ex: Exercise) -> Exercise:
            gear = frozenset(ex.equipment)
            if ex.weighted and ex.target_weight is None:
                entry = self.catalogue.get(ex.name.strip())
                load = starting_load(entry, self.level, units) if entry is not None else None
                if load is None:
                    self.note("weight", f"{ex.name}: weighted without a load, made unweighted")
                    return ex.model_copy(update={"weighted": False, "weight_unit": None})
                self.note("weight", f"{ex.name}: no load given, {load:g} {units.value}")
                return ex.model_copy(update={"target_weight": load, "weight_unit": units})
            if not ex.weighted and ex.target_weight is not None:
                if gear & LOADED:
                    self.note("weight", f"{ex.name}: a load on an unweighted move, weighted")
                    ex = ex.model_copy(update={"weighted": True})
                else:
                    self.note("weight", f"{ex.name}: a load without gear for it, dropped")
                    return ex.model_copy(update={"target_weight": None, "weight_unit": None})
            if not ex.weighted or ex.target_weight is None:
                if ex.weight_unit is not None:
                    return ex.model_copy(update={"weight_unit": None})
                return ex
            if ex.weight_unit is None:
                self.note("weight", f"{ex.name}: {ex.target_weight:g} without a unit, read as "
                                    f"{units.value}")  # fmt: skip
                return ex.model_copy(update={"weight_unit": units})
            if ex.weight_unit is not units:
                converted = ex.target_weight / ex.weight_unit.per_kg * units.per_kg
                value = on_implement(gear, converted, units)
                if not 0 < value <= MAX_WEIGHT[units]:
                    return ex  # unsafe either way: the validator rejects it
                self.note(
                    "weight",
                    f"{ex.name}: {ex.target_weight:g} {ex.weight_unit.value} as "
                    f"{value:g} {units.value}",
                )
                return ex.model_copy(update={"target_weight": value, "weight_unit": units})
            return ex

        self.exercises(fix)

    def blocks(self) -> None:
        changes: dict[str, Block] = {}
        minutes_of = self.request.duration_min
        blocks = (
            ("warmup", self.workout.warmup, BLOCK_SHARE[0]),
            ("cooldown", self.workout.cooldown, BLOCK_SHARE[1]),
        )
        for field, block, share in blocks:
            if block is None:
                continue
            top = min(20, max(2, round(minutes_of * share)))
            minutes = min(top, max(1, block.minutes))
            items = [item for item in block.items if item.strip()][:12]
            if minutes != block.minutes or items != block.items:
                if not items:
                    continue  # nothing to do in it: the validator says so
                changes[field] = Block(minutes=minutes, items=items)
                self.note("blocks", f"{field}: {block.minutes} -> {minutes} min, "
                                    f"{len(block.items)} -> {len(items)} items")  # fmt: skip
        if changes:
            self.workout = self.workout.model_copy(update=changes)

    def sets_and_rests(self) -> None:
        def fix(_: int, ex: Exercise) -> Exercise:
            sets = min(10, max(1, ex.sets))
            rest = _on_grid(ex.rest_seconds, ex.reps)
            if sets != ex.sets:
                self.note("sets", f"{ex.name}: {ex.sets} -> {sets} sets")
            if rest != ex.rest_seconds:
                self.note("rest", f"{ex.name}: rest {ex.rest_seconds} -> {rest} s")
            if (sets, rest) == (ex.sets, ex.rest_seconds):
                return ex
            return ex.model_copy(update={"sets": sets, "rest_seconds": rest})

        self.exercises(fix)

    def duration(self) -> None:
        target = float(self.request.duration_min)
        before = self.workout.estimated_minutes
        if abs(before - target) <= FIT_WITHIN * target:
            return
        exercises = list(self.workout.exercises)

        def total() -> float:
            return self.workout.model_copy(update={"exercises": exercises}).estimated_minutes

        low, high = _SET_BOUNDS
        for _ in range(200):  # each step moves one set or one rest: bounded, never stuck
            gap = total() - target
            if abs(gap) <= FIT_WITHIN * target / 2:
                break
            long = gap > 0
            movable = [
                i
                for i, ex in enumerate(exercises)
                if (ex.sets > max(low, 1) if long else ex.sets < high)
            ]
            if movable:
                pick = (max if long else min)(movable, key=lambda i: exercises[i].sets)
                ex = exercises[pick]
                exercises[pick] = ex.model_copy(update={"sets": ex.sets + (-1 if long else 1)})
                continue
            lo, hi = _REST_BOUNDS
            rests = [
                i
                for i, ex in enumerate(exercises)
                if (
                    ex.rest_seconds - REST_GRID >= lo if long else ex.rest_seconds + REST_GRID <= hi
                )
                and _on_grid(ex.rest_seconds, ex.reps) == ex.rest_seconds
            ]
            if not rests:
                break  # sets and rests are at their bounds: what is left is the validator's
            pick = (max if long else min)(rests, key=lambda i: exercises[i].rest_seconds)
            ex = exercises[pick]
            step = -REST_GRID if long else REST_GRID
            exercises[pick] = ex.model_copy(update={"rest_seconds": ex.rest_seconds + step})
        after = total()
        if round(after) != round(before):
            self.workout = self.workout.model_copy(update={"exercises": exercises})
            self.note("duration", f"{before:.0f} -> {after:.0f} min (asked {target:.0f})")


def repair_workout(
    workout: Workout, request: WorkoutRequest, catalogue: Catalogue | None = None
) -> Repaired:
    """``workout`` fitted to ``request`` where a coach would fit it; see the module docstring."""
    fitter = _Fitter(workout, request, catalogue or load_catalogue())
    fitter.weights()  # before a swap, which carries the load over
    fitter.swaps()
    fitter.duplicates_and_count()
    fitter.alternatives()
    fitter.weights()  # a swapped-in exercise has its own flags
    fitter.blocks()
    fitter.sets_and_rests()
    fitter.duration()
    return Repaired(fitter.workout, tuple(fitter.log))
