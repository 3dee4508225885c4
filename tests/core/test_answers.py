"""Parsing and validating AI answers: a corpus of the ways they go wrong."""

from __future__ import annotations

import json
import random

import pytest

from core.domain import Equipment, Units, WorkoutType
from core.models import Profile, WorkoutRequest
from core.rulebased import generate_rule_based
from core.validation import InvalidAnswer, parse_workout, validate_workout

REQUEST = WorkoutRequest(
    coach="KAI",
    workout_type=WorkoutType.STRENGTH,
    duration_min=60,
    equipment=frozenset({Equipment.DUMBBELLS}),
)
GOOD = generate_rule_based(REQUEST, random.Random(11)).model_dump(mode="json")


def test_a_good_answer_passes() -> None:
    assert validate_workout(parse_workout(GOOD), REQUEST) == []


def test_json_inside_markdown_fences_and_chatter_parses() -> None:
    text = f"Here you go!\n```json\n{json.dumps(GOOD)}\n```\nEnjoy."
    assert parse_workout(text).title == GOOD["title"]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("I think you should do some squats and then rest.", "prose"),
        (json.dumps(GOOD)[:300], "truncated"),
        ('{"title": "x", "intro": 5, "exercises": "many"}', "not a workout"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "exercises"}), "exercises"),
        ("[1, 2, 3]", "prose"),
    ],
)
def test_broken_answers_are_invalid_with_a_reason(raw: str, reason: str) -> None:
    with pytest.raises(InvalidAnswer, match=reason):
        parse_workout(raw)


def test_wrong_types_are_reported_by_field() -> None:
    bad = json.loads(json.dumps(GOOD))
    bad["exercises"][0]["sets"] = "lots"
    with pytest.raises(InvalidAnswer, match=r"exercises\.0\.sets"):
        parse_workout(bad)


def problems_after(change: object) -> list[str]:
    data = json.loads(json.dumps(GOOD))
    change(data)  # type: ignore[operator]
    return validate_workout(parse_workout(data), REQUEST)


def test_equipment_the_user_lacks() -> None:
    def use_barbell(d: dict) -> None:
        d["exercises"][0]["equipment"] = ["barbell"]

    assert any("barbell" in p for p in problems_after(use_barbell))


def test_a_five_minute_plan_for_an_hour() -> None:
    def shrink(d: dict) -> None:
        d["warmup"] = None
        d["cooldown"] = None
        d["exercises"] = [dict(e, sets=1, rest_seconds=10) for e in d["exercises"]]

    assert any("requested 60 min" in p for p in problems_after(shrink))


def test_insane_sets_reps_rest() -> None:
    def insane(d: dict) -> None:
        d["exercises"][0].update(sets=40, rest_seconds=900, reps="")

    problems = problems_after(insane)
    assert any("40 sets" in p for p in problems)
    assert any("900 s" in p for p in problems)
    assert any("reps" in p for p in problems)


def test_weights_in_the_wrong_unit() -> None:
    lb = REQUEST.model_copy(update={"profile": Profile(units=Units.LB)})
    problems = validate_workout(parse_workout(GOOD), lb)
    assert any("user uses lb" in p for p in problems)


def test_html_in_names_is_allowed_through_validation_and_escaped_later() -> None:
    def html(d: dict) -> None:
        d["exercises"][0]["name"] = "<b>Curl</b> & </i>"

    assert problems_after(html) == []


def test_duplicate_exercises_and_too_few_alternatives() -> None:
    def dup(d: dict) -> None:
        d["exercises"][1]["name"] = d["exercises"][0]["name"]
        d["exercises"][0]["alternatives"] = [d["exercises"][0]["name"], "Other"]

    problems = problems_after(dup)
    assert any("twice" in p for p in problems)
    assert any("alternatives" in p for p in problems)
