"""The use cases run on the same migrated PostgreSQL database as the db tests."""

from __future__ import annotations

from tests.db.conftest import make_request, make_user, make_workout, migrated_engine, sessions

__all__ = ["make_request", "make_user", "make_workout", "migrated_engine", "sessions"]
