"""What the bot says: every message as Telegram HTML, user-supplied strings escaped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from html import escape

from chat.callbacks import RATINGS
from core.coaches import COACHES, DEFAULT_COACH, Coach
from core.domain import Equipment, Units, WorkoutType, with_bodyweight
from core.export import Exported
from core.models import MAX_DURATION, MIN_DURATION, Profile
from core.progress import PersonalRecord, Progress, in_units, week_start
from core.recovery import FRESH, GROUPS, TIRED
from core.render import TELEGRAM_LIMIT
from core.shorthand import Planned, SetDone, format_sets
from usecases import PlanSummary

__all__ = [
    "BUSY",
    "CANCELLED",
    "COMMANDS",
    "DONE_PICK",
    "DURATION_REPROMPT",
    "EXPIRED",
    "HELP",
    "LIMITATIONS_TOO_LONG",
    "LOG_CANCELLED",
    "NOTHING_LOGGED",
    "NOTHING_TO_CANCEL",
    "NOTHING_TO_EXPORT",
    "NOT_ALLOWED",
    "NOT_FOUND",
    "NOT_UNDERSTOOD",
    "NO_LAST_REQUEST",
    "NO_LAST_REQUEST_YET",
    "NO_PROGRESS_YET",
    "PICTURES_NONE",
    "PICTURES_PICK",
    "PICTURE_GONE",
    "PICTURE_STALE",
    "QUEUED_LATER",
    "RATED",
    "REGENERATING",
    "SLOW_DOWN",
    "SOMETHING_WRONG",
    "SOMETHING_WRONG_SHORT",
    "SWAP_NOTHING_FITS",
    "SWAP_PICK",
    "SWAP_STALE",
    "TAP_A_BUTTON",
    "TYPED_CHANGE",
    "TYPED_LOG_PENDING",
    "ai_question_answer",
    "coach_list",
    "equipment_names",
    "export_caption",
    "generation_limit",
    "greeting",
    "history_line",
    "history_text",
    "logged_text",
    "profile_text",
    "progress_caption",
    "progress_text",
    "question_answer",
    "queue_down_reason",
    "rated_text",
    "set_prompt",
    "sets_reprompt",
    "swapped",
    "typed_log_text",
    "typed_log_unread",
    "workout_summary",
]

COMMANDS = (
    ("start", "Say hello and get started"),
    ("profile", "Set up your level, goals, equipment and coach"),
    ("workout", "Get a new workout"),
    ("history", "Your past workouts"),
    ("progress", "Your streak, records and a chart"),
    ("plan", "Your training week and its reminders (/plan off stops them)"),
    ("export", "Your logged sets as a CSV file"),
    ("help", "What I can do"),
    ("cancel", "Leave the current dialog"),
)
"""The command menu registered with Telegram, and the lines of /help."""

HELP = "<b>What I can do</b>\n" + "\n".join(f"/{name} · {what}" for name, what in COMMANDS)
EXPIRED = "This button has expired."
PLAN_OFF = "Your plan is off: no more reminders. /plan turns it on again."
NO_PLAN_ON = "You have no plan running. /plan sets one up."
PLAN_TIME_REPROMPT = "Send a time of day like <i>7:30</i> or <i>6pm</i>, or tap one."
SESSION_NOT_FOUND = "Session not found."
MOVED = "Moved to tomorrow."
SKIPPED = "Skipped."
SKIPPED_TEXT = "Skipped today's session. See you next time."


def plan_zone_reprompt(typed_html: str) -> str:
    """``typed_html`` (escaped) is no time zone I know."""
    return (
        f"I don't know the time zone <i>{typed_html}</i>. Type a city (<i>Berlin</i>), "
        "a zone (<i>Europe/Lisbon</i>) or an offset (<i>UTC+2</i>)."
    )


def moved_to(day: dt.date) -> str:
    """The reminder after Tomorrow."""
    return f"Moved to tomorrow, {day:%A %d %B}. I'll remind you then."


NOT_FOUND = "Workout not found."
LIVE_RUNNING = "Your session of this workout is running: its message is above."
LIVE_ENDED = "This session has ended. Start it again from the workout any time."
LIVE_STALE = "That button was from an earlier step: the message shows where you are."
CANCELLED = "Cancelled. Start again any time with /workout or /profile."
NOTHING_TO_CANCEL = "There is nothing to cancel. Try /workout or /help."
NOT_UNDERSTOOD = "I work with commands: /workout for a new workout, /help for the rest."
NO_LAST_REQUEST = (
    "I don't have an earlier workout of yours to repeat yet. Tell me what you'd like "
    '(say "30 min hiit, dumbbells"), or tap through /workout.'
)
NO_LAST_REQUEST_YET = "I don't have an earlier workout of yours yet, so let's pick the rest."
TYPED_CHANGE = (
    '<i>Not quite? Type what to change (say "20 min" or "with KAI"), '
    "or /workout to pick step by step.</i>"
)
TAP_A_BUTTON = "Please tap one of the buttons above, or /cancel."
SOMETHING_WRONG = "Sorry, something went wrong on my side. Please try again, or /cancel."
SOMETHING_WRONG_SHORT = "Something went wrong."
BUSY = "You already have a workout on the way. I'll post it here as soon as it's ready."
DURATION_REPROMPT = (
    f"Send a whole number of minutes from {MIN_DURATION} to {MAX_DURATION}, or tap a button."
)
LIMITATIONS_TOO_LONG = "Please keep it under 500 characters."
SWAP_PICK = "Which exercise should go?"
PICTURES_PICK = "Which exercise? Its picture and steps come as a photo."
PICTURES_NONE = "No pictures for these exercises, sorry."
PICTURE_STALE = "That list is out of date; here it is again."
PICTURE_GONE = "No picture for that one."
SWAP_NOTHING_FITS = "Nothing else fits your equipment for this one."
SWAP_STALE = "That list is out of date; here it is again."
REGENERATING = "Writing you a different one…"
DONE_PICK = "Log it as planned, or enter your sets."
NOTHING_LOGGED = "Nothing logged: every exercise was skipped."
LOG_CANCELLED = "Logging cancelled. Tap ✅ Done under the workout to start again."
TYPED_LOG_PENDING = "Tap Save or Edit above, or type the log again."
RATED = "Thanks, noted!"
_MORE = "…"
QUEUED_LATER = (
    "⏳ I'm swamped right now: your request is saved and your workout will appear right here "
    "as soon as I can write it. No need to ask again."
)
_HOW_TO_LOG = "When you finish a workout, tap <b>Done</b> under it (one tap if it went as planned)."
NO_PROGRESS_YET = (
    f"No workouts logged yet. {_HOW_TO_LOG} Your weeks, streak, records and a chart of your "
    "lifts will show up here. Get a workout with /workout."
)
NOTHING_TO_EXPORT = (
    f"Nothing to export yet. {_HOW_TO_LOG} Then /export sends your sets as a CSV file."
)
SLOW_DOWN = "Easy there, that's a lot at once! I'll skip a few. Give me a moment, then carry on."
NOT_ALLOWED = (
    "Sorry, this FlexFlow coach is private: it only trains the people its owner has invited."
)


def greeting(name: str | None, has_profile: bool) -> str:
    """/start, in the default coach's voice."""
    coach = DEFAULT_COACH
    who = f", {escape(name)}" if name else ""
    next_step = (
        "Ready when you are: /workout."
        if has_profile
        else "Tell me about you with /profile, or jump straight into a /workout."
    )
    return (
        f"{coach.emoji} <b>{coach.key}</b> here. Welcome to FlexFlow{who}!\n"
        "I write your workouts, you lift. Pick a coach, a type, a duration and what you have "
        "at hand, and a full plan lands here seconds later.\n\n"
        f"{next_step}"
    )


