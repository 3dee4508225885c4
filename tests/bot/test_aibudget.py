"""The per-user allowance of AI-read messages (bot.aibudget)."""

from __future__ import annotations

from bot.aibudget import AIBudget


def test_each_user_gets_their_own_allowance_in_a_sliding_window() -> None:
    now = [0.0]
    budget = AIBudget(2, window=100.0, clock=lambda: now[0])
    assert [budget.take(1), budget.take(1), budget.take(1)] == [True, True, False]
    assert budget.take(2)  # another user's allowance is their own
    now[0] = 99.0
    assert not budget.take(1)
    now[0] = 100.0  # both readings (at 0) left the window
    assert [budget.take(1), budget.take(1), budget.take(1)] == [True, True, False]


def test_zero_means_the_rules_always() -> None:
    assert not AIBudget(0).take(1)
