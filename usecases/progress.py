"""Looking at what was logged: /progress and /export."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from core.domain import Units
from core.export import MAX_ROWS, Exported, write_csv
from core.progress import Progress, compute_progress
from core.recovery import WINDOW, logged_work, readiness
from db import progress as db_progress
from usecases.profile import Member, Sessions, user_of

__all__ = ["ProgressView", "export_for", "progress_for"]


@dataclass(frozen=True, slots=True)
class ProgressView:
    """/progress's numbers and the units to show them in."""

    progress: Progress | None
    """None when the caller has logged nothing yet."""
    units: Units
    """The caller's weight units."""
    readiness: dict[str, int] | None = None
    """Each muscle group's readiness in percent (core/recovery.py); None when nothing was
    logged in the model's window."""


def progress_for(sessions: Sessions, who: Member, now: dt.datetime) -> ProgressView:
    """The caller's progress as of ``now`` (aware; its UTC date is "today") from their whole
    log, and how recovered each muscle group is."""
    with sessions.begin() as session:
        user = user_of(session, who)
        logged = db_progress.logged_sessions(session, user.id)
        recent = db_progress.sets_since(session, user.id, now - WINDOW) if logged else []
        units = user.units
    progress = compute_progress(logged, now.astimezone(dt.UTC).date()) if logged else None
    work = logged_work(recent)
    return ProgressView(progress, units, readiness(work, now) if work else None)


def export_for(sessions: Sessions, who: Member) -> tuple[Exported, Units] | None:
    """The caller's logged sets as a CSV file in their units; None when there are none.

    Past ``core.export.MAX_ROWS`` rows the oldest are left out (the file says so).
    """
    with sessions.begin() as session:
        user = user_of(session, who)
        units = user.units
        total = db_progress.count_export_rows(session, user.id)
        if total == 0:
            return None
        skip = max(0, total - MAX_ROWS)
        # islice: rows logged since the count must not push the file past the limit.
        rows = itertools.islice(db_progress.export_rows(session, user.id, skip=skip), MAX_ROWS)
        return write_csv(rows, units, truncated=skip > 0), units
