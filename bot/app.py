"""The Telegram application: build it, set it up, run it (``flexflow bot``).

``build_application`` wires python-telegram-bot to the project: the Bot API server from
TELEGRAM_API_URL, Telegram HTML as the parse mode of every message (PTB ``Defaults``), dialog
state in the database (bot.persistence), outgoing messages under the shared send budget
(bot.ratelimit), the gates every update passes first (per-user rate, allow-list:
bot.handlers.gates), the handlers (bot.handlers). ``setup_bot`` registers the command menu;
it is the application's ``post_init`` (run by run_polling/run_webhook), and whoever drives
the application another way (tests: ``async with application`` and
``updater.start_polling``) calls it too.

``run`` is the process: polling by default, a webhook server when TELEGRAM_WEBHOOK_URL is
set (Telegram's X-Telegram-Bot-Api-Secret-Token is checked on every request), and, without
REDIS_URL, the generation worker inside the same process (the ``flexflow bot`` command
starts it, and hands ``run`` the queue's ``enqueue``). One bot process serves a token.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session, sessionmaker
from telegram import BotCommand, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken
from telegram.ext import Application, Defaults

from adapters.claude_words import make_words_ai
from adapters.metrics import QueueCollector, StateCollector, metrics_registry, serve_metrics
from adapters.process import freeze_boot_objects
from adapters.sendbudget import SendLimiter, make_send_limiter
from adapters.settings import Settings
from adapters.telegram import CountingRequest
from bot.aibudget import AIBudget
from bot.handlers import gates, register
from bot.handlers.context import CONTEXT_TYPES, App
from bot.handlers.texts import COMMANDS, queue_down_reason
from bot.persistence import DEFAULT_UPDATE_INTERVAL, DBPersistence
from bot.ratelimit import CONNECTIONS, SharedRateLimiter
from bot.requeue import Requeuer
from bot.updates import PerChatUpdateProcessor
from core.words import WordsAI
from db.session import create_db_engine, session_factory
from jobs.enqueue import NAMESPACE, QUEUES
from usecases.ports import Enqueue

__all__ = [
    "ALLOWED_UPDATES",
    "ConfigurationError",
    "WebhookConfig",
    "build_application",
    "check",
    "run",
    "setup_bot",
    "start_metrics",
    "webhook_config",
]

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
"""The updates the bot handles; Telegram is asked for these only."""
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
"""Telegram's rule for a webhook secret token."""


class ConfigurationError(Exception):
    """The settings cannot run a bot; the message is one line for the operator."""


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    """Where the webhook server listens and what Telegram is told."""

    webhook_url: str
    """The public URL Telegram posts updates to (TELEGRAM_WEBHOOK_URL)."""
    url_path: str
    """The path of that URL, served by the local server."""
    port: int
    """The local port (TELEGRAM_WEBHOOK_PORT)."""
    secret_token: str
    """Checked on every request (TELEGRAM_WEBHOOK_SECRET)."""
    listen: str = "0.0.0.0"  # noqa: S104  (a webhook server must be reachable from outside)
    """The local address."""

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``run_webhook`` and ``Updater.start_webhook``."""
        return {
            "listen": self.listen,
            "port": self.port,
            "url_path": self.url_path,
            "webhook_url": self.webhook_url,
            "secret_token": self.secret_token,
        }


def _token(settings: Settings) -> str:
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    if not token.strip():
        raise ConfigurationError("TELEGRAM_BOT_TOKEN is not set: get one from @BotFather")
    if not re.fullmatch(r"\d+:[\w-]+", token):
        raise ConfigurationError("TELEGRAM_BOT_TOKEN does not look like a bot token (123:ABC...)")
    return token


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def webhook_config(settings: Settings) -> WebhookConfig | None:
    """The webhook settings, checked; None for polling. ``ConfigurationError`` when wrong."""
    url = settings.telegram_webhook_url
    if not url:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host or parts.scheme not in ("https", "http"):
        raise ConfigurationError(f"TELEGRAM_WEBHOOK_URL must be an https:// URL, not {url!r}")
    if parts.scheme == "http" and not _loopback(host):
        raise ConfigurationError("TELEGRAM_WEBHOOK_URL must use https (Telegram requires it)")
    secret = settings.telegram_webhook_secret
    if secret is None or not _SECRET.fullmatch(secret.get_secret_value()):
        raise ConfigurationError(
            "TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -"
        )
    if not 0 < settings.telegram_webhook_port < 65536:
        raise ConfigurationError(
            f"TELEGRAM_WEBHOOK_PORT must be 1-65535, not {settings.telegram_webhook_port}"
        )
    return WebhookConfig(
        webhook_url=url,
        url_path=parts.path.lstrip("/"),
        port=settings.telegram_webhook_port,
        secret_token=secret.get_secret_value(),
    )


async def setup_bot(application: App) -> None:
    """Start-up work against the Bot API: register the command menu; then the boot's objects
    are kept out of the garbage collector's way (adapters/process.py)."""
    await application.bot.set_my_commands([BotCommand(name, what) for name, what in COMMANDS])
    freeze_boot_objects()


