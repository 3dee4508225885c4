"""The actor Dramatiq calls when a generation's retries have run out.

It reads which request and why from the failed message, and hands both to
``usecases.generation.give_up`` (the request is marked failed, the user told, with a Try
again button). Declared on the broker by the composition root (jobs/root.py).
"""

from __future__ import annotations

from typing import Any

from adapters.logcontext import request_context
from jobs.enqueue import GENERATION_QUEUE
from jobs.resources import current
from usecases.generation import give_up

__all__ = ["NAME", "OPTIONS", "generation_exhausted", "reason_of"]

NAME = "generation_exhausted"
OPTIONS: dict[str, Any] = {
    "actor_name": NAME,
    "queue_name": GENERATION_QUEUE,
    "max_retries": 3,
    "time_limit": 60_000,
}
REASON_LIMIT = 1000


def reason_of(message_data: dict[str, object], retry_info: dict[str, object]) -> str:
    """Why the message failed, from its last traceback line, in one line."""
    options = message_data.get("options")
    trace_text = options.get("traceback") if isinstance(options, dict) else None
    trace = str(trace_text or "").strip().splitlines()
    reason = f"gave up after {retry_info.get('retries')} retries: {trace[-1] if trace else '?'}"
    return reason[:REASON_LIMIT]


def generation_exhausted(message_data: dict[str, object], retry_info: dict[str, object]) -> None:
    """Retries ran out: mark the request failed with the reason and tell the user."""
    args = message_data.get("args")
    request_id = int(args[0]) if isinstance(args, list) and args else -1
    with request_context(request_id):
        give_up(current().generation, request_id, reason_of(message_data, retry_info))
