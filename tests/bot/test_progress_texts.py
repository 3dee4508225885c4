"""/progress's and /export's texts at their largest: valid Telegram HTML within the limits."""

from __future__ import annotations

import datetime as dt

from bot.handlers import texts
from core.domain import Units
from core.export import Exported
from core.progress import LoggedSession, SetDone, compute_progress
from tests.fakes.telegram_html import parse_telegram_html, utf16_length

TODAY = dt.date(2026, 3, 18)


def test_the_largest_summary_and_caption_fit() -> None:
    name = "<b>&amp; 💪 " + "x" * 80  # logged names are at most 80 characters
    sessions = [
        LoggedSession(
            dt.datetime(2026, 3, 16, tzinfo=dt.UTC),
            tuple(SetDone(f"{n} {name}"[:80], 10**6, 10.0**6) for n in range(50)),
        )
        for _ in range(3)
    ]
    progress = compute_progress(sessions, TODAY)
    for units in Units:
        text, _ = parse_telegram_html(texts.progress_text(progress, units))
        assert utf16_length(text) <= 4096 and "<b>&amp; 💪" in text
        assert text.count("•") == 8  # the most often done records, not all 50
        caption, _ = parse_telegram_html(texts.progress_caption(progress, units))
        assert utf16_length(caption) <= 1024 and caption.count("<b>&amp;") == 3


def test_export_caption() -> None:
    big = Exported(data=b"", rows=100_000, sessions=5_000, truncated=True)
    caption, _ = parse_telegram_html(texts.export_caption(big, Units.LB))
    assert caption == (
        "Your workout log: 100,000 rows from 5,000 sessions, weights in lb and kg. "
        "It holds your newest sets; the oldest did not fit in one file."
    )
