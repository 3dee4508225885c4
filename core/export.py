"""/export: the user's logged sets as CSV, weights in their unit and in kg.

One row per logged set, oldest first; a session logged without sets is one row with the
set columns empty, so every session is in the file. Columns (``COLUMNS``):

    date        the UTC date the session was performed (YYYY-MM-DD)
    workout_id  the logged session's id: rows of one session share it
    plan_id     the plan it was logged against, empty when none
    exercise, set, reps
    weight      in ``unit`` (the user's: kg or lb), rounded to 0.01; empty for bodyweight
    unit        kg or lb
    weight_kg   as stored
    duration_s  timed sets
    rpe         the set's effort (1-10); session_rpe and rating are the session's

The file starts with a UTF-8 byte-order mark so spreadsheet programs read names with
accents right (Python reads it with ``encoding="utf-8-sig"``). A name that a spreadsheet
would run as a formula (starting with = + - @) gets a leading apostrophe.

Size: Telegram takes documents up to 50 MB. The longest possible row (an 80-character name
of 4-byte characters, 19-digit ids) is under 500 bytes, so ``MAX_ROWS`` rows always fit;
that is about 30 years of training, so in practice nothing is left out. When it is, the
newest rows are kept (the caller asks the database for them) and ``Exported.truncated``
says so.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass

from core.domain import Units

__all__ = [
    "COLUMNS",
    "MAX_BYTES",
    "MAX_ROWS",
    "ExportRow",
    "Exported",
    "export_filename",
    "write_csv",
]

COLUMNS = (
    "date",
    "workout_id",
    "plan_id",
    "exercise",
    "set",
    "reps",
    "weight",
    "unit",
    "weight_kg",
    "duration_s",
    "rpe",
    "session_rpe",
    "rating",
)
MAX_ROWS = 100_000
"""Rows per export: at most 100,000 x 500 bytes, under Telegram's 50 MB (see above)."""
MAX_BYTES = 50 * 1000 * 1000
"""Telegram's limit for a document the bot uploads."""

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One logged set (or a session without sets) as it leaves the database."""

    performed_at: dt.datetime
    """When the session was performed (UTC-aware)."""
    workout_id: int
    """The session's id."""
    plan_id: int | None
    """The plan it was logged against."""
    exercise: str | None
    """None for a session logged without sets (so are the other set fields)."""
    set_number: int | None
    reps: int | None
    weight_kg: float | None
    duration_s: int | None
    rpe: float | None
    """The set's effort."""
    session_rpe: float | None
    """The session's effort."""
    rating: str | None
    """too_easy, just_right or too_hard."""


@dataclass(frozen=True, slots=True)
class Exported:
    """A finished CSV file and what is in it."""

    data: bytes
    """The file, UTF-8 with a byte-order mark."""
    rows: int
    """Data rows (the header not counted)."""
    sessions: int
    """Distinct sessions among them."""
    truncated: bool
    """True when older rows were left out to stay under ``MAX_ROWS``."""


def export_filename(today: dt.date) -> str:
    """flexflow-export-YYYY-MM-DD.csv"""
    return f"flexflow-export-{today.isoformat()}.csv"


def _number(value: float | None, digits: int) -> str:
    if value is None:
        return ""
    return f"{value:.{digits}f}".rstrip("0").rstrip(".")


def _text(value: str | None) -> str:
    if value is None:
        return ""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _cells(row: ExportRow, units: Units) -> list[str | int]:
    aware = row.performed_at if row.performed_at.tzinfo else row.performed_at.replace(tzinfo=dt.UTC)
    weight = row.weight_kg * units.per_kg if row.weight_kg is not None else None
    return [
        aware.astimezone(dt.UTC).date().isoformat(),
        row.workout_id,
        "" if row.plan_id is None else row.plan_id,
        _text(row.exercise),
        "" if row.set_number is None else row.set_number,
        "" if row.reps is None else row.reps,
        _number(weight, 2),
        units.value,
        _number(row.weight_kg, 3),
        "" if row.duration_s is None else row.duration_s,
        _number(row.rpe, 1),
        _number(row.session_rpe, 1),
        row.rating or "",
    ]


def write_csv(
    rows: Iterable[ExportRow],
    units: Units,
    *,
    truncated: bool = False,
    max_rows: int = MAX_ROWS,
) -> Exported:
    """The CSV file of ``rows`` (read lazily: pass the database's cursor), in ``units``.

    Raises ``ValueError`` past ``max_rows`` rows or ``MAX_BYTES`` bytes: the caller limits
    the query, this is the guard that the file can still be sent.
    """
    buffer = io.BytesIO()
    text = io.TextIOWrapper(buffer, encoding="utf-8-sig", newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count, workouts = 0, set()
    for row in rows:
        count += 1
        if count > max_rows:
            raise ValueError(f"more than {max_rows} rows: limit the query")
        workouts.add(row.workout_id)
        writer.writerow(_cells(row, units))
    text.flush()
    data = buffer.getvalue()
    text.detach()
    if len(data) > MAX_BYTES:
        raise ValueError(f"{len(data)} bytes is over Telegram's {MAX_BYTES}")
    return Exported(data=data, rows=count, sessions=len(workouts), truncated=truncated)
