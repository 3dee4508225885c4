"""``flexflow doctor``: check every dependency and say what is wrong in plain words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.settings import Settings

__all__ = ["Check", "run_checks"]


@dataclass(frozen=True, slots=True)
class Check:
    """One line of the report."""

    name: str
    ok: bool
    detail: str


def _database(settings: Settings) -> Check:
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from db.migrate import is_at_head
    from db.session import create_db_engine

    engine = create_db_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            connection.execute(text("select 1"))
    except SQLAlchemyError as exc:
        return Check("database", False, f"cannot connect: {type(exc).__name__}")
    finally:
        engine.dispose()
    if not is_at_head(settings.database_url):
        return Check("database", False, "reachable but not migrated: run `flexflow db upgrade`")
    return Check("database", True, "reachable and migrated")


def _redis(settings: Settings) -> Check:
    if not settings.redis_url:
        return Check("redis", True, "not configured: the worker runs inside the bot (embedded)")
    import redis

    try:
        redis.Redis.from_url(settings.redis_url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        return Check("redis", False, f"REDIS_URL is set but Redis does not answer: {exc}")
    return Check("redis", True, "answers")


def _telegram(settings: Settings) -> Check:
    if settings.telegram_bot_token is None:
        return Check("telegram", False, "TELEGRAM_BOT_TOKEN is not set: the bot cannot start")
    import httpx

    token = settings.telegram_bot_token.get_secret_value()
    try:
        response = httpx.get(f"{settings.telegram_api_url}/bot{token}/getMe", timeout=10)
        data = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        return Check("telegram", False, f"the Bot API did not answer: {type(exc).__name__}")
    if not data.get("ok"):
        return Check("telegram", False, f"the Bot API refused the token: {data.get('description')}")
    return Check("telegram", True, f"bot @{data['result'].get('username')}")


def _anthropic(settings: Settings) -> Check:
    if settings.anthropic_api_key is None:
        return Check("anthropic", True, "no ANTHROPIC_API_KEY: the rule-based generator serves")
    import anthropic

    client = anthropic.Anthropic(
        api_key=settings.anthropic_api_key.get_secret_value(), max_retries=0, timeout=15
    )
    try:
        client.models.retrieve(settings.anthropic_model)
    except anthropic.AuthenticationError:
        return Check("anthropic", False, "the API key was refused")
    except anthropic.NotFoundError:
        return Check("anthropic", False, f"model {settings.anthropic_model!r} does not exist")
    except anthropic.APIError as exc:
        return Check("anthropic", False, f"the API did not answer well: {type(exc).__name__}")
    finally:
        client.close()
    return Check("anthropic", True, f"key accepted, model {settings.anthropic_model}")


CHECKS: tuple[Callable[[Settings], Check], ...] = (_database, _redis, _telegram, _anthropic)


def run_checks(settings: Settings) -> list[Check]:
    """Every check, in order; none raises."""
    return [check(settings) for check in CHECKS]
