"""Every log line of a job carries its request id, Dramatiq's and the libraries' too.

Two pieces, installed by the composition root (jobs/root.py):

- ``RememberingEncoder``: Dramatiq's JSON encoder, noting each message's request as the
  message enters or leaves the process (``adapters.logcontext.remember_message``), so that
  Dramatiq's lines naming a message id (the consumer's "Pushing message...", "Retrying
  message...", "Acknowledging message...") are tagged by the logging filter.
- ``RequestContext``: the first middleware; it sets the request id for the whole time a
  worker thread handles a message (before every other middleware's ``before_`` hook and after
  every ``after_`` hook), so the actor's lines, the anthropic SDK's, PTB's (the notifier's
  event loop runs each call in a copy of the calling thread's context) and Dramatiq's
  worker lines are tagged.
"""

from __future__ import annotations

import threading
from contextvars import Token
from typing import Any

import dramatiq
from dramatiq.broker import MessageProxy
from dramatiq.encoder import JSONEncoder, MessageData

from adapters.logcontext import remember_message, reset_request_id, set_request_id

__all__ = ["RememberingEncoder", "RequestContext", "request_id_of"]


def request_id_of(actor_name: object, args: object) -> int | None:
    """The request a message works on: our actors take the request id first, and the
    retries-exhausted callback takes the failed message's data first."""
    if not isinstance(args, list | tuple) or not args:
        return None
    first = args[0]
    if actor_name == "generation_exhausted" and isinstance(first, dict):
        return request_id_of("generate_workout", first.get("args"))
    if isinstance(first, int) and not isinstance(first, bool):
        return first
    return None


def _remember(data: Any) -> None:
    if isinstance(data, dict):
        request_id = request_id_of(data.get("actor_name"), data.get("args"))
        message_id = data.get("message_id")
        if request_id is not None and isinstance(message_id, str):
            remember_message(message_id, request_id)


class RememberingEncoder(JSONEncoder):
    """Dramatiq's JSON encoding, remembering each message's request."""

    def encode(self, data: MessageData) -> bytes:
        _remember(data)
        return super().encode(data)

    def decode(self, data: bytes) -> MessageData:
        message = super().decode(data)
        _remember(message)
        return message


class RequestContext(dramatiq.Middleware):
    """The request id of the message a worker thread handles, for every line it logs."""

    def __init__(self) -> None:
        self._tokens = threading.local()

    def before_process_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        request_id = request_id_of(message.actor_name, message.args)
        if request_id is not None:
            remember_message(message.message_id, request_id)
        self._tokens.token = set_request_id(request_id)

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        token: Token[int | None] | None = getattr(self._tokens, "token", None)
        if token is not None:
            self._tokens.token = None
            reset_request_id(token)

    def after_skip_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        self.after_process_message(broker, message)
