"""Planting requests in given states for tests, through the real lifecycle.

``save_plan`` stores a plan for a request the way the generation use case does: the request
is claimed if it was still queued, the plan saved (db.requests.save_plan) and the request
moved to generated (usecases.lifecycle), so seeded rows are rows the product could make.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.domain import RequestState
from core.models import Workout
from db import requests as db_requests
from db.models import WorkoutPlan, WorkoutRequestRow
from usecases import lifecycle

__all__ = ["save_plan"]


def save_plan(
    session: Session, row: WorkoutRequestRow, workout: Workout, source: str, model: str | None
) -> WorkoutPlan:
    """Store ``workout`` as the request's plan and mark the request generated."""
    if row.state is RequestState.QUEUED:
        lifecycle.claim(session, row, by="seed")
    plan = db_requests.save_plan(session, row, workout, source, model)
    if row.state in (RequestState.GENERATING, RequestState.FAILED):
        lifecycle.generated(session, row)
    return plan
