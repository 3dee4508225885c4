"""A worker process's threads: a fixed default whatever the AI slots (an AI call in flight
holds no thread: it is parked), or what the operator sets."""

from __future__ import annotations

import pytest

from adapters.settings import WORKER_THREADS, Settings


def settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name in ("FLEXFLOW_AI_CONCURRENCY", "FLEXFLOW_WORKER_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)


def test_by_default_a_worker_has_a_fixed_number_of_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert settings(monkeypatch).worker_threads == WORKER_THREADS
    assert settings(monkeypatch, FLEXFLOW_AI_CONCURRENCY="500").worker_threads == WORKER_THREADS


def test_the_operators_thread_count_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings(monkeypatch, FLEXFLOW_AI_CONCURRENCY="500", FLEXFLOW_WORKER_THREADS="16")
    assert s.worker_threads == 16