def coach_list(first: str | None = None) -> str:
    """One line per coach: emoji, name, tagline."""
    keys = sorted(COACHES, key=lambda key: key != first)
    return "\n".join(f"{COACHES[k].emoji} <b>{k}</b>: {escape(COACHES[k].tagline)}" for k in keys)


def equipment_names(values: Iterable[str]) -> str:
    """Equipment labels, bodyweight first (it is always there)."""
    items = with_bodyweight(values)
    ordered = [e for e in Equipment if e in items]
    return ", ".join(e.label for e in ordered)


def profile_text(profile: Profile) -> str:
    """The saved profile."""
    coach = COACHES[profile.preferred_coach]
    limitations = escape(profile.limitations) if profile.limitations else "none"
    name = f" · {escape(profile.name)}" if profile.name else ""
    return (
        f"<b>Your profile</b>{name}\n"
        f"Level: {profile.level.label}\n"
        f"Goals: {', '.join(g.label for g in profile.goals)}\n"
        f"Equipment: {equipment_names(e.value for e in profile.equipment)}\n"
        f"Coach: {coach.button}\n"
        f"Units: {profile.units.label}\n"
        f"Limitations: {limitations}\n\n"
        "Tap a button to change one thing."
    )


def workout_summary(
    coach: Coach,
    workout_type: WorkoutType,
    minutes: int,
    equipment: Sequence[str],
    *,
    typed: bool = False,
) -> str:
    """The last step of /workout; ``typed``: it began with a typed request, so the way to
    change a field is said."""
    change = f"\n{TYPED_CHANGE}" if typed else ""
    return (
        "<b>Your workout</b>\n"
        f"Coach: {coach.button}\n"
        f"Type: {workout_type.label}\n"
        f"Duration: {minutes} min\n"
        f"Equipment: {equipment_names(equipment)}\n\n"
        f"Tap <b>Generate</b> when you're ready.{change}"
    )


