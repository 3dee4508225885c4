"""The use cases run on the same migrated PostgreSQL database as the db tests."""

from __future__ import annotations

from tests.db.conftest import migrated_engine, seed, sessions

__all__ = ["migrated_engine", "seed", "sessions"]
