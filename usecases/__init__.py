"""The application layer: the use cases every edge calls, and the request lifecycle.

The bot's handlers, the ``flexflow`` command, the Dramatiq actors and the workers' sweeper
only translate their input and call these; none of them writes a request row or decides a
state. Use cases are plain functions taking a session factory (each one is one unit of
work), the caller (``Member``) and primitive arguments; the adapters they talk through (the
queue, the notifier, the AI client, the observer) are handed in (usecases/ports.py).

    usecases.lifecycle   RequestState and its transitions: the only writer of a state
    usecases.requests    open a request (Generate, Regenerate, Try again, the CLI), queue
                         it, give up on one that never got going
    usecases.generation  generate one request and deliver it; give up; requeue stale ones
    usecases.plans       /history, one plan, Swap
    usecases.pictures    How-to: an exercise's picture and steps
    usecases.workoutlog  Done: log a workout, rate it
    usecases.live        a live session: Start, set by set, rest timers
    usecases.questions   a typed question: the catalogue's facts for the caller
    usecases.progress    /progress and /export
    usecases.schedule    /plan's week, the scheduler's tick, preparing and reminding
    usecases.reminderbuttons  Start, Tomorrow, Skip under a reminder
    usecases.weeklyreview     the Sunday review
    usecases.profile     who is talking (Member), the profile, blocked users
    usecases.ports       the interfaces handed in; usecases.errors the errors

Imports run one way: usecases -> db, chat, core (never an edge, never an adapter). The few
names of db the edges need (``PlanSummary``, ``Rating``, ``make_idempotency_key``) are
re-exported here, so that the handlers import nothing of db.
"""

from __future__ import annotations

from db.history import PlanSummary
from db.requests import make_idempotency_key
from db.workoutlogs import Rating
from usecases.errors import DeliveryFailed, IllegalTransition, QueueUnavailable, TryLater
from usecases.live import LiveOutcome, LiveView, claim_rests, ring_rest, start_live
from usecases.live import act as act_live
from usecases.live import set_message as set_live_message
from usecases.pictures import (
    PictureOutcome,
    PictureStatus,
    exercise_picture,
    pictured_exercises,
)
from usecases.plans import (
    HISTORY_PAGE_SIZE,
    HistoryPage,
    PlanView,
    SwapChoices,
    Swapped,
    SwapStatus,
    apply_swap,
    history_page,
    plan_for,
    swap_choices,
)
from usecases.profile import Member, Sessions, load_profile, mark_blocked, register, save_profile
from usecases.progress import ProgressView, export_for, progress_for
from usecases.questions import Answerable, question_facts
from usecases.requests import (
    DEFAULT_GENERATIONS_PER_HOUR,
    GENERATION_WINDOW,
    Opened,
    OpenStatus,
    WorkoutChoice,
    attach_placeholder,
    fail_request,
    give_up_queued,
    last_choice,
    open_local_request,
    open_request,
    queue_request,
    regenerate_choice,
    retry_choice,
)
from usecases.workoutlog import (
    LogItem,
    ToLog,
    latest_to_log,
    log_done,
    plan_to_log,
    rate_log,
)

__all__ = [
    "DEFAULT_GENERATIONS_PER_HOUR",
    "GENERATION_WINDOW",
    "HISTORY_PAGE_SIZE",
    "Answerable",
    "DeliveryFailed",
    "HistoryPage",
    "IllegalTransition",
    "LiveOutcome",
    "LiveView",
    "LogItem",
    "Member",
    "OpenStatus",
    "Opened",
    "PictureOutcome",
    "PictureStatus",
    "PlanSummary",
    "PlanView",
    "ProgressView",
    "QueueUnavailable",
    "Rating",
    "Sessions",
    "SwapChoices",
    "SwapStatus",
    "Swapped",
    "ToLog",
    "TryLater",
    "WorkoutChoice",
    "act_live",
    "apply_swap",
    "attach_placeholder",
    "claim_rests",
    "exercise_picture",
    "export_for",
    "fail_request",
    "give_up_queued",
    "history_page",
    "last_choice",
    "latest_to_log",
    "load_profile",
    "log_done",
    "make_idempotency_key",
    "mark_blocked",
    "open_local_request",
    "open_request",
    "pictured_exercises",
    "plan_for",
    "plan_to_log",
    "progress_for",
    "question_facts",
    "queue_request",
    "rate_log",
    "regenerate_choice",
    "register",
    "retry_choice",
    "ring_rest",
    "save_profile",
    "set_live_message",
    "start_live",
    "swap_choices",
]
