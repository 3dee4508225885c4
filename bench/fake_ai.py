"""The fake Messages API in a process of its own, for runs where it streams hundreds of
answers at once (the ceiling run: 500 streams).

In the benchmark's own process it would share one interpreter lock with the fake Bot API,
whose arrival stamps are the measurement: thousands of SSE events a second there delay
the Bot API fake's loop and stamp the requests that waited all at once (a second of 35
messages at the fake that were sent under a 29-a-second ceiling). Here the two fakes are
separate processes, as Anthropic and Telegram are separate services.

    python -m bench.fake_ai ANSWER_SECONDS CHUNK_TOKENS   # prints its URL, then serves;
                                                          # on SIGTERM prints its counts
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from dataclasses import dataclass, field

from tests.fakes.messages_api import API_KEY, FakeMessagesAPI

__all__ = ["FakeAIProcess"]


@dataclass
class FakeAIProcess:
    """The fake Messages API as a child process, with the in-process fake's counts."""

    answer_seconds: float
    chunk_tokens: int
    api_key: str = API_KEY
    url: str = ""
    max_in_flight: int = 0
    calls: int = 0
    _process: subprocess.Popen[str] | None = field(default=None, repr=False)

    def start(self) -> None:
        self._process = subprocess.Popen(  # noqa: S603  (this interpreter and module)
            [
                sys.executable,
                "-m",
                "bench.fake_ai",
                str(self.answer_seconds),
                str(self.chunk_tokens),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        self.url = self._process.stdout.readline().strip()
        if not self.url.startswith("http://"):
            raise RuntimeError(f"the fake Messages API did not start: {self.url!r}")

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.send_signal(signal.SIGTERM)
        out, _ = self._process.communicate(timeout=30)
        counts = json.loads(out.strip().splitlines()[-1])
        self.max_in_flight, self.calls = counts["max_in_flight"], counts["calls"]
        self._process = None


def main(argv: list[str]) -> int:
    answer_seconds, chunk_tokens = float(argv[0]), int(argv[1])
    fake = FakeMessagesAPI(answer_seconds=answer_seconds, chunk_tokens=chunk_tokens)
    fake.start()
    print(fake.url, flush=True)
    signal.sigwait([signal.SIGTERM, signal.SIGINT])
    counts = {"max_in_flight": fake.max_in_flight, "calls": len(fake.requests)}
    fake.stop()
    print(json.dumps(counts), flush=True)
    return 0


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM, signal.SIGINT])
    sys.exit(main(sys.argv[1:]))
