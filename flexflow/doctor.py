"""``flexflow doctor``: check every dependency and say what is wrong in plain words.

One line per check: the configuration, the database (reachable? migrated?), Redis, the Bot
API (getMe with the token) and the AI key (the model, fetched with the key). A check never
raises and never prints a secret: URLs are shown without their password, the token and the
key never appear, and an error's own text is only shown once the secrets are masked out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from adapters.settings import DEFAULT_DATABASE_URL, Settings

__all__ = ["CHECKS", "Check", "configuration_errors", "run_checks"]

TIMEOUT_S = 5
"""Seconds each service has to answer."""


@dataclass(frozen=True, slots=True)
class Check:
    """One line of the report."""

    name: str
    """What was checked: config, database, redis, telegram, anthropic."""
    ok: bool
    detail: str
    """What was found, in plain words, without secrets."""


def _secrets(settings: Settings) -> list[str]:
    found = [
        value.get_secret_value()
        for value in (
            settings.telegram_bot_token,
            settings.anthropic_api_key,
            settings.telegram_webhook_secret,
        )
        if value is not None
    ]
    password = make_url(settings.database_url).password
    if password:
        found.append(str(password))
    return [s for s in found if s]


def _plain(error: BaseException, secrets: Iterable[str]) -> str:
    """The first line of an error's message, with any secret masked."""
    lines = str(error).strip().splitlines()
    text = lines[0].strip() if lines else type(error).__name__
    for secret in secrets:
        text = text.replace(secret, "***")
    return text[:300]


def configuration_errors(error: ValidationError) -> list[Check]:
    """Settings that do not validate, one line each: the variable and what is wrong (never
    the value, which may be a secret)."""
    checks = []
    for item in error.errors():
        name = "_".join(str(part) for part in item["loc"]).upper() or "configuration"
        checks.append(Check("config", False, f"{name}: {item['msg']}"))
    return checks


def _config(settings: Settings) -> Check:
    from bot.app import ConfigurationError, webhook_config

    try:
        webhook = webhook_config(settings)
    except ConfigurationError as exc:
        return Check("config", False, str(exc))
    mode = f"webhook at {webhook.webhook_url}" if webhook else "polling"
    database = make_url(settings.database_url).get_backend_name()
    queue = "Redis" if settings.redis_url else "an in-process worker (no REDIS_URL)"
    return Check("config", True, f"{mode}; {database} database; jobs on {queue}")


def _database(settings: Settings) -> Check:
    from alembic.script import ScriptDirectory
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from db.migrate import alembic_config, current_revision, head_revision
    from db.session import create_db_engine

    url = make_url(settings.database_url)
    shown = url.render_as_string(hide_password=True)
    if settings.database_url == DEFAULT_DATABASE_URL and not Path(url.database or "").exists():
        return Check(
            "database", True, f"{shown} (embedded) does not exist yet: the first command makes it"
        )
    if url.get_backend_name() == "postgresql":
        url = url.update_query_dict({"connect_timeout": str(TIMEOUT_S)})
    target = url.render_as_string(hide_password=False)
    engine = create_db_engine(target)
    try:
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        current = current_revision(target)
    except SQLAlchemyError as exc:
        reason = _plain(getattr(exc, "orig", None) or exc, _secrets(settings))
        return Check("database", False, f"cannot connect to {shown}: {reason}")
    finally:
        engine.dispose()
    head = head_revision()
    if current == head:
        return Check("database", True, f"{shown} is reachable and migrated")
    if settings.database_url == DEFAULT_DATABASE_URL:
        return Check("database", True, f"{shown} (embedded) migrates itself when a command starts")
    if current is None:
        return Check(
            "database", False, f"{shown} is reachable but not migrated: run `flexflow db upgrade`"
        )
    known = ScriptDirectory.from_config(alembic_config(target)).get_revision(current) is not None
    if not known:
        return Check(
            "database",
            False,
            f"{shown} is at revision {current}, which this version does not know "
            "(migrated by a newer release?)",
        )
    return Check(
        "database",
        False,
        f"{shown} is at revision {current}, this version needs {head}: run `flexflow db upgrade`",
    )


