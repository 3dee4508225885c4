"""What every update passes before any handler sees it: the update rate and the allow-list.

Two ``TypeHandler``s in groups below the handlers' group 0; each either lets the update
through or answers it and raises ``ApplicationHandlerStop``, so no handler runs for it:

    group -2  rate       over FLEXFLOW_USER_UPDATES_PER_MINUTE: dropped, with one "slow
                         down" notice per window (bot.throttle); a pressed button is always
                         answered, so it never spins
    group -1  allow-list not on FLEXFLOW_ALLOWED_USERS (when set): a polite refusal

The rate comes first so that a stranger's flood costs no more replies than anyone's. A
refused update touches nothing in the database: the handlers that register users never
run, and the dialog state of someone who has none is not written (bot.persistence).
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.handlers import texts
from bot.handlers.common import reply
from bot.handlers.context import App, Context
from bot.throttle import UpdateThrottle, Verdict

__all__ = ["ALLOW_GROUP", "RATE_GROUP", "AllowList", "RateGate", "install"]

log = logging.getLogger(__name__)

RATE_GROUP = -2
ALLOW_GROUP = -1


async def _answer_query(update: Update, text: str | None) -> None:
    """Answer the update's button, if it is one; a button that cannot be answered is let be."""
    if update.callback_query is None:
        return
    try:
        await update.callback_query.answer(text)
    except TelegramError as exc:  # too old to answer: nothing spins any more
        log.info("update %s: button not answered: %s", update.update_id, exc)


class RateGate:
    """Drops updates over the per-user rate; says so once per window."""

    def __init__(self, throttle: UpdateThrottle) -> None:
        self.throttle = throttle

    async def __call__(self, update: Update, context: Context) -> None:
        """Let the update through, or drop it (answered) and stop its handling."""
        user = update.effective_user
        if user is None:
            return
        verdict = self.throttle.check(user.id)
        if verdict is Verdict.ALLOW:
            return
        if verdict is Verdict.WARN:
            log.info(
                "user %s is over %s updates a minute: dropping", user.id, self.throttle.per_minute
            )
            if update.callback_query is None and update.effective_chat is not None:
                await reply(update, texts.SLOW_DOWN)
        await _answer_query(update, texts.SLOW_DOWN if verdict is Verdict.WARN else None)
        raise ApplicationHandlerStop


class AllowList:
    """Lets through the users on the list; refuses everyone else politely."""

    def __init__(self, allowed: Collection[int]) -> None:
        self.allowed = frozenset(allowed)

    async def __call__(self, update: Update, context: Context) -> None:
        """Let the update through, or refuse it and stop its handling."""
        user = update.effective_user
        if user is not None and user.id in self.allowed:
            return
        who = user.id if user is not None else None
        log.info(
            "update %s from user %s, not on FLEXFLOW_ALLOWED_USERS: refused", update.update_id, who
        )
        if update.callback_query is not None:
            await _answer_query(update, texts.NOT_ALLOWED)
        elif update.effective_chat is not None and update.effective_chat.type == "private":
            await reply(update, texts.NOT_ALLOWED)
        raise ApplicationHandlerStop


def install(
    application: App,
    *,
    updates_per_minute: int,
    allowed_users: Collection[int],
) -> None:
    """Add the gates the settings ask for (0 updates a minute: no rate limit; no ids: anyone)."""
    if updates_per_minute > 0:
        gate = RateGate(UpdateThrottle(updates_per_minute))
        application.add_handler(TypeHandler(Update, gate), group=RATE_GROUP)
    if allowed_users:
        application.add_handler(TypeHandler(Update, AllowList(allowed_users)), group=ALLOW_GROUP)
