"""Logging setup: plain lines by default, one JSON object per line with LOG_FORMAT=json.

Every line of a job carries its request id: lines logged while a worker thread handles the
message (adapters.logcontext's context variable, set by jobs/requestcontext.py), and
Dramatiq's lines that name the message from other threads (by its message id).
Secrets never reach a line: the formatter masks the configured secrets wherever they
appear, as a last line of defence behind code that never logs them.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable

from adapters.logcontext import current_request_id, request_for_message

__all__ = ["configure_logging"]


def _from_args(args: object) -> int | None:
    """The request of a Dramatiq message a line names: a message (or its proxy) or a
    message id among the arguments (adapters.logcontext remembers the ids seen)."""
    values = args.values() if isinstance(args, dict) else args
    if not isinstance(values, Iterable) or isinstance(values, str | bytes):
        return None
    for value in values:
        # Dramatiq's Message and MessageProxy by name: a filter must not call into arbitrary
        # objects (an exception here would break the log call itself).
        is_message = type(value).__name__ in ("Message", "MessageProxy")
        message_id = getattr(value, "message_id", None) if is_message else value
        if isinstance(message_id, str):
            request_id = request_for_message(message_id)
            if request_id is not None:
                return request_id
    return None


class _Context(logging.Filter):
    """Tags a line with its request: the job's context, or the message the line names."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = current_request_id()
        if request_id is None and record.args:
            request_id = _from_args(record.args)
        record.request_id = request_id
        return True


class _Redact(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            for secret in self.secrets:
                message = message.replace(secret, "***")
                if record.exc_text:
                    record.exc_text = record.exc_text.replace(secret, "***")
            record.msg, record.args = message, None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, exception."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            data["request_id"] = request_id
        if record.exc_info:
            data["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


class _PlainFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        return f"{line} [request {request_id}]" if request_id is not None else line


def configure_logging(*, verbose: bool = False, secrets: Iterable[str] = ()) -> None:
    """Configure the root logger once for a ``flexflow`` command."""
    handler = logging.StreamHandler()
    if os.environ.get("LOG_FORMAT", "").lower() == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(_PlainFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_Context())
    handler.addFilter(_Redact(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    noisy_loggers = (
        "httpx",
        "httpcore",
        "httpx2",
        "httpcore2",
        "telegram.ext.ExtBot",
        "apscheduler",
        "alembic",
    )
    for noisy in noisy_loggers:
        logging.getLogger(noisy).setLevel(logging.WARNING)
