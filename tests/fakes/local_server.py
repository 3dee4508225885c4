"""What the fake servers share: a root URL on 127.0.0.1 once started, and ``with`` to run one."""

from __future__ import annotations

from typing import Self


class LocalServer:
    """A server on 127.0.0.1 that ``start()`` runs in a background thread until ``stop()``."""

    port = 0
    """The port it listens on once started."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

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
