"""Benchmarks 1-3: the system around the AI call, measured end to end.

1. Overhead: from the Generate tap reaching the Bot API until the workout text reaches it,
   with an AI that answers at once; one request at a time (nothing queues), 200 requests,
   AI client and rule-based generator. Beside it, the floor: the same I/O done by hand
   (database statements, one Redis round trip, the HTTP calls) with no framework.
2. Throughput: 500 users tap Generate within a second; the AI takes 5 s per call with 50
   calls allowed at once. Callback answers, Telegram's limits, makespan, AI calls in flight.
3. Memory: peak RSS of the bot and of a worker process during 2.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import redis

from adapters.sendbudget import GLOBAL_BURST, GLOBAL_RATE
from bench.system import REDIS_URL, System
from tests.fakes.bot_api import FakeBotAPI, FakeUser

__all__ = ["Overhead", "floor", "overhead"]


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass(frozen=True, slots=True)
class Overhead:
    label: str
    n: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    stages: dict[str, float] | None = None
    """Median ms of each stage, from the fake Bot API's clock (None for the floor)."""


def _profile(system: System, seconds: int = 30) -> list[subprocess.Popen[bytes]]:
    """With FLEXFLOW_BENCH_PYSPY=<dir>: py-spy samples the bot and the worker (collapsed stacks)."""
    out = os.environ.get("FLEXFLOW_BENCH_PYSPY")
    if not out:
        return []
    targets = {"bot": system.bot.pid, "worker": system.worker_pids()[0]}
    return [
        subprocess.Popen(  # noqa: S603  (py-spy from this environment, fixed arguments)
            [
                str(Path(sys.executable).with_name("py-spy")),
                *("record", "--format", "raw", "--nonblocking", "-d", str(seconds)),
                *("-p", str(pid), "-o", str(Path(out) / f"{name}.txt")),
            ],
            stdout=subprocess.DEVNULL,
        )
        for name, pid in targets.items()
    ]


def _delivered(user: FakeUser) -> bool:
    """The workout is in the chat: its last part carries the workout's buttons."""
    return any("New workout" in b for m in user.messages for b in m.buttons)


PACE_S = GLOBAL_BURST / GLOBAL_RATE
"""Pause between two overhead requests: the time the send budget takes to refill its burst."""


def _first_edit_at(fake: FakeBotAPI, chat_id: int, after: float) -> float:
    """When the summary became the placeholder ("MAX is writing…")."""
    return next(
        c.at
        for c in fake.calls("editMessageText")
        if c.chat_id == chat_id and c.at > after and c.status == 200
    )


def _workout_edit_at(fake: FakeBotAPI, chat_id: int, after: float) -> float:
    """When the workout's first part reached the Bot API: the last edit of the placeholder.

    Later parts, if any, are new messages; the placeholder is edited twice (the summary into
    "writing…", then into the workout).
    """
    edits = [
        c.at
        for c in fake.calls("editMessageText")
        if c.chat_id == chat_id and c.at > after and c.status == 200
    ]
    return edits[-1]


def overhead(*, ai: bool, n: int = 200) -> Overhead:
    """Benchmark 1 for one generator: from the tap handed to the bot to the workout's arrival.

    One request at a time, so nothing queues; the driver checks every 5 ms but the times come
    from the fake Bot API's own clock, so that interval does not enter the figures.
    """
    # The fake AI's answers are ready (it writes one workout per kind of request, once): its
    # own writing, ~1 ms a call in this process, is not the overhead around an instant AI.
    with System(workers=1, threads=8, ai=ai, ai_latency=0.0, ai_ready_answers=True) as system:
        users = system.ready_users(20_000, n)
        times: list[float] = []
        stages: dict[str, list[float]] = {}
        for user in users:
            # A request sends two messages (the placeholder, the workout); back to back,
            # requests would outrun the bot's send budget and measure Telegram's rate limit
            # (adapters.sendbudget) instead of our overhead. A pause refills the budget's burst.
            time.sleep(PACE_S)
            query_id = user.press("Generate")
            pressed = time.monotonic()
            while not _delivered(user):
                if time.monotonic() - pressed > 30:
                    raise RuntimeError(f"user {user.chat_id} got no workout; see {system.logs}")
                time.sleep(0.005)
            handed = system.telegram.query_handed_at(query_id)
            if handed is None:
                raise RuntimeError(f"the tap of user {user.chat_id} was never handed to the bot")
            done = _workout_edit_at(system.telegram, user.chat_id, pressed)
            times.append((done - handed) * 1000)
            answer = system.telegram.callback_answer(query_id)
            placeholder = _first_edit_at(system.telegram, user.chat_id, pressed)
            for name, at in (
                ("answered", answer.at if answer else done),
                ("placeholder", placeholder),
            ):
                stages.setdefault(name, []).append((at - handed) * 1000)
            stages.setdefault("placeholder -> workout", []).append((done - placeholder) * 1000)
    label = "Claude client (instant fake AI)" if ai else "rule-based generator"
    medians = {f"tap -> {k}" if "->" not in k else k: _pct(v, 50) for k, v in stages.items()}
    return Overhead(label, n, _pct(times, 50), _pct(times, 95), max(times), medians)


def floor(n: int = 200) -> Overhead:
    """The same I/O by hand: what any implementation must at least spend per request."""
    fake = FakeBotAPI().start()
    database = f"flexflow_floor_{int(time.time())}"
    server = "postgresql://postgres@127.0.0.1:5432/postgres"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    times: list[float] = []
    try:
        db = psycopg.connect(server.rsplit("/", 1)[0] + f"/{database}", autocommit=False)
        db.execute("create table r (id serial primary key, state text, body jsonb, msg int)")
        db.execute("create table p (id serial primary key, r int, body jsonb)")
        db.commit()
        queue = redis.Redis.from_url(REDIS_URL)
        http = httpx.Client(base_url=f"{fake.url}/bot{fake.token}")
        user: FakeUser = fake.user(1)
        user.send("hi")
        body = '{"title": "x", "exercises": [1, 2, 3]}'
        for _ in range(n):
            start = time.monotonic()
            http.post("/getUpdates", json={"timeout": 0, "offset": -1})
            http.post("/answerCallbackQuery", json={"callback_query_id": "0"})
            placeholder = http.post("/sendMessage", json={"chat_id": 1, "text": "writing"})
            msg = placeholder.json()["result"]["message_id"]
            rid = db.execute(
                "insert into r (state, msg) values ('queued', %s) returning id", (msg,)
            )
            request_id = rid.fetchone()[0]  # type: ignore[index]
            db.commit()
            queue.lpush("floor", request_id)
            queue.brpop(["floor"], timeout=1)
            db.execute("select * from r where id = %s for update", (request_id,)).fetchone()
            db.execute("update r set state = 'generating' where id = %s", (request_id,))
            db.commit()
            db.execute("select * from p where r = %s", (request_id,)).fetchall()
            db.execute("insert into p (r, body) values (%s, %s)", (request_id, body))
            db.execute("update r set state = 'generated' where id = %s", (request_id,))
            db.commit()
            http.post("/editMessageText", json={"chat_id": 1, "message_id": msg, "text": "w"})
            db.execute("update r set state = 'delivered' where id = %s", (request_id,))
            db.commit()
            times.append((time.monotonic() - start) * 1000)
        http.close()
        db.close()
    finally:
        fake.stop()
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    return Overhead("floor: the same I/O by hand", n, _pct(times, 50), _pct(times, 95), max(times))
