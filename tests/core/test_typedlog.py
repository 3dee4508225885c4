"""Typed workout logs read by rules: the corpus (typed_logs.txt) at least 90% exactly right,
nothing read from requests and nonsense, and the name matching on its own."""

from __future__ import annotations

import pytest

from core.names import match_name
from tests.core.typedlog_corpus import ASK, NOT_A_LOG, canonical, load, read, run

WORKOUT = ["Barbell bench press", "Barbell back squat", "Romanian deadlift", "Pull-up", "Plank"]


def test_the_corpus_is_big_enough_and_has_every_kind() -> None:
    cases = load()
    assert len(cases) >= 100
    kinds = {case.kind for case in cases}
    assert {"typos", "units", "missing parts", "not a log", "all", "catalogue"} <= kinds
    assert sum(case.expected == ASK for case in cases) >= 10
    assert sum(case.expected == NOT_A_LOG for case in cases) >= 15


def test_the_corpus_is_read_at_least_90_percent_exactly_right() -> None:
    result = run()
    shown = "\n".join(f"{t!r}: expected {e}, got {g}" for t, e, g in result.missed)
    assert result.share >= 0.9, shown


def test_requests_questions_and_nonsense_are_never_read_as_sets() -> None:
    for case in load():
        if case.expected == NOT_A_LOG:
            reading = read(case.text)
            assert reading is None or not reading.savable, (case.text, canonical(reading))


@pytest.mark.parametrize(
    ("typed", "names"),
    [
        ("bench", ("Barbell bench press",)),
        ("sqauts", ("Barbell back squat",)),
        ("rdls", ("Romanian deadlift",)),
        ("pull ups", ("Pull-up",)),
        ("planks", ("Plank",)),
        ("barbell", ("Barbell bench press", "Barbell back squat")),  # ambiguous: both
        ("curls", ()),
        ("", ()),
    ],
)
def test_names_match_with_typos_short_forms_and_ties(typed: str, names: tuple[str, ...]) -> None:
    assert match_name(typed, WORKOUT).names == names


def test_a_reading_with_a_part_that_did_not_read_is_never_savable() -> None:
    reading = read("bench 60x8 60x8, zzz 3x5")
    assert reading is not None and reading.problems == ("zzz",) and not reading.savable