def build_application(
    settings: Settings,
    *,
    sessions: sessionmaker[Session],
    enqueue: Enqueue,
    limiter: SendLimiter | None = None,
    persistence_interval: float = DEFAULT_UPDATE_INTERVAL,
    words_ai: WordsAI | None = None,
) -> App:
    """The bot, ready to initialise and run; ``ConfigurationError`` for a missing token."""
    token = _token(settings)
    api = settings.telegram_api_url.rstrip("/")
    application = (
        Application.builder()
        .token(token)
        # Every message the bot writes is Telegram HTML (bot/handlers/texts.py).
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        # Handlers get a bot.handlers.context.Context: bot_data and the drafts, typed.
        .context_types(CONTEXT_TYPES)
        # The rate limiter keeps calls within the pool; CountingRequest counts failed calls.
        .request(CountingRequest("bot", connection_pool_size=CONNECTIONS))
        .get_updates_request(CountingRequest("bot", connection_pool_size=1))
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .persistence(DBPersistence(sessions, update_interval=persistence_interval))
        .rate_limiter(SharedRateLimiter(limiter or make_send_limiter(settings.redis_url)))
        .post_init(setup_bot)
        .concurrent_updates(PerChatUpdateProcessor())
        .build()
    )
    bot_data = application.bot_data
    bot_data.sessions = sessions
    bot_data.requeuer = Requeuer(sessions, enqueue=enqueue, give_up_text=queue_down_reason())
    bot_data.generations_per_hour = settings.flexflow_generations_per_hour
    bot_data.words_ai = words_ai
    bot_data.ai_budget = AIBudget(settings.flexflow_ai_messages_per_day)
    bot_data.picture_url = settings.flexflow_picture_url
    gates.install(
        application,
        updates_per_minute=settings.flexflow_user_updates_per_minute,
        allowed_users=settings.flexflow_allowed_users,
    )
    register(application)
    return application


def _fail(message: str) -> SystemExit:
    print(f"flexflow bot: {message}", file=sys.stderr)
    return SystemExit(2)


def start_metrics(settings: Settings, sessions: sessionmaker[Session]) -> list[Callable[[], None]]:
    """The bot's ``/metrics`` on FLEXFLOW_METRICS_PORT (nothing when unset): this process's
    counters (the embedded worker's too), requests by state, the queues. Returns the
    functions that stop it."""
    port = settings.flexflow_metrics_port
    if port is None:
        return []
    collectors: list[Any] = [StateCollector(sessions)]
    stop: list[Callable[[], None]] = []
    if settings.redis_url:
        queues = QueueCollector(settings.redis_url, NAMESPACE, QUEUES)
        collectors.append(queues)
        stop.append(queues.close)
    try:
        server = serve_metrics(settings.flexflow_metrics_host, port, metrics_registry(*collectors))
    except OSError as exc:
        for close in stop:
            close()
        raise ConfigurationError(
            f"FLEXFLOW_METRICS_PORT {port} cannot be used: {exc.strerror}"
        ) from None
    return [server.shutdown, *stop]


def check(settings: Settings) -> WebhookConfig | None:
    """The settings checked for a bot (the webhook's, or None for polling); one clear line
    on stderr and exit 2 when they cannot run one."""
    try:
        _token(settings)
        return webhook_config(settings)
    except ConfigurationError as exc:
        raise _fail(str(exc)) from None


def run(settings: Settings, *, enqueue: Enqueue) -> None:
    """Run the bot until stopped, queuing generations with ``enqueue``; one clear line on
    stderr and exit 2 for bad configuration."""
    webhook = check(settings)
    engine = create_db_engine(settings.database_url)
    limiter = make_send_limiter(settings.redis_url)
    metrics: list[Callable[[], None]] = []
    words_ai: WordsAI | None = None
    try:
        try:
            metrics = start_metrics(settings, session_factory(engine))
        except ConfigurationError as exc:
            raise _fail(str(exc)) from None
        words_ai = make_words_ai(settings)
        application = build_application(
            settings,
            sessions=session_factory(engine),
            enqueue=enqueue,
            limiter=limiter,
            words_ai=words_ai,
        )
        if webhook is not None:
            application.run_webhook(**webhook.kwargs(), allowed_updates=ALLOWED_UPDATES)
        else:
            application.run_polling(allowed_updates=ALLOWED_UPDATES)
    except InvalidToken:
        raise _fail(
            f"the Bot API at {settings.telegram_api_url} rejected TELEGRAM_BOT_TOKEN"
        ) from None
    finally:
        for stop in metrics:
            stop()
        if words_ai is not None:
            words_ai.close()
        limiter.close()
        engine.dispose()
