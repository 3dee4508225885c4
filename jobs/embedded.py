"""The worker inside another process: for the embedded default (no REDIS_URL) and tests.

with start_embedded_worker(settings) as worker:
    ...  # messages sent to generate_workout are processed by worker threads here
"""

from __future__ import annotations

from types import TracebackType

import dramatiq

from adapters.settings import Settings
from core.pipeline import AIClient
from jobs.resources import Resources, close_resources, open_resources, start_sweeper
from jobs.root import setup_broker
from usecases.ports import Notifier

__all__ = ["EmbeddedWorker", "start_embedded_worker"]


class EmbeddedWorker:
    """A running Dramatiq worker and the resources its actors use."""

    def __init__(self, worker: dramatiq.Worker, resources: Resources) -> None:
        self.worker = worker
        self.resources = resources

    def stop(self) -> None:
        """Finish the messages in hand, stop the threads, close the resources."""
        self.worker.stop()
        close_resources()

    def __enter__(self) -> EmbeddedWorker:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_embedded_worker(
    settings: Settings,
    *,
    ai: AIClient | bool | None = True,
    notifier: Notifier | None = None,
    threads: int | None = None,
    configure_broker: bool = True,
) -> EmbeddedWorker:
    """Start worker threads in this process on the broker named by ``settings.redis_url``."""
    broker = setup_broker(settings.redis_url) if configure_broker else dramatiq.get_broker()
    # (configure_broker=False: the caller's composition root already set the broker up.)
    resources = open_resources(settings, ai=ai, notifier=notifier)
    start_sweeper(resources)
    worker = dramatiq.Worker(
        broker, worker_threads=threads or settings.worker_threads, worker_timeout=25
    )
    worker.start()
    return EmbeddedWorker(worker, resources)
