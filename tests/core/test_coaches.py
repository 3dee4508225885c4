"""core.coaches: the nine personas, read from core/data/coaches.yaml and checked."""

from __future__ import annotations

import random

import pytest

from core.coaches import COACHES, coaches_from
from core.domain import WorkoutType

GOOD = """
- key: ZED
  emoji: "⚡"
  tagline: "Test coach."
  specialties: [hiit]
  voice: Loud.
  intros: ["{minutes} minutes of {type}!"]
  outros: ["Done!"]
"""


def test_the_nine_coaches_in_picker_order() -> None:
    assert list(COACHES) == ["MAX", "SAGE", "KAI", "ZARA", "ACE", "NOVA", "BLAZE", "RILEY", "MARCO"]
    for coach in COACHES.values():
        assert coach.voice and coach.tagline and coach.specialties
        line = coach.intro(random.Random(1), minutes=45, workout_type=WorkoutType.HIIT)
        assert "45" in line and "{" not in line


def test_a_good_document_reads() -> None:
    [zed] = coaches_from(GOOD).values()
    assert zed.key == "ZED" and zed.specialties == (WorkoutType.HIIT,)
    assert zed.button == "⚡ ZED"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (("key: ZED", "key: zed"), "upper-case"),
        (("[hiit]", "[yoga]"), "yoga"),
        (('outros: ["Done!"]', "outros: []"), "needs a voice"),
        (("{type}!", "{level}!"), "level"),
    ],
)
def test_a_bad_document_is_refused(change: tuple[str, str], error: str) -> None:
    with pytest.raises((ValueError, KeyError), match=error):
        coaches_from(GOOD.replace(*change))


def test_two_coaches_with_one_key_are_refused() -> None:
    with pytest.raises(ValueError, match="unique"):
        coaches_from(GOOD + GOOD)
