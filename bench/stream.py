"""Benchmark 7: the AI stage streamed, stalls, and answers repaired.

- Streaming: users tap Generate one after another (each alone in the system) while the fake
  AI writes at 80 tokens a second; from the fake's own clocks: when the AI finished writing
  the first exercise (its closing brace went out), when the chat first showed it (the first
  frame: an edit of the placeholder), when the
  whole workout arrived; and what it cost: frames shown and dropped, Bot API calls and send
  budget slots per workout. (Frames as a private chat's draft, ``sendMessageDraft``, were
  measured against these edits at commit ad5343d; the README says why edits stayed.)
- A burst: many users tap Generate at once, an AI slot each, so that the shared send budget
  is contended: when the workouts arrive, and how many frames gave way.
- Stalls: the AI goes silent half-way through its answer (ANTHROPIC_STALL_S at its
  default of 15 s), and an AI that never answers (the first-byte limit, 10 s): Generate to
  workout.
- Repair: random valid workouts broken in the ways a coach fixes (gear, level, sets, rests
  off the grid, weights without loads or units, blocks too long, duplicates, the duration
  25-60% off), with the share of them the repair makes valid; in process, no servers.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import time
from collections import Counter
from dataclasses import dataclass

from bench.system import System
from tests.fakes.bot_api import SEND_METHODS, FakeBotAPI, FakeUser
from tests.fakes.messages_api import FakeMessagesAPI, hang, stall

__all__ = [
    "Burst",
    "RepairShare",
    "Stalls",
    "Streamed",
    "burst",
    "repair_share",
    "stalls",
    "streamed",
]

TOKENS_PER_SECOND = 80.0


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _edits(fake: FakeBotAPI, chat_id: int, after: float) -> list[float]:
    return [
        c.at
        for c in fake.calls("editMessageText")
        if c.chat_id == chat_id and c.at > after and c.status == 200
    ]


def _delivered(user: FakeUser) -> bool:
    return any("New workout" in b for m in user.messages for b in m.buttons)


def _first_exercise_written(fake: FakeMessagesAPI, index: int) -> float:
    """When the ``index``-th streamed answer's first exercise was written whole."""
    text, progress = fake.written[index]
    data = json.loads(text)
    first = json.dumps(data["exercises"][0])
    end = text.index(first) + len(first)
    return next(at for at, sent in progress if sent >= end)


_FRAMES_LOGGED = re.compile(r"request \d+: (\d+) frame\(s\) shown, (\d+) dropped")


@dataclass(frozen=True, slots=True)
class Streamed:
    n: int
    first_written_p50_s: float
    """Generate to the AI having written the first exercise."""
    first_shown_p50_s: float
    """Generate to the first exercise in the chat."""
    lag_p50_s: float
    lag_max_s: float
    """The first exercise in the chat after the AI wrote it."""
    whole_p50_s: float
    """Generate to the whole workout in the chat."""
    written_p50_s: float
    """Generate to the AI's last character."""
    frames_p50: float
    """Frames per request."""
    frames_shown: int
    frames_dropped: int
    """Over every request, as the worker logged them (dropped: the interval or the budget)."""
    min_frame_gap_s: float
    """The shortest time between two frames of one request (the workout's own message left
    out: a real message, which may follow a frame at once)."""
    calls_p50: float
    """Bot API calls in the chat per workout, from Generate on: the placeholder's edit, the
    frames, the workout."""
    budget_p50: float
    """Of them, the calls that take a slot of the send budget (SEND_METHODS: all, today)."""
    real_p50: float
    """Of them, the real messages (the placeholder, the workout): not frames."""
    telegram_errors: int


def streamed(n: int = 12) -> Streamed:
    """The streaming figures over ``n`` requests, one at a time."""
    with System(workers=1, threads=8, ai=True, ai_tokens_per_second=TOKENS_PER_SECOND) as system:
        fake = system.telegram
        users = system.ready_users(30_000, n)
        first_written: list[float] = []
        first_shown: list[float] = []
        lags: list[float] = []
        whole: list[float] = []
        written: list[float] = []
        frames: list[float] = []
        gaps: list[float] = []
        calls: list[float] = []
        budget: list[float] = []
        real: list[float] = []
        for number, user in enumerate(users):
            query_id = user.press("Generate")
            pressed = time.monotonic()
            while not _delivered(user):
                if time.monotonic() - pressed > 90:
                    raise RuntimeError(f"user {user.chat_id} got no workout; see {system.logs}")
                time.sleep(0.01)
            handed = fake.query_handed_at(query_id) or pressed
            mine = [c for c in fake.calls() if c.chat_id == user.chat_id and c.at > pressed]
            edits = _edits(fake, user.chat_id, pressed)  # placeholder, frames, workout
            shown = edits[1:-1]
            if not shown:
                raise RuntimeError(f"user {user.chat_id} saw no frame; see {system.logs}")
            wrote = _first_exercise_written(system.anthropic, number)
            first_written.append(wrote - handed)
            first_shown.append(shown[0] - handed)
            lags.append(shown[0] - wrote)
            whole.append(edits[-1] - handed)
            written.append(system.anthropic.written[number][1][-1][0] - handed)
            frames.append(float(len(shown)))
            gaps += [b - a for a, b in itertools.pairwise(shown)]
            calls.append(float(len(mine)))
            budget.append(float(sum(c.method in SEND_METHODS for c in mine)))
            real.append(float(sum(c.method in SEND_METHODS for c in mine) - len(shown)))
        logged = _FRAMES_LOGGED.findall((system.logs / "worker0.log").read_text(errors="replace"))
        return Streamed(
            n=n,
            first_written_p50_s=_pct(first_written, 50),
            first_shown_p50_s=_pct(first_shown, 50),
            lag_p50_s=_pct(lags, 50),
            lag_max_s=max(lags),
            whole_p50_s=_pct(whole, 50),
            written_p50_s=_pct(written, 50),
            frames_p50=_pct(frames, 50),
            frames_shown=sum(int(shown) for shown, _ in logged),
            frames_dropped=sum(int(dropped) for _, dropped in logged),
            min_frame_gap_s=min(gaps),
            calls_p50=_pct(calls, 50),
            budget_p50=_pct(budget, 50),
            real_p50=_pct(real, 50),
            telegram_errors=len(fake.errors()),
        )


