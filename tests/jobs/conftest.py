"""The send budget's test fixtures: each test runs on a real Redis and in-process."""

from __future__ import annotations

import pytest

from adapters.sendbudget import SendLimiter


@pytest.fixture(params=["redis", "in-process"])
def limiter(request: pytest.FixtureRequest, redis_url: str) -> SendLimiter:
    return SendLimiter(redis_url if request.param == "redis" else None)


@pytest.fixture(params=["redis", "in-process"])
def two_workers(request: pytest.FixtureRequest, redis_url: str) -> list[SendLimiter]:
    """Two processes' limiters sharing Redis; in-process, one process's limiter twice."""
    if request.param == "redis":
        return [SendLimiter(redis_url), SendLimiter(redis_url)]
    alone = SendLimiter(None)
    return [alone, alone]
