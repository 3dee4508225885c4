"""Five sessions in a row (issue 12, item 8): logging what the plan says is never punished."""

from __future__ import annotations

import itertools

import pytest

from bench.series import STRATEGIES, run_series
from core.domain import FitnessLevel, Units


@pytest.mark.parametrize("units", list(Units))
@pytest.mark.parametrize("level", list(FitnessLevel))
def test_five_sessions_per_way_of_logging(units: Units, level: FitnessLevel) -> None:
    series = {s: run_series(s, units=units, level=level) for s in STRATEGIES}
    for strategy, run in series.items():
        assert run.loads, f"{strategy}: no loaded exercise in the first session"
        # Nobody who logs what the plan says (or does not log) gets a lighter lift.
        assert run.deloads == 0, (strategy, run.loads)
    # Never logging: the same loads every session the lift comes back.
    for loads in series["never"].loads.values():
        assert len({x for x in loads if x is not None}) == 1
    # As planned (the bottom of the ranges) or inside them: held, all five sessions.
    for strategy in ("as planned", "middle"):
        for loads in series[strategy].loads.values():
            assert len({x for x in loads if x is not None}) == 1, (strategy, loads)
    # The top of every range: each lift that comes back is one step heavier each session.
    for name, loads in series["top"].loads.items():
        present = [x for x in loads if x is not None]
        assert len(present) >= 2, name
        assert all(b > a for a, b in itertools.pairwise(present)), (name, loads)
