"""What a long-running process does once it has booted.

``freeze_boot_objects``: everything made while booting (the anthropic SDK's ~3,300 modules
of types, the catalogue, SQLAlchemy's mappers: about 260,000 objects) lives as long as the
process, yet each full run of Python's cyclic garbage collector walked all of it: 117 ms on
this machine when quiet, longer under load, with every thread stopped. At Telegram's ceiling
such a pause came between a message's leaving the send budget and its request reaching
Telegram, and the messages held back arrived together: 36 in one second where the budget let
29 leave (the ceiling benchmark). ``gc.freeze`` (the standard library's own answer) moves
them out of the collector's sight; a collection then takes microseconds.
"""

from __future__ import annotations

import gc
import logging
import time

__all__ = ["freeze_boot_objects"]

log = logging.getLogger(__name__)


def freeze_boot_objects() -> None:
    """Collect what booting left behind, then keep the collector off the rest for good."""
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    log.info(
        "boot objects frozen: %d kept out of the collector's way (%.0f ms)",
        gc.get_freeze_count(),
        (time.perf_counter() - started) * 1000,
    )
