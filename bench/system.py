"""The whole system for benchmarks: real bot and worker processes, fakes at the edges.

    FakeBotAPI + FakeMessagesAPI  (this process, 127.0.0.1)
    flexflow bot                   (a process, polling the fake Bot API)
    flexflow worker x N            (processes, Redis broker)
    PostgreSQL + Redis             (real servers; a fresh database and Redis db per run)

``System`` starts and stops all of it, samples the processes' memory, and drives users
through /workout up to the Generate button.
"""

from __future__ import annotations

import gc
import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import TracebackType

import psycopg
import redis

from bench.fake_ai import FakeAIProcess
from db.migrate import upgrade
from tests.fakes.bot_api import FakeBotAPI, FakeUser
from tests.fakes.messages_api import FakeMessagesAPI

__all__ = ["PG_SERVER", "REDIS_URL", "System"]

PG_SERVER = os.environ.get("FLEXFLOW_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("FLEXFLOW_BENCH_REDIS", "redis://127.0.0.1:6379/15")


ROOT = Path(__file__).resolve().parent.parent


def production_python() -> str:
    """The interpreter of a production install (the project without its dev extras), made
    once per pyproject.toml in .venv-bench, for the processes measured.

    The dev environment holds the tests' packages, and libraries import what they find:
    the anthropic SDK loads aiohttp (its optional transport) and httpx its command line
    (click, rich, pygments) when installed, 18 MB in every process that a deployment never
    pays. FLEXFLOW_BENCH_PYTHON names another interpreter instead.
    """
    if chosen := os.environ.get("FLEXFLOW_BENCH_PYTHON"):
        return chosen
    venv = ROOT / ".venv-bench"
    python = venv / "bin" / "python"
    stamp = venv / ".flexflow-installed"
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == want:
        return str(python)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)  # noqa: S603
    subprocess.run(  # noqa: S603  (pip of our own venv, fixed arguments)
        [str(python), "-m", "pip", "install", "-q", "-e", str(ROOT)], check=True
    )
    stamp.write_text(want)
    return str(python)


@contextmanager
def no_collections() -> Iterator[None]:
    """No garbage collection in this process for the block.

    The fakes run in this process, and a collection of the cyclic garbage collector stops
    them (with thousands of chats' messages kept, for a good part of a second), stamping
    the requests that came meanwhile all at once: 34 messages in one second at the fake
    where 30 were sent. What exists now is frozen, and nothing is collected until the end.
    """
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


@dataclass
class Peaks:
    """Peak resident memory seen, in MB."""

    bot: float = 0.0
    worker: float = 0.0
    samples: int = 0


