"""core.schedule: next local occurrences across DST (two zones, skipped and repeated
hours), the split's focus per day, typed times and time zones."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from core.schedule import (
    Focus,
    Split,
    focus_for,
    next_occurrence,
    occurrences,
    parse_local_time,
    parse_zone,
    split_for,
    to_utc,
    zone_label,
    zone_near,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
UTC = dt.UTC
EVERY_DAY = range(7)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "before", "after"),
    [
        # Berlin: CET (+1) until 2026-03-29 02:00, then CEST (+2); back on 2026-10-25.
        (BERLIN, (2026, 3, 28), (2026, 3, 30)),
        (BERLIN, (2026, 10, 24), (2026, 10, 26)),
        # New York: EST (-5) until 2026-03-08, EDT (-4) until 2026-11-01.
        (NEW_YORK, (2026, 3, 7), (2026, 3, 9)),
        (NEW_YORK, (2026, 10, 31), (2026, 11, 2)),
    ],
)
def test_seven_oclock_stays_seven_oclock_local_across_dst(
    zone: ZoneInfo, before: tuple[int, int, int], after: tuple[int, int, int]
) -> None:
    start = dt.datetime(*before, 0, tzinfo=UTC)
    found = occurrences(start, EVERY_DAY, dt.time(7), zone, 3)
    assert [o.local_date for o in found] == [
        dt.date(*before) + dt.timedelta(days=n) for n in (0, 1, 2)
    ]
    for occurrence in found:
        local = occurrence.fire_at.astimezone(zone)
        assert (local.hour, local.minute) == (7, 0)
    offsets = {o.fire_at.astimezone(zone).utcoffset() for o in found}
    assert len(offsets) == 2  # the change happened in between, and the hour stayed
    assert found[-1].local_date == dt.date(*after)


def test_a_time_in_the_skipped_hour_fires_once_just_after_the_gap() -> None:
    # 2026-03-29 Berlin: 02:00 -> 03:00. 02:30 does not exist; it fires at 01:30 UTC (03:30).
    found = occurrences(utc(2026, 3, 28, 12), EVERY_DAY, dt.time(2, 30), BERLIN, 3)
    assert [o.local_date.day for o in found] == [29, 30, 31]
    assert found[0].fire_at == utc(2026, 3, 29, 1, 30)
    assert found[0].fire_at.astimezone(BERLIN).time() == dt.time(3, 30)
    assert found[1].fire_at == utc(2026, 3, 30, 0, 30)  # 02:30 CEST again the next day
    # New York 2026-03-08: 02:00 -> 03:00.
    ny = next_occurrence(utc(2026, 3, 8, 5), EVERY_DAY, dt.time(2, 30), NEW_YORK)
    assert ny.local_date == dt.date(2026, 3, 8)
    assert ny.fire_at == utc(2026, 3, 8, 7, 30)  # 03:30 EDT


def test_a_time_in_the_repeated_hour_fires_once_at_its_first_occurrence() -> None:
    # 2026-10-25 Berlin: 03:00 CEST -> 02:00 CET; 02:30 happens at 00:30 and 01:30 UTC.
    found = occurrences(utc(2026, 10, 24, 12), EVERY_DAY, dt.time(2, 30), BERLIN, 2)
    assert found[0].fire_at == utc(2026, 10, 25, 0, 30)
    assert found[1].local_date == dt.date(2026, 10, 26)  # not a second one on the 25th
    # Asked just after the first 02:30, the next is the next day's, not the repeat.
    after_first = next_occurrence(utc(2026, 10, 25, 0, 31), EVERY_DAY, dt.time(2, 30), BERLIN)
    assert after_first.local_date == dt.date(2026, 10, 26)
    ny = occurrences(utc(2026, 10, 31, 12), EVERY_DAY, dt.time(1, 30), NEW_YORK, 2)
    assert ny[0].fire_at == utc(2026, 11, 1, 5, 30)  # 01:30 EDT, the first of the two
    assert ny[1].local_date == dt.date(2026, 11, 2)


def test_training_days_and_the_local_date_are_the_users() -> None:
    # Monday 2026-12-07 23:30 in New York is Tuesday 04:30 UTC.
    mon_wed_fri = (0, 2, 4)
    found = occurrences(utc(2026, 12, 7, 3), mon_wed_fri, dt.time(23, 30), NEW_YORK, 3)
    assert [o.local_date for o in found] == [
        dt.date(2026, 12, 7),
        dt.date(2026, 12, 9),
        dt.date(2026, 12, 11),
    ]
    assert found[0].fire_at == utc(2026, 12, 8, 4, 30)
    # Strictly after: asking at the instant itself gives the next one.
    assert next_occurrence(found[0].fire_at, mon_wed_fri, dt.time(23, 30), NEW_YORK) == found[1]


def test_bad_days_and_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="weekdays"):
        next_occurrence(utc(2026, 1, 1), (), dt.time(7), BERLIN)
    with pytest.raises(ValueError, match="weekdays"):
        next_occurrence(utc(2026, 1, 1), (7,), dt.time(7), BERLIN)
    with pytest.raises(ValueError, match="aware"):
        next_occurrence(dt.datetime(2026, 1, 1), (1,), dt.time(7), BERLIN)


@pytest.mark.parametrize(
    ("days", "split"),
    [
        (1, Split.FULL_BODY),
        (2, Split.FULL_BODY),
        (3, Split.FULL_BODY),
        (4, Split.UPPER_LOWER),
        (5, Split.PUSH_PULL_LEGS),
        (6, Split.PUSH_PULL_LEGS),
    ],
)
def test_the_split_follows_the_days_a_week(days: int, split: Split) -> None:
    assert split_for(days) is split


def test_each_training_day_takes_the_next_focus_of_the_split() -> None:
    days = (0, 1, 3, 4)
    assert [focus_for(Split.UPPER_LOWER, days, d) for d in days] == [
        Focus.UPPER,
        Focus.LOWER,
        Focus.UPPER,
        Focus.LOWER,
    ]
    ppl = (0, 1, 2, 3, 4, 5)
    assert [focus_for(Split.PUSH_PULL_LEGS, ppl, d).label for d in ppl] == [
        "Push",
        "Pull",
        "Legs",
        "Push",
        "Pull",
        "Legs",
    ]
    # A session moved to a rest day keeps its own day's focus.
    assert focus_for(Split.UPPER_LOWER, days, 2) is Focus.LOWER
    assert focus_for(Split.FULL_BODY, (0, 2, 4), 6) is Focus.FULL_BODY


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7", dt.time(7)),
        ("07:00", dt.time(7)),
        ("7:30pm", dt.time(19, 30)),
        ("18.15", dt.time(18, 15)),
        ("6 am", dt.time(6)),
        ("12am", dt.time(0)),
        ("12 pm", dt.time(12)),
        ("23:59", dt.time(23, 59)),
        ("24:00", None),
        ("7:60", None),
        ("13pm", None),
        ("seven", None),
        ("", None),
    ],
)
def test_typed_times(text: str, expected: dt.time | None) -> None:
    assert parse_local_time(text) == expected


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("Berlin", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("Europe/Lisbon", "Europe/Lisbon"),
        ("kolkata", "Asia/Kolkata"),
        ("UTC", "UTC"),
        ("UTC+2", "Etc/GMT-2"),
        ("-5", "Etc/GMT+5"),
        ("GMT+0", "UTC"),
        ("utc+5:30", None),
        ("Atlantis", None),
        ("", None),
        ("x" * 100, None),
    ],
)
def test_typed_zones(text: str, zone: str | None) -> None:
    assert parse_zone(text) == zone
    if zone is not None:
        ZoneInfo(zone)  # a real key


def test_zone_labels_read_as_people_write_them() -> None:
    assert zone_label("Etc/GMT-2") == "UTC+2"
    assert zone_label("Etc/GMT+5") == "UTC-5"
    assert zone_label("America/New_York") == "New York"
    # The instant of an offset zone is that offset.
    assert to_utc(dt.date(2026, 6, 1), dt.time(9), ZoneInfo("Etc/GMT-2")) == utc(2026, 6, 1, 7)


@pytest.mark.parametrize(
    ("where", "zone"),
    [
        (
            (48.14, 11.58),
            "Europe/Berlin",
        ),  # Munich: nearest is Zurich or Vienna? no: Berlin's zone either way
        ((42.36, -71.06), "America/New_York"),  # Boston
        ((-29.86, 31.02), "Africa/Johannesburg"),  # Durban
        ((0.0, -150.0), "Etc/GMT+10"),  # the Pacific, far from every place
        ((0.0, -3.0), "UTC"),
    ],
)
def test_a_shared_location_gets_the_nearest_places_zone(
    where: tuple[float, float], zone: str
) -> None:
    found = zone_near(*where)
    if zone == "Europe/Berlin":  # Munich is nearer Zurich and Vienna: the same offset
        assert found in ("Europe/Berlin", "Europe/Zurich", "Europe/Vienna", "Europe/Prague")
    else:
        assert found == zone
    ZoneInfo(found)
    with pytest.raises(ValueError, match="Earth"):
        zone_near(91, 0)
