"""The rule-based reading of a typed request: the corpus (typed_requests.txt) at least 90%
exactly right, nothing ever found in nonsense, and the forms the issue names."""

from __future__ import annotations

import pytest

from core.domain import Equipment, WorkoutType
from core.intent import SHORT_MINUTES, Intent, parse_request
from tests.core.typed_corpus import NONSENSE, load, run

KB = frozenset({Equipment.KETTLEBELL, Equipment.BODYWEIGHT})


def test_the_corpus_is_big_enough_and_has_every_kind() -> None:
    cases = load()
    assert len(cases) >= 200
    kinds = {case.kind for case in cases}
    assert {"typos", "other units", "missing parts", NONSENSE, "emoji"} <= kinds
    assert sum(case.kind == NONSENSE for case in cases) >= 30


def test_the_corpus_is_read_at_least_90_percent_exactly_right() -> None:
    result = run()
    shown = "\n".join(f"{t!r}: expected {e}, got {g}" for t, e, g in result.missed)
    assert result.share >= 0.9, shown


def test_nonsense_never_gets_a_field() -> None:
    assert run().nonsense_with_fields == []


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("30 min hiit with ZARA, just a kettlebell",
         Intent("ZARA", WorkoutType.HIIT, 30, KB)),
        ("something short, no equipment",
         Intent(duration_min=SHORT_MINUTES, equipment=frozenset({Equipment.BODYWEIGHT}))),
        ("same as last time but 20 min", Intent(duration_min=20, same_as_last=True)),
        ("an hour", Intent(duration_min=60)),
        ("90' run", Intent(workout_type=WorkoutType.CARDIO, duration_min=90)),
        ("1h30", Intent(duration_min=90)),
        ("upper body hiit", Intent(workout_type=WorkoutType.HIIT)),
        ("5 min hiit", Intent(workout_type=WorkoutType.HIIT)),  # out of range: not stated
        ("hiit 30", Intent(workout_type=WorkoutType.HIIT, duration_min=30)),
        ("30", Intent()),  # a bare number alone is not a request
        ("kettlebel", Intent(equipment=KB)),  # one letter off, 9 letters
        ("hitt", Intent(workout_type=WorkoutType.HIIT)),
        ("nvoa", Intent()),  # four letters: no typo forgiven
        ("max effort, 20 min", Intent(duration_min=20)),
        ("no dumbbells", Intent()),
    ],
)  # fmt: skip
def test_forms(text: str, intent: Intent) -> None:
    assert parse_request(text) == intent


def test_found_names_the_stated_fields_in_dialog_order() -> None:
    assert parse_request("dumbbells 45 min with kai").found == (
        "coach",
        "duration_min",
        "equipment",
    )
    assert parse_request("same again").found == ("same_as_last",)
    assert parse_request("hello").empty
