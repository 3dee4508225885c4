"""The states of the dialogs, as stored in the database by the persistence.

Persisted conversations keep the number, so every value is written out and never reused:
a restart (or a new release) reads the same number back as the same step.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["DIALOG_NAME", "State"]

DIALOG_NAME = "dialogs"
"""The persistent ConversationHandler's name (the key of its rows in bot_conversations)."""


class State(IntEnum):
    """One step of /profile (1x), /workout (2x), Done under a workout (3x) or /plan (4x)."""

    PROFILE_LEVEL = 10
    PROFILE_GOALS = 11
    PROFILE_EQUIPMENT = 12
    PROFILE_COACH = 13
    PROFILE_UNITS = 14
    PROFILE_LIMITATIONS = 15

    WORKOUT_COACH = 20
    WORKOUT_TYPE = 21
    WORKOUT_DURATION = 22
    WORKOUT_EQUIPMENT = 23
    WORKOUT_SUMMARY = 24

    DONE_MENU = 30
    DONE_SETS = 31
    DONE_CONFIRM = 32
    """A typed log shown back, waiting for Save or Edit (bot/handlers/typedlog.py)."""

    PLAN_DAYS = 40
    PLAN_TIME = 41
    PLAN_ZONE = 42
    PLAN_LENGTH = 43
    PLAN_COACH = 44
    PLAN_KIND = 45
