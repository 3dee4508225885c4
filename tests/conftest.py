"""Shared fixtures: a throw-away PostgreSQL database and a clean Redis database per run.

The servers are required: a missing PostgreSQL or Redis fails the run (CI starts them,
see .ci/run). Override the servers with FLEXFLOW_TEST_PG (a server URL, database part
ignored) and FLEXFLOW_TEST_REDIS.
"""

from __future__ import annotations

import itertools
import os
import random
import uuid
from collections.abc import Iterator

import psycopg
import pytest
import redis

pytest_plugins = ["tests.fakes.bot_api", "tests.fakes.messages_api", "tests.plugins.app"]

PG_SERVER = os.environ.get("FLEXFLOW_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_SERVER = os.environ.get("FLEXFLOW_TEST_REDIS", "redis://127.0.0.1:6379")


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The PostgreSQL server URL (libpq form); fails the test if it is down."""
    try:
        with psycopg.connect(PG_SERVER, connect_timeout=5):
            pass
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is required for this test and is not reachable: {exc}")
    return PG_SERVER


def _create_database(server: str) -> str:
    name = f"flexflow_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def _drop_database(server: str, name: str) -> None:
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _sqlalchemy_url(server: str, database: str) -> str:
    base = server.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{database}"


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, as a SQLAlchemy URL; dropped after."""
    name = _create_database(pg_server)
    try:
        yield _sqlalchemy_url(pg_server, name)
    finally:
        _drop_database(pg_server, name)


_REDIS_DBS = itertools.cycle(random.sample(range(1, 15), 14))
"""Databases 1-14 in a random order (15 is the benchmarks'): tests of one run never share one."""


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database of its own, emptied before and after the test."""
    url = f"{REDIS_SERVER.rstrip('/')}/{next(_REDIS_DBS)}"
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is required for this test and is not reachable: {exc}")
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


@pytest.fixture(scope="session", autouse=True)
def test_process_broker() -> None:
    """The test process's composition root: an in-process stub broker with every actor,
    so that anything enqueued without a worker of its own goes nowhere, as it would have
    on an idle queue. Tests that need Redis or a worker set up their own (and restore it)."""
    import jobs

    jobs.setup_broker(None)
