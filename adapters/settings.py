"""Configuration, read once from the environment (and a ``.env`` file).

Only the entry points (``flexflow`` commands, the worker's boot) call ``get_settings()``;
everything below them is handed the values it needs.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = [
    "DEFAULT_DATABASE_URL",
    "DEFAULT_MODEL",
    "DEFAULT_PICTURE_URL",
    "Settings",
    "get_settings",
]

DEFAULT_DATABASE_URL = "sqlite:///flexflow.db"
DEFAULT_MODEL = "claude-sonnet-4-6"
DEFAULT_PICTURE_URL = "https://raw.githubusercontent.com/yuhonas/free-exercise-db/main/exercises/"
"""free-exercise-db's hosted pictures (its README), public domain."""


WORKER_THREADS = 32
"""Threads per worker process unless FLEXFLOW_WORKER_THREADS says otherwise. An AI call holds
none while it runs (it is parked: usecases/generation.py), so they serve the claims, the
deliveries waiting for the send budget, reminders and timers; a thread waiting for a free
AI slot holds one, and deliveries go first (jobs/generate.py), so some always serve them."""


class Settings(BaseSettings):
    """Every knob FlexFlow reads; names match the README's table."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_port: int = 8443

    anthropic_api_key: SecretStr | None = None
    anthropic_model: str = DEFAULT_MODEL
    anthropic_timeout: float = Field(default=60.0, gt=0)
    """Seconds one AI call may take before the SDK gives up."""
    anthropic_max_retries: int = Field(default=2, ge=0, le=5)
    """The SDK's own quick retries; longer waits are Dramatiq's."""
    anthropic_stall_s: float = Field(default=15.0, gt=0)
    """A streamed answer silent this long is given up (the rule-based generator steps in)."""
    anthropic_first_byte_s: float = Field(default=10.0, gt=0)
    """Seconds to wait for the API's first byte before the call is given up."""

    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None

    flexflow_ai_concurrency: int = Field(default=5, ge=1, le=1000)
    flexflow_worker_processes: int = Field(default=2, ge=1)
    flexflow_worker_threads: int | None = Field(default=None, ge=1)
    """Threads per ``flexflow worker`` process; unset: ``worker_threads``."""

    flexflow_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    """The bot's Prometheus endpoint (``/metrics``); off when unset."""
    flexflow_worker_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    """``flexflow worker``'s endpoint, one for all its processes; off when unset."""
    flexflow_metrics_host: str = "0.0.0.0"  # noqa: S104  (Prometheus scrapes from elsewhere)
    """The address both endpoints listen on."""

    flexflow_generations_per_hour: int = Field(default=10, ge=0)
    """Workouts one user may ask for in any 60 minutes (0: no limit)."""
    flexflow_user_updates_per_minute: int = Field(default=30, ge=0)
    """Messages and button presses one user may send a minute; the rest are dropped (0: off)."""
    flexflow_reminder_late_window_min: int = Field(default=120, ge=0, le=24 * 60)
    """Minutes a reminder due while everything was down may still go out late; later ones
    are skipped and the next session planned."""
    flexflow_scheduler_tick_s: float = Field(default=1.0, gt=0, le=60)
    """How often the scheduler looks for due rows."""
    flexflow_picture_url: str = DEFAULT_PICTURE_URL
    """Where the exercises' pictures are hosted: an image's path (core/data/catalogue.json,
    ``images``) is appended. Telegram fetches them itself (sendPhoto by URL)."""
    flexflow_allowed_users: Annotated[frozenset[int], NoDecode] = frozenset()
    """Telegram user ids the bot serves ("1,2 3"); empty: everyone."""

    anthropic_fast_model: str = "claude-haiku-4-5"
    """The model that reads typed requests and answers questions (adapters/claude_words.py)."""
    anthropic_words_timeout: float = Field(default=4.0, gt=0, le=60)
    """Seconds a typed message may wait for the AI before the rules answer (no retries)."""
    flexflow_ai_messages_per_day: int = Field(default=40, ge=0)
    """Typed messages of one user read by the AI in any 24 hours; the rest are read by the
    rules (0: none by the AI). About a cent's worth a day on a fast model."""

    @field_validator("flexflow_allowed_users", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """Ids separated by commas and/or spaces, as an operator types them in an env file."""
        if not isinstance(value, str):
            return value
        parts = [part for part in re.split(r"[\s,;]+", value) if part]
        bad = [part for part in parts if not part.isdigit()]
        if bad:
            raise ValueError(
                "FLEXFLOW_ALLOWED_USERS must be Telegram user ids (numbers) separated by "
                f"commas or spaces, not {bad[0]!r}"
            )
        return [int(part) for part in parts]

    @field_validator("flexflow_picture_url")
    @classmethod
    def _picture_url(cls, value: str) -> str:
        """An http(s) URL ending in a slash, as Telegram fetches it."""
        if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
            raise ValueError(
                "FLEXFLOW_PICTURE_URL must be an http(s) URL, e.g. " + DEFAULT_PICTURE_URL
            )
        return value if value.endswith("/") else value + "/"

    @property
    def worker_threads(self) -> int:
        """Threads per worker process: FLEXFLOW_WORKER_THREADS, or ``WORKER_THREADS``."""
        if self.flexflow_worker_threads is not None:
            return self.flexflow_worker_threads
        return WORKER_THREADS

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.telegram_webhook_url and not self.telegram_webhook_secret:
            raise ValueError("TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_WEBHOOK_URL is set")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()
