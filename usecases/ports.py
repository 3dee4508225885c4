"""Where a finished workout goes: the small interface the actor delivers through.

A ``Notifier`` puts one HTML message into a chat, editing an existing message when it is
given one. Rendering happens before (core.render); the notifier only transports.
``TelegramNotifier`` (jobs/telegram.py) is the real one; ``NullNotifier`` serves requests
that have no chat (the CLI reads the stored plan itself).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from chat.callbacks import Button

__all__ = ["Keyboard", "Notifier", "NullNotifier"]

Keyboard = Sequence[Sequence[Button]]


class Notifier(Protocol):
    """Sends or edits one chat message; returns its message id."""

    def put(
        self, chat_id: int, html: str, *, edit_message_id: int | None, keyboard: Keyboard | None
    ) -> int:
        """Edit ``edit_message_id`` into ``html`` (or send a new message); return its id.

        Raises ``DeliveryFailed`` when the chat is gone for good (bot blocked), and
        ``dramatiq.Retry`` with a delay when Telegram asks us to slow down.
        """
        ...

    def close(self) -> None: ...


class NullNotifier:
    """For requests without a chat: nothing to send."""

    def put(
        self, chat_id: int, html: str, *, edit_message_id: int | None, keyboard: Keyboard | None
    ) -> int:
        return edit_message_id or 0

    def close(self) -> None:
        return None
