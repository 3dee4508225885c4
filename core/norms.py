"""How a coach doses a session: the norm table the rule-based generator and the benchmark use.

Sources (the figures are rounded to what fits a session a person can read):

- ACSM position stand, "Progression models in resistance training for healthy adults",
  Med Sci Sports Exerc 41(3), 2009: novices 1-3 sets of 8-12 reps, 1-2 min rest;
  strength for the trained 3-6 sets of 1-6 reps (here not below 4), 2-3 min rest on the
  multi-joint lifts and 1-2 min on the rest; hypertrophy 6-12 reps, 1-2 min; endurance
  10-25 reps, under 1-2 min; multi-joint (large muscle) lifts before single-joint ones.
- ACSM's Guidelines for Exercise Testing and Prescription, 11th ed. (2021): 8-10
  exercises for a whole-body session; aerobic work continuous or in intervals of
  at least 10 minutes; stretches held 10-30 s (older adults 30-60 s), 2-4 repetitions,
  about 60 s per muscle group.
- NSCA, Essentials of Strength Training and Conditioning, 4th ed. (2016), ch. 17: rest
  2-5 min for strength (<=6 reps), 30-90 s for hypertrophy (6-12), <=30 s for muscular
  endurance (>=12); core and assistance exercises after the core lifts.
- Tabata et al., Med Sci Sports Exerc 28(10), 1996: 8 x 20 s on / 10 s off.

Every rest sits on a 15-second grid (``REST_GRID``), the tabata's 10 s excepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.domain import FitnessLevel, Focus, Goal, WorkoutType
from core.recovery import group_of
from core.validation import exercise_count_bounds

__all__ = [
    "COMPOUND_PATTERNS",
    "COUNT_NORMS",
    "FOCUS_ACCESSORIES",
    "FOCUS_MUSCLES",
    "FOCUS_PATTERNS",
    "REST_GRID",
    "TABATA",
    "Dose",
    "Interval",
    "Role",
    "exercise_range",
    "focus_patterns",
    "full_body_patterns",
    "interval_for",
    "main_dose",
    "on_focus",
    "role_dose",
]

REST_GRID = 15
"""Every rest is a multiple of this many seconds."""

COMPOUND_PATTERNS = frozenset({"squat", "lunge", "hinge", "push", "pull", "full_body"})

_HOLDS_AND_FLOWS = ((20, 4, 6), (34, 5, 8), (50, 6, 9), (70, 7, 10), (120, 8, 12), (180, 10, 14))
"""Mobility and flexibility share their counts: holds and flows, one area after another."""

# Exercises in the main part by type: (up to this many minutes, fewest, most). A session's
# time is filled with sets, rounds and longer holds, not with more exercises.
COUNT_NORMS: dict[WorkoutType, tuple[tuple[int, int, int], ...]] = {
    WorkoutType.STRENGTH: (
        (20, 2, 3),
        (34, 3, 5),
        (50, 4, 6),
        (70, 5, 7),
        (100, 6, 8),
        (135, 7, 10),
        (180, 8, 12),
    ),
    WorkoutType.BODYWEIGHT: (
        (15, 2, 4),
        (20, 3, 4),
        (34, 4, 6),
        (50, 5, 7),
        (70, 6, 8),
        (100, 7, 9),
        (135, 8, 11),
        (180, 9, 12),
    ),
    WorkoutType.HIIT: ((20, 2, 4), (34, 3, 6), (50, 4, 7), (70, 5, 8), (180, 6, 10)),
    WorkoutType.CARDIO: ((20, 1, 3), (34, 2, 4), (60, 2, 5), (180, 3, 6)),
    WorkoutType.MOBILITY: _HOLDS_AND_FLOWS,
    WorkoutType.FLEXIBILITY: _HOLDS_AND_FLOWS,
}


def exercise_range(kind: WorkoutType, minutes: int) -> tuple[int, int]:
    """How many exercises a ``minutes`` session of ``kind`` has: (fewest, most).

    The table's row, raised where the validation AI answers meet asks for more (it wants
    at least one exercise per 15 minutes, so a 3-hour session has 12).
    """
    low, high = next((lo, hi) for top, lo, hi in COUNT_NORMS[kind] if minutes <= top)
    floor, ceiling = exercise_count_bounds(minutes)
    low = max(low, floor)
    return low, min(ceiling, max(high, low + 2))


def full_body_patterns(kind: WorkoutType, minutes: int) -> tuple[frozenset[str], ...]:
    """The patterns a full-body session must hold, each a set of acceptable patterns: a
    squat or lunge, a hinge, a push and a pull from 40 minutes, and core from 45."""
    if kind not in (WorkoutType.STRENGTH, WorkoutType.BODYWEIGHT) or minutes < 40:
        return ()
    needed = [frozenset({"squat", "lunge"}), frozenset({"push"}), frozenset({"hinge"})]
    needed.append(frozenset({"pull"}))
    if minutes >= 45:
        needed.append(frozenset({"core"}))
    return tuple(needed)


_SQUAT = frozenset({"squat", "lunge"})
_PUSH, _PULL, _HINGE = frozenset({"push"}), frozenset({"pull"}), frozenset({"hinge"})
_OTHER, _CORE = frozenset({"other"}), frozenset({"core"})
FOCUS_PATTERNS: dict[Focus, tuple[frozenset[str], ...]] = {
    Focus.UPPER: (_PUSH, _PULL, _PUSH, _PULL),
    Focus.LOWER: (_SQUAT, _HINGE, _SQUAT, _HINGE),
    Focus.LEGS: (_SQUAT, _HINGE, _SQUAT, _OTHER),
    Focus.PUSH: (_PUSH, _PUSH, _OTHER, _PUSH),
    Focus.PULL: (_PULL, _PULL, _OTHER, _PULL),
}
"""A split day's patterns, first to last: a horizontal and a vertical push and pull for
the upper body, a squat and a hinge twice for the lower, the legs with calves or
hamstrings alone, the presses with their isolation (triceps, shoulders), the pulls with
theirs (biceps, rear shoulders). Core joins from 45 minutes, as in a full-body session."""
FOCUS_ACCESSORIES: dict[Focus, tuple[frozenset[str], ...]] = {
    Focus.UPPER: (_OTHER, _PUSH, _PULL, _CORE),
    Focus.LOWER: (_OTHER, _SQUAT, _HINGE, _CORE),
    Focus.LEGS: (_OTHER, _SQUAT, _HINGE, _CORE),
    Focus.PUSH: (_OTHER, _PUSH, _CORE),
    Focus.PULL: (_OTHER, _PULL, frozenset({"carry"}), _CORE),
}
"""What a longer split day adds, in turn, after its patterns."""
FOCUS_MUSCLES: dict[Focus, frozenset[str]] = {
    Focus.UPPER: frozenset({"chest", "back", "shoulders", "arms", "core"}),
    Focus.LOWER: frozenset({"quads", "hamstrings", "glutes", "calves", "core"}),
    Focus.LEGS: frozenset({"quads", "hamstrings", "glutes", "calves", "core"}),
    Focus.PUSH: frozenset({"chest", "shoulders", "triceps", "core"}),
    Focus.PULL: frozenset({"back", "biceps", "forearms", "rear shoulders", "core"}),
}
"""The main muscles (core.recovery's groups; push and pull split the arms and shoulders
by muscle) a split day's exercises may lead with."""
_PUSH_PULL_MUSCLES = {"triceps", "biceps", "forearms", "grip", "rear shoulders"}


