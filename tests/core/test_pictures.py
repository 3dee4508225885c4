"""core.pictures: every pictured exercise's card fits Telegram's caption and is valid HTML."""

from __future__ import annotations

import pytest

from core.catalogue import load_catalogue
from core.models import Exercise
from core.pictures import CAPTION_LIMIT, picture_card
from tests.fakes.telegram_html import parse_telegram_html, utf16_length

CATALOGUE = load_catalogue()
PREFIX = "https://raw.githubusercontent.com/yuhonas/free-exercise-db/main/exercises/"


def exercise(name: str) -> Exercise:
    return Exercise(
        name=name,
        sets=3,
        reps="8",
        rest_seconds=60,
        instructions="Move well.",
        equipment=["bodyweight"],
        weighted=False,
        target_weight=None,
        weight_unit=None,
        alternatives=["Push-up", "Plank"],
    )


@pytest.mark.parametrize("suffix", ["", " <b>&</b> 💪" * 20])
def test_every_card_fits_and_parses(suffix: str) -> None:
    pictured = [e for e in CATALOGUE.entries if e.images]
    assert len(pictured) > 873  # and hand-written ones shown with a twin's picture
    for entry in pictured:
        card = picture_card(exercise(entry.name + suffix), entry, PREFIX)
        text, entities = parse_telegram_html(card.caption)  # raises on broken HTML
        assert utf16_length(text) <= CAPTION_LIMIT, entry.name
        assert text.startswith(entry.name + suffix)
        assert entities[0].type == "bold"
        assert card.url == PREFIX + entry.images[0]


def test_steps_are_numbered_and_cut_cleanly() -> None:
    clean = CATALOGUE.get("Power clean")  # the longest steps of the data set
    assert clean is not None and sum(len(s) for s in clean.steps) > CAPTION_LIMIT
    text, _ = parse_telegram_html(picture_card(exercise("Power clean"), clean, PREFIX).caption)
    assert "\n1. " in text and text.endswith("(the rest: the cues in the workout)")
    squat = CATALOGUE.get("Barbell back squat")
    assert squat is not None
    named = picture_card(exercise("Barbell Full Squat"), squat, "https://example.com/x")
    assert named.caption.startswith("<b>Barbell Full Squat</b> (Barbell back squat)\n")
    assert named.url == "https://example.com/x/" + squat.images[0]
