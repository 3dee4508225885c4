"""Variety and recovery over five-session series of many users (issue 12, item 7).

bench/series.py follows one user's loads (item 8); this follows what the sessions hold.

Each series is one user asking for the same kind of session five times, two days apart (or
on consecutive days for the recovery figure), and logging each one by one of three habits:

- ``never``: never logs (the generator sees only its own recent workouts);
- ``as_planned``: taps Done > As planned and "inside the ranges" (``core.shorthand.as_planned``
  at the middle of each range, what the bot logs);
- ``top``: logs the top of every rep range at the planned weight.

Between sessions the same pure functions as the product's run: the logs become double
progression targets (``core.progression.targets_from_logs``), the sets of the last days a
readiness per muscle group (``core.recovery``), the plans the recent history. No database:
``db.requests.to_generation_request`` assembles the same three from the same rows.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from bench.quality import Figure
from core.catalogue import load_catalogue
from core.domain import Equipment, FitnessLevel, Units, WorkoutType
from core.models import HistoryItem, Profile, Workout, WorkoutRequest
from core.progression import LoggedExercise, LoggedSetData, targets_from_logs
from core.recovery import group_of, logged_work, readiness, tired_groups
from core.render import weight_in
from core.rulebased import generate_rule_based
from core.shorthand import Planned, Point, SetDone, as_planned, planned_reps, planned_top

__all__ = ["Habit", "Session", "figures", "series"]

Habit = Literal["never", "as_planned", "top"]
START = dt.datetime(2026, 11, 2, 7, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class Session:
    """One session of a series: the request it was generated for and the workout."""

    at: dt.datetime
    request: WorkoutRequest
    workout: Workout


def _logged(workout: Workout, units: Units, habit: Habit) -> list[tuple[str, list[SetDone]]]:
    point: Point = "top" if habit == "top" else "middle"
    done = []
    for exercise in workout.exercises:
        reps, seconds = planned_reps(exercise.reps)
        planned = Planned(
            exercise.sets,
            reps,
            seconds,
            weight_in(exercise, units),
            units,
            reps_high=planned_top(exercise.reps),
        )
        done.append((exercise.name, list(as_planned(planned, point))))
    return done


def series(
    base: WorkoutRequest,
    habit: Habit,
    *,
    sessions: int = 5,
    every: dt.timedelta = dt.timedelta(days=2),
    seed: int = 0,
    recovery: bool = True,
) -> list[Session]:
    """``sessions`` workouts for ``base``'s user, each generated from what the earlier ones
    left (history, progression, readiness when ``recovery``)."""
    rng = random.Random(seed)
    units = base.profile.units
    out: list[Session] = []
    log: list[LoggedExercise] = []
    sets: list[tuple[str, dt.datetime]] = []
    for i in range(sessions):
        at = START + i * every
        history = tuple(
            HistoryItem(
                date=s.at.date(),
                coach=s.request.coach,
                workout_type=s.request.workout_type,
                duration_min=s.request.duration_min,
                exercises=tuple(e.name for e in s.workout.exercises),
            )
            for s in reversed(out[-5:])
        )
        ready = readiness(logged_work(sets), at)
        request = base.model_copy(
            update={
                "history": history,
                "progression": targets_from_logs(log, base.profile),
                "tired": tired_groups(ready) if recovery else frozenset(),
            }
        )
        workout = generate_rule_based(request, random.Random(rng.randrange(2**32)))
        out.append(Session(at, request, workout))
        if habit == "never":
            continue
        for name, done in _logged(workout, units, habit):
            log.insert(
                0,
                LoggedExercise(
                    name=name,
                    performed_at=at,
                    sets=tuple(LoggedSetData(s.reps, s.weight_kg) for s in done),
                    planned_reps=next(e.reps for e in workout.exercises if e.name == name),
                ),
            )
            sets += [(name, at)] * len(done)
    return out


# ── the figures ─────────────────────────────────────────────────────────────────────


def _names(workout: Workout) -> set[str]:
    return {e.name.lower() for e in workout.exercises}


def _shared(a: Workout, b: Workout) -> float:
    """Share of the smaller session's exercises that the other one repeats."""
    first, second = _names(a), _names(b)
    return len(first & second) / max(1, min(len(first), len(second)))