def focus_patterns(focus: Focus, minutes: int) -> tuple[frozenset[str], ...]:
    """The patterns a split day holds: ``FOCUS_PATTERNS`` (its first two under 30 minutes,
    three under 40), and core from 45."""
    patterns = FOCUS_PATTERNS[focus]
    patterns = patterns[:2] if minutes < 30 else patterns[:3] if minutes < 40 else patterns
    return (*patterns, _CORE) if minutes >= 45 else patterns


def on_focus(focus: Focus, muscles: tuple[str, ...]) -> bool:
    """True when an exercise led by ``muscles[0]`` belongs to a split day of ``focus``."""
    if not muscles:
        return False
    main = muscles[0].strip().lower()
    allowed = FOCUS_MUSCLES[focus]
    if focus in (Focus.PUSH, Focus.PULL) and main in _PUSH_PULL_MUSCLES | {"grip"}:
        return main in allowed or (main == "grip" and "forearms" in allowed)
    return group_of(main) in allowed


Role = Literal["main", "accessory", "isolation", "core", "carry"]


@dataclass(frozen=True, slots=True)
class Dose:
    """Sets, reps and rest for one role: sets and rest may move within their bounds to fit
    the clock; rests stay on the grid."""

    sets: int
    sets_low: int
    sets_high: int
    reps: str
    timed: str
    rest: int
    rest_low: int
    rest_high: int


