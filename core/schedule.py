"""A training plan's calendar, pure: which local days, at what local time, with what focus.

Everything here takes the current time as an argument (no clock is read), so tests move
time freely. Local times are turned into UTC with ``zoneinfo``:

- a time that exists once is that instant (07:00 stays 07:00 local across a DST change);
- a time skipped by a spring-forward change (02:30 on the night clocks jump from 02:00 to
  03:00) is the instant the same wall time would have been before the jump, which the
  clock shows as 03:30: the session still happens that day, one hour "later" on the wall;
- a time repeated by a fall-back change (02:30 happens twice) is its first occurrence
  (PEP 495's ``fold=0``), so it fires once.

A split is chosen from the days a week (2-3: full body; 4: upper/lower; 5-6: push/pull/
legs); each training day of the week gets the next focus of the split, in weekday order.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from core.domain import Focus, WorkoutType

__all__ = [
    "CITIES",
    "DAY_NAMES",
    "PLACES",
    "Focus",
    "Occurrence",
    "Split",
    "days_label",
    "focus_for",
    "focus_workout_type",
    "next_occurrence",
    "occurrences",
    "parse_local_time",
    "parse_zone",
    "split_for",
    "to_utc",
    "zone_label",
    "zone_near",
    "zone_of",
]

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
"""Weekday 0 (Monday) to 6 (Sunday), as ``datetime.date.weekday`` numbers them."""


class Split(StrEnum):
    """How a week of strength sessions is divided."""

    FULL_BODY = "full_body"
    UPPER_LOWER = "upper_lower"
    PUSH_PULL_LEGS = "push_pull_legs"

    @property
    def label(self) -> str:
        return {"full_body": "Full body", "upper_lower": "Upper/lower"}.get(
            self.value, "Push/pull/legs"
        )

    @property
    def foci(self) -> tuple[Focus, ...]:
        """The days of the split, in the order they repeat."""
        if self is Split.FULL_BODY:
            return (Focus.FULL_BODY,)
        if self is Split.UPPER_LOWER:
            return (Focus.UPPER, Focus.LOWER)
        return (Focus.PUSH, Focus.PULL, Focus.LEGS)


def split_for(days_a_week: int) -> Split:
    """The split for this many training days (1-3 full body, 4 upper/lower, 5-7 PPL)."""
    if days_a_week <= 3:
        return Split.FULL_BODY
    if days_a_week == 4:
        return Split.UPPER_LOWER
    return Split.PUSH_PULL_LEGS


def focus_for(split: Split, days: Iterable[int], weekday: int) -> Focus:
    """The focus of ``weekday`` in a week trained on ``days`` with ``split``: the training
    days in weekday order take the split's foci in turn (Mon/Tue/Thu/Fri on upper/lower:
    upper, lower, upper, lower). A weekday not in ``days`` (a session moved to tomorrow)
    keeps the focus of the day before it that is."""
    ordered = sorted(set(days))
    if not ordered:
        raise ValueError("a plan needs at least one training day")
    earlier = [d for d in ordered if d <= weekday] or [ordered[-1]]
    index = ordered.index(earlier[-1])
    return split.foci[index % len(split.foci)]


def focus_workout_type(focus: Focus) -> WorkoutType:
    """The generator's workout type for a split day (every split day is strength work)."""
    del focus  # the generator has no focus of its own yet: the split's days are strength
    return WorkoutType.STRENGTH


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One planned session: its local date and the UTC instant of its reminder."""

    local_date: dt.date
    """The day in the user's time zone."""
    fire_at: dt.datetime
    """When the reminder goes out, UTC-aware."""


def to_utc(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    """``day`` at local ``at`` in ``zone`` as a UTC instant (see the module docstring for
    skipped and repeated times)."""
    local = dt.datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=zone)
    return local.astimezone(dt.UTC)


def next_occurrence(
    after: dt.datetime, days: Iterable[int], at: dt.time, zone: ZoneInfo
) -> Occurrence:
    """The first training day whose local ``at`` is strictly after ``after`` (UTC-aware)."""
    wanted = set(days)
    if not wanted or not wanted <= set(range(7)):
        raise ValueError(f"training days must be weekdays 0-6, got {sorted(wanted)}")
    if after.tzinfo is None:
        raise ValueError("after must be time-zone aware")
    day = after.astimezone(zone).date() - dt.timedelta(days=1)  # a gap can move a time back
    for _ in range(9):
        if day.weekday() in wanted:
            fire = to_utc(day, at, zone)
            if fire > after:
                return Occurrence(day, fire)
        day += dt.timedelta(days=1)
    raise AssertionError("unreachable: some weekday within 9 days is a training day")


def occurrences(
    after: dt.datetime, days: Iterable[int], at: dt.time, zone: ZoneInfo, count: int
) -> list[Occurrence]:
    """The next ``count`` occurrences after ``after``, in order."""
    found: list[Occurrence] = []
    moment = after
    wanted = tuple(days)
    for _ in range(count):
        nxt = next_occurrence(moment, wanted, at, zone)
        found.append(nxt)
        moment = nxt.fire_at
    return found