@dataclass
class System:
    """See the module docstring."""

    workers: int = 1
    threads: int | None = 8
    """Threads per worker process; None: the worker's default (its AI slots and some)."""
    ai: bool = True
    ai_latency: float = 0.0
    ai_tokens_per_second: float | None = None
    """The fake AI streams at this pace (None: all at once)."""
    ai_concurrency: int = 5
    ai_answer_seconds: float | None = None
    """The fake AI spreads each streamed answer over this long (None: ``ai_tokens_per_second``)."""
    ai_chunk_tokens: int = 4
    ai_ready_answers: bool = False
    """The fake AI answers a request like an earlier one with the workout it wrote for
    that one (``FakeMessagesAPI.ready_answers``): an instant AI, for the overhead."""
    ai_process: bool = False
    """The fake AI in a process of its own (bench/fake_ai.py; ``ai_answer_seconds`` needed);
    its counts (``max_in_flight``, ``calls``) are read when the system stops."""
    logs: Path = field(default_factory=lambda: Path(tempfile.gettempdir()) / "flexflow-bench")
    peaks: Peaks = field(default_factory=Peaks)

    def __post_init__(self) -> None:
        self.database = f"flexflow_bench_{uuid.uuid4().hex[:10]}"
        base = PG_SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
        self.database_url = f"{base}/{self.database}"
        self.telegram = FakeBotAPI()
        self.anthropic = FakeMessagesAPI(
            latency=self.ai_latency,
            tokens_per_second=self.ai_tokens_per_second,
            answer_seconds=self.ai_answer_seconds,
            chunk_tokens=self.ai_chunk_tokens,
            ready_answers=self.ai_ready_answers,
        )
        """The in-process fake AI (not started with ``ai_process``)."""
        self.ai_server: FakeMessagesAPI | FakeAIProcess = self.anthropic
        """The fake AI the processes talk to."""
        if self.ai_process:
            assert self.ai_answer_seconds is not None
            self.ai_server = FakeAIProcess(self.ai_answer_seconds, self.ai_chunk_tokens)
        self.processes: list[subprocess.Popen[bytes]] = []
        self._stop = threading.Event()
        self.python = production_python()

    # ---------------------------------------------------------------- lifecycle
    def __enter__(self) -> System:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def env(self) -> dict[str, str]:
        env = {
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", tempfile.gettempdir()),
            "LANG": "C.UTF-8",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": REDIS_URL,
            "TELEGRAM_BOT_TOKEN": self.telegram.token,
            "TELEGRAM_API_URL": self.telegram.url,
            "FLEXFLOW_AI_CONCURRENCY": str(self.ai_concurrency),
            "ANTHROPIC_TIMEOUT": "60",
            "ANTHROPIC_MAX_RETRIES": "0",
            "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
        }
        if self.ai:
            env["ANTHROPIC_API_KEY"] = self.ai_server.api_key
            env["ANTHROPIC_BASE_URL"] = self.ai_server.url
        return env

    def _spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        self.logs.mkdir(parents=True, exist_ok=True)
        log = (self.logs / f"{name}.log").open("wb")
        process = subprocess.Popen(  # noqa: S603  (our own interpreter and module, fixed args)
            [self.python, "-m", "flexflow.cli", *args],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def start(self) -> None:
        with psycopg.connect(PG_SERVER, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.database}"')
        upgrade(self.database_url)
        redis.Redis.from_url(REDIS_URL).flushdb()
        self.telegram.start()
        self.ai_server.start()
        self.bot = self._spawn("bot", "bot")
        threads = () if self.threads is None else ("--threads", str(self.threads))
        self.worker_parents = [
            self._spawn(f"worker{i}", "worker", "--processes", "1", *threads)
            for i in range(self.workers)
        ]
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        self._wait_ready()

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.telegram.calls("setMyCommands") and all(
                _children(p.pid) for p in self.worker_parents
            ):
                time.sleep(0.5)
                return
            for p in self.processes:
                if p.poll() is not None:
                    raise RuntimeError(f"a process exited early; see {self.logs}")
            time.sleep(0.1)
        raise RuntimeError(f"the system did not come up in {timeout} s; see {self.logs}")

    def worker_pids(self) -> list[int]:
        """The worker processes proper (children of each ``flexflow worker``)."""
        return [child for p in self.worker_parents for child in _children(p.pid)]

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            bot = _rss_kb(self.bot.pid) / 1024
            workers = [_rss_kb(child) / 1024 for child in self.worker_pids()]
            self.peaks.bot = max(self.peaks.bot, bot)
            self.peaks.worker = max([self.peaks.worker, *workers])
            self.peaks.samples += 1

    def stop(self) -> None:
        self._stop.set()
        for p in self.processes:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.processes:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        self.telegram.stop()
        self.ai_server.stop()
        with psycopg.connect(PG_SERVER, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    # ---------------------------------------------------------------- users
    def ready_user(self, user_id: int, *, minutes: str = "30 min") -> FakeUser:
        """A user who went through /workout and now sees the summary with Generate."""
        user = self.telegram.user(user_id, f"User{user_id}")
        user.send("/workout")
        for label in ("MAX", "Strength", minutes, "Done"):
            user.wait_until_sync(partial(_has_button, label=label), timeout=60, what=label)
            before = _keyboard(user)
            user.press(label)
            user.wait_until_sync(partial(_changed, before=before), timeout=60, what="next")
        user.wait_until_sync(partial(_has_button, label="Generate"), timeout=60, what="Generate")
        return user

    def ready_users(self, first_id: int, count: int, parallel: int = 32) -> list[FakeUser]:
        with ThreadPoolExecutor(parallel) as pool:
            return list(pool.map(self.ready_user, range(first_id, first_id + count)))


def _keyboard(user: FakeUser) -> tuple[str, ...]:
    messages = [m for m in user.messages if m.buttons]
    return (str(messages[-1].message_id), *messages[-1].buttons) if messages else ()


def _changed(user: FakeUser, before: tuple[str, ...]) -> bool:
    return _keyboard(user) != before


def _has_button(user: FakeUser, label: str) -> bool:
    return any(label.casefold() in b.casefold() for b in _keyboard(user)[1:])
