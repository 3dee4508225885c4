"""The workout shown while the AI writes it: frames, edits of the request's placeholder.

A ``Frames`` object is the pipeline's ``progress``: told each time the AI has finished one
more exercise (a ``core.partial.Draft``), it edits the placeholder ("MAX is writing…") into
what is written so far. Frames are a courtesy, never at the cost of the workout:

- only for an answer that takes its time: none before it has been arriving for a second
  (an answer that comes at once, as in the overhead benchmark, shows no frame);
- at most one a second per chat (``MIN_INTERVAL``, counted from the run's start, which
  follows the placeholder; and the send budget's own check), and
  only when the send budget has room at once: a frame is dropped, never queued
  (``FrameNotifier.frame``). A dropped frame is not retried: the next exercise brings the
  next one, and the workout itself replaces them all.
- only while the claim this run made still holds the request: after a takeover (the
  sweeper queued it again once this worker was thought dead) the frames of the old run
  stop, so two runs never race on one placeholder. Frames are shown one at a time, and the
  call's result is handed on only once the last one is out (a parked call's frames,
  adapters/aislots.py; or the run's own thread, which shows them before it goes on), so
  none can land after the workout.

Why edits of the placeholder and not ``sendMessageDraft`` (Bot API 9.5): see the README
("Watching the workout being written").
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from core.coaches import coach_by_key
from core.domain import Units
from core.models import WorkoutRequest
from core.partial import Draft
from core.render import render_draft
from db import requests as db_requests
from usecases.ports import FrameNotifier

__all__ = ["MIN_INTERVAL", "Frames"]

MIN_INTERVAL = 1.0
"""Seconds between two frames of one request (Telegram: about one message a second a chat)."""

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Frames:
    """The ``progress`` of one run of one request (see the module docstring)."""

    sessions: sessionmaker[Session]
    notifier: FrameNotifier
    request_id: int
    message_id: str
    """The queue message running this request: frames only while it holds the claim."""
    chat_id: int
    placeholder: int
    request: WorkoutRequest
    units: Units
    shown: int = 0
    """Frames that went out."""
    dropped: int = 0
    """Frames the budget, the interval or Telegram dropped."""
    _last: float = field(default_factory=time.monotonic)
    """When the last frame went out; at first, when the run began: the placeholder went out
    before that, and an answer written within a second (an instant AI) needs no frame."""
    _stopped: bool = False

    def __call__(self, draft: Draft) -> None:
        if self._stopped or not draft.exercises:
            return
        now = time.monotonic()
        if draft.writing_s < MIN_INTERVAL or now - self._last < MIN_INTERVAL:
            self.dropped += 1
            return
        with self.sessions() as session:
            if not db_requests.holds_claim(session, self.request_id, self.message_id):
                log.info("request %s: claim taken over; no more frames", self.request_id)
                self._stopped = True
                return
        html = render_draft(
            draft,
            coach=coach_by_key(self.request.coach),
            workout_type=self.request.workout_type,
            duration_min=self.request.duration_min,
            units=self.units,
        )
        if self.notifier.frame(self.chat_id, html, message_id=self.placeholder):
            self._last = now
            self.shown += 1
        else:
            self.dropped += 1
