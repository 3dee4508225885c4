from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from db.migrate import upgrade
from db.session import create_db_engine, session_factory


@pytest.fixture
def sessions(pg_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on a freshly migrated PostgreSQL database."""
    upgrade(pg_url)
    engine = create_db_engine(pg_url)
    yield session_factory(engine)
    engine.dispose()
