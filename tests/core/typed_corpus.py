"""The corpus of typed workout requests (typed_requests.txt) and how the parser does on it;
used by tests/core/test_intent.py and ``python -m bench typed``."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from core.domain import Equipment, WorkoutType, with_bodyweight
from core.intent import Intent, parse_request

CORPUS = Path(__file__).with_name("typed_requests.txt")
NONSENSE = "nonsense"


@dataclass(frozen=True, slots=True)
class Case:
    kind: str
    text: str
    expected: Intent


def _intent(fields: str) -> Intent:
    values: dict[str, object] = {}
    for field in fields.split():
        name, _, value = field.partition("=")
        if name == "none":
            continue
        if name == "same":
            values["same_as_last"] = True
        elif name == "coach":
            values["coach"] = value
        elif name == "type":
            values["workout_type"] = WorkoutType(value)
        elif name == "min":
            values["duration_min"] = int(value)
        elif name == "eq":
            items = () if value == "none" else value.split("+")
            values["equipment"] = with_bodyweight(Equipment(i) for i in items)
        else:
            raise ValueError(f"unknown field {field!r} in {CORPUS.name}")
    return Intent(**values)  # type: ignore[arg-type]  # the names are Intent's fields


def load() -> list[Case]:
    """Every line of the corpus, with its group."""
    cases, kind = [], ""
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            kind = line[3:].strip()
        elif " => " in line and not line.startswith("#"):
            text, fields = line.rsplit(" => ", 1)
            cases.append(Case(kind, text, _intent(fields)))
    return cases


@dataclass(frozen=True, slots=True)
class Result:
    cases: int
    exact: int
    misses: dict[str, int]
    """Misses per group."""
    wrong_fields: dict[str, int]
    """Misses per field: how often each field was wrong (missing, extra or different)."""
    nonsense_with_fields: list[str]
    """Nonsense lines the parser found a field in (should be none)."""
    missed: list[tuple[str, Intent, Intent]]
    """Each miss: the text, what was expected, what came."""
    us_per_parse: float

    @property
    def share(self) -> float:
        return self.exact / self.cases


def run(cases: list[Case] | None = None) -> Result:
    """Parse every line; compare every field."""
    cases = load() if cases is None else cases
    misses: Counter[str] = Counter()
    fields: Counter[str] = Counter()
    nonsense: list[str] = []
    missed: list[tuple[str, Intent, Intent]] = []
    start = time.perf_counter()
    got = [parse_request(case.text) for case in cases]
    elapsed = time.perf_counter() - start
    for case, intent in zip(cases, got, strict=True):
        if case.kind == NONSENSE and not intent.empty:
            nonsense.append(case.text)
        if intent != case.expected:
            misses[case.kind] += 1
            missed.append((case.text, case.expected, intent))
            for name in ("coach", "workout_type", "duration_min", "equipment", "same_as_last"):
                if getattr(intent, name) != getattr(case.expected, name):
                    fields[name] += 1
    return Result(
        cases=len(cases),
        exact=len(cases) - sum(misses.values()),
        misses=dict(misses),
        wrong_fields=dict(fields),
        nonsense_with_fields=nonsense,
        missed=missed,
        us_per_parse=elapsed / max(1, len(cases)) * 1e6,
    )
