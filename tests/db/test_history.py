"""History pages, newest first, and plans that only their owner can read."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from core.domain import WorkoutType
from db.history import count_plans, get_plan, get_plan_for_request, list_plans, recent_history
from db.models import WorkoutPlan
from tests.db.conftest import Seed
from tests.seed import save_plan


def test_history_newest_first_paging_and_ownership(
    sessions: sessionmaker[Session], seed: Seed
) -> None:
    a, b = seed.user(10), seed.user(11)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with sessions.begin() as s:
        plan_ids, request_ids = [], []
        for i in range(7):
            row = seed.request(s, a, f"a{i}", workout_type=WorkoutType.CARDIO)
            plan = save_plan(s, row, seed.workout(f"W{i}", (f"Move {i}", "Row")), "ai", "m")
            plan_ids.append(plan.id)
            request_ids.append(row.id)
        # saved out of id order: the page order must follow created_at, not ids
        for i, plan_id in enumerate(plan_ids):
            day = start + dt.timedelta(days=(i * 3) % 7)
            s.execute(update(WorkoutPlan).where(WorkoutPlan.id == plan_id).values(created_at=day))
        others = save_plan(s, seed.request(s, b, "b0"), seed.workout("B's"), "rule_based", None)
    by_day = sorted(range(7), key=lambda i: (i * 3) % 7, reverse=True)  # newest first
    with sessions.begin() as s:
        assert count_plans(s, a) == 7 and count_plans(s, b) == 1
        first = list_plans(s, a, offset=0, limit=5)
        rest = list_plans(s, a, offset=5, limit=5)
        assert [p.title for p in first + rest] == [f"W{i}" for i in by_day]
        assert list_plans(s, a, offset=10, limit=5) == []
        assert first[0].workout_type is WorkoutType.CARDIO and first[0].coach == "MAX"
        assert first[0].created_at == start + dt.timedelta(days=6)
        assert first[0].request_id == request_ids[by_day[0]]

        assert get_plan(s, others.id, user_id=a) is None  # not a's plan
        assert get_plan(s, plan_ids[0], user_id=b) is None
        assert get_plan(s, 10_000, user_id=a) is None
        mine = get_plan(s, plan_ids[0], user_id=a)
        assert mine is not None and mine.user_id == a
        assert mine.workout == seed.workout("W0", ("Move 0", "Row"))
        assert (mine.source, mine.model, mine.duration_min) == ("ai", "m", 45)

        history = recent_history(s, a, limit=3)
        assert [h.exercises for h in history] == [(f"Move {i}", "Row") for i in by_day[:3]]
        assert history[0].date == dt.date(2026, 1, 7)
        skipped = recent_history(s, a, limit=3, exclude_request_id=request_ids[by_day[0]])
        assert [h.exercises[0] for h in skipped] == [f"Move {i}" for i in by_day[1:4]]

        stored = get_plan_for_request(s, request_ids[3])
        assert stored is not None and stored.plan_id == plan_ids[3]
        assert get_plan_for_request(s, 10_000) is None
