"""Questions typed to the coach: the catalogue's facts for the caller's equipment and level
(core.questions), and who answers (the caller's coach)."""

from __future__ import annotations

from dataclasses import dataclass

from core.catalogue import load_catalogue
from core.models import Profile
from core.questions import Facts, Question, answer_facts
from db import history as db_history
from db import users as db_users
from usecases.profile import Member, Sessions, known_user

__all__ = ["Answerable", "question_facts"]


@dataclass(frozen=True, slots=True)
class Answerable:
    """A question with what the catalogue says, and the coach who answers."""

    facts: Facts
    profile: Profile
    """The caller's profile (the defaults without one)."""
    has_profile: bool

    @property
    def coach(self) -> str:
        """The caller's preferred coach's key."""
        return self.profile.preferred_coach


def question_facts(sessions: Sessions, who: Member, question: Question) -> Answerable:
    """The facts for ``question``: the caller's profile (the defaults without one) and
    their newest workout's exercises first when the question names one of them."""
    with sessions.begin() as session:
        user = known_user(session, who)
        profile = None
        preferred: tuple[str, ...] = ()
        if user is not None:
            profile = db_users.load_profile(session, user.id)
            plan_id = db_history.latest_delivered_plan_id(session, user.id)
            plan = (
                None if plan_id is None else db_history.get_plan(session, plan_id, user_id=user.id)
            )
            if plan is not None:
                preferred = tuple(e.name for e in plan.workout.exercises)
    base = profile or Profile()
    facts = answer_facts(question, base, load_catalogue(), preferred)
    return Answerable(facts, base, profile is not None)