def history_line(number: int, plan: PlanSummary, day: str) -> str:
    """One plan in /history: date · coach · type · minutes, and its title."""
    coach = COACHES.get(plan.coach)
    who = coach.button if coach is not None else escape(plan.coach)
    return (
        f"{number}. {day} · {who} · {plan.workout_type.label} · {plan.duration_min} min\n"
        f"    <i>{escape(plan.title)}</i>"
    )


def history_text(lines: Sequence[str], *, first: int, last: int, total: int) -> str:
    """A page of /history."""
    if total == 0:
        return "No workouts yet. Ask for your first one with /workout."
    return f"<b>Your workouts</b> ({first}–{last} of {total}, newest first)\n\n" + "\n".join(lines)


def queue_down_reason() -> str:
    """Why a Generate failed when the queue could not be reached."""
    return "I'm swamped right now. Please try again in a minute."


def generation_limit(per_hour: int, minutes: int) -> str:
    """Generate when the user has had their workouts for the hour: when the next one can start."""
    when = "in about a minute" if minutes <= 1 else f"in about {minutes} minutes"
    return (
        f"That's {per_hour} workouts in the last hour, the most I write in an hour. "
        f"Your next one can start {when}: tap /workout then."
    )


def swapped(old: str, new: str) -> str:
    """The answer to a swap (a button answer: plain text, at most 200 characters)."""
    text = f"Swapped {old} for {new}."
    return text if len(text) <= 200 else f"Swapped in {new}"[:199] + _MORE


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _example(planned: Planned) -> tuple[str, str]:
    """A typed example for an exercise, and what it means."""
    if planned.timed:
        seconds = planned.seconds or 30
        return f"{seconds}s {seconds}s {max(5, seconds - 5)}s", "seconds per set"
    # Every set of the example inside the plan's range (the top twice, then one rep less
    # but never below the bottom): an example never shows a set short of the plan.
    reps = planned.reps_at("top") or 10
    low = max(planned.reps or 1, reps - 1) if planned.ranged else reps
    if planned.weight is None:
        return f"{reps} {reps} {low}", "reps per set"
    weight = _number(planned.weight)
    unit = planned.units.value
    return f"{weight}x{reps} {weight}x{reps} {weight}x{low}", f"{unit} × reps"


