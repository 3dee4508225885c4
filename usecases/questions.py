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
    """The facts for ``question``: the caller's profile (the defaults without one; then the
    equipment of their newest workout's request) and that workout's exercises first when
    the question names one of them."""
    with sessions.begin() as session:
        user = known_user(session, who)
        profile = None
        plan = None
        if user is not None:
            profile = db_users.load_profile(session, user.id)
            newest = db_history.list_plans(session, user.id, offset=0, limit=1)
            if newest:
                plan = db_history.get_plan(session, newest[0].plan_id, user_id=user.id)
    base = profile or Profile()
    preferred: tuple[str, ...] = ()
    if plan is not None:
        preferred = tuple(e.name for e in plan.workout.exercises)
        if profile is None and plan.equipment:
            base = base.model_copy(update={"equipment": plan.equipment})
    facts = answer_facts(question, base, load_catalogue(), preferred)
    return Answerable(facts, base, profile is not None)
