"""Typed questions read by rules, and answered only with catalogue facts that fit the user."""

from __future__ import annotations

import pytest

from core.catalogue import load_catalogue
from core.domain import Equipment, FitnessLevel, with_bodyweight
from core.models import Profile
from core.questions import Question, answer_facts, read_question

CATALOGUE = load_catalogue()


@pytest.mark.parametrize(
    ("text", "kind", "exercise", "pain"),
    [
        ("what can I do instead of squats, my knee hurts", "instead", "squats", "knee"),
        ("alternative to bench press?", "instead", "bench press", None),
        ("can I swap lunges for something", "instead", "lunges", None),
        ("I can't do pull-ups", "instead", "pull-ups", None),
        ("lunges hurt my knee", "instead", "lunges", "knee"),
        ("how do I do a deadlift?", "how", "deadlift", None),
        ("my lower back is sore", "pain", None, "lower back"),
        ("it hurts", "pain", None, ""),
        ("is creatine good?", "other", None, None),
    ],
)
def test_questions_are_read(text: str, kind: str, exercise: str | None, pain: str | None) -> None:
    q = read_question(text)
    assert q is not None
    assert (q.kind, q.exercise, q.pain) == (kind, exercise, pain)


@pytest.mark.parametrize(
    "text",
    ["30 min hiit with ZARA, just a kettlebell", "bench 60x8 60x8", "did it all", "thanks",
     "upper body 45 minutes dumbbells", ""],
)  # fmt: skip
def test_requests_and_logs_are_not_questions(text: str) -> None:
    assert read_question(text) is None


@pytest.mark.parametrize("level", list(FitnessLevel))
@pytest.mark.parametrize(
    "gear", [frozenset(), frozenset({Equipment.DUMBBELLS}), frozenset({Equipment.BARBELL})]
)
def test_alternatives_fit_the_users_equipment_and_level(
    level: FitnessLevel, gear: frozenset[Equipment]
) -> None:
    profile = Profile(level=level, equipment=gear)
    for text in ("instead of squats", "alternative to bench press", "instead of pull-ups"):
        q = read_question(text)
        assert q is not None
        facts = answer_facts(q, profile, CATALOGUE)
        assert facts.exercise is not None
        assert facts.exercise not in facts.alternatives
        for name in facts.alternatives:
            entry = CATALOGUE.get(name)
            assert entry is not None, name
            assert entry.equipment <= with_bodyweight(gear), (name, gear)
            assert entry.level.rank <= level.rank, (name, level)


def test_knee_pain_puts_moves_that_bend_the_knee_less_first_and_nothing_that_jumps() -> None:
    profile = Profile(equipment=frozenset({Equipment.DUMBBELLS}))
    q = Question("instead", "instead of squats, my knee hurts", "squats", "knee")
    facts = answer_facts(q, profile, CATALOGUE)
    first = CATALOGUE.get(facts.alternatives[0])
    assert first is not None and first.pattern == "hinge"
    assert not any("jump" in a.lower() for a in facts.alternatives)


def test_an_unknown_exercise_gets_no_made_up_alternatives() -> None:
    q = Question("instead", "instead of zumba", "zumba", None)
    facts = answer_facts(q, Profile(), CATALOGUE)
    assert facts.exercise is None and facts.alternatives == ()
