"""`flexflow generate` as a newcomer runs it: a clean environment, the embedded defaults."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

FLEXFLOW = [sys.executable, "-m", "flexflow.cli"]


def run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {"PATH": os.environ["PATH"], "HOME": str(cwd), "LANG": "C.UTF-8"}
    clean.update(env or {})
    return subprocess.run(
        [*FLEXFLOW, *args], cwd=cwd, env=clean, capture_output=True, text=True, timeout=120
    )


def test_generate_on_embedded_defaults_prints_a_workout(tmp_path: Path) -> None:
    result = run(
        [
            "generate",
            "--coach",
            "MAX",
            "--type",
            "strength",
            "--duration",
            "45",
            "--equipment",
            "dumbbells,barbell",
        ],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "MAX" in out
    assert "45" in out
    assert "<b>" not in out  # terminal text, not HTML
    assert (tmp_path / "flexflow.db").exists()  # the embedded SQLite default was used


def test_generate_json_is_the_stored_plan(tmp_path: Path) -> None:
    result = run(
        ["generate", "--coach", "zara", "--type", "hiit", "--duration", "20", "--json"], tmp_path
    )
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["coach"] == "ZARA"
    assert plan["source"] == "rule_based"  # no ANTHROPIC_API_KEY in a clean environment
    assert abs(plan["estimated_minutes"] - 20) <= 2
    equipment = {e for ex in plan["workout"]["exercises"] for e in ex["equipment"]}
    assert equipment <= {"bodyweight"}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--coach", "BOB"], "MAX, SAGE, KAI, ZARA, ACE, NOVA, BLAZE, RILEY, MARCO"),
        (["--type", "zumba"], "strength, bodyweight, flexibility, mobility, cardio, hiit"),
        (["--duration", "5"], "10 to 180"),
        (["--duration", "45.5"], "10 to 180"),
        (["--equipment", "dumbbells,spaceship"], "pull_up_bar"),
    ],
)
def test_bad_arguments_exit_nonzero_with_one_clear_line(
    tmp_path: Path, args: list[str], expected: str
) -> None:
    result = run(["generate", *args], tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert not (tmp_path / "flexflow.db").exists()  # nothing was written


def test_worker_without_redis_says_what_is_missing(tmp_path: Path) -> None:
    result = run(["worker"], tmp_path)
    assert result.returncode == 2
    assert "REDIS_URL" in result.stderr


def test_bot_without_token_exits_with_a_clear_line(tmp_path: Path) -> None:
    result = run(["bot"], tmp_path)
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr.strip().splitlines()[-1]


def test_demo_user_twice_is_safe(tmp_path: Path) -> None:
    first = run(["demo-user"], tmp_path)
    second = run(["demo-user"], tmp_path)
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert "550e8400-e29b-41d4-a716-446655440000" in second.stdout


def test_doctor_names_what_is_wrong(tmp_path: Path) -> None:
    result = run(
        ["doctor"],
        tmp_path,
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'not-migrated.db'}",
            "REDIS_URL": "redis://127.0.0.1:1/0",
        },
    )
    assert result.returncode == 1
    report = result.stdout
    assert "not migrated" in report
    assert "Redis does not answer" in report
    assert "TELEGRAM_BOT_TOKEN is not set" in report
    assert "rule-based generator serves" in report
