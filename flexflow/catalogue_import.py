"""``flexflow catalogue import``: the free-exercise-db data set into FlexFlow's catalogue.

    import_catalogue(raw, curated)   the public-domain exercises (free-exercise-db's
                                     ``exercises.json``, a list of dicts) merged with the
                                     hand-written entries (core/data/exercises.yaml): a list
                                     of catalogue records, as core/data/catalogue.json holds
    map_exercise(raw)                one data-set exercise as a catalogue record
    derive(record)                   the fields the generator needs that neither source
                                     states (dosing class, load ratio, assisted)

The mapping, field by field (the data set's README says what its fields are):

- equipment: barbell, dumbbell, body only (or none), cable, machine, kettlebells, bands map
  to FlexFlow's; a bench, a pull-up bar, a jump rope or a cardio machine are read from the
  name ("Incline Dumbbell Press" needs a bench); gear FlexFlow cannot ask about (medicine
  and exercise balls, foam rollers, EZ bars, sleds, boxes: "other") goes to ``needs``, so
  the generator never picks the exercise but the catalogue still knows it (for the AI's
  names and for pictures).
- level: beginner and intermediate as they are, expert -> advanced.
- muscles: primary then secondary, in FlexFlow's words (quadriceps -> quads, abdominals ->
  core, middle back -> upper back, abductors -> hips).
- category, force and mechanic with the name give the movement pattern
  (``core.catalogue.PATTERNS``), the workout types, timed or for reps, and the dosing class.
- alternatives: the closest entries by pattern, then muscles, then equipment (see
  ``_alternatives``); at least two, as the catalogue requires.

A hand-written entry the data set also has (same name, or one of ``SAME_AS``) keeps its
name, instructions, pattern and alternatives, and gains the data set's name as an alias,
its pictures and its steps. Hand-written entries the data set lacks (intervals, holds,
flows) stay as they are. The output is deterministic: same input, same file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from core.catalogue import DOSING, PATTERNS, load_catalogue_records, name_key
from core.domain import Equipment

__all__ = [
    "SAME_AS",
    "derive",
    "import_catalogue",
    "key",
    "map_exercise",
    "run_import",
    "sentence_case",
]

Record = dict[str, Any]

_EQUIPMENT = {
    "barbell": Equipment.BARBELL,
    "dumbbell": Equipment.DUMBBELLS,
    "body only": Equipment.BODYWEIGHT,
    "cable": Equipment.CABLE_MACHINE,
    "machine": Equipment.MACHINES,
    "kettlebells": Equipment.KETTLEBELL,
    "bands": Equipment.RESISTANCE_BANDS,
}
_MUSCLES = {
    "quadriceps": "quads",
    "abdominals": "core",
    "middle back": "upper back",
    "abductors": "hips",
}
_LEVELS = {"beginner": "beginner", "intermediate": "intermediate", "expert": "advanced"}

SAME_AS = {
    "barbell full squat": "Barbell back squat",
    "barbell squat": "Barbell back squat",
    "front barbell squat": "Barbell front squat",
    "barbell deadlift": "Conventional deadlift",
    "barbell bench press medium grip": "Barbell bench press",
    "barbell incline bench press medium grip": "Incline barbell bench press",
    "standing military press": "Overhead press",
    "pushups": "Push-up",
    "pullups": "Pull-up",
    "side lateral raise": "Lateral raise",
    "dumbbell flyes": "Dumbbell fly",
    "dumbbell bicep curl": "Dumbbell curl",
    "wide grip lat pulldown": "Lat pulldown",
    "triceps pushdown": "Cable triceps pushdown",
    "arnold dumbbell press": "Arnold press",
    "kettlebell turkish get up squat style": "Turkish get-up",
    "bodyweight walking lunge": "Walking lunge",
    "one arm dumbbell row": "One-arm dumbbell row",
    "hyperextensions back extensions": "Back extension",
    "farmer s walk": "Farmer's carry",
    "butt lift bridge": "Glute bridge",
    "bodyweight squat": "Bodyweight squat",
    "jumping jacks": "Jumping jack",
    "mountain climbers": "Mountain climber",
    "rowing stationary": "Rowing machine intervals",
    "running treadmill": "Treadmill run",
    "elliptical trainer": "Elliptical steady",
    "seated cable rows": "Seated cable row",
    "cable crossover": "Cable fly",
    "reverse machine flyes": "Reverse machine fly",
    "band assisted pull up": "Band-assisted pull-up",
    "close grip barbell bench press": "Close-grip bench press",
    "standing barbell calf raise": "Barbell calf raise",
    "dumbbell step ups": "Dumbbell step-up",
    "standing dumbbell calf raise": "Dumbbell calf raise",
    "straight arm dumbbell pullover": "Dumbbell pullover",
    "goblet squat": "Kettlebell goblet squat",  # the data set's is done with a kettlebell
    "kettlebell one legged deadlift": "Kettlebell single-leg deadlift",
    "one arm kettlebell snatch": "Kettlebell snatch",
    "one arm kettlebell row": "Kettlebell row",
    "freehand jump squat": "Jump squat",
    "side bridge": "Side plank",
    "superman": "Superman hold",
    "crunches": "Crunch",
    "knee tuck jump": "Tuck jump",
    "straight arm pulldown": "Straight-arm cable pulldown",
    "machine bench press": "Machine chest press",
    "machine shoulder military press": "Machine shoulder press",
    "lateral raise with bands": "Band lateral raise",
    "squats with bands": "Band squat",
    "pull through": "Band pull-through",
    "shoulder press with bands": "Band overhead press",
    "on your side quad stretch": "Side-lying quad stretch",
    "standing hip circles": "Hip circles",
    "dumbbell rear lunge": "Dumbbell reverse lunge",
    "alternating renegade row": "Renegade row",
    "standing dumbbell triceps extension": "Overhead dumbbell triceps extension",
    "standing biceps cable curl": "Cable curl",
    "push ups close triceps position": "Diamond push-up",
}
"""Data-set names (compared by ``key``) of a hand-written entry whose name differs: the same
movement, merged into the hand-written entry (which gains the name as an alias)."""

PICTURE_OF = {
    "Bike intervals": "Bicycling, Stationary",
    "Treadmill incline walk": "Walking, Treadmill",
    "Cat-cow": "Cat Stretch",
    "Standing quad stretch": "Quad Stretch",
    "Single-leg hamstring stretch": "Hamstring Stretch",
    "Calf stretch": "Calf Stretch Hands Against Wall",
    "Overhead triceps stretch": "Triceps Stretch",
    "Cross-body shoulder stretch": "Shoulder Stretch",
    "Shoulder rolls": "Shoulder Circles",
    "Dumbbell Romanian deadlift": "Stiff-Legged Dumbbell Deadlift",
    "Dumbbell walking lunge": "Dumbbell Lunges",
    "Dumbbell hang clean": "Dumbbell Clean",
    "Bicycle crunch": "Air Bike",
    "Kettlebell clean": "One-Arm Kettlebell Clean",
    "Bulgarian split squat": "Split Squat with Dumbbells",
    "Goblet squat": "Goblet Squat",
    "Hanging knee raise": "Hanging Leg Raise",
    "Dumbbell front squat": "Dumbbell Squat",
    "Easy run": "Jogging, Treadmill",
}
"""Hand-written entries shown with the picture and steps of a data-set exercise close
enough to teach the movement (a walk on a treadmill for an incline walk), which stays an
exercise of its own."""

_PROPER = {
    "arnold",
    "bulgarian",
    "romanian",
    "russian",
    "turkish",
    "smith",
    "zottman",
    "svend",
    "pallof",
    "jm",
    "otis",
    "gironda",
    "conan's",
    "it",
    "smr",
    "ez",
    "e-z",
    "t-bar",
    "v-bar",
    "y",
    "t",
    "w",
}


key = name_key
"""A name reduced for matching (core.catalogue.name_key)."""


def _spaced(name: str) -> str:
    return " ".join(name.lower().split())


def sentence_case(name: str) -> str:
    """ "Barbell Full Squat" -> "Barbell full squat", "One-Arm Kettlebell Swings" ->
    "One-arm kettlebell swing": FlexFlow's style (singular, sentence case); proper names
    and acronyms kept."""
    words = name.strip().split()
    out = []
    for i, word in enumerate(words):
        bare = word.strip("()").lower()
        if bare in _PROPER or (word.isupper() and len(word) > 1):
            out.append(word)
        else:
            lower = word.lower()
            out.append(lower[:1].upper() + lower[1:] if i == 0 else lower)
    if out:
        out[-1] = _singular(out[-1])
    return " ".join(out)


_PLURAL_KEPT = frozenset(
    {
        "calves",
        "glutes",
        "abs",
        "biceps",
        "triceps",
        "hips",
        "lats",
        "quads",
        "hamstrings",
        "adductors",
        "abductors",
        "obliques",
        "shoulders",
        "toes",
        "knees",
        "heels",
        "arms",
        "legs",
        "hands",
        "feet",
        "stairs",
        "bars",
        "ropes",
        "series",
        "stones",
        "steps",
        "lungs",
        "chains",
        "weights",
        "cones",
        "hops",
        "sides",
        "overs",
    }
)


def _singular(word: str) -> str:
    """The last word of a name in the singular ("curls" -> "curl", "crunches" -> "crunch",
    "flyes" -> "fly"); body parts and the like stay plural."""
    lower = word.lower()
    tail = lower.rpartition("-")[2]
    if (
        tail in _PLURAL_KEPT
        or not tail.endswith("s")
        or tail.endswith(("ss", "us"))
        or len(tail) < 4
    ):
        return word
    cut = 2 if tail == "flyes" or tail.endswith(("sses", "ches", "shes", "xes")) else 1
    return word[:-cut]


# ── one exercise ────────────────────────────────────────────────────────────────────

_NEEDS_BENCH = re.compile(
    r"\bbench\b(?!.*\bdip)|incline|decline|preacher|seated (?:dumbbell|barbell)|"
    r"lying (?:dumbbell|barbell)|flat bench|skull ?crusher|pullover",
    re.I,
)
_NEEDS_BAR = re.compile(
    r"pull-?ups?\b|chin-?ups?\b|\bchins?\b|muscle.?up|hanging|\bhang\b(?!.*clean|.*snatch)",
    re.I,
)
_CARDIO_MACHINE = re.compile(
    r"stationary|treadmill|elliptical|stairmaster|step mill|recumbent", re.I
)
_LOWER = frozenset({"quads", "hamstrings", "glutes", "calves", "adductors", "hips"})
_UPPER = frozenset(
    {"chest", "shoulders", "triceps", "biceps", "lats", "upper back", "traps", "forearms"}
)

_PATTERN_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"farmer|carry|yoke walk|suitcase", re.I), "carry"),
    (re.compile(r"thruster|burpee|clean|snatch|get-?up|man ?maker|devil", re.I), "full_body"),
    (re.compile(r"lunge|split squat|step-?ups?\b|bulgarian", re.I), "lunge"),
    (re.compile(r"squat|leg press", re.I), "squat"),
    (
        re.compile(
            r"deadlift|good ?morning|hip thrust|glute bridge|\bbridge|swing|hyperextension|"
            r"back extension|pull.?through|glute.?ham|romanian|stiff.?leg",
            re.I,
        ),
        "hinge",
    ),
    (
        re.compile(r"\brows?\b|pull-?ups?|\bchin|pulldown|pull-?down|muscle.?up|rope climb", re.I),
        "pull",
    ),
    (re.compile(r"press|push-?ups?|pushups?|\bdips?\b|jerk", re.I), "push"),
)


def _equipment(raw: Mapping[str, Any]) -> tuple[set[Equipment], list[str]]:
    name = str(raw["name"])
    source = raw.get("equipment")
    gear: set[Equipment] = set()
    needs: list[str] = []
    if source in _EQUIPMENT:
        gear.add(_EQUIPMENT[source])
    elif source is None:
        gear.add(Equipment.BODYWEIGHT)
    elif re.search(r"SMR\b", name):
        needs.append("foam roll")  # self-myofascial release: on a roller or a ball
    elif source == "other" and raw.get("category") == "stretching":
        gear.add(Equipment.BODYWEIGHT)  # a wall, a chair or a doorway: every room has one
    elif re.search(r"rope jump", name, re.I):
        gear.add(Equipment.JUMP_ROPE)
    elif _NEEDS_BAR.search(name) and not re.search(r"weighted|band|ring|sled|rope", name, re.I):
        gear.add(Equipment.PULL_UP_BAR)
    else:
        needs.append(str(source))
    if _CARDIO_MACHINE.search(name) or re.fullmatch(r"rowing, stationary", name, re.I):
        gear = {Equipment.CARDIO_MACHINE}
    if source in ("barbell", "dumbbell") and _NEEDS_BENCH.search(name):
        gear.add(Equipment.BENCH)
    if source == "body only" and _NEEDS_BAR.search(name):
        gear = {Equipment.PULL_UP_BAR}
    return gear, needs


_ISOLATION_WORDS = re.compile(
    r"\braises?\b|\bfly|\bflyes\b|\bcurls?\b|extensions?\b|kickbacks?\b|\bshrugs?\b|"
    r"pullovers?\b|\bshoulder raise",
    re.I,
)


def _pattern(raw: Mapping[str, Any], muscles: Sequence[str]) -> str:
    category = raw.get("category")
    main = muscles[0] if muscles else ""
    if category == "stretching":
        return "stretch"
    if category == "cardio":
        return "cardio"
    if category == "plyometrics":
        return "full_body"
    if main in ("calves", "forearms", "neck"):
        return "other"
    name = str(raw["name"])
    if raw.get("mechanic") == "isolation" and main != "core":
        return "other"
    if _ISOLATION_WORDS.search(name) and main != "core":
        return "other"  # a raise, fly or curl is single-joint whatever the data set says
    for pattern, found in _PATTERN_WORDS:
        if pattern.search(name):
            return found
    if main == "core":
        return "core"
    force = raw.get("force")
    if raw.get("mechanic") == "compound":
        if main in _UPPER and force in ("push", "pull"):
            return str(force)
        if main == "quads":
            return "squat"
        if main in ("hamstrings", "glutes", "lower back"):
            return "hinge"
    return "other"


def _types(raw: Mapping[str, Any], pattern: str, gear: set[Equipment]) -> list[str]:
    category = raw.get("category")
    if category == "stretching":
        return ["flexibility", "mobility"]
    if category == "cardio":
        return ["cardio", "hiit"] if Equipment.CARDIO_MACHINE in gear else ["cardio"]
    if category == "plyometrics":
        return ["cardio", "hiit"]
    types = ["strength"]
    if gear and gear <= {Equipment.BODYWEIGHT, Equipment.PULL_UP_BAR} and pattern != "other":
        types.append("bodyweight")
    if pattern == "full_body" and gear & {Equipment.KETTLEBELL, Equipment.DUMBBELLS}:
        types.append("hiit")
    return types


def map_exercise(raw: Mapping[str, Any]) -> Record:
    """One free-exercise-db exercise as a catalogue record (alternatives still empty)."""
    name = sentence_case(str(raw["name"]))
    muscles: list[str] = []
    for m in [*raw.get("primaryMuscles", []), *raw.get("secondaryMuscles", [])]:
        mapped = _MUSCLES.get(m, m)
        if mapped not in muscles:
            muscles.append(mapped)
    gear, needs = _equipment(raw)
    pattern = _pattern(raw, muscles)
    weighted = bool(
        gear
        & {
            Equipment.BARBELL,
            Equipment.DUMBBELLS,
            Equipment.KETTLEBELL,
            Equipment.CABLE_MACHINE,
            Equipment.MACHINES,
        }
    ) and pattern not in ("stretch", "cardio")
    timed = raw.get("category") in ("stretching", "cardio") or (
        raw.get("force") == "static" and not weighted
    )
    steps = [" ".join(str(s).split()) for s in raw.get("instructions", []) if str(s).strip()]
    record: Record = {
        "name": name,
        "aliases": [str(raw["name"])] if str(raw["name"]) != name else [],
        "equipment": sorted(e.value for e in gear) or ["bodyweight"],
        "muscles": muscles or ["full body"],
        "types": _types(raw, pattern, gear),
        "level": _LEVELS[str(raw.get("level") or "beginner")],
        "mode": "time" if timed else "reps",
        "pattern": pattern,
        "weighted": weighted,
        "alternatives": [],
        "instructions": _instructions(steps),
        "steps": steps,
        "images": [str(i) for i in raw.get("images", [])],
        "source": str(raw.get("id") or ""),
        "mechanic": raw.get("mechanic") or "",
    }
    if needs:
        record["needs"] = needs
    return record


def _instructions(steps: Sequence[str]) -> str:
    """The short cue the workout shows: the first steps, up to about 240 characters."""
    out = ""
    for step in steps:
        if out and len(out) + len(step) > 240:
            break
        out = f"{out} {step}".strip()
    return out[:400] or "Move with control through the full range."


# ── what the generator needs ────────────────────────────────────────────────────────

_RATIOS: tuple[tuple[re.Pattern[str], float], ...] = tuple(
    (re.compile(p, re.I), r)
    for p, r in (
        # legs and hips
        (r"hip thrust|glute bridge|\bbridge", 1.1),
        (r"single.?leg.*deadlift|one.?leg.*deadlift", 0.4),  # one leg: about half an RDL's
        (r"romanian|stiff.?leg|good ?morning", 0.7),
        (r"deadlift|rack pull", 1.2),
        (r"swing", 0.55),
        (r"leg press", 1.6),
        (r"hack squat", 1.0),
        (r"lunge|split squat|step.?up", 0.5),  # before "squat"
        (r"front squat|overhead squat|zercher", 0.8),
        (r"goblet", 0.5),
        (r"squat", 1.0),
        (r"calf|calves", 0.8),
        (r"leg extension|leg curl|hamstring curl", 0.4),
        # the lifts
        (r"snatch", 0.45),
        (r"thruster", 0.45),
        (r"clean|jerk", 0.6),
        (r"push press", 0.6),
        # isolation, before the presses and rows whose words they share
        (r"skull|triceps|tricep|extension|pushdown|kickback", 0.25),
        (r"curl", 0.35),
        (r"rear delt|reverse fl|face pull", 0.15),
        (r"fly|flye|crossover|pec deck|butterfly", 0.35),
        (r"raise", 0.2),
        (r"upright row", 0.35),
        (r"pullover", 0.35),
        (r"shrug", 0.9),
        (r"crunch|twist|woodchop|sit-?up|pallof|halo", 0.15),
        # presses, pulls, carries
        (r"overhead|military|shoulder press|arnold|kettlebell press|seated.*press", 0.5),
        (r"incline", 0.65),
        (r"bench press|chest press|floor press|close.?grip", 0.75),
        (r"dips?\b", 0.4),
        (r"pulldown|pull-?down", 0.6),
        (r"renegade", 0.3),  # a row from a plank: the plank limits it
        (r"\brows?\b|t-bar", 0.6),
        (r"carry|farmer|walk", 1.0),
    )
)
"""Working load of a movement relative to the barbell back squat (first match wins)."""
_PATTERN_RATIO = {
    "squat": 1.0,
    "lunge": 0.5,
    "hinge": 1.0,
    "push": 0.6,
    "pull": 0.6,
    "full_body": 0.5,
    "carry": 1.0,
    "core": 0.15,
    "other": 0.25,
}
_BOTH_HANDS = re.compile(r"goblet|pullover|swing|halo|twist|crunch|sit-?up", re.I)
_ONE_HAND = re.compile(r"one.?arm|single.?arm|one.?hand", re.I)
_SHARE = (
    (Equipment.BARBELL, 1.0),
    (Equipment.MACHINES, 0.9),
    (Equipment.CABLE_MACHINE, 0.7),
    (Equipment.KETTLEBELL, 0.4),
    (Equipment.DUMBBELLS, 0.4),
)
"""The same movement's load on each implement, relative to a barbell (dumbbells: per hand,
one dumbbell held in both hands about twice that)."""


def load_ratio(record: Mapping[str, Any]) -> float:
    """The exercise's starting load relative to the level's reference (see core.loads)."""
    if not record.get("weighted"):
        return 0.0
    name = str(record["name"])
    if re.search(r"assist", name, re.I):
        return 1.0  # the assistance itself: core.loads gives stronger users less of it
    ratio = next((r for p, r in _RATIOS if p.search(name)), None)
    if ratio is None:
        ratio = _PATTERN_RATIO.get(str(record.get("pattern")), 0.25)
    gear = {Equipment(e) for e in record["equipment"]}
    share = next((s for e, s in _SHARE if e in gear), 0.4)
    if (
        gear & {Equipment.DUMBBELLS, Equipment.KETTLEBELL}
        and _BOTH_HANDS.search(name)
        and not _ONE_HAND.search(name)
    ):
        share *= 1.6  # one dumbbell or bell held in both hands (a goblet squat, a swing)
    return round(ratio * share, 3)


def derive(record: Record) -> Record:
    """``record`` with the generator's fields filled where the source left them out."""
    pattern = str(record.get("pattern", "other"))
    if "dosing" not in record:
        if pattern in ("stretch", "mobility"):
            dosing = "hold"
        elif pattern == "cardio":
            dosing = "interval"
        elif pattern in ("core", "carry"):
            dosing = pattern
        elif pattern in ("squat", "lunge", "hinge", "push", "pull", "full_body") and (
            record.get("mechanic") != "isolation"
        ):
            dosing = "compound"
        else:
            dosing = "isolation"
        record["dosing"] = dosing
    if "load_ratio" not in record:
        record["load_ratio"] = load_ratio(record)
    if "assisted" not in record:
        record["assisted"] = bool(re.search(r"assist", str(record["name"]), re.I))
    if record["dosing"] not in DOSING or record["pattern"] not in PATTERNS:
        raise ValueError(f"{record['name']!r}: dosing or pattern unknown")
    return record


