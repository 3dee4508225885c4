"""core.partial: which parts of a partial answer are finished, on every prefix of a real one
as the SDK parses it (jiter's partial mode)."""

from __future__ import annotations

import json
import random

import jiter

from core.domain import Equipment
from core.partial import Draft, draft_of
from core.rulebased import generate_rule_based
from tests.support.workouts import anns_request


def answer() -> dict[str, object]:
    workout = generate_rule_based(anns_request(Equipment.DUMBBELLS), random.Random(3))
    return workout.model_dump(mode="json")


def test_every_prefix_shows_only_finished_exercises_in_order() -> None:
    data = answer()
    text = json.dumps(data)
    exercises = data["exercises"]
    assert isinstance(exercises, list)
    names = [e["name"] for e in exercises]
    ends = [text.index(json.dumps(e)) + len(json.dumps(e)) for e in exercises]
    previous = 0
    for cut in range(1, len(text)):
        draft = draft_of(jiter.from_json(text[:cut].encode(), partial_mode=True))
        shown = [ex.name for ex in draft.exercises]
        assert shown == names[: len(shown)]
        assert len(shown) >= previous
        previous = len(shown)
        # An exercise shows only once it is written whole (its closing brace is in).
        assert all(ends[i] <= cut for i in range(len(shown)))
        # ... and no later than when the next one (or the key after the list) has begun.
        begun = sum(1 for end in ends if end + 3 < cut)
        assert len(shown) >= min(begun, len(names) - 1)
    full = draft_of(json.loads(text), complete=True)
    assert [ex.name for ex in full.exercises] == names
    assert full.title == data["title"]


def test_the_title_shows_once_the_next_field_begins() -> None:
    assert draft_of({"title": "Iron"}).title is None
    assert draft_of({"title": "Iron", "intro": ""}).title == "Iron"


def test_an_exercise_that_would_validate_but_may_still_grow_is_not_shown() -> None:
    one = answer()["exercises"]
    assert isinstance(one, list)
    first = dict(one[0])
    assert draft_of({"title": "t", "exercises": [first]}) == Draft("t", ())
    assert len(draft_of({"title": "t", "exercises": [first, {}]}).exercises) == 1
    assert len(draft_of({"title": "t", "exercises": [first], "cooldown": None}).exercises) == 1


def test_what_is_not_an_exercise_is_left_out() -> None:
    draft = draft_of({"title": "t", "exercises": [{"name": "x"}, "junk", {}], "outro": ""})
    assert draft.exercises == ()
    assert draft_of(["not", "a", "dict"]) == Draft(None, ())
