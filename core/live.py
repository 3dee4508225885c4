"""A live session: one workout done set by set, with a rest between sets.

    start ─▶ SET (exercise i, set n: target reps x load) ── done ─▶ REST (its rest) ──┐
               │  ± a rep (± 5 s for a timed set), ± a load step, skip the exercise  │
               │◀────────────────────── the rest is over, or Next now ──────────────┘
               └─ the last set done, or Finish ─▶ FINISHED

Pure: the state is a frozen value that the use case stores (``to_data``/``from_data``) and
changes one transition at a time. Every transition bumps ``step``; the buttons carry it,
so a button pressed twice, or one left from an earlier step, changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from html import escape
from typing import Any, Literal

from core.domain import Equipment, Units
from core.models import Workout
from core.progression import rep_range
from core.render import ELLIPSIS, weight_in
from core.rulebased import KETTLEBELLS, on_implement
from core.shorthand import MAX_REPS, MAX_SECONDS, MAX_WEIGHT_KG, SetDone, planned_reps, to_kg

__all__ = [
    "SECONDS_STEP",
    "LiveError",
    "LiveState",
    "Phase",
    "Target",
    "adjust",
    "done_set",
    "finish",
    "label",
    "next_set",
    "render_live",
    "rest_over_text",
    "set_text",
    "skip_exercise",
    "start",
]

Phase = Literal["set", "rest", "finished"]
SECONDS_STEP = 5
"""How much one tap moves a timed set."""


class LiveError(ValueError):
    """A transition that does not apply in the session's phase (a stale tap)."""


@dataclass(frozen=True, slots=True)
class Target:
    """One exercise as planned, in the user's unit."""

    name: str
    sets: int
    reps: int | None
    """Reps per set (the top of a range: what a set aims for); None for a timed set."""
    seconds: int | None
    """Seconds per set for a timed exercise."""
    weight: float | None
    """The load in the user's unit; None without one."""
    rest_s: int
    equipment: tuple[str, ...] = ()
    """The implement's equipment values (a kettlebell's load moves bell to bell)."""