_TIME = re.compile(r"\s*(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?\s*", re.IGNORECASE)


def parse_local_time(text: str) -> dt.time | None:
    """A typed time of day ("7", "07:00", "7:30pm", "18.15", "6 am") or None."""
    match = _TIME.fullmatch(text)
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    meridiem = (match.group(3) or "").lower().replace(".", "")
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return dt.time(hour, minute)


CITIES: dict[str, str] = {
    "amsterdam": "Europe/Amsterdam",
    "athens": "Europe/Athens",
    "auckland": "Pacific/Auckland",
    "bangkok": "Asia/Bangkok",
    "barcelona": "Europe/Madrid",
    "beijing": "Asia/Shanghai",
    "berlin": "Europe/Berlin",
    "bogota": "America/Bogota",
    "boston": "America/New_York",
    "brussels": "Europe/Brussels",
    "buenos aires": "America/Argentina/Buenos_Aires",
    "cairo": "Africa/Cairo",
    "cape town": "Africa/Johannesburg",
    "chicago": "America/Chicago",
    "delhi": "Asia/Kolkata",
    "denver": "America/Denver",
    "dubai": "Asia/Dubai",
    "dublin": "Europe/Dublin",
    "hong kong": "Asia/Hong_Kong",
    "istanbul": "Europe/Istanbul",
    "jakarta": "Asia/Jakarta",
    "johannesburg": "Africa/Johannesburg",
    "kyiv": "Europe/Kyiv",
    "kiev": "Europe/Kyiv",
    "lagos": "Africa/Lagos",
    "lisbon": "Europe/Lisbon",
    "london": "Europe/London",
    "los angeles": "America/Los_Angeles",
    "la": "America/Los_Angeles",
    "madrid": "Europe/Madrid",
    "manila": "Asia/Manila",
    "melbourne": "Australia/Melbourne",
    "mexico city": "America/Mexico_City",
    "miami": "America/New_York",
    "milan": "Europe/Rome",
    "montreal": "America/Toronto",
    "moscow": "Europe/Moscow",
    "mumbai": "Asia/Kolkata",
    "munich": "Europe/Berlin",
    "nairobi": "Africa/Nairobi",
    "new york": "America/New_York",
    "nyc": "America/New_York",
    "oslo": "Europe/Oslo",
    "paris": "Europe/Paris",
    "prague": "Europe/Prague",
    "rome": "Europe/Rome",
    "san francisco": "America/Los_Angeles",
    "sao paulo": "America/Sao_Paulo",
    "seattle": "America/Los_Angeles",
    "seoul": "Asia/Seoul",
    "shanghai": "Asia/Shanghai",
    "singapore": "Asia/Singapore",
    "stockholm": "Europe/Stockholm",
    "sydney": "Australia/Sydney",
    "taipei": "Asia/Taipei",
    "tel aviv": "Asia/Jerusalem",
    "tokyo": "Asia/Tokyo",
    "toronto": "America/Toronto",
    "vancouver": "America/Vancouver",
    "vienna": "Europe/Vienna",
    "warsaw": "Europe/Warsaw",
    "zurich": "Europe/Zurich",
}
"""Cities people type, to IANA zones. Anything else is tried as a zone key ("Europe/Berlin",
or a key's last part, "Kolkata") or a UTC offset."""

