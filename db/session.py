"""Engines and sessions, per SQLAlchemy's advice: the session lives outside the queries.

One ``with sessions.begin() as session:`` per unit of work (one bot update, one step of an
actor); query functions take the session; a session is never shared across threads.

SQLite (the embedded default) gets foreign keys, WAL, a busy timeout, and transactions
that start with ``BEGIN IMMEDIATE``: SQLite has one writer at a time, so taking the write
lock at the start serializes read-then-write units of work the way ``SELECT ... FOR
UPDATE`` does on PostgreSQL, and a reader can never fail later when it starts writing.
The pysqlite driver's own transaction handling is switched off (SQLAlchemy's documented
recipe), which also makes SAVEPOINTs work.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["SQLITE_BUSY_TIMEOUT_S", "create_db_engine", "session_factory"]

SQLITE_BUSY_TIMEOUT_S = 30
"""How long a SQLite transaction waits for the write lock before giving up."""


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, see _sqlite_begin
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_db_engine(url: str) -> Engine:
    """An engine for ``url`` that checks connections before use (survives a restart)."""
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            pool_pre_ping=True,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S},
        )
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine``; loaded objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)