def set_prompt(number: int, total: int, name: str, reps: str, planned: Planned) -> str:
    """Done, one exercise: what was planned and how to type what was done."""
    plan = f"{planned.sets} × {escape(reps)}"
    if planned.weight is not None:
        plan += f" at {_number(planned.weight)} {planned.units.value}"
    example, meaning = _example(planned)
    lines = [
        f"<b>{number}/{total} · {escape(name)}</b>",
        f"Planned: {plan}",
        f"What did you do? Type it like <code>{example}</code> ({meaning}).",
    ]
    if planned.weight is not None and not planned.timed:
        reps_only = " ".join([str(planned.reps_at("top") or 10)] * 2)
        lines.append(
            f"Reps only (<code>{reps_only}</code>) means {_number(planned.weight)} "
            f"{planned.units.value}; <code>bw x12</code> is bodyweight."
        )
    lines.append("Or tap a button.")
    return "\n".join(lines)


def sets_reprompt(typed_part: str, planned: Planned) -> str:
    """Shorthand that did not read: a short example, and ask again (never an error)."""
    example, meaning = _example(planned)
    part = escape(typed_part[:40]) if typed_part.strip() else "that"
    return (
        f"I couldn't read “{part}”. Try <code>{example}</code> ({meaning}), "
        "<code>3x10@60</code> (3 sets of 10 at 60), <code>bw x12</code>, or tap Skip."
    )


def typed_log_text(
    title: str,
    done: Sequence[tuple[str, Sequence[SetDone]]],
    not_mentioned: Sequence[str],
    units: Units,
) -> str:
    """A typed log read back before anything is stored: what each exercise gets."""
    head = f"📝 <b>Is this right?</b> {escape(title)}"
    tail = "Tap <b>Save</b> to log it, or <b>Edit</b> to go exercise by exercise."
    lines: list[str] = []
    used = len(head) + len(tail) + 400
    for number, (name, sets) in enumerate(done, start=1):
        line = f"{number}. {escape(name)}: {escape(format_sets(tuple(sets), units))}"
        if used + len(line) + 1 > TELEGRAM_LIMIT:
            lines.append(_MORE)
            break
        lines.append(line)
        used += len(line) + 1
    if not_mentioned:
        missing = ", ".join(not_mentioned)
        if len(missing) > 300:
            missing = missing[:299] + _MORE
        lines += ["", f"<i>Not mentioned, so not logged: {escape(missing)}</i>"]
    return "\n".join([head, *lines, "", tail])


def typed_log_unread(problems: Sequence[str], example_name: str) -> str:
    """A typed log that did not read: the parts quoted back, an example; nothing stored."""
    parts = ", ".join(f"“{escape(p.strip()[:40])}”" for p in problems[:4] if p.strip()) or "that"
    name = escape(example_name.split()[-1].lower()[:30]) if example_name else "bench"
    return (
        f"I couldn't read {parts} as sets of your last workout, so nothing is logged. "
        f"Name the exercise, then the sets: <code>{name} 60x8 60x8 62.5x6</code>, "
        "<code>squats 3x5@100</code>, or <code>did it all</code>. "
        "Or tap ✅ <b>Done</b> under the workout."
    )


_PAIN_LINE = (
    "🩺 Pain is a signal to stop, not to push through. I can't diagnose it: if it is sharp, "
    "or still there after a few days, please see a doctor or a physiotherapist."
)


def _coach_says(coach: Coach) -> str:
    return f"{coach.emoji} <b>{coach.key}</b>: "


def _limitations_line(limitations: str | None) -> str:
    if limitations:
        return f"Your profile notes “{escape(limitations[:120])}”: I plan around it."
    return "Add it to your limitations in /profile and I'll plan your workouts around it."


