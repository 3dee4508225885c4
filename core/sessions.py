"""Warm-up and cool-down built from the session itself.

The warm-up raises the pulse with what the user has, mobilises the joints the session
loads, and ramps up to the first loaded lift's working weight (empty bar x 10, 50% x 5,
75% x 3 on a barbell; 50% x 8, 75% x 3 otherwise, in the user's unit). The cool-down
brings the heart rate down and stretches the muscles trained. Neither uses gear the user
lacks, nor repeats a main exercise (the ramp-up sets are the first lift itself, on purpose).
"""

from __future__ import annotations

from core.catalogue import Catalogue, Entry
from core.domain import Equipment, FitnessLevel, Units, WorkoutType, with_bodyweight
from core.loads import EMPTY_BAR, lighter_bells

__all__ = ["EMPTY_BAR", "cooldown_items", "muscle_groups", "ramp_up", "warmup_items"]


_GROUPS: dict[str, frozenset[str]] = {
    "quads": frozenset({"quads", "legs"}),
    "hamstrings": frozenset({"hamstrings", "legs"}),
    "glutes": frozenset({"glutes", "hips"}),
    "adductors": frozenset({"adductors"}),
    "calves": frozenset({"calves"}),
    "hip flexors": frozenset({"hip flexors"}),
    "chest": frozenset({"chest", "upper chest"}),
    "shoulders": frozenset({"shoulders", "rear shoulders"}),
    "triceps": frozenset({"triceps"}),
    "back": frozenset({"back", "lats", "upper back", "lower back", "biceps", "spine"}),
    "core": frozenset({"core", "abs", "obliques", "lower abs"}),
}
# Joint drills (catalogue names) that prepare each group, in order of preference.
_DRILLS: dict[str, tuple[str, ...]] = {
    "lower": ("Leg swings", "Hip circles", "Ankle rocks", "Adductor rock-back"),
    "upper": ("Arm circles", "Band pull-apart", "Shoulder rolls", "Scapular pull-up"),
    "spine": ("Open book rotation", "World's greatest stretch", "Inchworm"),
}
_LOOSE = (WorkoutType.MOBILITY, WorkoutType.FLEXIBILITY)
_LOWER = frozenset({"quads", "hamstrings", "glutes", "adductors", "calves", "hip flexors"})


def muscle_groups(entries: list[Entry]) -> list[str]:
    """The groups the entries train, the most trained first (ties in a fixed order)."""
    score = dict.fromkeys(_GROUPS, 0)
    for entry in entries:
        for weight, muscle in zip((3, 2, 1), entry.muscles, strict=False):
            for group, members in _GROUPS.items():
                if muscle in members or (muscle == "full body" and group in ("quads", "back")):
                    score[group] += weight
    return [g for g in sorted(score, key=lambda g: -score[g]) if score[g] > 0]


def _usable(entry: Entry | None, have: frozenset[Equipment], level: FitnessLevel) -> bool:
    return (
        entry is not None
        and not entry.needs
        and entry.equipment <= have
        and entry.level.rank <= level.rank
    )


def _side(entry: Entry) -> str:
    name = entry.name.lower()
    words = ("single-leg", "quad stretch", "pigeon", "couch", "lunge stretch", "cross-body")
    return " each side" if any(w in name for w in words) or "figure-four" in name else ""


def _pulse_raiser(
    have: frozenset[Equipment], kind: WorkoutType, minutes: int, used: set[str]
) -> str:
    """A few easy minutes that raise the pulse, with what the user has and the session
    does not use."""
    options: list[tuple[str, tuple[str, ...]]] = []
    if Equipment.CARDIO_MACHINE in have:
        options.append(("easy on the rower, bike or treadmill", ()))
    if Equipment.JUMP_ROPE in have and kind not in _LOOSE:
        options.append(("easy jump rope, basic bounce", ("jump rope basic bounce",)))
    if kind in _LOOSE:
        options.append(("slow nasal breathing, then an easy walk around the room", ()))
    options += [
        ("marching in place, then jumping jacks", ("marching in place", "jumping jack")),
        ("brisk walk, arms swinging", ("brisk walk",)),
        ("easy walk around the room, then arm swings", ()),
    ]
    text = next(t for t, names in options if not set(names) & used)
    return f"{minutes} min {text}"