def _requests(rng: random.Random, n: int) -> Iterable[WorkoutRequest]:
    """Strength users with loaded gear (the ones progression and recovery matter for)."""
    gear = [Equipment.DUMBBELLS, Equipment.BARBELL, Equipment.KETTLEBELL, Equipment.BENCH]
    extra = [Equipment.PULL_UP_BAR, Equipment.CABLE_MACHINE, Equipment.RESISTANCE_BANDS]
    for _ in range(n):
        equipment = frozenset(rng.sample(gear, rng.randint(1, 3)) + rng.sample(extra, 1))
        yield WorkoutRequest(
            coach=rng.choice(["MAX", "ACE", "KAI", "SAGE"]),
            workout_type=rng.choice([WorkoutType.STRENGTH, WorkoutType.BODYWEIGHT]),
            duration_min=rng.choice([30, 45, 60]),
            equipment=equipment,
            profile=Profile(
                level=rng.choice([FitnessLevel.INTERMEDIATE, FitnessLevel.ADVANCED]),
                units=rng.choice(list(Units)),
            ),
        )


def _deloads(runs: list[list[Session]]) -> int:
    """Sessions whose request lowers a lift the user did exactly as planned."""
    return sum(
        1
        for run in runs
        for s in run
        for t in s.request.progression
        if t.action in ("reduce", "deload")
    )


def _tired_load(runs: list[list[Session]]) -> float:
    """Working sets of the second session (the day after the first) on a main muscle group
    that the first session left below ``core.recovery.TIRED``, as a share of its sets."""
    catalogue = load_catalogue()
    hits = total = 0
    for first, second in (run[:2] for run in runs):
        work = logged_work(
            [(e.name, first.at) for e in first.workout.exercises for _ in range(e.sets)]
        )
        tired = tired_groups(readiness(work, second.at))
        for e in second.workout.exercises:
            entry = catalogue.get(e.name)
            if entry is None or not entry.muscles:
                continue
            total += e.sets
            hits += e.sets * (group_of(entry.muscles[0]) in tired)
    return hits / max(1, total)


def _stays(runs: list[list[Session]]) -> float:
    """Of the series whose first session has loaded lifts, the share where they come back
    within the next two sessions (at least two of them, or the one): progressed lifts stay
    in the rotation."""
    kept = counted = 0
    for run in runs:
        lifts = {e.name.lower() for e in run[0].workout.exercises if e.weighted and e.target_weight}
        if not lifts:
            continue
        later = _names(run[1].workout) | _names(run[2].workout)
        counted += 1
        kept += len(lifts & later) >= min(2, len(lifts))
    return kept / max(1, counted)


def figures(n: int = 200, seed: int = 11) -> list[Figure]:
    """Items 7 and 8's figures over ``n`` users of each habit."""
    rng = random.Random(seed)
    users = list(_requests(rng, n))
    runs: dict[str, list[list[Session]]] = {
        habit: [series(u, habit, seed=i) for i, u in enumerate(users)]
        for habit in ("never", "as_planned", "top")
    }
    daily = [
        series(u, "top", sessions=2, every=dt.timedelta(days=1), seed=i)
        for i, u in enumerate(users)
    ]
    daily_off = [
        series(u, "top", sessions=2, every=dt.timedelta(days=1), seed=i, recovery=False)
        for i, u in enumerate(users)
    ]

    out: list[Figure] = []
    for habit, label in (
        ("never", "never logs"),
        ("as_planned", "logs as planned"),
        ("top", "logs the top"),
    ):
        worst = max(
            _shared(a.workout, b.workout) for run in runs[habit] for a, b in itertools.pairwise(run)
        )
        share = sum(
            _shared(a.workout, b.workout) <= 0.5
            for run in runs[habit]
            for a, b in itertools.pairwise(run)
        ) / sum(len(run) - 1 for run in runs[habit])
        out.append(
            Figure(
                "7",
                f"{label}: consecutive sessions sharing <= half",
                f"{share:.1%} (worst {worst:.0%})",
                "100%",
                share == 1,
            )
        )
    stays = _stays(runs["top"])
    out.append(
        Figure(
            "7",
            "logs the top: session 1's lifts back within two sessions",
            f"{stays:.1%}",
            "100%",
            stays == 1,
        )
    )
    on, off = _tired_load(daily), _tired_load(daily_off)
    out.append(
        Figure(
            "7",
            "the day after: sets on a group left < 60% ready (model off -> on)",
            f"{off:.1%} -> {on:.1%}",
            "lower",
            on < off,
        )
    )
    deloads = _deloads(runs["as_planned"])
    out.append(
        Figure(
            "8",
            "logs as planned: sessions that reduce or deload a lift",
            str(deloads),
            "0",
            deloads == 0,
        )
    )
    return out
