"""At Telegram's ceiling (issue 13): 1,000 users tap Generate within 10 s, the AI streams
each answer for 20 s, FLEXFLOW_AI_CONCURRENCY = 500, one bot process and one worker process.

Two physical bounds limit how soon the last workout can arrive: the messages the run must
send (each user's "writing…" edit and the workout's parts; frames are extra and may be
dropped) at 28 a second, and users x AI time / concurrency. The run is judged against the
larger, within 10%; and against Telegram's limits at the receiving end (the strict fake):
never more than 30 messages in any second, or 1 a second in a chat, no error.

FLEXFLOW_BENCH_DUMP=<file> writes every Bot API call's arrival (seconds after the first
tap, method, chat, status), to see where a second went over.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from adapters.settings import WORKER_THREADS
from bench.fake_ai import FakeAIProcess
from bench.system import System, no_collections
from tests.fakes.bot_api import SEND_METHODS, FakeUser, max_in_window

__all__ = ["Ceiling", "run"]

TELEGRAM_RATE = 28.0
"""Messages a second a bot can count on (Telegram's ~30, less a margin)."""


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def _delivered(user: FakeUser) -> bool:
    """The workout is in the chat: its last part carries the workout's buttons."""
    return any("New workout" in b for m in user.messages for b in m.buttons)


@dataclass(frozen=True, slots=True)
class Ceiling:
    users: int
    tap_spread_s: float
    ai_seconds: float
    concurrency: int
    threads: str
    makespan_s: float
    """First tap to the last workout's last part at the fake Bot API."""
    must_send: int
    """Messages the run had to send: each user's "writing…" edit and the workout's parts."""
    frames: int
    """Frames shown on top (the workout as it was written)."""
    bound_s: float
    """The larger of must_send / 28 and users x AI time / concurrency."""
    answer_p50_ms: float
    answer_p99_ms: float
    max_per_second: int
    max_per_chat_second: int
    ai_max_in_flight: int
    ai_calls: int
    telegram_errors: int
    errors: str
    """The Bot API's errors by method and description, most frequent first."""
    bot_peak_mb: float
    worker_peak_mb: float


def run(
    *,
    users: int = 1000,
    spread_s: float = 10.0,
    ai_seconds: float = 20.0,
    concurrency: int = 500,
) -> Ceiling:
    """The ceiling run; see the module docstring."""
    with System(
        workers=1,
        threads=None,  # the worker's default: one thread for each AI slot, and some
        ai=True,
        ai_answer_seconds=ai_seconds,
        ai_chunk_tokens=12,
        ai_concurrency=concurrency,
        ai_process=True,
    ) as system:
        ready = system.ready_users(40_000, users)
        calls_before = len(system.telegram.calls())
        # The fakes are the instruments, in this process: nothing is collected meanwhile.
        with no_collections():
            pressed: dict[str, float] = {}
            start = time.monotonic()
            for i, user in enumerate(ready):
                target = start + i * spread_s / users
                if (wait := target - time.monotonic()) > 0:
                    time.sleep(wait)
                pressed[user.press("Generate")] = time.monotonic()
            answered: dict[str, float] = {}
            delivered: set[int] = set()
            deadline = start + spread_s + ai_seconds * users / concurrency * 3 + 180
            # Watch cheaply: the fakes share this process (and its GIL) with the watcher.
            while time.monotonic() < deadline and (len(delivered) < users or len(answered) < users):
                for qid in pressed.keys() - answered.keys():
                    if (answer := system.telegram.callback_answer(qid)) is not None:
                        answered[qid] = answer.at
                waiting = [u for u in ready if u.chat_id not in delivered]
                delivered |= {u.chat_id for u in waiting if _delivered(u)}
                time.sleep(0.5)
        if len(delivered) < users:
            raise RuntimeError(f"only {len(delivered)} of {users} delivered; see {system.logs}")
        calls = system.telegram.calls_since(calls_before)
        if dump := os.environ.get("FLEXFLOW_BENCH_DUMP"):  # the raw arrivals, for a look
            Path(dump).write_text(
                "\n".join(f"{c.at - start:.4f} {c.method} {c.chat_id} {c.status}" for c in calls)
            )
        sends = [c for c in calls if c.method in SEND_METHODS]
        per_chat: dict[int, list[float]] = {}
        edits: dict[int, int] = {}
        new_messages: dict[int, int] = {}
        for call in sends:
            if call.chat_id is None or call.status != 200:
                continue
            per_chat.setdefault(call.chat_id, []).append(call.at)
            if call.method == "editMessageText":
                edits[call.chat_id] = edits.get(call.chat_id, 0) + 1
            else:
                new_messages[call.chat_id] = new_messages.get(call.chat_id, 0) + 1
        # The placeholder is edited into "writing…", then into the workout's first part;
        # the edits between are frames. Later parts are new messages.
        must = sum(2 + new_messages.get(chat, 0) for chat in delivered)
        frames = sum(max(0, edits.get(chat, 0) - 2) for chat in delivered)
        last = max(max(per_chat[chat]) for chat in delivered)
        latencies = [(answered[q] - pressed[q]) * 1000 for q in answered]
        result = Ceiling(
            users=users,
            tap_spread_s=spread_s,
            ai_seconds=ai_seconds,
            concurrency=concurrency,
            threads=f"{WORKER_THREADS}, the default",
            makespan_s=last - start,
            must_send=must,
            frames=frames,
            bound_s=max(must / TELEGRAM_RATE, users * ai_seconds / concurrency),
            answer_p50_ms=_pct(latencies, 50),
            answer_p99_ms=_pct(latencies, 99),
            max_per_second=max_in_window([c.at for c in sends]),
            max_per_chat_second=max(max_in_window(t) for t in per_chat.values()),
            ai_max_in_flight=-1,  # read once the fake AI's process has stopped (below)
            ai_calls=-1,
            telegram_errors=sum(1 for c in calls if c.status != 200),
            errors=", ".join(
                f"{method} {description}: {n}"
                for (method, description), n in Counter(
                    (c.method, c.description) for c in calls if c.status != 200
                ).most_common(4)
            ),
            bot_peak_mb=system.peaks.bot,
            worker_peak_mb=system.peaks.worker,
        )
    ai = system.ai_server
    assert isinstance(ai, FakeAIProcess)  # its counts arrive when it stops
    return replace(result, ai_max_in_flight=ai.max_in_flight, ai_calls=ai.calls)
