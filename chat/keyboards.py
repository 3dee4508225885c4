"""Every inline keyboard of the chat, and the callback data of the dialogs.

Buttons are ``chat.callbacks.Button`` values (which check Telegram's 64-byte limit).
Every keyboard is rows of them (``Rows``), with no Telegram library in sight;
``adapters.telegram.markup`` turns rows into Telegram's markup for the bot and the workers.
The keyboards under delivered workouts, failures and in /history carry chat.callbacks' data;
the dialogs' carry data of their own prefixes, enum values and coach keys only:

==================  ==============================================
``pf:l:<level>``    /profile: fitness level
``pf:g:<goal>``     /profile: toggle a goal (``pf:g:done`` ends)
``pf:e:<item>``     /profile: toggle equipment (``pf:e:done`` ends)
``pf:c:<COACH>``    /profile: preferred coach
``pf:u:<units>``    /profile: kg or lb
``pf:x:skip``       /profile: no limitations
``pf:edit:<field>`` the saved profile: change one field
``wk:c:<COACH>``    /workout: coach
``wk:t:<type>``     /workout: workout type
``wk:d:<minutes>``  /workout: duration
``wk:e:<item>``     /workout: toggle equipment (``wk:e:done`` ends)
``wk:go``           /workout: Generate
``wk:f:<field>``    /workout's summary: change one field (coach, type, duration, equipment)
``dn:m:<what>``     Done: ``all`` (as planned), ``sets`` (enter them), ``back``; with
                    rep ranges ``top``, ``middle`` (of the ranges), ``short`` (enter them)
``dn:e:<what>``     Done, one exercise: ``plan`` (as planned), ``top`` (of its range),
                    ``skip``, ``cancel``
``dn:c:<what>``     a typed log shown back: ``save``, ``edit`` (set by set), ``cancel``
==================  ==============================================
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from chat.callbacks import RATINGS, Button, Kind, encode, encode_live, name_check
from core.coaches import COACHES
from core.domain import TOGGLED_EQUIPMENT, FitnessLevel, Goal, Units, WorkoutType
from core.live import LiveState, set_text
from core.render import one_line

__all__ = [
    "CHECK",
    "DONE",
    "DURATIONS",
    "PROFILE_FIELDS",
    "SUMMARY_FIELDS",
    "Rows",
    "coach_keyboard",
    "done_exercise_keyboard",
    "done_menu_keyboard",
    "done_range_keyboard",
    "duration_keyboard",
    "equipment_keyboard",
    "failure_keyboard",
    "feel_keyboard",
    "goals_keyboard",
    "history_keyboard",
    "level_keyboard",
    "limitations_keyboard",
    "pictures_keyboard",
    "profile_edit_keyboard",
    "summary_keyboard",
    "swap_exercises_keyboard",
    "swap_options_keyboard",
    "type_keyboard",
    "typed_log_keyboard",
    "units_keyboard",
    "workout_keyboard",
]

CHECK = "✅"
DONE = "done"
DURATIONS = (15, 20, 30, 45, 60, 90)
"""Minutes offered as buttons; any whole number from 10 to 180 may be typed instead."""
PROFILE_FIELDS = ("level", "goals", "equipment", "coach", "units", "limitations")
"""The fields of a saved profile that can be changed one at a time, in dialog order."""
Rows = list[list[Button]]
"""A keyboard: rows of buttons (adapters.telegram.markup makes Telegram's markup of it)."""
LABEL_LIMIT = 48
"""Exercise names on buttons are cut to this many characters."""


def _rows(buttons: Sequence[Button], per_row: int) -> list[list[Button]]:
    return [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


def _checked(label: str, on: bool) -> str:
    return f"{CHECK} {label}" if on else label


def level_keyboard() -> Rows:
    """One button per fitness level."""
    return [[Button(level.label, f"pf:l:{level.value}") for level in FitnessLevel]]


def goals_keyboard(selected: Iterable[str]) -> Rows:
    """Goal toggles (checked when selected) and Done."""
    chosen = set(selected)
    buttons = [Button(_checked(g.label, g.value in chosen), f"pf:g:{g.value}") for g in Goal]
    return [*_rows(buttons, 2), [Button("Done", f"pf:g:{DONE}")]]


def equipment_keyboard(prefix: str, selected: Iterable[str]) -> Rows:
    """Equipment toggles (checked when selected) and Done; ``prefix`` is ``pf`` or ``wk``."""
    chosen = set(selected)
    buttons = [
        Button(_checked(e.label, e.value in chosen), f"{prefix}:e:{e.value}")
        for e in TOGGLED_EQUIPMENT
    ]
    return [*_rows(buttons, 2), [Button("Done", f"{prefix}:e:{DONE}")]]


def coach_keyboard(prefix: str, first: str | None = None) -> Rows:
    """One button per coach ("emoji NAME"), ``first`` (the preferred coach) first."""
    keys = sorted(COACHES, key=lambda key: key != first)
    buttons = [Button(COACHES[key].button, f"{prefix}:c:{key}") for key in keys]
    return _rows(buttons, 3)


def units_keyboard() -> Rows:
    """kg or lb."""
    return [[Button(u.label, f"pf:u:{u.value}") for u in Units]]


def limitations_keyboard() -> Rows:
    """The one button of the limitations step: none to report."""
    return [[Button("Skip", "pf:x:skip")]]


def profile_edit_keyboard() -> Rows:
    """Under the saved profile: change one field."""
    buttons = [Button(f"✏️ {name.capitalize()}", f"pf:edit:{name}") for name in PROFILE_FIELDS]
    return _rows(buttons, 3)


def type_keyboard() -> Rows:
    """One button per workout type."""
    buttons = [Button(t.label, f"wk:t:{t.value}") for t in WorkoutType]
    return _rows(buttons, 3)


def duration_keyboard() -> Rows:
    """The usual durations as buttons."""
    buttons = [Button(f"{minutes} min", f"wk:d:{minutes}") for minutes in DURATIONS]
    return _rows(buttons, 3)


SUMMARY_FIELDS = ("coach", "type", "duration", "equipment")
"""The /workout fields the summary's buttons change, one at a time."""


def summary_keyboard() -> Rows:
    """The last step of /workout: Generate, and a button to change each field."""
    labels = {"coach": "Coach", "type": "Type", "duration": "Minutes", "equipment": "Equipment"}
    change = [Button(f"✏️ {labels[f]}", f"wk:f:{f}") for f in SUMMARY_FIELDS]
    return [[Button("⚡ Generate", "wk:go")], *_rows(change, 2)]


def done_menu_keyboard() -> Rows:
    """Done under a workout: log it all as planned, or set by set."""
    return [
        [Button("✅ As planned", "dn:m:all"), Button("✍️ Enter sets", "dn:m:sets")],
        [Button("⬅️ Back", "dn:m:back")],
    ]


def done_range_keyboard() -> Rows:
    """As planned, for a plan with rep ranges: where in the ranges were the sets?"""
    return [
        [Button("🔝 Top of each range", "dn:m:top"), Button("↔️ Inside the ranges", "dn:m:middle")],
        [Button("⬇️ Fell short: enter sets", "dn:m:short")],
        [Button("⬅️ Back", "dn:m:back")],
    ]


def done_exercise_keyboard(top: int | None = None) -> Rows:
    """Under one exercise's "what did you do?": as planned, skipped, or stop logging; with
    ``top`` (the top of its rep range) also "Top of the range"."""
    first = [Button("✅ As planned", "dn:e:plan")]
    if top is not None:
        first.append(Button(f"🔝 Top ({top} reps)", "dn:e:top"))
    return [
        [*first, Button("⏭ Skip", "dn:e:skip")],
        [Button("✖️ Cancel", "dn:e:cancel")],
    ]


def typed_log_keyboard() -> Rows:
    """Under a typed log shown back: store it, go exercise by exercise, or drop it."""
    return [
        [Button("💾 Save", "dn:c:save"), Button("✏️ Edit", "dn:c:edit")],
        [Button("✖️ Cancel", "dn:c:cancel")],
    ]


def history_keyboard(
    plans: Sequence[tuple[int, str]], *, page: int, has_newer: bool, has_older: bool
) -> Rows | None:
    """A button per listed plan (id, label), then Newer/Older; None when there is none."""
    rows = [[Button(label, encode(Kind.PLAN, plan_id))] for plan_id, label in plans]
    nav = []
    if has_newer:
        nav.append(Button("⬅️ Newer", encode(Kind.HISTORY, page - 1)))
    if has_older:
        nav.append(Button("Older ➡️", encode(Kind.HISTORY, page + 1)))
    if nav:
        rows.append(nav)
    return rows or None


def _label(text: str) -> str:
    return one_line(text, LABEL_LIMIT) or "?"


def workout_keyboard(plan_id: int) -> list[list[Button]]:
    """The buttons under a delivered workout (plan ``plan_id``).

    Start it as a live session (set by set, with rest timers); Swap an exercise,
    Regenerate, log it as Done; then how-to pictures, a new workout, the history.
    """
    return [
        [Button("▶️ Start: set by set, with rest timers", encode(Kind.START, plan_id))],
        [
            Button("🔀 Swap", encode(Kind.SWAP, plan_id)),
            Button("🎲 Regenerate", encode(Kind.REGENERATE, plan_id)),
            Button("✅ Done", encode(Kind.DONE, plan_id)),
        ],
        [
            Button("🖼 How-to", encode(Kind.PICTURE, plan_id)),
            Button("🔁 New workout", encode(Kind.NEW)),
            Button("📜 History", encode(Kind.HISTORY, 0)),
        ],
    ]


def swap_exercises_keyboard(plan_id: int, names: Sequence[str]) -> list[list[Button]]:
    """Swap, step 1: one button per exercise of the plan, and Back."""
    rows = [
        [Button(f"{n}. {_label(name)}", encode(Kind.SWAP, plan_id, index=n - 1))]
        for n, name in enumerate(names, 1)
    ]
    return [*rows, [Button("⬅️ Back", encode(Kind.BUTTONS, plan_id))]]


def swap_options_keyboard(
    plan_id: int, index: int, current: str, options: Sequence[str]
) -> list[list[Button]]:
    """Swap, step 2: one button per alternative to exercise ``index`` (named ``current``)."""
    check = name_check(current)
    rows = [
        [Button(_label(option), encode(Kind.SWAP, plan_id, index=index, choice=c, check=check))]
        for c, option in enumerate(options)
    ]
    return [*rows, [Button("⬅️ Back", encode(Kind.SWAP, plan_id))]]


def pictures_keyboard(plan_id: int, exercises: Sequence[tuple[int, str]]) -> list[list[Button]]:
    """How-to: one button per exercise that has a picture ((index, name) pairs), and Back.
    Each carries the exercise's ``name_check``, so a button from before a swap shows nothing
    rather than the wrong exercise."""
    rows = [
        [
            Button(
                f"🖼 {index + 1}. {_label(name)}",
                encode(Kind.PICTURE, plan_id, index=index, check=name_check(name)),
            )
        ]
        for index, name in exercises
    ]
    return [*rows, [Button("⬅️ Back", encode(Kind.BUTTONS, plan_id))]]


def feel_keyboard(log_id: int) -> list[list[Button]]:
    """How did it feel? Under a logged workout."""
    return [[Button(label, encode(Kind.RATE, log_id, rating=value)) for value, label in RATINGS]]


def failure_keyboard(request_id: int) -> list[list[Button]]:
    """The button under a failure message: try request ``request_id`` again."""
    return [[Button("🔄 Try again", encode(Kind.RETRY, request_id))]]


def live_keyboard(live_id: int, log_id: int, state: LiveState) -> Rows:
    """A live session's buttons for where it is: a set (done with today's numbers, a rep or
    a load step either way, skip the exercise, finish), a rest (next set now, finish), and
    once it is over how it felt (its log's rating, as after Done)."""

    def button(label: str, action: str) -> Button:
        return Button(label, encode_live(live_id, state.step, action))

    if state.phase == "finished":
        return feel_keyboard(log_id)
    finish = button("⏹ Finish", "x")
    if state.phase == "rest":
        return [[button("⏭ Next set now", "nx"), finish]]
    rows = [[button(f"✅ Done: {one_line(set_text(state), LABEL_LIMIT - 8)}", "d")]]
    adjust = []
    if state.reps is not None or state.seconds is not None:
        what = "5 s" if state.seconds is not None else "rep"
        adjust += [button(f"➖ {what}", "rm"), button(f"➕ {what}", "rp")]
    if state.weight is not None:
        step = (
            "bell"  # kettlebells move bell to bell (core.live)
            if "kettlebell" in state.current.equipment and "barbell" not in state.current.equipment
            else f"{state.units.step:g} {state.units.value}"
        )
        adjust += [button(f"➖ {step}", "wm"), button(f"➕ {step}", "wp")]
    if adjust:
        rows.append(adjust)
    rows.append([button("⏭ Skip exercise", "sk"), finish])
    return rows
