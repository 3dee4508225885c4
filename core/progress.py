"""Progress from the workout log: sessions and volume per week, the streak, personal
records, and the main lifts' top set per week.

Pure: it is handed the logged sessions (weights in kg, as stored) and today's date, and
returns numbers in kg; ``in_units`` converts one for showing (the user's unit lives on the
profile). db/progress.py reads the log, the bot shows the result.

Choices, so the numbers can be checked by hand:

- A week is an ISO week, Monday to Sunday, of the UTC date a session was performed on (the
  bot knows no user's time zone).
- The streak counts weeks in a row with at least one session, not days: a plan of three or
  four sessions a week would break a day streak on every rest day. This week counts when it
  has a session; while it has none yet the streak runs through last week (the week is not
  over), and it is 0 once a whole week was missed.
- Volume is the sum of reps x kg over the sets that have both; bodyweight and timed sets
  add nothing to it.
- The estimated one-rep max is Epley's, weight x (1 + reps / 30), from sets of 1 to
  ``E1RM_MAX_REPS`` reps (a single is the weight itself); higher-rep sets say little about
  a max and are left out.
- The main lifts are the weighted exercises done in the most sessions of the window (ties:
  the one done last, then the name), at most ``MAIN_LIFTS`` of them. Exercise names are grouped
  case-insensitively and shown as last written.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from core.domain import Units

__all__ = [
    "E1RM_MAX_REPS",
    "MAIN_LIFTS",
    "WEEKS",
    "LiftSeries",
    "LoggedSession",
    "PersonalRecord",
    "Progress",
    "SetDone",
    "WeekStats",
    "compute_progress",
    "estimated_1rm",
    "in_units",
    "week_start",
]

WEEKS = 12
"""Weeks the window (and the chart) covers, this one included."""
MAIN_LIFTS = 3
"""Lines on the chart: more than three get hard to tell apart."""
E1RM_MAX_REPS = 12
"""Sets of more reps than this give no estimated one-rep max."""


@dataclass(frozen=True, slots=True)
class SetDone:
    """One logged set, as far as progress is concerned."""

    exercise: str
    """The exercise's name as logged."""
    reps: int | None
    """Reps done; None for a timed set."""
    weight_kg: float | None
    """The load in kg; None or 0 for bodyweight."""


@dataclass(frozen=True, slots=True)
class LoggedSession:
    """One completed workout."""

    performed_at: dt.datetime
    """When it was done (UTC-aware, as stored)."""
    sets: tuple[SetDone, ...] = ()
    """Its sets; a session logged "as planned" without sets still counts as a session."""


@dataclass(frozen=True, slots=True)
class WeekStats:
    """One week of the window."""

    start: dt.date
    """Its Monday."""
    sessions: int
    """Sessions performed that week."""
    volume_kg: float
    """Sum of reps x kg that week."""


@dataclass(frozen=True, slots=True)
class PersonalRecord:
    """The best an exercise has seen, over the whole log."""

    exercise: str
    """The name as last logged."""
    sessions: int
    """Sessions it was done in (how records are ordered)."""
    weight_kg: float | None
    """The heaviest set's load; None when it was only ever done with bodyweight."""
    reps: int
    """The most reps done at that load (or in one set, for bodyweight)."""
    on: dt.date
    """When that top set was first done."""
    e1rm_kg: float | None
    """The best estimated one-rep max; None without a weighted set of 1-12 reps."""
    e1rm_on: dt.date | None
    """When the best estimated one-rep max was first reached."""


@dataclass(frozen=True, slots=True)
class LiftSeries:
    """A main lift's heaviest set, week by week over the window."""

    exercise: str
    """The name as last logged."""
    top_kg: tuple[float | None, ...]
    """One entry per ``Progress.weeks``; None for a week it was not done."""


@dataclass(frozen=True, slots=True)
class Progress:
    """Everything /progress shows, in kg."""

    today: dt.date
    """The day it was computed for (UTC)."""
    weeks: tuple[WeekStats, ...]
    """The window, oldest first; the last one is this week."""
    streak_weeks: int
    """Weeks in a row with a session (see the module's docstring)."""
    total_sessions: int
    """Sessions ever logged."""
    records: tuple[PersonalRecord, ...]
    """Per exercise, the most often done first."""
    lifts: tuple[LiftSeries, ...]
    """The main lifts, most often done first."""

    @property
    def this_week(self) -> WeekStats:
        return self.weeks[-1]

    @property
    def last_week(self) -> WeekStats:
        return self.weeks[-2]

    @property
    def window_sessions(self) -> int:
        """Sessions in the window."""
        return sum(w.sessions for w in self.weeks)

    @property
    def window_volume_kg(self) -> float:
        """Volume in the window."""
        return sum(w.volume_kg for w in self.weeks)


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s ISO week."""
    return day - dt.timedelta(days=day.weekday())


def estimated_1rm(weight_kg: float, reps: int) -> float | None:
    """Epley's estimate; None outside 1 to ``E1RM_MAX_REPS`` reps or without a load."""
    if weight_kg <= 0 or not 1 <= reps <= E1RM_MAX_REPS:
        return None
    return weight_kg if reps == 1 else weight_kg * (1 + reps / 30)