# ── alternatives ────────────────────────────────────────────────────────────────────


def _alternatives(record: Record, others: Sequence[Record], count: int = 3) -> list[str]:
    """The closest other entries: same pattern, then shared main muscle, shared muscles,
    shared equipment and types; reachable ones (no ``needs``) first; ties by name."""
    muscles = record["muscles"]
    gear = set(record["equipment"])
    types = set(record["types"])

    def score(o: Record) -> tuple[float, str]:
        s = 0.0
        if o["pattern"] == record["pattern"]:
            s += 4
        if o["muscles"][:1] == muscles[:1]:
            s += 3
        s += len(set(o["muscles"]) & set(muscles)) * 0.5
        s += len(set(o["types"]) & types)
        if set(o["equipment"]) == gear:
            s += 1
        if o.get("needs"):
            s -= 5
        return (-s, o["name"])

    ranked = sorted((o for o in others if o["name"] != record["name"]), key=score)
    return [o["name"] for o in ranked[:count]]


# ── the whole catalogue ─────────────────────────────────────────────────────────────


def import_catalogue(raw: Iterable[Mapping[str, Any]], curated: Sequence[Record]) -> list[Record]:
    """The merged catalogue: ``curated`` entries first (as written, plus what the data set
    adds to them), then the data set's others in its order, every record ``derive``d."""
    raw = list(raw)
    out: list[Record] = [{**c, "staple": True} for c in curated]
    by_key: dict[str, Record] = {}
    taken: set[str] = set()  # every name and alias, as the catalogue compares them
    for c in out:
        for name in (c["name"], *c.get("aliases", [])):
            by_key.setdefault(key(name), c)
            taken.add(_spaced(name))
    same_as = {key(k): v for k, v in SAME_AS.items()}
    new: list[Record] = []
    for item in raw:
        mapped = map_exercise(item)
        original = str(item["name"])
        k = key(original)
        target = same_as.get(k)
        twin = by_key.get(key(target)) if target else by_key.get(k)
        if twin is not None and twin.get("staple") and not twin.get("images"):
            # The hand-written entry stays as written and gains the data set's name,
            # pictures and steps.
            if _spaced(original) not in taken:
                twin["aliases"] = [*twin.get("aliases", []), original]
                taken.add(_spaced(original))
            twin["images"] = mapped["images"]
            twin["steps"] = mapped["steps"]
            twin["source"] = mapped["source"]
            continue
        # An exercise of its own (a second one of a similar name keeps the data set's name,
        # so none of the 873 is lost).
        for name in (mapped["name"], original, f"{original} ({mapped['source']})"):
            if _spaced(name) not in taken:
                mapped["name"] = name
                break
        mapped["aliases"] = [
            a for a in mapped["aliases"] if _spaced(a) not in taken and a != mapped["name"]
        ]
        for name in (mapped["name"], *mapped["aliases"]):
            taken.add(_spaced(name))
            by_key.setdefault(key(name), mapped)
        new.append(mapped)
    records = out + new
    by_source_name = {str(item["name"]): item for item in raw}
    for c in out:
        pictured = by_source_name.get(PICTURE_OF.get(c["name"], ""))
        if pictured is not None and not c.get("images"):
            c["images"] = [str(i) for i in pictured.get("images", [])]
            c["steps"] = map_exercise(pictured)["steps"]
    for r in records:
        derive(r)
    for r in new:
        r["alternatives"] = _alternatives(r, records)
    for r in records:
        r.pop("mechanic", None)
    load_catalogue_records(records)  # the result must be a valid catalogue
    return records


# ── files ───────────────────────────────────────────────────────────────────────────

CURATED = Path(__file__).resolve().parent.parent / "core" / "data" / "exercises.yaml"
OUTPUT = Path(__file__).resolve().parent.parent / "core" / "data" / "catalogue.json"


def dumps(records: Sequence[Record]) -> str:
    """The catalogue file's text: one record a line, so a review reads one diff line per
    exercise changed."""
    lines = (json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in records)
    return "[\n" + ",\n".join(lines) + "\n]\n"


def run_import(source: Path, curated: Path = CURATED, out: Path = OUTPUT) -> list[Record]:
    """Read the data set and the hand-written entries, write the merged catalogue."""
    raw = json.loads(source.read_text(encoding="utf-8"))
    hand = yaml.safe_load(curated.read_text(encoding="utf-8"))
    records = import_catalogue(raw, hand)
    out.write_text(dumps(records), encoding="utf-8")
    return records
