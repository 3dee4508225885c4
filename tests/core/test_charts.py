"""The /progress chart: a real PNG of a sane size, whatever the log holds."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys

from PIL import Image

from core.charts import CHART_DPI, CHART_SIZE_IN, progress_chart
from core.domain import Units
from core.progress import LoggedSession, SetDone, compute_progress, week_start

TODAY = dt.date(2026, 3, 18)
SIZE = (int(CHART_SIZE_IN[0] * CHART_DPI), int(CHART_SIZE_IN[1] * CHART_DPI))


def weekly(*sets: SetDone, weeks: int = 10) -> list[LoggedSession]:
    sessions = []
    for n in range(weeks):
        day = week_start(TODAY) - dt.timedelta(weeks=n, days=-2)
        sessions.append(
            LoggedSession(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC), sets)
        )
    return sessions


def decode(png: bytes) -> Image.Image:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    image.load()  # decodes every pixel: a truncated file fails here
    return image


def colours(image: Image.Image) -> int:
    return len(image.convert("RGB").getcolors(maxcolors=1 << 20) or [])


def test_volume_and_lifts() -> None:
    progress = compute_progress(
        weekly(SetDone("Back squat", 5, 100), SetDone("Bench press", 5, 70)), TODAY
    )
    image = decode(progress_chart(progress, Units.KG))
    assert image.format == "PNG" and image.size == SIZE
    assert colours(image) > 20  # bars, lines, text: not a blank canvas


def test_units_change_the_picture() -> None:
    progress = compute_progress(weekly(SetDone("Deadlift", 5, 140)), TODAY)
    assert progress_chart(progress, Units.KG) != progress_chart(progress, Units.LB)


def test_bodyweight_only_and_awkward_names() -> None:
    progress = compute_progress(weekly(SetDone("Push-up", 20, None), weeks=3), TODAY)
    assert progress.lifts == ()
    assert decode(progress_chart(progress, Units.LB)).size == SIZE
    tricky = compute_progress(
        weekly(SetDone("$x^2$ _row", 5, 40), SetDone("_hidden", 5, 20), SetDone("$", 1, 10)),
        TODAY,
    )
    assert decode(progress_chart(tricky, Units.KG)).size == SIZE


def test_an_empty_window_still_draws() -> None:
    assert decode(progress_chart(compute_progress([], TODAY), Units.KG)).size == SIZE


def test_the_bot_does_not_load_matplotlib_until_a_chart_is_drawn() -> None:
    code = (
        "import sys, bot.app, core.charts\n"
        "assert 'matplotlib' not in sys.modules, 'loaded at import'\n"
        "import datetime as dt\n"
        "from core.domain import Units\n"
        "from core.progress import compute_progress\n"
        "core.charts.progress_chart(compute_progress([], dt.date(2026, 3, 18)), Units.KG)\n"
        "assert 'matplotlib' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
