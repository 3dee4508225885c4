"""Logging a workout as done (Done under a workout) and how it felt."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.domain import Units
from core.render import weight_in
from core.shorthand import Planned, SetDone, planned_reps, planned_top
from db import history as db_history
from db import workoutlogs as db_workoutlogs
from db.workoutlogs import LoggedSet, Rating
from usecases.plans import plan_for
from usecases.profile import Member, Sessions, known_user

__all__ = ["LogItem", "ToLog", "latest_to_log", "log_done", "plan_to_log", "rate_log"]


@dataclass(frozen=True, slots=True)
class LogItem:
    """One exercise of a plan about to be logged."""

    name: str
    reps: str
    """The plan's reps text ("8-12", "30s")."""
    planned: Planned
    """What was planned, in the user's unit."""


@dataclass(frozen=True, slots=True)
class ToLog:
    """A plan about to be logged as done."""

    plan_id: int
    title: str
    units: Units
    exercises: tuple[LogItem, ...]


def plan_to_log(sessions: Sessions, who: Member, plan_id: int) -> ToLog | None:
    """The caller's plan ready for the Done dialog; None if not theirs."""
    view = plan_for(sessions, who, plan_id)
    if view is None:
        return None
    exercises = []
    for exercise in view.plan.workout.exercises:
        reps, seconds = planned_reps(exercise.reps)
        planned = Planned(
            sets=exercise.sets,
            reps=reps,
            seconds=seconds,
            weight=weight_in(exercise, view.units),
            units=view.units,
            reps_high=planned_top(exercise.reps),
        )
        exercises.append(LogItem(exercise.name, exercise.reps, planned))
    return ToLog(plan_id, view.plan.workout.title, view.units, tuple(exercises))


def latest_to_log(sessions: Sessions, who: Member) -> ToLog | None:
    """The caller's newest delivered plan ready to log (what a typed log is of); None when
    they have none."""
    with sessions.begin() as session:
        user = known_user(session, who)
        plan_id = None if user is None else db_history.latest_delivered_plan_id(session, user.id)
    return None if plan_id is None else plan_to_log(sessions, who, plan_id)


def log_done(
    sessions: Sessions, who: Member, plan_id: int, done: Sequence[tuple[str, Sequence[SetDone]]]
) -> int | None:
    """Log the caller's workout: every exercise's sets, weights in kg; the log's id, or None
    when the plan is not theirs (any more)."""
    with sessions.begin() as session:
        user = known_user(session, who)
        if user is None:
            return None
        sets = [
            LoggedSet(
                exercise_name=name,
                set_number=number,
                reps=s.reps,
                weight_kg=s.weight_kg,
                duration_s=s.duration_s,
            )
            for name, done_sets in done
            for number, s in enumerate(done_sets, start=1)
        ]
        try:
            log_row = db_workoutlogs.log_workout(
                session, user_id=user.id, plan_id=plan_id, sets=sets
            )
        except LookupError:
            return None
        return log_row.id


def rate_log(sessions: Sessions, who: Member, log_id: int, rating: Rating) -> bool:
    """How the caller's logged workout felt; False when the log is not theirs."""
    with sessions.begin() as session:
        user = known_user(session, who)
        if user is None:
            return False
        return db_workoutlogs.rate_workout(session, log_id, user_id=user.id, rating=rating)
