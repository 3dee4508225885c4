"""The free-exercise-db import, on a sample of the data set kept in tests/data (public
domain, see its README) so it runs on a clean clone without ../shared."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.catalogue import CatalogueError, load_catalogue_path
from flexflow.catalogue_import import import_catalogue, map_exercise, sentence_case
from flexflow.cli import main

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "free-exercise-db" / "exercises.json"
RAW: list[dict[str, Any]] = json.loads(SAMPLE.read_text(encoding="utf-8"))

CURATED: list[dict[str, Any]] = yaml.safe_load(
    """
- name: Barbell back squat
  equipment: [barbell]
  muscles: [quads, glutes, core]
  types: [strength]
  level: intermediate
  mode: reps
  pattern: squat
  weighted: true
  alternatives: [Pull-up, Rowing machine intervals]
  instructions: Bar on the upper back, brace, sit down between the hips to parallel.
- name: Pull-up
  equipment: [pull_up_bar]
  muscles: [back, biceps]
  types: [strength, bodyweight]
  level: intermediate
  mode: reps
  pattern: pull
  weighted: false
  alternatives: [Barbell back squat, Rowing machine intervals]
  instructions: Hang, pull the chest to the bar, lower all the way.
- name: Rowing machine intervals
  equipment: [cardio_machine]
  muscles: [full body, cardio]
  types: [cardio, hiit]
  level: beginner
  mode: time
  pattern: cardio
  weighted: false
  alternatives: [Pull-up, Barbell back squat]
  instructions: Legs, then hips, then arms; push hard in the work intervals.
