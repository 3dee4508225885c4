"""Fixtures for the fault tests: servers of the test's own, which it may stop and start
(tests/faults/servers.py; the shared servers are never stopped)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.servers import PrivatePostgres, PrivateRedis


@pytest.fixture
def private_pg(tmp_path: Path) -> Iterator[PrivatePostgres]:
    """A PostgreSQL cluster of the test's own, on a free port."""
    with PrivatePostgres(tmp_path) as server:
        yield server


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A redis-server of the test's own, without persistence, on a free port."""
    with PrivateRedis(tmp_path) as server:
        yield server
