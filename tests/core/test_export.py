"""The /export CSV: parses with the csv module, units, empty cells, size limits."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools

import pytest

from core.domain import Units
from core.export import (
    COLUMNS,
    MAX_BYTES,
    MAX_ROWS,
    ExportRow,
    export_filename,
    write_csv,
)

WHEN = dt.datetime(2026, 3, 5, 23, 30, tzinfo=dt.UTC)


def row(**fields: object) -> ExportRow:
    values: dict[str, object] = {
        "performed_at": WHEN,
        "workout_id": 7,
        "plan_id": 3,
        "exercise": "Back squat",
        "set_number": 1,
        "reps": 5,
        "weight_kg": 100.0,
        "duration_s": None,
        "rpe": 8.5,
        "session_rpe": 9.0,
        "rating": "just_right",
    }
    values.update(fields)
    return ExportRow(**values)  # type: ignore[arg-type]


def parse(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM spreadsheets need
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_rows_in_kg_and_lb() -> None:
    rows = [
        row(),
        row(set_number=2, exercise="Plank", reps=None, weight_kg=None, duration_s=60, rpe=None),
        row(workout_id=8, plan_id=None, exercise=None, set_number=None, reps=None,
            weight_kg=None, rpe=None, session_rpe=None, rating=None),
    ]  # fmt: skip
    kg = write_csv(rows, Units.KG)
    assert (kg.rows, kg.sessions, kg.truncated) == (3, 2, False)
    parsed = parse(kg.data)
    assert tuple(parsed[0]) == COLUMNS
    assert parsed[0] == {
        "date": "2026-03-05", "workout_id": "7", "plan_id": "3", "exercise": "Back squat",
        "set": "1", "reps": "5", "weight": "100", "unit": "kg", "weight_kg": "100",
        "duration_s": "", "rpe": "8.5", "session_rpe": "9", "rating": "just_right",
    }  # fmt: skip
    assert parsed[1]["weight"] == "" and parsed[1]["duration_s"] == "60"
    assert parsed[2]["exercise"] == "" and parsed[2]["workout_id"] == "8"
    lb = parse(write_csv(rows, Units.LB).data)
    assert (lb[0]["weight"], lb[0]["unit"], lb[0]["weight_kg"]) == ("220.46", "lb", "100")


def test_names_are_data_not_formulas() -> None:
    names = ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", 'Row, "wide" grip\nnew line', "Über"]
    parsed = parse(write_csv([row(exercise=n) for n in names], Units.KG).data)
    assert [p["exercise"] for p in parsed] == [
        "'=HYPERLINK(\"x\")", "'+1", "'-2", "'@SUM(A1)", 'Row, "wide" grip\nnew line', "Über",
    ]  # fmt: skip


def test_filename() -> None:
    assert export_filename(dt.date(2026, 3, 5)) == "flexflow-export-2026-03-05.csv"


def test_the_largest_export_fits_telegrams_limit() -> None:
    worst = row(
        workout_id=2**63 - 1,
        plan_id=2**63 - 1,
        exercise="𝔅" * 79 + '"',  # 4-byte characters, and a quote to escape
        set_number=2**31 - 1,
        reps=2**31 - 1,
        weight_kg=123456.789,
        duration_s=2**31 - 1,
        rpe=10.0,
        session_rpe=10.0,
        rating="just_right",
    )
    one = write_csv([worst], Units.LB)
    header = write_csv([], Units.LB)
    assert len(header.data) + (len(one.data) - len(header.data)) * MAX_ROWS < MAX_BYTES


def test_guards() -> None:
    with pytest.raises(ValueError, match="limit the query"):
        write_csv(itertools.repeat(row(), 4), Units.KG, max_rows=3)
    assert write_csv(itertools.repeat(row(), 3), Units.KG, max_rows=3).rows == 3
    empty = write_csv([], Units.KG, truncated=True)
    assert (empty.rows, empty.truncated) == (0, True)
