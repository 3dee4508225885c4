"""A SIGTERM sent to the whole process group must still shut a worker down gracefully.

Process managers often signal every process of a service at once (Heroku and systemd's
default ``KillMode=control-group`` do). ``dramatiq``'s main process then forwards the
SIGTERM to its worker processes, so each worker process receives it twice within
milliseconds, and dramatiq's worker process treats a second SIGTERM as "kill now": the
in-flight generations would be cut off, their requests left for the broker's redelivery.

``GracefulShutdown`` wraps the worker process's handler: a repeat that arrives within
``REPEAT_WINDOW_S`` of the first is the same request to stop and is ignored; a later one
still means "stop now", as dramatiq intends (SIGKILL always works).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from types import FrameType
from typing import Any

import dramatiq

__all__ = ["REPEAT_WINDOW_S", "GracefulShutdown"]

log = logging.getLogger(__name__)

REPEAT_WINDOW_S = 5.0
"""A second SIGTERM this soon after the first is the group signal and its forwarded copy."""


class GracefulShutdown(dramatiq.Middleware):
    """In each worker process, ignore a SIGTERM that repeats the first one."""

    def after_process_boot(self, broker: dramatiq.Broker) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers can only be set from the main thread
        inner = signal.getsignal(signal.SIGTERM)
        if not callable(inner):
            return
        first: list[float] = []

        def on_sigterm(signum: int, frame: FrameType | None) -> Any:
            now = time.monotonic()
            if first and now - first[0] < REPEAT_WINDOW_S:
                log.info("SIGTERM again (the process group's copy); still stopping gracefully")
                return None
            first[:] = [now]
            return inner(signum, frame)

        signal.signal(signal.SIGTERM, on_sigterm)
