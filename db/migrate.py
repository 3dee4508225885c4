"""Alembic, driven from code: ``upgrade(url)`` and ``is_at_head(url)``.

The configuration is built here rather than read from an ``alembic.ini``, and the scripts
are found next to this file, so this works from any working directory and from an
installed package.
"""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from db.session import create_db_engine

__all__ = [
    "MIGRATIONS",
    "MIGRATION_LOCK",
    "alembic_config",
    "current_revision",
    "head_revision",
    "is_at_head",
    "upgrade",
]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 0x666C6578
"""PostgreSQL advisory lock key held while migrating ("flex"; no other code uses it)."""
_ALEMBIC = threading.Lock()
"""Alembic keeps its running context in module globals: one migration per process at a time.
Across processes, PostgreSQL's advisory lock (db/migrations/env.py) takes over."""


def alembic_config(url: str) -> Config:
    """An Alembic configuration for the database at ``url``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = url
    return config


def upgrade(url: str) -> None:
    """Migrate the database at ``url`` to the newest revision."""
    with _ALEMBIC:
        command.upgrade(alembic_config(url), "head")


def head_revision() -> str | None:
    """The newest revision in this package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def current_revision(url: str) -> str | None:
    """The revision the database at ``url`` is at; None when it was never migrated."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def is_at_head(url: str) -> bool:
    """True when the database at ``url`` is at the newest revision."""
    return current_revision(url) == head_revision()
