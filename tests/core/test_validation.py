"""The answer parser and the validator: a corpus of the ways an AI answer goes wrong."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from typing import Any

import pytest

from core.domain import Equipment, Units, WorkoutType
from core.models import Profile, WorkoutRequest
from core.rulebased import generate_rule_based
from core.validation import InvalidAnswer, parse_workout, validate_workout

REQUEST = WorkoutRequest(
    coach="MAX",
    workout_type=WorkoutType.STRENGTH,
    duration_min=60,
    equipment=frozenset({Equipment.DUMBBELLS, Equipment.BENCH}),
)
GOOD: dict[str, Any] = generate_rule_based(REQUEST, random.Random(7)).model_dump(mode="json")
TEXT = json.dumps(GOOD, ensure_ascii=False)


def problems_after(change: Callable[[dict[str, Any]], object]) -> list[str]:
    data = copy.deepcopy(GOOD)
    change(data)
    return validate_workout(parse_workout(data), REQUEST)


def first(data: dict[str, Any]) -> dict[str, Any]:
    exercise: dict[str, Any] = data["exercises"][0]
    return exercise


def weighted_index() -> int:
    return next(i for i, e in enumerate(GOOD["exercises"]) if e["weighted"])


# ---------------------------------------------------------------------- parsing


def test_the_corpus_baseline_is_a_valid_answer() -> None:
    assert validate_workout(parse_workout(GOOD), REQUEST) == []
    assert parse_workout(TEXT).model_dump(mode="json") == GOOD


@pytest.mark.parametrize(
    "text",
    [
        f"```json\n{TEXT}\n```",
        f"```\n{TEXT}\n```",
        f"Here is your workout!\n\n```json\n{TEXT}\n```\nHave fun.",
        f"Here is your workout: {TEXT}",
        f"{TEXT}\n\nLet me know if you want changes {{or not}}.",
        f"  \n{TEXT}\n  ",
    ],
)
def test_fences_and_prose_around_one_json_object_are_stripped(text: str) -> None:
    assert parse_workout(text).title == GOOD["title"]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("I'd suggest squats, lunges and a long walk.", "prose"),
        ("", "prose"),
        ("[1, 2, 3]", "prose"),
        ("Sure: {title: 'Leg day'}", "does not parse"),
        ('{"title": "x",, "intro": "y"}', "does not parse"),
        ('[{"title": "x"}]', "not a workout"),
        ('{"title": "Leg day", "intro": 5, "exercises": "many"}', "not a workout"),
    ],
)
def test_answers_that_are_not_workouts_say_why(raw: str, reason: str) -> None:
    with pytest.raises(InvalidAnswer, match=reason):
        parse_workout(raw)


@pytest.mark.parametrize("cut", [1, 25, len(TEXT) // 3, len(TEXT) // 2, len(TEXT) - 1])
def test_truncated_json_is_reported_as_truncated(cut: int) -> None:
    with pytest.raises(InvalidAnswer, match="truncated"):
        parse_workout(TEXT[:cut])
    with pytest.raises(InvalidAnswer, match="truncated"):
        parse_workout(f"```json\n{TEXT[:cut]}")


def test_wrong_types_are_reported_by_field() -> None:
    bad = copy.deepcopy(GOOD)
    first(bad)["sets"] = "three"
    bad["exercises"][1]["weighted"] = "heavy"
    with pytest.raises(InvalidAnswer) as caught:
        parse_workout(bad)
    reason = str(caught.value)
    assert reason.startswith("not a workout: ")
    assert "exercises.0.sets" in reason
    assert "exercises.1.weighted" in reason


def test_missing_fields_are_named_and_long_lists_summarized() -> None:
    with pytest.raises(InvalidAnswer, match=r"exercises: Field required"):
        parse_workout({k: v for k, v in GOOD.items() if k != "exercises"})
    broken = copy.deepcopy(GOOD)
    for exercise in broken["exercises"]:
        del exercise["reps"]
    with pytest.raises(InvalidAnswer, match=r"\(\+\d+ more\)") as caught:
        parse_workout(broken)
    assert len(str(caught.value)) < 400


def test_an_unknown_equipment_value_is_invalid_not_rejected() -> None:
    bad = copy.deepcopy(GOOD)
    first(bad)["equipment"] = ["rowing boat"]
    with pytest.raises(InvalidAnswer, match=r"exercises\.0\.equipment\.0"):
        parse_workout(bad)


def test_invalid_answer_is_a_value_error_with_a_plain_message() -> None:
    with pytest.raises(ValueError, match=r"^the answer holds no JSON object"):
        parse_workout("no json here")


# ---------------------------------------------------------------------- validation


def test_equipment_the_user_lacks_is_named() -> None:
    def barbell(d: dict[str, Any]) -> None:
        first(d)["equipment"] = ["barbell", "dumbbells"]

    name = GOOD["exercises"][0]["name"]
    assert f"exercise '{name}' needs barbell, which the user does not have" in problems_after(
        barbell
    )


def test_a_regenerate_that_repeats_most_of_the_old_workout_is_rejected() -> None:
    workout = parse_workout(GOOD)
    names = workout.exercise_names
    half = len(names) // 2
    again = REQUEST.model_copy(update={"avoid": names[:half]})
    assert validate_workout(workout, again) == []  # a few repeats are fine
    again = REQUEST.model_copy(update={"avoid": names[: half + 1]})
    [problem] = validate_workout(workout, again)
    assert problem == (
        f"{half + 1} of {len(names)} exercises repeat the workout the person asked to replace"
    )


def test_bodyweight_is_always_available_but_an_empty_list_is_not_allowed() -> None:
    def bodyweight(d: dict[str, Any]) -> None:
        first(d)["equipment"] = ["bodyweight"]

    def nothing(d: dict[str, Any]) -> None:
        first(d)["equipment"] = []

    assert problems_after(bodyweight) == []
    assert any("lists no equipment" in p for p in problems_after(nothing))


def test_a_five_minute_plan_for_a_sixty_minute_request() -> None:
    def tiny(d: dict[str, Any]) -> None:
        d["warmup"] = d["cooldown"] = None
        d["exercises"] = [dict(e, sets=1, reps="30s", rest_seconds=45) for e in d["exercises"]]

    problems = problems_after(tiny)
    assert any(p.startswith("estimated ") and p.endswith("requested 60 min") for p in problems)


def test_a_plan_twice_as_long_as_asked_is_rejected() -> None:
    def double(d: dict[str, Any]) -> None:
        d["exercises"] = [dict(e, sets=e["sets"] * 2) for e in d["exercises"]]

    assert any("requested 60 min" in p for p in problems_after(double))


def test_too_few_and_too_many_exercises() -> None:
    def one(d: dict[str, Any]) -> None:
        d["exercises"] = d["exercises"][:1]

    def many(d: dict[str, Any]) -> None:
        base = d["exercises"][0]
        d["exercises"] = [dict(base, name=f"Curl {i}", sets=1) for i in range(31)]

    assert "1 exercises for 60 min (4-30 expected)" in problems_after(one)
    assert "31 exercises for 60 min (4-30 expected)" in problems_after(many)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("sets", 0, "0 sets (1-10 allowed)"),
        ("sets", 11, "11 sets (1-10 allowed)"),
        ("rest_seconds", -5, "rests -5 s (0-300 allowed)"),
        ("rest_seconds", 301, "rests 301 s (0-300 allowed)"),
        ("reps", "", "unreadable reps"),
        ("reps", "x" * 41, "unreadable reps"),
        ("reps", "1", "implausible reps '1'"),
        ("reps", "15 min", "implausible reps '15 min'"),
    ],
)
def test_insane_sets_reps_and_rest(field: str, value: object, expected: str) -> None:
    def change(d: dict[str, Any]) -> None:
        first(d)[field] = value

    assert any(expected in p for p in problems_after(change))


@pytest.mark.parametrize(
    ("block", "change", "expected"),
    [
        ("warmup", {"minutes": 0}, "the warm-up lasts 0 min (1-20 allowed)"),
        ("cooldown", {"minutes": 21}, "the cool-down lasts 21 min (1-20 allowed)"),
        ("warmup", {"items": []}, "the warm-up has 0 items (1-12 allowed)"),
        ("warmup", {"items": ["Arm circles"] * 13}, "the warm-up has 13 items (1-12 allowed)"),
        ("cooldown", {"items": [""]}, "a cool-down item must be 1-120 characters, not 0"),
        ("warmup", {"items": ["a" * 121]}, "a warm-up item must be 1-120 characters, not 121"),
    ],
)
def test_warmup_and_cooldown_bounds(block: str, change: dict[str, Any], expected: str) -> None:
    def apply(d: dict[str, Any]) -> None:
        d[block] = {"minutes": 5, "items": ["Arm circles"], **change}

    assert expected in problems_after(apply)


def test_weights_in_the_wrong_unit() -> None:
    lb = REQUEST.model_copy(update={"profile": Profile(units=Units.LB)})
    problems = validate_workout(parse_workout(GOOD), lb)
    name = GOOD["exercises"][weighted_index()]["name"]
    assert f"exercise '{name}' gives its weight in kg, the user uses lb" in problems


@pytest.mark.parametrize("weight", [None, 0, -10, 501])
def test_a_weighted_exercise_needs_a_sane_weight(weight: float | None) -> None:
    def change(d: dict[str, Any]) -> None:
        d["exercises"][weighted_index()]["target_weight"] = weight

    assert any("no sane target weight" in p for p in problems_after(change))


def test_an_unweighted_exercise_has_no_weight_and_a_weighted_one_a_unit() -> None:
    def unweighted(d: dict[str, Any]) -> None:
        d["exercises"][weighted_index()]["weighted"] = False

    def no_unit(d: dict[str, Any]) -> None:
        d["exercises"][weighted_index()]["weight_unit"] = None

    assert any("not weighted but has a target weight" in p for p in problems_after(unweighted))
    assert any("in no unit, the user uses kg" in p for p in problems_after(no_unit))


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("title",), "", "the title must be 1-120 characters, not 0"),
        (("title",), "T" * 121, "the title must be 1-120 characters, not 121"),
        (("intro",), "i" * 801, "the intro must be 1-800 characters, not 801"),
        (("outro",), "o" * 301, "the sign-off must be 0-300 characters, not 301"),
        (("exercises", 0, "name"), "n" * 81, "an exercise name must be 1-80 characters, not 81"),
        (("exercises", 0, "instructions"), "", "must be 1-600 characters, not 0"),
        (("exercises", 0, "instructions"), "c" * 601, "must be 1-600 characters, not 601"),
    ],
)
def test_text_caps(path: tuple[str | int, ...], value: str, expected: str) -> None:
    def change(d: dict[str, Any]) -> None:
        target: Any = d
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    assert any(expected in p for p in problems_after(change))


def test_alternatives_must_be_two_real_other_exercises() -> None:
    name = GOOD["exercises"][0]["name"]

    def itself(d: dict[str, Any]) -> None:
        first(d)["alternatives"] = [name.upper(), "Push-up"]

    def long_one(d: dict[str, Any]) -> None:
        first(d)["alternatives"] = ["Push-up", "a" * 81]

    expected = f"exercise '{name}' needs two alternatives other than itself"
    assert expected in problems_after(itself)
    assert any("an alternative of" in p and "not 81" in p for p in problems_after(long_one))
    with pytest.raises(InvalidAnswer, match="alternatives"):  # fewer than two: not a workout
        parse_workout({**GOOD, "exercises": [dict(GOOD["exercises"][0], alternatives=["x"])]})


def test_duplicate_exercise_names_ignore_case() -> None:
    def duplicate(d: dict[str, Any]) -> None:
        d["exercises"][1]["name"] = d["exercises"][0]["name"].lower()

    assert any("appears twice" in p for p in problems_after(duplicate))


def test_html_in_names_passes_validation_rendering_escapes_it() -> None:
    def html(d: dict[str, Any]) -> None:
        first(d)["name"] = "<b>Dumbbell</b> press & <script>x</script>"
        d["title"] = "<i>Leg</i> day"

    assert problems_after(html) == []


def test_every_problem_is_reported_not_just_the_first() -> None:
    def wreck(d: dict[str, Any]) -> None:
        first(d).update(sets=40, rest_seconds=900, equipment=["barbell"])
        d["title"] = ""

    problems = problems_after(wreck)
    assert len(problems) >= 4
    assert all(isinstance(p, str) and p and "\n" not in p for p in problems)


@pytest.mark.parametrize("literal", ["t", "tr", "fals", "n"])
def test_json_cut_inside_a_literal_is_truncated_not_malformed(literal: str) -> None:
    with pytest.raises(InvalidAnswer, match="truncated"):
        parse_workout('{"title": "x", "weighted": ' + literal)
    with pytest.raises(InvalidAnswer, match="does not parse"):
        parse_workout('{"title": "x", "weighted": tx}')
