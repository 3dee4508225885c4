"""Temporary: the old name of the application layer while the bot's handlers move over."""

from __future__ import annotations

from core.render import utc_date
from usecases import *  # noqa: F403
from usecases import __all__ as _all

__all__ = [*_all, "utc_date"]