def question_answer(
    coach: Coach,
    kind: str,
    typed_exercise: str | None,
    exercise: str | None,
    alternatives: Sequence[str],
    instructions: str | None,
    pain: str | None,
    profile: Profile,
) -> str:
    """A typed question answered from the catalogue, in a short templated coach line (the
    answer without an AI, or when the AI fails)."""
    lines: list[str] = []
    gear = equipment_names(e.value for e in profile.equipment)
    if kind in ("instead", "how") and exercise is None:
        asked = escape((typed_exercise or "")[:40])
        lines.append(
            f"{_coach_says(coach)}I don't know “{asked}” by that name. Try its usual name, "
            "like “goblet squat” or “push-up”."
        )
    elif kind == "instead":
        if alternatives:
            listed = "\n".join(f"• {escape(a)}" for a in alternatives)
            lines.append(
                f"{_coach_says(coach)}Instead of {escape(exercise or '')}, try:\n{listed}\n"
                f"<i>All fit your equipment ({escape(gear)}) and {profile.level.label.lower()} "
                "level. 🔀 Swap under a workout puts one in.</i>"
            )
        else:
            lines.append(
                f"{_coach_says(coach)}Nothing in my list replaces {escape(exercise or '')} "
                f"with your equipment ({escape(gear)}). More gear in /profile opens up options."
            )
    elif kind == "how":
        cues = escape((instructions or "")[:1500])
        lines.append(f"{_coach_says(coach)}<b>{escape(exercise or '')}</b>: {cues}")
        if alternatives:
            lines.append(f"Similar: {escape(', '.join(alternatives[:3]))}.")
    elif kind == "pain":
        lines.append(
            f"{_coach_says(coach)}Sorry to hear that. Tell me which exercise bothers it "
            "(“instead of lunges, my knee hurts”) and I'll suggest others."
        )
    else:
        lines.append(
            f"{_coach_says(coach)}I answer questions about exercises: what to do instead of one "
            "(“instead of squats?”) or how to do one (“how do I do a plank?”). "
            "For a workout: /workout."
        )
    if pain is not None:
        lines += ["", _PAIN_LINE, _limitations_line(profile.limitations)]
    return "\n".join(lines)  # well under 4096: names, at most 4 of them, and cues of 1500


def ai_question_answer(coach: Coach, said: str, pain: str | None, profile: Profile) -> str:
    """The AI's answer (plain text, escaped here), with the fixed pain lines when pain was
    mentioned: the safety wording never depends on the AI."""
    lines = [f"{_coach_says(coach)}{escape(said)}"]
    if pain is not None:
        lines += ["", _PAIN_LINE, _limitations_line(profile.limitations)]
    return "\n".join(lines)


def logged_text(title: str, done: Sequence[tuple[str, Sequence[SetDone]]], units: Units) -> str:
    """The logged workout, one line per exercise, and the rating question."""
    head = f"✅ <b>Logged:</b> {escape(title)}"
    tail = "How did it feel?"
    lines: list[str] = []
    used = len(head) + len(tail) + 2 * len(_MORE) + 16
    for number, (name, sets) in enumerate(done, start=1):
        line = f"{number}. {escape(name)}: {escape(format_sets(tuple(sets), units))}"
        if used + len(line) + 1 > TELEGRAM_LIMIT:
            lines.append(_MORE)
            break
        lines.append(line)
        used += len(line) + 1
    return "\n".join([head, *lines, "", tail])


def rated_text(logged_html: str, rating: str) -> str:
    """The logged message once rated: the question replaced by the answer."""
    label = dict(RATINGS).get(rating, rating)
    body = logged_html.removesuffix("How did it feel?").rstrip()
    return f"{body}\n\nFelt: {escape(label)}"


_RECORDS_SHOWN = 8
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_NAME_LIMIT = 40


def _weight(kg: float, units: Units) -> str:
    """60 -> "60 kg", 100 kg in lb -> "220.5 lb"."""
    value = f"{in_units(kg, units):.1f}".removesuffix(".0")
    return f"{value} {units.value}"


def _volume(kg: float, units: Units) -> str:
    return f"{in_units(kg, units):,.0f} {units.value}"


def _sessions(count: int) -> str:
    return f"{count:,} session" + ("" if count == 1 else "s")


def _short_day(day: dt.date, today: dt.date) -> str:
    """A day as "12 Mar", with the year when it is not this year's."""
    year = "" if day.year == today.year else f" {day.year}"
    return f"{day.day} {_MONTHS[day.month - 1]}{year}"


