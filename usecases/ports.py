"""What the use cases are handed: the small interfaces of the edges they talk through.

- ``Notifier``: puts one HTML message into a chat, editing an existing one when given its
  id. Rendering happens before (core.render); the notifier only transports.
  ``adapters.telegram.TelegramNotifier`` is the real one; ``NullNotifier`` serves requests
  that have no chat (the command line reads the stored plan itself). A ``FrameNotifier``
  also shows a workout while the AI writes it (``frame``, dropped when the budget is busy).
- ``Enqueue``: queues the generation of one request (``jobs.enqueue``'s ``GenerationQueue``);
  raises ``QueueUnavailable`` when the queue cannot be reached.
- ``Observer``: hears what happened, for metrics (``adapters.metrics.PrometheusObserver``;
  ``NullObserver`` hears nothing).
- ``core.pipeline.AIClient``: writes workouts (``adapters.claude.ClaudeClient``).
- ``AIStage``: runs an AI call without the caller's thread waiting for it
  (``adapters.aislots.LimitedAI``); ``Resume`` queues what follows the call (the plan's
  saving and delivery: ``jobs.generate``), ``Leases`` keeps a parked claim alive
  (``jobs.leases``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Literal, Protocol

from chat.callbacks import Button
from core.models import WorkoutRequest
from core.pipeline import AIAttempt, AIResult, PipelineResult, Progress

__all__ = [
    "AIStage",
    "DeliveryResult",
    "Due",
    "Enqueue",
    "FrameNotifier",
    "Keyboard",
    "Leases",
    "Notifier",
    "NullNotifier",
    "NullObserver",
    "Observer",
    "Resume",
]

Keyboard = Sequence[Sequence[Button]]
Enqueue = Callable[[int], None]
"""Queue the generation of request ``request_id``; ``QueueUnavailable`` if the queue is down."""
Resume = Callable[[int, str, AIResult, float], None]
"""Queue the rest of request ``request_id``'s generation, claimed by ``holder``, with the
result of its AI call, to run in ``delay_s`` seconds; raises when the queue cannot be
reached."""
DeliveryResult = Literal["delivered", "chat_closed", "failed"]
Due = tuple[dt.datetime, int]
"""A scheduled message's place: when its row was due, and the row's id (ties of one moment)."""


class AIStage(Protocol):
    """AI calls that no thread waits for."""

    def start(
        self,
        request: WorkoutRequest,
        progress: Progress | None,
        done: Callable[[AIResult], None],
    ) -> None:
        """Start the call (once an AI slot is free) and return; ``done`` is told its result
        exactly once, on another thread, after the last ``progress``."""
        ...


class Leases(Protocol):
    """Claims kept alive while no queue message holds them (a parked AI call)."""

    def hold(self, request_id: int, holder: str) -> None:
        """Keep ``holder``'s claim on the request alive until the request has moved on."""
        ...

    def release(self, request_id: int) -> None:
        """Stop keeping the request's claim alive (its run is over, or failed)."""
        ...


class Notifier(Protocol):
    """Sends or edits one chat message; returns its message id."""

    def put(
        self,
        chat_id: int,
        html: str,
        *,
        edit_message_id: int | None,
        keyboard: Keyboard | None,
        due: Due | None = None,
    ) -> int:
        """Edit ``edit_message_id`` into ``html`` (or send a new message); return its id.
        ``due``: a scheduled message's place, for a notifier that sends them in due order.

        Raises ``DeliveryFailed`` when the chat is gone for good (bot blocked), and
        ``TryLater`` with a delay when the chat service asks us to slow down.
        """
        ...

    def close(self) -> None: ...


class FrameNotifier(Notifier, Protocol):
    """A notifier that can also show a workout while it is written (``frame``)."""

    def frame(self, chat_id: int, html: str, *, message_id: int) -> bool:
        """Edit ``message_id`` into ``html`` if that costs no real message its slot; True
        when it was shown, False when it was dropped. Never raises."""
        ...


class NullNotifier:
    """For requests without a chat: nothing to send."""

    def put(
        self,
        chat_id: int,
        html: str,
        *,
        edit_message_id: int | None,
        keyboard: Keyboard | None,
        due: Due | None = None,
    ) -> int:
        return edit_message_id or 0

    def frame(self, chat_id: int, html: str, *, message_id: int) -> bool:
        return False

    def close(self) -> None:
        return None


class Observer(Protocol):
    """Told what a generation did (metrics)."""

    def attempts(self, attempts: Iterable[AIAttempt]) -> None:
        """AI calls were made (whatever becomes of their plan)."""

    def workout(self, result: PipelineResult, seconds: float) -> None:
        """A workout was built and saved, in ``seconds``."""

    def delivery(self, result: DeliveryResult) -> None:
        """A request reached its end."""


class NullObserver:
    """Hears nothing."""

    def attempts(self, attempts: Iterable[AIAttempt]) -> None:
        return None

    def workout(self, result: PipelineResult, seconds: float) -> None:
        return None

    def delivery(self, result: DeliveryResult) -> None:
        return None
