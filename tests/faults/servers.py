"""Private Redis and PostgreSQL servers that a fault test may stop and start at will.

The shared servers on this machine serve every test and every helper: they are never
stopped. A fault test starts its own on a free port instead:

    with PrivateRedis(tmp_path) as redis_server:     # redis-server --save '' on a free port
        redis_server.kill()                          # SIGKILL: everything in it is gone
        redis_server.start()                         # the same port again, empty

    with PrivatePostgres(tmp_path) as pg:            # initdb + postgres on a free port
        pg.stop()                                    # pg_ctl stop -m fast
        pg.start()

PostgreSQL refuses to run as root, so as root (CI) the cluster is owned by and run as the
``postgres`` user through ``runuser``. Without the binaries ``PrivatePostgres.available()``
says why, and the test skips.
"""

from __future__ import annotations

import glob
import os
import random
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import psycopg
import redis

__all__ = ["PrivatePostgres", "PrivateRedis", "free_port"]


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port() -> int:
    """A TCP port nothing listens on now, outside the kernel's range for outgoing sockets.

    A server here is stopped and started again on the same port; a port from the ephemeral
    range could meanwhile become the local end of some client's connection (the suite opens
    thousands), and the restart would fail with "address in use".
    """
    low, high = _ephemeral_range()
    candidates = [p for p in range(10_000, 30_000) if not low <= p <= high]
    for port in random.sample(candidates, 200):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free TCP port between 10000 and 30000")


def _wait(
    check: object,
    what: str,
    timeout: float = 30.0,
    process: subprocess.Popen[bytes] | None = None,
    log: Path | None = None,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        if process is not None and process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise AssertionError(f"{what}: the server exited ({process.returncode})\n{tail}")
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen within {timeout:g} s")


class PrivateRedis:
    """A redis-server of this test's own, without persistence (a restart loses everything)."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _ping(self) -> bool:
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def start(self) -> PrivateRedis:
        binary = shutil.which("redis-server")
        if binary is None:
            raise AssertionError("redis-server is not installed (scripts/services installs it)")
        log = (self.workdir / f"redis-{self.port}.log").open("ab")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log_path = self.workdir / f"redis-{self.port}.log"
        _wait(self._ping, f"redis-server on port {self.port} answering", 30, self.process, log_path)
        return self

    def kill(self) -> None:
        """SIGKILL: the server vanishes at once, with every queue and key in it."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def __enter__(self) -> PrivateRedis:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.kill()


def _pg_bindir() -> Path | None:
    try:
        out = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
        if (Path(out) / "initdb").exists():
            return Path(out)
    except (OSError, subprocess.SubprocessError):
        pass
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class PrivatePostgres:
    """A PostgreSQL cluster of this test's own: initdb, start, stop -m fast, start again."""

    def __init__(self, workdir: Path) -> None:
        self.bindir = _pg_bindir()
        self.port = free_port()
        self.root = workdir / "pg"
        self.data = self.root / "data"
        self.sockets = self.root / "sock"
        self.log = self.root / "postgres.log"
        self.process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def available() -> str | None:
        """None when a private cluster can run here; otherwise why not."""
        bindir = _pg_bindir()
        if bindir is None:
            return "PostgreSQL server binaries (initdb, postgres) are not installed"
        if os.geteuid() == 0 and shutil.which("runuser") is None:
            return "running as root needs runuser to start PostgreSQL as the postgres user"
        return None

    def _as_owner(self, *argv: str) -> list[str]:
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *argv]
        return list(argv)

    def server_url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def sqlalchemy_url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _accepting(self) -> bool:
        try:
            with psycopg.connect(self.server_url(), connect_timeout=1):
                return True
        except psycopg.OperationalError:
            return False

    def init(self) -> PrivatePostgres:
        if self.bindir is None:
            raise AssertionError("no PostgreSQL binaries")
        self.sockets.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(self.sockets, "postgres", "postgres")
            # runuser -u postgres must be able to reach the directory from /
            for parent in self.root.parents:
                if parent == Path("/"):
                    break
                mode = parent.stat().st_mode
                if not mode & 0o001:
                    os.chmod(parent, mode | 0o001)
        subprocess.run(
            self._as_owner(
                str(self.bindir / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        return self

    def start(self) -> PrivatePostgres:
        """Start the server (in the foreground of a child process) and wait until it answers."""
        assert self.bindir is not None
        log = self.log.open("ab")
        self.process = subprocess.Popen(
            self._as_owner(
                str(self.bindir / "postgres"),
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-k",
                str(self.sockets),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "max_connections=100",
            ),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        _wait(
            self._accepting,
            f"PostgreSQL on port {self.port} accepting connections",
            60,
            self.process,
            self.log,
        )
        return self

    def stop(self) -> None:
        """``pg_ctl stop -m fast``: every session is disconnected, the server shuts down."""
        assert self.bindir is not None
        if self.process is None or self.process.poll() is not None:
            return
        subprocess.run(
            self._as_owner(str(self.bindir / "pg_ctl"), "stop", "-D", str(self.data), "-m", "fast"),
            check=True,
            capture_output=True,
            timeout=60,
        )
        self.process.wait(30)
        self.process = None

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.server_url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.sqlalchemy_url(name)

    def __enter__(self) -> PrivatePostgres:
        return self.init().start()

    def __exit__(self, *exc_info: object) -> None:
        try:
            self.stop()
        finally:
            if self.process is not None and self.process.poll() is None:
                self.process.kill()
                self.process.wait(10)