PLACES: tuple[tuple[float, float, str], ...] = (
    (52.37, 4.90, "Europe/Amsterdam"),
    (37.98, 23.73, "Europe/Athens"),
    (-36.85, 174.76, "Pacific/Auckland"),
    (13.76, 100.50, "Asia/Bangkok"),
    (39.90, 116.41, "Asia/Shanghai"),
    (52.52, 13.40, "Europe/Berlin"),
    (4.71, -74.07, "America/Bogota"),
    (50.85, 4.35, "Europe/Brussels"),
    (-34.60, -58.38, "America/Argentina/Buenos_Aires"),
    (30.04, 31.24, "Africa/Cairo"),
    (41.88, -87.63, "America/Chicago"),
    (28.61, 77.21, "Asia/Kolkata"),
    (39.74, -104.99, "America/Denver"),
    (25.20, 55.27, "Asia/Dubai"),
    (53.35, -6.26, "Europe/Dublin"),
    (60.17, 24.94, "Europe/Helsinki"),
    (22.32, 114.17, "Asia/Hong_Kong"),
    (41.01, 28.98, "Europe/Istanbul"),
    (-6.21, 106.85, "Asia/Jakarta"),
    (-26.20, 28.05, "Africa/Johannesburg"),
    (-33.92, 18.42, "Africa/Johannesburg"),
    (50.45, 30.52, "Europe/Kyiv"),
    (6.52, 3.38, "Africa/Lagos"),
    (38.72, -9.14, "Europe/Lisbon"),
    (51.51, -0.13, "Europe/London"),
    (34.05, -118.24, "America/Los_Angeles"),
    (40.42, -3.70, "Europe/Madrid"),
    (14.60, 120.98, "Asia/Manila"),
    (-37.81, 144.96, "Australia/Melbourne"),
    (19.43, -99.13, "America/Mexico_City"),
    (55.76, 37.62, "Europe/Moscow"),
    (-1.29, 36.82, "Africa/Nairobi"),
    (40.71, -74.01, "America/New_York"),
    (59.91, 10.75, "Europe/Oslo"),
    (48.86, 2.35, "Europe/Paris"),
    (50.08, 14.44, "Europe/Prague"),
    (41.90, 12.50, "Europe/Rome"),
    (-23.55, -46.63, "America/Sao_Paulo"),
    (37.57, 126.98, "Asia/Seoul"),
    (1.35, 103.82, "Asia/Singapore"),
    (59.33, 18.07, "Europe/Stockholm"),
    (-33.87, 151.21, "Australia/Sydney"),
    (25.03, 121.57, "Asia/Taipei"),
    (32.09, 34.78, "Asia/Jerusalem"),
    (35.68, 139.69, "Asia/Tokyo"),
    (43.65, -79.38, "America/Toronto"),
    (49.28, -123.12, "America/Vancouver"),
    (48.21, 16.37, "Europe/Vienna"),
    (52.23, 21.01, "Europe/Warsaw"),
    (47.37, 8.54, "Europe/Zurich"),
    (21.31, -157.86, "Pacific/Honolulu"),
    (61.22, -149.90, "America/Anchorage"),
    (33.45, -112.07, "America/Phoenix"),
    (-33.45, -70.67, "America/Santiago"),
    (-12.05, -77.04, "America/Lima"),
    (24.71, 46.68, "Asia/Riyadh"),
    (35.69, 51.39, "Asia/Tehran"),
    (24.86, 67.01, "Asia/Karachi"),
    (23.81, 90.41, "Asia/Dhaka"),
    (-31.95, 115.86, "Australia/Perth"),
    (64.15, -21.94, "Atlantic/Reykjavik"),
)
"""Places with their zones (latitude, longitude, zone): a shared location gets the zone
of the nearest one (``zone_near``)."""
NEAR_KM = 1000.0
"""A shared location further than this from every place gets its longitude's offset."""


def zone_near(latitude: float, longitude: float) -> str:
    """The zone for a shared location: the nearest place of ``PLACES`` within ``NEAR_KM``,
    else the whole-hour offset of the longitude (at sea, in the far north). No geographic
    database: near a zone border far from any listed city this can be a neighbour's zone,
    which the week shows and one tap changes."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError(f"not a place on Earth: {latitude}, {longitude}")

    def km(place: tuple[float, float, str]) -> float:
        lat1, lon1, lat2, lon2 = map(math.radians, (latitude, longitude, place[0], place[1]))
        a = math.sin((lat2 - lat1) / 2) ** 2
        a += math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
        return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))

    nearest = min(PLACES, key=km)
    if km(nearest) <= NEAR_KM:
        return nearest[2]
    hours = round(longitude / 15)
    return "UTC" if hours == 0 else f"Etc/GMT{'-' if hours > 0 else '+'}{abs(hours)}"


_OFFSET = re.compile(r"(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)


@functools.cache
def _zone_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for key in available_timezones():
        keys.setdefault(key.lower(), key)
        last = key.rsplit("/", 1)[-1].replace("_", " ").lower()
        if "/" in key and not key.startswith("Etc/"):
            keys.setdefault(last, key)
    return keys


def parse_zone(text: str) -> str | None:
    """An IANA zone name for what a person typed: a city of ``CITIES``, a zone key or its
    city part ("Europe/Berlin", "kolkata"), "UTC", or a whole-hour UTC offset ("UTC+2",
    "-5": stored as ``Etc/GMT-2``, whose sign POSIX inverts). None when nothing fits."""
    cleaned = " ".join(text.strip().lower().replace("_", " ").split())
    if not cleaned or len(cleaned) > 64:
        return None
    if cleaned in ("utc", "gmt", "z"):
        return "UTC"
    if cleaned in CITIES:
        return CITIES[cleaned]
    match = _OFFSET.fullmatch(cleaned)
    if match is not None:
        sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
        if minutes or hours > 14:
            return None  # Etc/ zones are whole hours; a half-hour place is typed by city
        if hours == 0:
            return "UTC"
        return f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"
    keys = _zone_keys()
    for candidate in (cleaned.replace(" ", "_"), cleaned):
        if candidate in keys:
            return keys[candidate]
    return None


def zone_of(name: str) -> ZoneInfo:
    """The zone for a stored name; ``ValueError`` for a name zoneinfo does not know."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def zone_label(name: str) -> str:
    """A zone as a person reads it: ``Europe/Berlin`` -> "Berlin", ``Etc/GMT-2`` -> "UTC+2"."""
    if name.startswith("Etc/GMT") and len(name) > 7:
        sign = "+" if name[7] == "-" else "-"
        return f"UTC{sign}{name[8:]}"
    return name.rsplit("/", 1)[-1].replace("_", " ")


def days_label(days: Sequence[int]) -> str:
    """Weekdays as "Mon, Wed, Fri"."""
    return ", ".join(DAY_NAMES[d] for d in sorted(set(days)))
