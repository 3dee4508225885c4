"""Dramatiq's Prometheus middleware, with FlexFlow's endpoint in place of its own.

Dramatiq's middleware counts messages (processed, errored, retried, dead-lettered, in
progress, durations) in prometheus_client's multiprocess mode and starts one exposition
process (a Dramatiq "fork") on ``dramatiq_prom_port``. We keep its counting and replace its
exposition process with ours: on FLEXFLOW_WORKER_METRICS_PORT, serving every process's values
(ours from adapters.metrics and Dramatiq's) and the database and queue gauges read when scraped.

``flexflow worker`` points ``dramatiq_prom_db`` and PROMETHEUS_MULTIPROC_DIR at a fresh
directory before it starts its processes; this module must not be imported before that
(dramatiq.middleware.prometheus reads the variable when it is imported).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from dramatiq.middleware.prometheus import Prometheus

from adapters.settings import get_settings

__all__ = ["WorkerPrometheus", "serve_worker_metrics"]


class WorkerPrometheus(Prometheus):
    """Dramatiq's message metrics; the endpoint is ``serve_worker_metrics``."""

    @property
    def forks(self) -> list[Callable[[], int]]:
        return [serve_worker_metrics]


def serve_worker_metrics() -> int:
    """The exposition process of ``flexflow worker``: serves until Dramatiq stops it."""
    from adapters.metrics import QueueCollector, StateCollector, metrics_registry, serve_metrics
    from db.session import create_db_engine, session_factory
    from jobs.enqueue import NAMESPACE, QUEUES

    settings = get_settings()
    port = settings.flexflow_worker_metrics_port
    if port is None:  # the middleware is only installed with a port; nothing to serve
        return 0
    engine = create_db_engine(settings.database_url)
    queues = QueueCollector(settings.redis_url or "redis://", NAMESPACE, QUEUES)
    server = serve_metrics(
        settings.flexflow_metrics_host,
        port,
        metrics_registry(StateCollector(session_factory(engine)), queues),
    )
    try:
        while True:
            time.sleep(3600)  # Dramatiq's SIGTERM handler ends this with SystemExit
    finally:
        server.shutdown()
        queues.close()
        engine.dispose()