def main_dose(level: FitnessLevel, goals: frozenset[Goal], heavy: bool) -> Dose:
    """The main lifts of a strength session: the heavy scheme for a strength goal (or a
    strength coach), otherwise the hypertrophy/general one."""
    rank = level.rank
    if heavy:
        return Dose(
            (3, 4, 5)[rank],
            3,
            (4, 5, 6)[rank],
            ("8-10", "5-8", "4-6")[rank],
            "40s",
            (90, 150, 180)[rank],
            (90, 120, 150)[rank],
            (120, 180, 180)[rank],
        )
    if Goal.MUSCLE_GAIN in goals:
        return Dose(3 + (rank > 0), 3, 5, "8-12", "45s", 90, 75, 120)
    return Dose(3, 2, 5, ("10-12", "8-12", "6-10")[rank], "40s", (75, 90, 120)[rank], 60, 150)


def role_dose(role: Role, level: FitnessLevel, kind: WorkoutType) -> Dose:
    """Accessories get more reps and less rest than the main lifts; isolation never 6 reps
    or fewer, never 2 minutes of rest."""
    rank = level.rank
    bodyweight = kind is WorkoutType.BODYWEIGHT
    if role == "main" and bodyweight:
        reps = ("8-12", "10-15", "12-20")[rank]
        return Dose(3, 2, 5, reps, ("30s", "40s", "45s")[rank], 75, 45, 90)
    if role in ("main", "accessory"):
        reps = ("10-12", "10-15", "12-20")[rank] if bodyweight else ("10-12", "8-12", "8-12")[rank]
        return Dose(3, 2, 4, reps, "40s", (75, 60, 60)[rank] if not bodyweight else 60, 45, 90)
    if role == "isolation":
        return Dose(3, 2, 4, ("12-15", "10-15", "10-15")[rank], "40s", 60, 45, 75)
    if role == "core":
        return Dose(
            3, 2, 4, ("10-12", "10-15", "12-15")[rank], ("30s", "40s", "45s")[rank], 45, 30, 60
        )
    return Dose(3, 2, 4, "10", ("30s", "40s", "40s")[rank], 75, 60, 90)  # carry


@dataclass(frozen=True, slots=True)
class Interval:
    """A timed interval block: ``rounds`` x ``work`` s on / ``rest`` s off."""

    name: str
    rounds: int
    work: int
    rest: int


TABATA = Interval("tabata", 8, 20, 10)


def interval_for(level: FitnessLevel, *, long: bool = False) -> Interval:
    """Work:rest by level: 30/30 for beginners, 30/15 then 45/15 as fitness grows; a long
    session (over an hour) gets longer intervals rather than more exercises."""
    if long:
        return (Interval("1:1", 8, 45, 45), Interval("2:1", 8, 60, 30), Interval("4:1", 8, 60, 15))[
            level.rank
        ]
    return (Interval("1:1", 8, 30, 30), Interval("2:1", 8, 30, 15), Interval("3:1", 8, 45, 15))[
        level.rank
    ]