@dataclass(frozen=True, slots=True)
class Burst:
    users: int
    whole_p50_s: float
    whole_max_s: float
    """Generate to the whole workout in the chat (the last one: the burst's end)."""
    frames_shown: int
    frames_dropped: int
    budget_slots: int
    """Send-budget slots the run took in the users' chats (frames and real messages)."""
    real_messages: int
    """Of them, real messages: the placeholders, the workouts."""
    max_sends_in_any_second: int
    telegram_errors: int


def burst(users: int = 60) -> Burst:
    """``users`` tap Generate at once, the fake AI writing each answer at 80 tokens a second
    with an AI slot for each: the shared send budget is contended, frames give way."""
    with System(
        workers=1,
        threads=32,
        ai=True,
        ai_tokens_per_second=TOKENS_PER_SECOND,
        ai_concurrency=users,
    ) as system:
        fake = system.telegram
        ready = system.ready_users(32_000, users)
        start = time.monotonic()
        queries = [(user, user.press("Generate")) for user in ready]
        whole: list[float] = []
        for user in ready:
            while not _delivered(user):
                if time.monotonic() - start > 180:
                    raise RuntimeError(f"user {user.chat_id} got no workout; see {system.logs}")
                time.sleep(0.02)
        chats = {user.chat_id for user in ready}
        mine = [c for c in fake.calls() if c.chat_id in chats and c.at > start]
        for user, query_id in queries:
            handed = fake.query_handed_at(query_id) or start
            whole.append(_edits(fake, user.chat_id, start)[-1] - handed)  # the workout's edit
        logged = _FRAMES_LOGGED.findall((system.logs / "worker0.log").read_text(errors="replace"))
        shown = sum(int(n) for n, _ in logged)
        slots = sum(c.method in SEND_METHODS for c in mine)
        return Burst(
            users=users,
            whole_p50_s=_pct(whole, 50),
            whole_max_s=max(whole),
            frames_shown=shown,
            frames_dropped=sum(int(n) for _, n in logged),
            budget_slots=slots,
            real_messages=slots - shown,
            max_sends_in_any_second=fake.max_sends_in_any_second(),
            telegram_errors=len(fake.errors()),
        )


@dataclass(frozen=True, slots=True)
class Stalls:
    silent_mid_answer_s: float
    silent_after_s: float
    """Generate to the stalled answer's last character before the silence."""
    never_answers_s: float
    reasons: tuple[str, ...]


def stalls() -> Stalls:
    """Generate to workout with an AI that stalls half-way, and one that never answers."""
    with System(workers=1, threads=8, ai=True, ai_tokens_per_second=TOKENS_PER_SECOND) as system:
        times = []
        silent_after = 0.0
        for number, reply in enumerate((stall(600, at=0.5), hang(600))):
            user = system.ready_user(31_000 + number)
            system.anthropic.script(reply)
            query_id = user.press("Generate")
            pressed = time.monotonic()
            while not _delivered(user):
                if time.monotonic() - pressed > 120:
                    raise RuntimeError(f"user {user.chat_id} got no workout; see {system.logs}")
                time.sleep(0.02)
            handed = system.telegram.query_handed_at(query_id) or pressed
            times.append(_edits(system.telegram, user.chat_id, pressed)[-1] - handed)
            if number == 0:
                silent_after = system.anthropic.written[0][1][-1][0] - handed
        log = (system.logs / "worker0.log").read_text(errors="replace")
        reasons = tuple(
            line.split("generated (fallback, ", 1)[1].split("): ", 1)[-1].split(" [")[0]
            for line in log.splitlines()
            if "generated (fallback, " in line
        )
    return Stalls(times[0], silent_after, times[1], reasons)