def _name(text: str) -> str:
    text = " ".join(text.split())
    return escape(text if len(text) <= _NAME_LIMIT else text[: _NAME_LIMIT - 1].rstrip() + "…")


def _week_line(label: str, sessions: int, volume_kg: float, units: Units) -> str:
    volume = f" · {_volume(volume_kg, units)} volume" if volume_kg > 0 else ""
    return f"<b>{label}:</b> {_sessions(sessions)}{volume}"


def _record_line(record: PersonalRecord, units: Units, today: dt.date) -> str:
    days = (record.on, record.e1rm_on or record.on)
    new = " 🆕" if max(days) >= week_start(today) else ""  # a record set this week
    if record.weight_kg is None:
        best = f"{record.reps} reps"
    else:
        best = f"{_weight(record.weight_kg, units)} × {record.reps}"
    line = f"• {_name(record.exercise)}: {best} ({_short_day(record.on, today)})"
    if record.e1rm_kg is not None:
        line += f" · est. 1RM {_weight(record.e1rm_kg, units)}"
    return line + new


def progress_text(
    progress: Progress, units: Units, readiness: Mapping[str, int] | None = None
) -> str:
    """/progress's summary: weeks, streak, totals, personal records and each muscle group's
    readiness (well under 4096)."""
    streak = progress.streak_weeks
    if streak == 0:
        streak_text = "none yet: a session this week starts one"
    elif streak == 1:
        streak_text = "1 week"
    else:
        streak_text = f"{streak} weeks in a row 🔥"
    weeks = len(progress.weeks)
    lines = [
        f"📈 <b>Your progress</b> · weights in {units.value}",
        "",
        _week_line("This week", progress.this_week.sessions, progress.this_week.volume_kg, units),
        _week_line("Last week", progress.last_week.sessions, progress.last_week.volume_kg, units),
        f"<b>Streak:</b> {streak_text}",
        _week_line(
            f"Last {weeks} weeks", progress.window_sessions, progress.window_volume_kg, units
        ),
        f"<b>All time:</b> {_sessions(progress.total_sessions)}",
    ]
    if progress.records:
        lines += ["", "<b>Personal records</b>"]
        records = progress.records[:_RECORDS_SHOWN]
        lines += [_record_line(r, units, progress.today) for r in records]
    if readiness:
        lines += ["", *readiness_lines(readiness)]
    if progress.window_sessions == 0:
        lines += ["", f"Nothing logged in the last {weeks} weeks: time for a /workout?"]
    return "\n".join(lines)


def readiness_lines(readiness: Mapping[str, int]) -> list[str]:
    """Muscle groups still recovering (with their readiness, most tired first), then the
    fresh ones: what today's workout steers away from and what it can load."""
    recovering = sorted((r, g) for g, r in readiness.items() if r < FRESH)
    ready = [g for g in GROUPS if readiness.get(g, 100) >= FRESH]
    lines = ["<b>Muscle readiness</b> (sets of the last 7 days)"]
    if recovering:
        lines.append("Recovering: " + " · ".join(f"{_bar(r)} {g} {r}%" for r, g in recovering))
    if ready:
        lines.append("Ready: " + " · ".join(ready))
    return lines


def _bar(percent: int) -> str:
    return "🔴" if percent < TIRED else "🟡"


def progress_caption(progress: Progress, units: Units) -> str:
    """The chart's caption (well under 1024)."""
    weeks = len(progress.weeks)
    if not progress.lifts:
        return f"Your last {weeks} weeks, weights in {units.value}."
    names = ", ".join(_name(lift.exercise) for lift in progress.lifts)
    return f"Weekly volume and top sets ({names}), last {weeks} weeks, in {units.value}."


def export_caption(exported: Exported, units: Units) -> str:
    """The CSV file's caption."""
    sets = f"{exported.rows:,} row" + ("" if exported.rows == 1 else "s")
    both = "kg" if units is Units.KG else f"{units.value} and kg"
    text = f"Your workout log: {sets} from {_sessions(exported.sessions)}, weights in {both}."
    if exported.truncated:
        text += " It holds your newest sets; the oldest did not fit in one file."
    return text
