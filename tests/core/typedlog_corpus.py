"""The corpus of typed workout logs (typed_logs.txt) and how core.typedlog does on it; used
by tests/core/test_typedlog.py and ``python -m bench typed``."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from core.catalogue import load_catalogue
from core.domain import Units
from core.shorthand import Planned, SetDone
from core.typedlog import LogExercise, TypedLog, read_log

CORPUS = Path(__file__).with_name("typed_logs.txt")
NOT_A_LOG = "none"
ASK = "ask"
ALL = "all"


def _planned(sets: int, reps: int | None, high: int | None, weight: float | None) -> Planned:
    seconds = 45 if reps is None else None
    return Planned(sets, reps, seconds, weight, Units.KG, reps_high=high)


WORKOUT = (
    LogExercise("Barbell bench press", _planned(4, 6, 8, 60)),
    LogExercise("Barbell back squat", _planned(3, 5, None, 100)),
    LogExercise("Romanian deadlift", _planned(3, 8, 10, 70)),
    LogExercise("Pull-up", _planned(3, 6, 10, None)),
    LogExercise("Lateral raise", _planned(3, 12, 15, 8)),
    LogExercise("Plank", _planned(3, None, None, None)),
)
SHORT = {
    "bench": "Barbell bench press",
    "squat": "Barbell back squat",
    "rdl": "Romanian deadlift",
    "pullup": "Pull-up",
    "raise": "Lateral raise",
    "plank": "Plank",
}


@dataclass(frozen=True, slots=True)
class Case:
    kind: str
    text: str
    expected: str
    """"all", "ask", "none", or the canonical form of the entries (see ``canonical``)."""


def _set(s: SetDone) -> str:
    if s.duration_s is not None:
        return f"{s.duration_s}s"
    weight = "bw" if s.weight_kg is None else f"{round(s.weight_kg, 2):g}"
    return f"{weight}x{s.reps}"


def canonical(log: TypedLog | None) -> str:
    """A reading as the corpus writes it: all, ask, none, or name=sets ... (workout order)."""
    if log is None:
        return NOT_A_LOG
    if log.all_done:
        return ALL
    if not log.savable:
        return ASK
    short = {v: k for k, v in SHORT.items()}
    parts = []
    for name, sets in log.entries:
        key = short.get(name, name.replace(" ", "_"))
        parts.append(f"{key}={','.join(_set(s) for s in sets) or '-'}")
    return " ".join(parts)


def _expected(text: str) -> str:
    """The corpus's expectation with weights rounded like ``canonical``'s."""
    if text in (ALL, ASK, NOT_A_LOG):
        return text
    parts = []
    for part in text.split():
        name, _, sets = part.partition("=")
        shown = []
        for one in sets.split(","):
            weight, x, reps = one.partition("x")
            if x and weight != "bw":
                one = f"{round(float(weight), 2):g}x{reps}"
            shown.append(one)
        parts.append(f"{name}={','.join(shown)}")
    return " ".join(parts)


def load() -> list[Case]:
    """Every line of the corpus, with its group."""
    cases, kind = [], ""
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            kind = line[3:].strip()
        elif " => " in line and not line.startswith("#"):
            text, expected = line.rsplit(" => ", 1)
            cases.append(Case(kind, text, _expected(expected.strip())))
    return cases


def read(text: str) -> TypedLog | None:
    """One line read against the corpus's workout and the catalogue."""
    return read_log(text, WORKOUT, _CATALOGUE)


_CATALOGUE = tuple(e.name for e in load_catalogue().entries)


@dataclass(frozen=True, slots=True)
class Result:
    cases: int
    exact: int
    missed: list[tuple[str, str, str]]
    """(text, expected, got) of each miss."""
    misses: Counter[str]
    """Misses by group."""
    wrong_savable: list[tuple[str, str, str]]
    """Misses that would offer Save with the wrong sets (the user's confirmation is still
    asked; the corpus's bar is none)."""
    us_per_read: float

    @property
    def share(self) -> float:
        return self.exact / self.cases if self.cases else 0.0


def run() -> Result:
    """Read every line; exact when the canonical reading equals the expected one."""
    cases = load()
    missed, wrong = [], []
    misses: Counter[str] = Counter()
    start = time.perf_counter()
    got = [canonical(read(case.text)) for case in cases]
    elapsed = time.perf_counter() - start
    for case, reading in zip(cases, got, strict=True):
        if reading != case.expected:
            missed.append((case.text, case.expected, reading))
            misses[case.kind] += 1
            if reading not in (ASK, NOT_A_LOG):
                wrong.append((case.text, case.expected, reading))
    exact = len(cases) - len(missed)
    return Result(len(cases), exact, missed, misses, wrong, elapsed / len(cases) * 1e6)