def in_units(kg: float, units: Units) -> float:
    """A weight (or a volume) in kg, converted to ``units``."""
    return kg * units.per_kg


def _utc_date(moment: dt.datetime) -> dt.date:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(dt.UTC).date()


def _load(s: SetDone) -> float | None:
    """The set's load when it has one (bodyweight, 0 and nonsense are no load)."""
    w = s.weight_kg
    return w if w is not None and math.isfinite(w) and w > 0 else None


def _volume(s: SetDone) -> float:
    load = _load(s)
    return load * s.reps if load is not None and s.reps is not None and s.reps > 0 else 0.0


@dataclass(slots=True)
class _Record:
    """A record being built, session by session in time order."""

    name: str
    last_seen: dt.datetime
    sessions: int = 0
    weight_kg: float | None = None
    reps: int = 0
    on: dt.date | None = None
    e1rm_kg: float | None = None
    e1rm_on: dt.date | None = None

    def add(self, s: SetDone, day: dt.date) -> None:
        load, reps = _load(s), s.reps if s.reps is not None and s.reps > 0 else 0
        if load is not None:
            if self.weight_kg is None or (load, reps) > (self.weight_kg, self.reps):
                self.weight_kg, self.reps, self.on = load, reps, day
            e1rm = estimated_1rm(load, reps)
            if e1rm is not None and (self.e1rm_kg is None or e1rm > self.e1rm_kg):
                self.e1rm_kg, self.e1rm_on = e1rm, day
        elif self.weight_kg is None and reps > self.reps:
            self.reps, self.on = reps, day

    def frozen(self) -> PersonalRecord | None:
        if self.on is None:  # only timed sets: nothing to hold up as a record
            return None
        return PersonalRecord(
            exercise=self.name,
            sessions=self.sessions,
            weight_kg=self.weight_kg,
            reps=self.reps,
            on=self.on,
            e1rm_kg=self.e1rm_kg,
            e1rm_on=self.e1rm_on,
        )


def _streak(weeks_with_sessions: set[dt.date], this_week: dt.date) -> int:
    week = this_week if this_week in weeks_with_sessions else this_week - dt.timedelta(weeks=1)
    streak = 0
    while week in weeks_with_sessions:
        streak += 1
        week -= dt.timedelta(weeks=1)
    return streak


def compute_progress(
    sessions: Iterable[LoggedSession], today: dt.date, *, weeks: int = WEEKS
) -> Progress:
    """The user's progress as of ``today`` (UTC), from every session they logged.

    Sessions after ``today`` (a clock ahead of ours) count in the totals and records but
    in no week of the window.
    """
    if weeks < 2:
        raise ValueError("the window needs this week and last week at least")
    this_week = week_start(today)
    starts = [this_week - dt.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    index = {start: n for n, start in enumerate(starts)}
    counts, volumes = [0] * weeks, [0.0] * weeks
    tops: dict[str, list[float | None]] = defaultdict(lambda: [None] * weeks)
    lift_sessions: dict[str, int] = defaultdict(int)
    records: dict[str, _Record] = {}
    active_weeks: set[dt.date] = set()
    total = 0

    for logged in sorted(sessions, key=lambda s: s.performed_at):
        total += 1
        day = _utc_date(logged.performed_at)
        week = week_start(day)
        active_weeks.add(week)
        slot = index.get(week)
        if slot is not None:
            counts[slot] += 1
        weighted_here: set[str] = set()
        seen_here: set[str] = set()
        for s in logged.sets:
            name = s.exercise.strip()
            if not name:
                continue
            key = name.casefold()
            record = records.setdefault(key, _Record(name, logged.performed_at))
            record.name, record.last_seen = name, logged.performed_at  # shown as last written
            if key not in seen_here:
                seen_here.add(key)
                record.sessions += 1
            record.add(s, day)
            load = _load(s)
            if slot is None:
                continue
            volumes[slot] += _volume(s)
            if load is not None:
                weighted_here.add(key)
                current = tops[key][slot]
                tops[key][slot] = load if current is None else max(current, load)
        for key in weighted_here:
            lift_sessions[key] += 1

    def latest(key: str) -> float:
        return -records[key].last_seen.timestamp()

    # Most sessions first, then the one done last, then by name: the same log always
    # gives the same order.
    main = sorted(lift_sessions, key=lambda k: (-lift_sessions[k], latest(k), k))[:MAIN_LIFTS]
    ordered = sorted(records, key=lambda k: (-records[k].sessions, latest(k), k))
    return Progress(
        today=today,
        weeks=tuple(
            WeekStats(start, sessions=counts[n], volume_kg=volumes[n])
            for n, start in enumerate(starts)
        ),
        streak_weeks=_streak(active_weeks, this_week),
        total_sessions=total,
        records=tuple(r for k in ordered if (r := records[k].frozen()) is not None),
        lifts=tuple(LiftSeries(records[k].name, tuple(tops[k])) for k in main),
    )
