"""What the fake servers share: their own event loop in a background thread, a root URL on
127.0.0.1 once started, and ``with`` to run one."""

from __future__ import annotations

import asyncio
import threading
from typing import Self


class LocalServer:
    """A server on 127.0.0.1 that ``start()`` runs on an event loop of its own, in a
    background thread, until ``stop()``; a subclass says how it starts listening (setting
    ``port``) and how it shuts down."""

    port = 0
    """The port it listens on once started."""
    thread_name = "fake-server"
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None

    async def _startup(self) -> None:
        raise NotImplementedError

    async def _shutdown(self) -> None:
        raise NotImplementedError

    def start(self) -> Self:
        """Start the server in a background thread; returns self once it accepts requests."""
        ready = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._run, args=(ready, failure), name=self.thread_name, daemon=True
        )
        self._thread.start()
        ready.wait(10)
        if failure:
            raise failure[0]
        if not self.port:
            raise RuntimeError(f"{type(self).__name__} did not start within 10 seconds")
        return self

    def stop(self) -> None:
        """Shut the server down (see the subclass's ``_shutdown``), then its thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(15)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(15)
        self._loop = self._thread = None

    def _run(self, ready: threading.Event, failure: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            loop.run_until_complete(self._startup())
        except BaseException as exc:
            failure.append(exc)
            ready.set()
            loop.close()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    @property
    def url(self) -> str:
        """The server root: TELEGRAM_API_URL for the Bot API (PTB's base_url is f"{url}/bot"),
        ``base_url`` / ANTHROPIC_BASE_URL for the Messages API."""
        if not self.port:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
