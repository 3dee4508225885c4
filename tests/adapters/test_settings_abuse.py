"""The abuse settings: limits' defaults and FLEXFLOW_ALLOWED_USERS as an operator types it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from adapters.settings import Settings


def settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name in ("FLEXFLOW_ALLOWED_USERS", "FLEXFLOW_GENERATIONS_PER_HOUR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("FLEXFLOW_USER_UPDATES_PER_MINUTE", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings(monkeypatch)
    assert s.flexflow_generations_per_hour == 10
    assert s.flexflow_user_updates_per_minute == 30
    assert s.flexflow_allowed_users == frozenset()


@pytest.mark.parametrize(
    ("raw", "ids"),
    [
        ("1,2 3", {1, 2, 3}),
        (" 42 ", {42}),
        ("7,\n8;  9,", {7, 8, 9}),
        ("5,5", {5}),
        ("12345678901", {12345678901}),
        ("", set()),
    ],
)
def test_allowed_users_parse(monkeypatch: pytest.MonkeyPatch, raw: str, ids: set[int]) -> None:
    assert settings(monkeypatch, FLEXFLOW_ALLOWED_USERS=raw).flexflow_allowed_users == ids


@pytest.mark.parametrize("raw", ["1,abc", "-5", "1.5", "@sam"])
def test_bad_allowed_users_name_the_setting(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    with pytest.raises(ValidationError, match="FLEXFLOW_ALLOWED_USERS must be Telegram user ids"):
        settings(monkeypatch, FLEXFLOW_ALLOWED_USERS=raw)


@pytest.mark.parametrize(
    ("name", "value"),
    [("FLEXFLOW_GENERATIONS_PER_HOUR", "-1"), ("FLEXFLOW_USER_UPDATES_PER_MINUTE", "-3")],
)
def test_negative_limits_are_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    with pytest.raises(ValidationError):
        settings(monkeypatch, **{name: value})


def test_zero_turns_a_limit_off(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings(
        monkeypatch, FLEXFLOW_GENERATIONS_PER_HOUR="0", FLEXFLOW_USER_UPDATES_PER_MINUTE="0"
    )
    assert (s.flexflow_generations_per_hour, s.flexflow_user_updates_per_minute) == (0, 0)
