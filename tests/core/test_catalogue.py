"""The committed catalogue (core/data/catalogue.json) as a whole: what the import wrote,
checked without the data set (CI has no ../shared)."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from core.catalogue import DOSING, PATTERNS, load_catalogue
from core.domain import Equipment, FitnessLevel, WorkoutType

CATALOGUE = load_catalogue()
RECORDS: list[dict[str, Any]] = json.loads(
    resources.files("core").joinpath("data/catalogue.json").read_text(encoding="utf-8")
)
HAND: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "core" / "data" / "exercises.yaml").read_text(
        encoding="utf-8"
    )
)


def test_all_of_free_exercise_db_and_every_hand_written_entry() -> None:
    sources = [r["source"] for r in RECORDS if r.get("source")]
    assert len(sources) == len(set(sources)) == 873
    assert len(CATALOGUE) == len(RECORDS) >= 873
    assert sum(1 for e in CATALOGUE.entries if e.staple) == len(HAND)


def test_hand_written_entries_are_as_written() -> None:
    """The JSON is the import's output: a hand edit of exercises.yaml needs a re-import."""
    for hand in HAND:
        entry = CATALOGUE.get(hand["name"])
        assert entry is not None and entry.name == hand["name"] and entry.staple
        assert entry.instructions == hand["instructions"]
        assert list(entry.alternatives) == hand["alternatives"]
        assert entry.pattern == hand.get("pattern", "other")
        assert entry.equipment == frozenset(Equipment(e) for e in hand["equipment"])
        assert entry.level is FitnessLevel(hand["level"])
        assert entry.types == frozenset(WorkoutType(t) for t in hand["types"])


def test_every_entry_is_complete() -> None:
    for e in CATALOGUE.entries:
        assert e.pattern in PATTERNS and e.dosing in DOSING, e.name
        assert e.muscles and e.instructions and len(e.instructions) <= 600, e.name
        assert len(set(e.alternatives)) >= 2, e.name
        assert all(CATALOGUE.get(a) is not None for a in e.alternatives), e.name
        assert (e.load_ratio > 0) == e.weighted, e.name
        assert all(re.fullmatch(r"[^/\s]+/[01]\.jpg", i) for i in e.images), e.name


def test_the_generator_can_reach_every_pattern_it_balances() -> None:
    gym = frozenset(Equipment) - {Equipment.BODYWEIGHT}
    for level in FitnessLevel:
        reachable = CATALOGUE.within(gym, level.rank)
        assert not any(e.needs for e in reachable)
        patterns = {e.pattern for e in reachable}
        assert {"squat", "lunge", "hinge", "push", "pull", "core", "stretch", "cardio"} <= patterns
    home = CATALOGUE.within(frozenset(), FitnessLevel.BEGINNER.rank)
    assert all(e.equipment == {Equipment.BODYWEIGHT} for e in home)
    assert len(home) > 100  # the data set brings many bodyweight moves


def test_lookup_by_name_alias_and_loose_spelling() -> None:
    squat = CATALOGUE.get("Barbell back squat")
    assert squat is not None
    assert CATALOGUE.get("BARBELL  BACK squat") is squat
    assert CATALOGUE.get("Barbell Full Squat") is squat  # the data set's name
    assert CATALOGUE.get("Barbell squats") is None
    assert CATALOGUE.find("Barbell back squats") is squat
    assert CATALOGUE.find("barbell-back-squat") is squat
    assert CATALOGUE.find("Underwater basket weaving") is None
    assert CATALOGUE.get("Pullups") is CATALOGUE.get("Pull-up")


def test_pictures() -> None:
    pictured = [e for e in CATALOGUE.entries if e.images]
    assert len(pictured) > 873  # and hand-written ones shown with a twin's picture
    squat = CATALOGUE.get("Barbell back squat")
    assert squat is not None and squat.images[0].endswith("/0.jpg") and squat.steps
