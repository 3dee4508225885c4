"""Planting requests in given states for tests, through the real lifecycle.

``advance`` moves a request to a state by the shortest chain of legal moves.

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

__all__ = ["advance", "save_plan"]


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


def advance(
    session: Session, row: WorkoutRequestRow, target: RequestState, *, reason: str = "test"
) -> None:
    """Move ``row`` to ``target`` by the shortest chain of the lifecycle's legal moves
    (``ValueError`` when none leads there)."""
    moves = {
        "claim": lambda: lifecycle.claim(session, row, by="seed"),
        "generated": lambda: lifecycle.generated(session, row),
        "deliver": lambda: lifecycle.deliver(session, row, list(row.delivered_message_ids or [])),
        "fail": lambda: lifecycle.fail(session, row, reason),
    }
    paths: dict[RequestState, list[str]] = {row.state: []}
    frontier = [row.state]
    while frontier and target not in paths:
        state = frontier.pop(0)
        for verb, (sources, after) in lifecycle.TRANSITIONS.items():
            if state in sources and after not in paths:
                paths[after] = [*paths[state], verb]
                frontier.append(after)
    if target not in paths:
        raise ValueError(f"no legal way from {row.state.value} to {target.value}")
    for verb in paths[target]:
        moves[verb]()
