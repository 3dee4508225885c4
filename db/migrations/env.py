"""Alembic environment: the URL comes from db.migrate (``config.attributes["url"]``).

On PostgreSQL the run holds an advisory lock, so two processes migrating at once (a
release step and a worker booting) take turns instead of racing to create the tables.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from db.migrate import MIGRATION_LOCK
from db.models import Base
from db.session import create_db_engine


def _url() -> str:
    url = context.config.attributes.get("url") or context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: run migrations through db.migrate.upgrade(url)")
    return str(url)


def run_migrations_online() -> None:
    """Run the pending revisions on one connection, in one transaction."""
    engine = create_db_engine(_url())
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
            )
            with context.begin_transaction():
                if connection.dialect.name == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                    )
                context.run_migrations()
    finally:
        engine.dispose()


run_migrations_online()
