"""Progression over several logged sessions, through the real worker on Redis and PostgreSQL.

Each round: log what was done (``db.workoutlogs.log_workout``), ask for the next workout,
let the real Dramatiq worker generate it, and read the stored plan: its loads follow double
progression (increase after the top of the range, hold below it, reduce after two sessions
under it, deload after a stall), in kg and in lb.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

import dramatiq
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import jobs
from adapters.claude import ClaudeClient
from adapters.settings import Settings
from core.coaches import coach_by_key
from core.domain import Equipment, FitnessLevel, Goal, Units, WorkoutType
from core.models import Exercise, Profile, Workout
from core.prompt import read_request_data
from core.render import render_html
from db.models import WorkoutPlan
from db.users import get_or_create_local_user, save_profile
from db.workoutlogs import LoggedSet, log_workout
from tests.fakes.messages_api import FakeMessagesAPI, ok
from tests.jobs.test_generation import state, wait_for
from tests.support.requests import add_request
from tests.support.workouts import lift

SQUAT = "Barbell back squat"
GEAR = frozenset({Equipment.BARBELL, Equipment.DUMBBELLS, Equipment.BENCH})
START = dt.datetime(2026, 6, 1, 18, tzinfo=dt.UTC)


class Lifter:
    """One user who trains, logs and asks for the next workout."""

    def __init__(self, sessions: sessionmaker[Session], units: Units) -> None:
        self.sessions = sessions
        self.units = units
        self.day = 0
        self.requests = 0
        with sessions.begin() as s:
            self.user_id: uuid.UUID = get_or_create_local_user(s).id
            save_profile(
                s,
                self.user_id,
                Profile(
                    level=FitnessLevel.INTERMEDIATE,
                    goals=(Goal.STRENGTH,),
                    equipment=GEAR,
                    units=units,
                ),
            )

    def kg(self, weight: float) -> float:
        return weight / self.units.per_kg

    def log(
        self,
        squat: tuple[float, list[int]],
        *,
        plan: tuple[int, Workout] | None = None,
        rating: str = "just_right",
    ) -> None:
        """A session: the squat at ``squat`` (weight in the user's unit, reps per set) and,
        when it followed a plan, every other loaded exercise as planned."""
        weight, reps = squat
        sets = [
            LoggedSet(SQUAT, 1, reps=10, weight_kg=self.kg(weight) / 2),  # a warm-up set
            *(
                LoggedSet(SQUAT, i + 2, reps=r, weight_kg=self.kg(weight))
                for i, r in enumerate(reps)
            ),
        ]
        for exercise in plan[1].exercises if plan else []:
            if exercise.name != SQUAT and exercise.target_weight is not None:
                sets += [
                    LoggedSet(
                        exercise.name, n + 1, reps=6, weight_kg=self.kg(exercise.target_weight)
                    )
                    for n in range(exercise.sets)
                ]
        with self.sessions.begin() as s:
            log_workout(
                s,
                user_id=self.user_id,
                plan_id=plan[0] if plan else None,
                performed_at=START + dt.timedelta(days=self.day),
                rating=rating,  # type: ignore[arg-type]
                sets=sets,
            )
        self.day += 2

    def next_workout(self) -> tuple[int, Workout]:
        """Ask for a 45-minute strength workout; the running worker makes it."""
        self.requests += 1
        with self.sessions.begin() as s:
            key = f"progression:{self.units}:{self.requests}"
            request_id = add_request(s, self.user_id, key=key, duration_min=45, equipment=GEAR).id
        jobs.enqueue_generation(request_id)
        wait_for(lambda: state(self.sessions, request_id) == "delivered")
        with self.sessions.begin() as s:
            plan = s.scalar(select(WorkoutPlan).where(WorkoutPlan.request_id == request_id))
            assert plan is not None
            return plan.id, Workout.model_validate(plan.workout)


def squat_of(plan: tuple[int, Workout]) -> Exercise:
    found = [e for e in plan[1].exercises if e.name == SQUAT]
    assert found, f"the squat is missing from {plan[1].exercise_names}"
    return found[0]


def test_kg_increase_at_the_top_hold_inside_deload_after_a_stall_below_the_range(
    job_settings: Settings, sessions: sessionmaker[Session], redis_broker: dramatiq.Broker
) -> None:
    me = Lifter(sessions, Units.KG)
    with jobs.start_embedded_worker(job_settings, ai=None, threads=2, configure_broker=False):
        me.log((60, [8, 8, 8]))  # no plan: strength at intermediate level works in 5-8
        plan = me.next_workout()
        squat = squat_of(plan)
        assert (squat.target_weight, squat.weight_unit, squat.reps) == (62.5, Units.KG, "5-8")

        me.log((62.5, [6, 6, 5]), plan=plan)
        plan = me.next_workout()
        assert squat_of(plan).target_weight == 62.5  # top not reached: hold

        me.log((62.5, [6, 6, 5]), plan=plan)
        plan = me.next_workout()
        assert squat_of(plan).target_weight == 62.5  # two sessions without a gain: still hold

        me.log((62.5, [6, 5, 5]), plan=plan)
        plan = me.next_workout()
        # Three sessions without a gain, but every set inside 5-8 (what the plan asked):
        # held, never deloaded.
        assert squat_of(plan).target_weight == 62.5

        me.log((62.5, [6, 6, 4]), plan=plan)
        plan = me.next_workout()
        squat = squat_of(plan)
        assert (squat.target_weight, squat.reps) == (57.5, "5-8")  # a stall below: ~10% off


def test_lb_five_pound_steps_reduce_after_two_misses_hold_when_too_hard(
    job_settings: Settings, sessions: sessionmaker[Session], redis_broker: dramatiq.Broker
) -> None:
    me = Lifter(sessions, Units.LB)
    with jobs.start_embedded_worker(job_settings, ai=None, threads=2, configure_broker=False):
        me.log((135, [8, 8, 8]))
        plan = me.next_workout()
        squat = squat_of(plan)
        assert (squat.target_weight, squat.weight_unit) == (140, Units.LB)
        text = "\n".join(
            render_html(
                plan[1],
                coach=coach_by_key("MAX"),
                workout_type=WorkoutType.STRENGTH,
                duration_min=45,
                units=Units.LB,
                created=START.date(),
            )
        )
        assert "140 lb" in text

        me.log((140, [4, 4, 3]), plan=plan)
        plan = me.next_workout()
        assert squat_of(plan).target_weight == 140  # below the range once: hold

        me.log((140, [4, 3, 3]), plan=plan)
        plan = me.next_workout()
        assert squat_of(plan).target_weight == 135  # twice: down one 5 lb step

        me.log((135, [8, 8, 8]), plan=plan, rating="too_hard")
        plan = me.next_workout()
        assert squat_of(plan).target_weight == 135  # the top, but too hard: hold
    with sessions.begin() as s:
        stored = [w for (w,) in s.execute(select(WorkoutPlan.workout))]
    squats = [e for w in stored for e in w["exercises"] if e["name"] == SQUAT]
    assert {e["weight_unit"] for e in squats} == {"lb"}


def test_the_ai_hears_the_targets_and_a_load_that_ignores_them_is_corrected(
    job_settings: Settings,
    sessions: sessionmaker[Session],
    redis_broker: dramatiq.Broker,
    fake_anthropic: FakeMessagesAPI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic.url)
    ai = ClaudeClient(
        api_key=fake_anthropic.api_key, model="claude-test", timeout=10, max_retries=0
    )
    me = Lifter(sessions, Units.KG)
    me.log((60, [8, 8, 8]))
    answer = Workout(
        title="Heavy",
        intro="Let's go.",
        exercises=[
            lift(
                name,
                sets=5,
                reps="5-8",
                rest_seconds=150,
                instructions="Brace and drive.",
                target_weight=weight,
            )
            for name, weight in (
                (SQUAT, 100.0),  # the recommendation is 62.5: far off, corrected
                ("Bent-over barbell row", 50.0),  # no recommendation: the AI's call
                ("Romanian deadlift", 60.0),
            )
        ],
    )
    assert abs(answer.estimated_minutes - 45) < 4
    fake_anthropic.script(ok(answer.model_dump(mode="json")))
    with jobs.start_embedded_worker(job_settings, ai=ai, threads=2, configure_broker=False):
        plan = me.next_workout()
    (recorded,) = fake_anthropic.requests
    data = read_request_data(recorded.body["messages"][0]["content"])
    assert data is not None
    assert (
        data["progression"] == "Barbell back squat 60kg x8/8/8 right: increase to 62.5kg, 5-8 reps"
    )
    static = json.dumps(recorded.body["system"])
    assert "never go heavier than it" in static
    with sessions.begin() as s:
        source = s.scalar(select(WorkoutPlan.source).where(WorkoutPlan.id == plan[0]))
    assert source == "ai"
    loads = {e.name: e.target_weight for e in plan[1].exercises}
    assert loads == {SQUAT: 62.5, "Bent-over barbell row": 50.0, "Romanian deadlift": 60.0}
