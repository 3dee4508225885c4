"""The weekly review, pure: the week's sessions done against planned, its volume, the
records set, and what changes next week, in the coach's voice.

Handed the week (its first and last instant, UTC), the plan's sessions of that week, every
logged session (weights in kg) and the progression targets (core.progression), it returns
numbers in kg; ``render_review`` writes the message in the user's unit. What changes next
week comes from what the log already decides: a lift the progression deloads after a stall
(three sessions without a rep gained), lifts that go up, and training days that were
missed or skipped (the same weekday twice points at the day, not the person).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

from core.coaches import Coach
from core.domain import Units
from core.models import ExerciseTarget, weight_in
from core.progress import LoggedSession, compute_progress
from core.schedule import DAY_NAMES

__all__ = ["PlannedDay", "WeekReview", "compose_review", "render_review"]

MISSED = frozenset({"missed", "skipped"})


@dataclass(frozen=True, slots=True)
class PlannedDay:
    """One planned session of the week: its local day and what became of it."""

    local_date: dt.date
    status: str
    """planned, reminded, started, skipped or missed (db.models.SESSION_STATES)."""


@dataclass(frozen=True, slots=True)
class WeekReview:
    """What the review says, in kg."""

    planned: int
    done: int
    """Sessions logged in the week (planned or not)."""
    volume_kg: float
    records: tuple[tuple[str, float, int], ...]
    """Top sets first reached this week: exercise, kg, reps."""
    deloads: tuple[tuple[str, float], ...]
    """Lifts the progression deloads next time: exercise, the new kg."""
    increases: tuple[tuple[str, float], ...]
    """Lifts that go up next time: exercise, the new kg."""
    missed_days: tuple[str, ...]
    """Weekday names of the sessions missed or skipped, in order."""
    repeated_miss: str | None
    """A weekday missed at least twice in the last weeks' sessions handed in."""


def compose_review(
    start: dt.datetime,
    end: dt.datetime,
    week: Sequence[PlannedDay],
    logged: Iterable[LoggedSession],
    targets: Iterable[ExerciseTarget],
    history: Sequence[PlannedDay] = (),
) -> WeekReview:
    """The review of the week ``[start, end)``; ``history`` holds earlier weeks' sessions
    (for a weekday missed again and again)."""
    sessions = list(logged)
    in_week = [s for s in sessions if start <= s.performed_at < end]
    volume = sum(
        (x.weight_kg or 0) * (x.reps or 0)
        for s in in_week
        for x in s.sets
        if x.weight_kg and x.reps and x.weight_kg > 0 and x.reps > 0
    )
    progress = compute_progress(sessions, end.date())
    first, last = start.astimezone(dt.UTC).date(), end.astimezone(dt.UTC).date()
    records = tuple(
        (r.exercise, r.weight_kg, r.reps)
        for r in progress.records
        if r.weight_kg is not None and first <= r.on <= last
    )
    chosen = list(targets)
    deloads = tuple((t.name, t.weight_kg) for t in chosen if t.action == "deload")
    increases = tuple((t.name, t.weight_kg) for t in chosen if t.action == "increase")
    missed = [d for d in week if d.status in MISSED]
    counts = Counter(d.local_date.weekday() for d in [*history, *week] if d.status in MISSED)
    repeated = [day for day, n in counts.most_common() if n >= 2]
    return WeekReview(
        planned=len(week),
        done=len(in_week),
        volume_kg=volume,
        records=records,
        deloads=deloads,
        increases=increases,
        missed_days=tuple(DAY_NAMES[d.local_date.weekday()] for d in missed),
        repeated_miss=DAY_NAMES[repeated[0]] if repeated else None,
    )


def _kg(kg: float, units: Units) -> str:
    return f"{weight_in(kg, units):g} {units.value}"


def render_review(review: WeekReview, coach: Coach, units: Units, rng: random.Random) -> str:
    """The review as Telegram HTML (well under 4096 characters: at most five lines of
    records and of changes)."""
    lines = [f"<b>{escape(coach.emoji)} {escape(coach.key)}: your week</b>"]
    lines.append(f"Sessions: {review.done} of {review.planned} planned")
    if review.volume_kg > 0:
        lines.append(f"Volume: {_kg(review.volume_kg, units)} lifted")
    if review.records:
        lines.append("")
        lines.append("<b>New records</b>")
        lines += [
            f"• {escape(name)}: {_kg(kg, units)} × {reps}" for name, kg, reps in review.records[:5]
        ]
    changes: list[str] = []
    changes += [
        f"• {escape(name)}: deload to {_kg(kg, units)}, it stalled. We build back up."
        for name, kg in review.deloads
    ]
    changes += [f"• {escape(name)}: up to {_kg(kg, units)}" for name, kg in review.increases]
    if review.repeated_miss is not None:
        changes.append(
            f"• {review.repeated_miss} keeps slipping: move it with /plan, or tap Tomorrow."
        )
    elif review.missed_days:
        changes.append(f"• Missed: {', '.join(review.missed_days)}. This week we get them.")
    if review.planned and review.done >= review.planned and not review.deloads:
        changes.append("• Every session done: same plan, a little heavier.")
    if changes:
        lines += ["", "<b>Next week</b>", *changes[:5]]
    lines += ["", escape(coach.outro(rng))]
    return "\n".join(lines)
