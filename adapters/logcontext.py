"""The request a line of log belongs to: a context variable set around each job, and the
Dramatiq message ids seen in this process with their request.

Dramatiq's own lines about a message (received, retried, acknowledged...) name it by its
message id, some from threads where no job runs (the consumer); the logging filter
(flexflow/logs.py) finds their request through ``request_for_message``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

__all__ = [
    "MESSAGES_REMEMBERED",
    "current_request_id",
    "remember_message",
    "request_context",
    "request_for_message",
    "reset_request_id",
    "set_request_id",
]

MESSAGES_REMEMBERED = 10_000
"""Message ids kept (the newest); a message being worked on is always among them."""

_request_id: ContextVar[int | None] = ContextVar("flexflow_request_id", default=None)
_messages: OrderedDict[str, int] = OrderedDict()
_lock = threading.Lock()


def current_request_id() -> int | None:
    return _request_id.get()


def set_request_id(request_id: int | None) -> Token[int | None]:
    """Tag the lines from here on (in this context); ``reset_request_id`` undoes it. For
    code whose start and end are separate calls (a Dramatiq middleware's hooks)."""
    return _request_id.set(request_id)


def reset_request_id(token: Token[int | None]) -> None:
    _request_id.reset(token)


@contextmanager
def request_context(request_id: int) -> Iterator[None]:
    """Tag every log line inside the block with ``request_id``."""
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)


def remember_message(message_id: str, request_id: int) -> None:
    """Dramatiq message ``message_id`` works on ``request_id``."""
    with _lock:
        _messages[message_id] = request_id
        _messages.move_to_end(message_id)
        while len(_messages) > MESSAGES_REMEMBERED:
            _messages.popitem(last=False)


def request_for_message(message_id: str) -> int | None:
    """The request of a message seen in this process, or None."""
    with _lock:
        return _messages.get(message_id)