def ramp_up(entry: Entry, weight: float, units: Units) -> str | None:
    """Ramp-up sets to ``weight`` on ``entry``, in ``units``; None when there is no room."""
    step = units.step

    def at(share: float) -> float:
        return max(step, round(weight * share / step) * step)

    def num(value: float) -> str:
        return f"{value:g} {units.value}"

    if Equipment.BARBELL in entry.equipment:
        bar = EMPTY_BAR[units]
        sets = ["empty bar × 10"]
        for share, reps in ((0.5, 5), (0.75, 3)):
            load = at(share)
            if bar < load < weight:
                sets.append(f"{num(load)} × {reps}")
        if len(sets) == 1 and weight > bar:
            sets.append(f"{num(weight)} × 2")
        if len(sets) == 1:  # the working weight is the empty bar
            return f"{entry.name}: empty bar × 10, slow, for the groove"
    elif Equipment.KETTLEBELL in entry.equipment:  # bells that exist, not plate steps
        bells = lighter_bells(weight, units)
        if not bells:
            return f"{entry.name}: {num(weight)} × 5, slow, for the groove"
        picks = [b for b in bells if b <= weight * 0.75][-2:] or bells[-1:]
        sets = [f"{num(w)} × {r}" for w, r in zip(picks, (8, 3), strict=False)]
    else:
        loads = sorted({at(0.5), at(0.75)})
        loads = [w for w in loads if w < weight] or [at(0.5)]
        sets = [f"{num(w)} × {r}" for w, r in zip(loads, (8, 3), strict=False)]
        if len(sets) == 1:
            sets.append(f"{num(weight)} × 2")
    return f"{entry.name}: " + ", ".join(sets)


def warmup_items(
    catalogue: Catalogue,
    kind: WorkoutType,
    main: list[Entry],
    have: frozenset[Equipment],
    level: FitnessLevel,
    minutes: int,
    ramp: str | None,
) -> list[str]:
    """A pulse raiser, joint drills for what the session loads, and the ramp-up sets."""
    have = with_bodyweight(have)
    used = {e.name.lower() for e in main}
    groups = muscle_groups(main)
    lower = any(g in _LOWER for g in groups[:4])
    upper = any(g in ("chest", "shoulders", "triceps", "back") for g in groups[:4])
    order = [
        *(_DRILLS["lower"] if lower or not upper else ()),
        *(_DRILLS["upper"] if upper or not lower else ()),
        *_DRILLS["spine"],
    ]
    if lower and upper:  # alternate so a short list has both
        low, up = list(_DRILLS["lower"]), list(_DRILLS["upper"])
        order = [x for pair in zip(low, up, strict=True) for x in pair] + list(_DRILLS["spine"])
    pulse = max(1, min(5, minutes // 3))
    items = [_pulse_raiser(have, kind, pulse, used)]
    slots = max(1, min(4, (minutes - pulse) // 1))
    if ramp is not None:
        slots = max(1, slots - 1)
    for name in order:
        entry = catalogue.get(name)
        if len(items) > slots or entry is None:
            continue
        if _usable(entry, have, level) and entry.name.lower() not in used:
            amount = "30 s" if entry.timed else "8"
            items.append(f"{amount} {entry.name}{' each side' if 'swing' in name.lower() else ''}")
    if ramp is not None:
        items.append(ramp)
    return items


def cooldown_items(
    catalogue: Catalogue,
    kind: WorkoutType,
    main: list[Entry],
    have: frozenset[Equipment],
    level: FitnessLevel,
    minutes: int,
) -> list[str]:
    """An easy walk (after hard work), then stretches for the groups trained, most first."""
    have = with_bodyweight(have)
    used = {e.name.lower() for e in main}
    items: list[str] = []
    if kind in _LOOSE:
        items.append("1 min slow breathing lying down")
    else:
        items.append(f"{1 if minutes < 5 else 2} min easy walk, breathing slowing down")
    stretches = [
        e
        for e in catalogue.by_pattern("stretch")
        if _usable(e, have, level) and e.name.lower() not in used
    ]
    room = max(1, min(5, minutes - 1))
    picked: list[Entry] = []
    for group in muscle_groups(main):
        if len(picked) >= room:
            break
        members = _GROUPS[group]
        best = next(
            (
                e
                for e in stretches
                if all(e is not p for p in picked) and e.muscles and e.muscles[0] in members
            ),
            None,
        ) or next(
            (e for e in stretches if all(e is not p for p in picked) and set(e.muscles) & members),
            None,
        )
        if best is not None:
            picked.append(best)
    hold = "45 s" if kind in _LOOSE else "30 s"
    items += [f"{hold} {e.name}{_side(e)}" for e in picked]
    return items