@dataclass(frozen=True, slots=True)
class LiveState:
    """Where a session is: the exercise, the set, today's target for it, the phase."""

    targets: tuple[Target, ...]
    units: Units
    exercise: int = 0
    set_number: int = 1
    reps: int | None = None
    seconds: int | None = None
    weight: float | None = None
    phase: Phase = "set"
    step: int = 0
    sets_done: int = 0
    rest_s: int = 0
    """The rest running (REST), in seconds."""

    @property
    def current(self) -> Target:
        return self.targets[min(self.exercise, len(self.targets) - 1)]

    @property
    def next_target(self) -> Target | None:
        """The exercise after the current one, if any."""
        i = self.exercise + 1
        return self.targets[i] if i < len(self.targets) else None

    @property
    def total_sets(self) -> int:
        return sum(t.sets for t in self.targets)

    def to_data(self) -> dict[str, Any]:
        """A JSON-able form for the database."""
        return {
            "targets": [
                {
                    "name": t.name,
                    "sets": t.sets,
                    "reps": t.reps,
                    "seconds": t.seconds,
                    "weight": t.weight,
                    "rest_s": t.rest_s,
                    "equipment": list(t.equipment),
                }
                for t in self.targets
            ],
            "units": self.units.value,
            "exercise": self.exercise,
            "set_number": self.set_number,
            "reps": self.reps,
            "seconds": self.seconds,
            "weight": self.weight,
            "phase": self.phase,
            "step": self.step,
            "sets_done": self.sets_done,
            "rest_s": self.rest_s,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> LiveState:
        targets = tuple(
            Target(
                name=str(t["name"]),
                sets=int(t["sets"]),
                reps=t["reps"],
                seconds=t["seconds"],
                weight=t["weight"],
                rest_s=int(t["rest_s"]),
                equipment=tuple(t.get("equipment", ())),
            )
            for t in data["targets"]
        )
        return cls(
            targets=targets,
            units=Units(data["units"]),
            exercise=int(data["exercise"]),
            set_number=int(data["set_number"]),
            reps=data["reps"],
            seconds=data["seconds"],
            weight=data["weight"],
            phase=data["phase"],
            step=int(data["step"]),
            sets_done=int(data["sets_done"]),
            rest_s=int(data.get("rest_s", 0)),
        )


def _top_reps(text: str) -> int | None:
    """What a set aims for: the top of a range ("8-12" -> 12, the mark that moves the load
    up), the number otherwise."""
    found = rep_range(text)
    return None if found is None else min(MAX_REPS, found[1])


def start(workout: Workout, units: Units) -> LiveState:
    """A session at the first set of the workout's first exercise."""
    targets = []
    for e in workout.exercises:
        reps, seconds = planned_reps(e.reps)
        targets.append(
            Target(
                name=e.name,
                sets=max(1, e.sets),
                reps=_top_reps(e.reps) if seconds is None and reps is not None else None,
                seconds=seconds,
                weight=weight_in(e, units),
                rest_s=max(0, e.rest_seconds),
                equipment=tuple(sorted(x.value for x in e.equipment)),
            )
        )
    return _at(LiveState(targets=tuple(targets), units=units), 0, step=0)


def _at(state: LiveState, exercise: int, *, step: int) -> LiveState:
    """The first set of ``exercise`` (or the end), with its planned target."""
    if exercise >= len(state.targets):
        return replace(state, exercise=len(state.targets), phase="finished", step=step)
    t = state.targets[exercise]
    return replace(
        state,
        exercise=exercise,
        set_number=1,
        reps=t.reps,
        seconds=t.seconds,
        weight=t.weight,
        phase="set",
        step=step,
        rest_s=0,
    )


def _need(state: LiveState, phase: Phase) -> None:
    if state.phase != phase:
        raise LiveError(f"not in the {phase} phase (in {state.phase})")


def done_set(state: LiveState) -> tuple[LiveState, SetDone]:
    """The current set done at the current target: the set to log and the state after it
    (resting, or finished after the last set)."""
    _need(state, "set")
    weight = None if state.weight is None else to_kg(state.weight, state.units)
    done = SetDone(reps=state.reps, weight_kg=weight, duration_s=state.seconds)
    t = state.current
    sets_done = state.sets_done + 1
    last_set = state.set_number >= t.sets
    if last_set and state.next_target is None:
        return replace(state, phase="finished", step=state.step + 1, sets_done=sets_done), done
    rest = t.rest_s
    return replace(state, phase="rest", step=state.step + 1, sets_done=sets_done, rest_s=rest), done


def next_set(state: LiveState) -> LiveState:
    """The rest is over (its timer, or Next now): the next set, or the next exercise."""
    _need(state, "rest")
    if state.set_number >= state.current.sets:
        return _at(state, state.exercise + 1, step=state.step + 1)
    # Today's adjusted target carries to the next set of the same exercise.
    return replace(
        state, set_number=state.set_number + 1, phase="set", step=state.step + 1, rest_s=0
    )


def skip_exercise(state: LiveState) -> LiveState:
    """Leave the current exercise's remaining sets: the next exercise, or the end."""
    if state.phase == "finished":
        raise LiveError("the session is over")
    return _at(state, state.exercise + 1, step=state.step + 1)


def finish(state: LiveState) -> LiveState:
    """End the session here; what was done stays logged."""
    if state.phase == "finished":
        raise LiveError("the session is over")
    return replace(state, phase="finished", step=state.step + 1, rest_s=0)


def adjust(state: LiveState, what: Literal["reps", "weight"], direction: int) -> LiveState:
    """One step up (``direction`` 1) or down (-1) of the current set's reps (seconds for a
    timed set) or load: a rep, 5 s, the unit's plate step or the next kettlebell."""
    _need(state, "set")
    if direction not in (1, -1):
        raise ValueError("direction is 1 or -1")
    if what == "reps":
        if state.seconds is not None:
            seconds = min(MAX_SECONDS, max(SECONDS_STEP, state.seconds + direction * SECONDS_STEP))
            return replace(state, seconds=seconds, step=state.step + 1)
        if state.reps is None:
            raise LiveError("this set has no rep count")
        reps = min(MAX_REPS, max(1, state.reps + direction))
        return replace(state, reps=reps, step=state.step + 1)
    if state.weight is None:
        raise LiveError("this set has no load")
    return replace(state, weight=_load_step(state, direction), step=state.step + 1)


def _load_step(state: LiveState, direction: int) -> float:
    units, weight = state.units, state.weight or 0.0
    equipment = frozenset(Equipment(e) for e in state.current.equipment)
    if Equipment.KETTLEBELL in equipment and Equipment.BARBELL not in equipment:
        # Bell to bell: the next size that exists, or the same bell at either end.
        bells = [b for b in KETTLEBELLS[units] if (b - weight) * direction > 0]
        return (min(bells) if direction > 0 else max(bells)) if bells else weight
    top = MAX_WEIGHT_KG * units.per_kg
    return min(top, on_implement(equipment, weight + direction * units.step, units))


def label(name: str, limit: int = 40) -> str:
    """An exercise's name short enough for a line of the session's message."""
    return name if len(name) <= limit else name[: limit - 1].rstrip() + ELLIPSIS


def _weight_text(value: float | None, units: Units) -> str:
    if value is None:
        return ""
    return f"{value:.2f}".rstrip("0").rstrip(".") + f" {units.value}"


def set_text(state: LiveState) -> str:
    """The current set's target in words, load first as in a notebook: "60 kg × 8",
    "12 reps", "45 s", "16 kg · 30 s"."""
    weight = _weight_text(state.weight, state.units)
    if state.seconds is not None:
        amount = f"{state.seconds} s"
    elif state.reps is not None:
        amount = f"{state.reps}" if weight else f"{state.reps} reps"
    else:
        amount = "as many as you can"
    if not weight:
        return amount
    return f"{weight} × {amount}" if state.reps is not None else f"{weight} · {amount}"


def _rest_words(seconds: int) -> str:
    minutes, secs = divmod(max(0, seconds), 60)
    if not minutes:
        return f"{secs} s"
    return f"{minutes} min" + (f" {secs} s" if secs else "")


def render_live(state: LiveState, title: str) -> str:
    """The session's one message (Telegram HTML, escaped, well under 4096 characters)."""
    t = state.current
    head = f"🏋️ <b>Live</b> · {escape(label(title, 60))}"
    progress = f"{state.sets_done} of {state.total_sets} sets done"
    if state.phase == "finished":
        return "\n".join(
            [
                head,
                "",
                f"✅ <b>Session over</b>: {progress}, every one logged.",
                "How did it feel?",
            ]
        )
    exercise = f"Exercise {min(state.exercise, len(state.targets) - 1) + 1} of {len(state.targets)}"
    lines = [head, ""]
    if state.phase == "rest":
        after = (
            f"set {state.set_number + 1} of {t.sets}, {escape(label(t.name))}"
            if state.set_number < t.sets
            else (f"{escape(label(n.name))}" if (n := state.next_target) is not None else "the end")
        )
        lines += [
            f"⏱ <b>Rest {_rest_words(state.rest_s)}</b>: I'll message you when it's over.",
            f"Next: {after}",
        ]
    else:
        lines += [
            f"<b>{escape(label(t.name))}</b>",
            f"Set {state.set_number} of {t.sets}: <b>{escape(set_text(state))}</b>",
        ]
        if (n := state.next_target) is not None and state.set_number >= t.sets:
            lines.append(f"Then: {escape(label(n.name))}")
    lines += ["", f"{exercise} · {progress}"]
    return "\n".join(lines)


def rest_over_text(state: LiveState) -> str:
    """What rings when a rest ends (plain words, escaped): "Rest over: set 3 of 4, Barbell
    bench press, 60 kg × 8"."""
    t = state.current
    return escape(
        f"Rest over: set {state.set_number} of {t.sets}, {label(t.name)}, {set_text(state)}"
    )