"""
)


def raw(name: str) -> dict[str, Any]:
    return next(r for r in RAW if r["name"] == name)


def by_name(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in records}


@pytest.fixture(scope="module")
def imported() -> list[dict[str, Any]]:
    return import_catalogue(RAW, CURATED)


def test_every_sample_exercise_is_in_the_catalogue_once(imported: list[dict[str, Any]]) -> None:
    sources = [r["source"] for r in imported if r.get("source")]
    assert sorted(sources) == sorted(r["id"] for r in RAW)
    assert len(imported) == len(RAW) + len(CURATED) - 3  # three are hand-written twins


def test_a_hand_written_twin_keeps_its_words_and_gains_pictures(
    imported: list[dict[str, Any]],
) -> None:
    squat = by_name(imported)["Barbell back squat"]
    assert squat["instructions"] == CURATED[0]["instructions"]
    assert squat["alternatives"] == CURATED[0]["alternatives"]
    assert squat["aliases"] == ["Barbell Full Squat"]
    assert squat["images"] == raw("Barbell Full Squat")["images"]
    assert squat["steps"][0] == raw("Barbell Full Squat")["instructions"][0]
    assert squat["staple"] is True
    pull_up = by_name(imported)["Pull-up"]  # "Pullups" in the data set
    assert pull_up["aliases"] == ["Pullups"] and pull_up["images"]
    rower = by_name(imported)["Rowing machine intervals"]  # "Rowing, Stationary"
    assert rower["images"] == raw("Rowing, Stationary")["images"]


@pytest.mark.parametrize(
    ("name", "equipment", "needs"),
    [
        ("Incline Dumbbell Press", ["bench", "dumbbells"], None),
        ("Dumbbell Bench Press", ["bench", "dumbbells"], None),
        ("Chin-Up", ["pull_up_bar"], None),
        ("Rope Jumping", ["jump_rope"], None),
        ("Seated Cable Rows", ["cable_machine"], None),
        ("Calf Press", ["machines"], None),
        ("One-Arm Kettlebell Swings", ["kettlebell"], None),
        ("Plank", ["bodyweight"], None),
        ("Atlas Stones", ["bodyweight"], ["other"]),
        ("Medicine Ball Chest Pass", ["bodyweight"], ["medicine ball"]),
        ("Ab Roller", ["bodyweight"], ["other"]),
    ],
)
def test_equipment(name: str, equipment: list[str], needs: list[str] | None) -> None:
    record = map_exercise(raw(name))
    assert record["equipment"] == equipment
    assert record.get("needs") == needs


@pytest.mark.parametrize(
    ("name", "pattern", "types", "mode"),
    [
        ("Barbell Deadlift", "hinge", ["strength"], "reps"),
        ("Barbell Hip Thrust", "hinge", ["strength"], "reps"),
        ("Front Barbell Squat", "squat", ["strength"], "reps"),
        ("Dumbbell Lunges", "lunge", ["strength"], "reps"),
        ("Standing Military Press", "push", ["strength"], "reps"),
        ("Bent Over Barbell Row", "pull", ["strength"], "reps"),
        ("Chin-Up", "pull", ["strength", "bodyweight"], "reps"),
        ("Kettlebell Thruster", "full_body", ["strength", "hiit"], "reps"),
        ("Hammer Curls", "other", ["strength"], "reps"),
        ("Side Lateral Raise", "other", ["strength"], "reps"),
        ("Plank", "core", ["strength", "bodyweight"], "time"),
        ("Hamstring Stretch", "stretch", ["flexibility", "mobility"], "time"),
        ("Trail Running/Walking", "cardio", ["cardio"], "time"),
        ("Box Jump (Multiple Response)", "full_body", ["cardio", "hiit"], "reps"),
    ],
)
def test_pattern_types_and_mode(name: str, pattern: str, types: list[str], mode: str) -> None:
    record = map_exercise(raw(name))
    assert (record["pattern"], record["types"], record["mode"]) == (pattern, types, mode)


def test_levels_muscles_and_names() -> None:
    atlas = map_exercise(raw("Atlas Stones"))
    assert raw("Atlas Stones")["level"] == "expert" and atlas["level"] == "advanced"
    squat = map_exercise(raw("Barbell Full Squat"))
    assert squat["muscles"][0] == "quads"  # "quadriceps"
    assert "core" in map_exercise(raw("Plank"))["muscles"]  # "abdominals"
    assert sentence_case("One-Arm Kettlebell Swings") == "One-arm kettlebell swing"
    assert sentence_case("Arnold Dumbbell Press") == "Arnold dumbbell press"
    assert sentence_case("Dumbbell Flyes") == "Dumbbell fly"
    assert sentence_case("Seated Calves") == "Seated calves"


def test_generator_fields(imported: list[dict[str, Any]]) -> None:
    records = by_name(imported)
    curl = records["Hammer curl"]
    row = records["Bent over barbell row"]
    press = records["Standing military press"]
    bench = records["Dumbbell bench press"]
    assert curl["dosing"] == "isolation" and row["dosing"] == "compound"
    assert records["Plank"]["dosing"] == "core" and records["Plank"]["load_ratio"] == 0
    assert records["Hamstring stretch"]["dosing"] == "hold"
    assert records["Trail running/walking"]["dosing"] == "interval"
    assert 0 < curl["load_ratio"] < row["load_ratio"]
    assert press["load_ratio"] < records["Barbell deadlift"]["load_ratio"]
    # Per hand: a dumbbell bench press is lighter than the barbell's would be.
    assert bench["load_ratio"] < 0.75 * 0.5
    for r in imported:
        assert len(r["alternatives"]) >= 2 and r["name"] not in r["alternatives"]


def test_output_is_deterministic_and_valid(tmp_path: Path) -> None:
    source = tmp_path / "exercises.json"
    source.write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["catalogue", "import", "--source", str(source), "--out", str(first)]) == 0
    assert main(["catalogue", "import", "--source", str(source), "--out", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()
    catalogue = load_catalogue_path(first)
    assert catalogue.get("Barbell Full Squat") is catalogue.get("barbell back squat")
    assert len(first.read_text(encoding="utf-8").splitlines()) == len(catalogue) + 2


def test_a_missing_source_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["catalogue", "import", "--source", str(tmp_path / "nope.json")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_an_invalid_result_is_refused() -> None:
    broken = [{**CURATED[0], "alternatives": ["Nothing like it", "Nor this"]}]
    with pytest.raises(CatalogueError):
        import_catalogue([], broken)
