"""The request a line of log belongs to: a context variable set around each job."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["current_request_id", "request_context"]

_request_id: ContextVar[int | None] = ContextVar("flexflow_request_id", default=None)


def current_request_id() -> int | None:
    return _request_id.get()


@contextmanager
def request_context(request_id: int) -> Iterator[None]:
    """Tag every log line inside the block with ``request_id``."""
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)
