"""FLEXFLOW_PICTURE_URL: where the exercises' pictures are hosted."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from adapters.settings import DEFAULT_PICTURE_URL, Settings


def settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    monkeypatch.delenv("FLEXFLOW_PICTURE_URL", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)


def test_default_is_the_data_sets_hosted_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    url = settings(monkeypatch).flexflow_picture_url
    assert url == DEFAULT_PICTURE_URL
    assert url == "https://raw.githubusercontent.com/yuhonas/free-exercise-db/main/exercises/"


def test_a_mirror_gets_its_slash(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings(monkeypatch, FLEXFLOW_PICTURE_URL="https://cdn.example.com/exercises")
    assert s.flexflow_picture_url == "https://cdn.example.com/exercises/"


@pytest.mark.parametrize("bad", ["cdn.example.com/x", "ftp://example.com/x/", "https://a b/", ""])
def test_not_a_url(monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    with pytest.raises(ValidationError, match="FLEXFLOW_PICTURE_URL"):
        settings(monkeypatch, FLEXFLOW_PICTURE_URL=bad)