def _redis(settings: Settings) -> Check:
    if not settings.redis_url:
        return Check("redis", True, "not configured: the worker runs inside the bot (embedded)")
    import redis

    try:
        shown = make_url(settings.redis_url).render_as_string(hide_password=True)
    except ArgumentError:
        return Check("redis", False, "REDIS_URL is not a URL (redis://host:port/db)")
    try:
        client = redis.Redis.from_url(
            settings.redis_url, socket_connect_timeout=TIMEOUT_S, socket_timeout=TIMEOUT_S
        )
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, ValueError) as exc:
        reason = _plain(exc, _secrets(settings))
        return Check("redis", False, f"REDIS_URL is set but Redis does not answer: {reason}")
    return Check("redis", True, f"{shown} answers")


def _telegram(settings: Settings) -> Check:
    if settings.telegram_bot_token is None:
        return Check("telegram", False, "TELEGRAM_BOT_TOKEN is not set: the bot cannot start")
    import httpx

    token = settings.telegram_bot_token.get_secret_value()
    api = settings.telegram_api_url.rstrip("/")
    try:
        response = httpx.get(f"{api}/bot{token}/getMe", timeout=TIMEOUT_S)
        data = response.json()
    except httpx.TimeoutException:
        return Check("telegram", False, f"the Bot API at {api} did not answer in {TIMEOUT_S} s")
    except httpx.ConnectError:
        return Check("telegram", False, f"cannot connect to the Bot API at {api}")
    except (httpx.HTTPError, ValueError) as exc:
        # httpx's messages can carry the URL, and so the token: the type only.
        return Check(
            "telegram", False, f"the Bot API at {api} did not answer well: {type(exc).__name__}"
        )
    if not isinstance(data, dict) or not data.get("ok"):
        description = data.get("description") if isinstance(data, dict) else None
        reason = _plain(ValueError(description or f"HTTP {response.status_code}"), [token])
        return Check("telegram", False, f"the Bot API refused TELEGRAM_BOT_TOKEN: {reason}")
    return Check("telegram", True, f"token accepted: bot @{data['result'].get('username')}")


def _anthropic(settings: Settings) -> Check:
    if settings.anthropic_api_key is None:
        return Check("anthropic", True, "no ANTHROPIC_API_KEY: the rule-based generator serves")
    import anthropic

    client = anthropic.Anthropic(
        api_key=settings.anthropic_api_key.get_secret_value(), max_retries=0, timeout=TIMEOUT_S
    )
    try:
        client.models.retrieve(settings.anthropic_model)
    except anthropic.AuthenticationError:
        return Check("anthropic", False, "the API refused ANTHROPIC_API_KEY")
    except anthropic.NotFoundError:
        return Check(
            "anthropic", False, f"ANTHROPIC_MODEL {settings.anthropic_model!r} does not exist"
        )
    except anthropic.APIConnectionError:
        return Check("anthropic", False, f"cannot reach the API at {client.base_url}")
    except anthropic.APIStatusError as exc:
        return Check("anthropic", False, f"the API answered HTTP {exc.status_code}")
    except anthropic.APIError as exc:
        return Check("anthropic", False, f"the API did not answer well: {type(exc).__name__}")
    finally:
        client.close()
    return Check("anthropic", True, f"key accepted, model {settings.anthropic_model}")


CHECKS: tuple[Callable[[Settings], Check], ...] = (
    _config,
    _database,
    _redis,
    _telegram,
    _anthropic,
)


def run_checks(settings: Settings) -> list[Check]:
    """Every check, in order; none raises."""
    return [check(settings) for check in CHECKS]
