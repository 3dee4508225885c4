"""flexflow_ai_repairs_total counts each repair of an AI answer by kind."""

from __future__ import annotations

from prometheus_client import REGISTRY

from adapters.metrics import record_attempts
from core.pipeline import AIAttempt
from core.repair import Repair


def count(kind: str) -> float:
    return REGISTRY.get_sample_value("flexflow_ai_repairs_total", {"kind": kind}) or 0.0


def test_each_repair_is_counted_by_kind() -> None:
    before = {kind: count(kind) for kind in ("gear", "duration", "weight")}
    attempt = AIAttempt(
        model="m",
        latency_ms=1,
        outcome="ok",
        repairs=(Repair("gear", "a"), Repair("gear", "b"), Repair("duration", "c")),
    )
    record_attempts([attempt, AIAttempt(model="m", latency_ms=1, outcome="error")])
    assert count("gear") - before["gear"] == 2
    assert count("duration") - before["duration"] == 1
    assert count("weight") == before["weight"]