@dataclass(frozen=True, slots=True)
class RepairShare:
    answers: int
    kept: int
    by_break: dict[str, tuple[int, int]]
    """Per kind of break: (answers with it, of them kept)."""
    repairs: Counter[str]
    ms_p50: float


BREAKS = ("gear", "level", "sets", "rest", "noload", "nounit", "unit", "blocks", "dup", "long",
          "short")  # fmt: skip


def repair_share(n: int = 1000, seed: int = 13) -> RepairShare:
    """``n`` valid answers, each broken in 1-3 ways a coach fixes: the share made valid."""
    from core.catalogue import load_catalogue
    from core.domain import Equipment, FitnessLevel, Units, WorkoutType
    from core.models import Block, Profile, WorkoutRequest
    from core.repair import repair_workout
    from core.rulebased import generate_rule_based
    from core.validation import validate_workout

    rng = random.Random(seed)
    catalogue = load_catalogue()
    gear_sets = [
        frozenset({Equipment.DUMBBELLS, Equipment.BENCH}),
        frozenset({Equipment.BARBELL, Equipment.BENCH, Equipment.DUMBBELLS}),
        frozenset({Equipment.KETTLEBELL}),
        frozenset({Equipment.BODYWEIGHT}),
        frozenset({Equipment.RESISTANCE_BANDS, Equipment.PULL_UP_BAR}),
    ]
    hard = [e for e in catalogue.entries if e.level is FitnessLevel.ADVANCED]
    kept = 0
    by_break: dict[str, list[int]] = {b: [0, 0] for b in BREAKS}
    repairs: Counter[str] = Counter()
    times: list[float] = []
    for _ in range(n):
        gear = rng.choice(gear_sets)
        units = rng.choice(list(Units))
        request = WorkoutRequest(
            coach=rng.choice(["MAX", "SAGE", "KAI", "ZARA", "ACE", "NOVA", "BLAZE"]),
            workout_type=rng.choice(
                [WorkoutType.STRENGTH, WorkoutType.BODYWEIGHT, WorkoutType.HIIT]
            ),
            duration_min=rng.choice([20, 30, 45, 60, 75, 90]),
            equipment=gear,
            profile=Profile(equipment=gear, level=rng.choice(list(FitnessLevel)), units=units),
        )
        workout = generate_rule_based(request, rng)
        chosen = rng.sample(BREAKS, rng.randint(1, 3))
        for what in chosen:
            exercises = list(workout.exercises)
            i = rng.randrange(len(exercises))
            ex = exercises[i]
            if what == "gear":
                lacking = [Equipment.BARBELL, Equipment.MACHINES]
                ex = ex.model_copy(update={"name": "Barbell back squat", "equipment": lacking})
            elif what == "level" and request.profile.level is not FitnessLevel.ADVANCED:
                entry = rng.choice([e for e in hard if e.equipment <= gear | {Equipment.BODYWEIGHT}]
                                   or hard)  # fmt: skip
                ex = ex.model_copy(
                    update={"name": entry.name, "equipment": sorted(entry.equipment)}
                )
            elif what == "sets":
                ex = ex.model_copy(update={"sets": rng.choice([0, 11, 15])})
            elif what == "rest":
                ex = ex.model_copy(update={"rest_seconds": rng.choice([7, 50, 100, 140, 420])})
            elif what == "noload" and ex.weighted:
                ex = ex.model_copy(update={"target_weight": None})
            elif what == "nounit" and ex.weighted:
                ex = ex.model_copy(update={"weight_unit": None})
            elif what == "unit" and ex.weighted and ex.target_weight:
                other = Units.LB if units is Units.KG else Units.KG
                value = ex.target_weight / units.per_kg * other.per_kg
                ex = ex.model_copy(update={"target_weight": round(value), "weight_unit": other})
            exercises[i] = ex
            if what == "dup":
                exercises.append(exercises[0])
            workout = workout.model_copy(update={"exercises": exercises})
            if what == "blocks" and workout.warmup is not None:
                block = Block(minutes=rng.choice([0, 30, 45]), items=workout.warmup.items)
                workout = workout.model_copy(update={"warmup": block})
            if what in ("long", "short"):
                factor = rng.uniform(1.25, 1.6) if what == "long" else rng.uniform(0.4, 0.75)
                scaled = [
                    e.model_copy(update={"sets": max(1, min(10, round(e.sets * factor)))})
                    for e in workout.exercises
                ]
                workout = workout.model_copy(update={"exercises": scaled})
        start = time.perf_counter()
        repaired = repair_workout(workout, request, catalogue)
        ok = not validate_workout(repaired.workout, request)
        times.append((time.perf_counter() - start) * 1000)
        kept += ok
        repairs.update(r.kind for r in repaired.repairs)
        for what in chosen:
            by_break[what][0] += 1
            by_break[what][1] += ok
    return RepairShare(
        answers=n,
        kept=kept,
        by_break={k: (v[0], v[1]) for k, v in by_break.items()},
        repairs=repairs,
        ms_p50=_pct(times, 50),
    )
