"""The per-user update throttle (bot.throttle) on a clock the test moves by hand."""

from __future__ import annotations

import pytest

from bot.throttle import NOTICE_WINDOW, UpdateThrottle, Verdict


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_passes_up_to_the_limit_then_one_warning_then_silence() -> None:
    clock = Clock()
    throttle = UpdateThrottle(5, clock=clock)
    verdicts = [throttle.check(1) for _ in range(9)]
    assert verdicts == [Verdict.ALLOW] * 5 + [Verdict.WARN] + [Verdict.DROP] * 3


def test_tokens_come_back_at_the_rate() -> None:
    clock = Clock()
    throttle = UpdateThrottle(6, clock=clock)  # one token every 10 s
    for _ in range(6):
        assert throttle.check(1) is Verdict.ALLOW
    assert throttle.check(1) is Verdict.WARN
    clock.now += 9.9
    assert throttle.check(1) is Verdict.DROP
    clock.now += 0.2
    assert throttle.check(1) is Verdict.ALLOW
    assert throttle.check(1) is Verdict.DROP
    clock.now += 600  # a long pause refills the bucket, never beyond the limit
    assert [throttle.check(1) for _ in range(7)] == [Verdict.ALLOW] * 6 + [Verdict.WARN]


def test_one_notice_per_window() -> None:
    clock = Clock()
    throttle = UpdateThrottle(2, clock=clock)  # one token every 30 s
    assert [throttle.check(1) for _ in range(3)] == [Verdict.ALLOW, Verdict.ALLOW, Verdict.WARN]
    clock.now += 31
    assert throttle.check(1) is Verdict.ALLOW
    assert throttle.check(1) is Verdict.DROP  # 31 s after the notice: silent
    clock.now += NOTICE_WINDOW - 30  # 30 s more: a token back, and 61 s since the notice
    assert throttle.check(1) is Verdict.ALLOW
    assert throttle.check(1) is Verdict.WARN  # a new window: one new notice


def test_users_have_their_own_buckets() -> None:
    throttle = UpdateThrottle(2, clock=Clock())
    assert [throttle.check(1) for _ in range(3)] == [Verdict.ALLOW, Verdict.ALLOW, Verdict.WARN]
    assert [throttle.check(2) for _ in range(2)] == [Verdict.ALLOW, Verdict.ALLOW]


def test_idle_users_are_forgotten() -> None:
    clock = Clock()
    throttle = UpdateThrottle(3, clock=clock, prune_above=100)
    for uid in range(100):
        throttle.check(uid)
    assert len(throttle) == 100
    clock.now += 61
    throttle.check(1000)
    assert len(throttle) == 1


def test_busy_users_are_kept_and_the_table_grows() -> None:
    clock = Clock()
    throttle = UpdateThrottle(3, clock=clock, prune_above=10)
    for uid in range(25):
        throttle.check(uid)
    assert len(throttle) == 25  # nobody idle: nobody's bucket (and limit) is forgotten


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        UpdateThrottle(0)
