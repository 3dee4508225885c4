"""Training on a plan: a user's week, its planned sessions, and the scheduler's due rows.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 12:30:00

- ``training_plans``: one per user (days, local time, IANA zone, length, coach, a workout
  type or a split, active).
- ``planned_sessions``: one session of a plan on a local day, with the UTC instant of its
  reminder, its focus, the workout generated ahead, the reminder's message, its status.
- ``scheduled_jobs``: due rows (kind, plan, session, fire time in UTC, status; a weekly
  review has a plan and no session) that the scheduler claims
  with ``FOR UPDATE SKIP LOCKED`` (``ix_scheduled_jobs_status_fire_at`` finds them).

Portable types only, like the other revisions: it runs on PostgreSQL and on SQLite.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    ]


def upgrade() -> None:
    """Create the three tables."""
    op.create_table(
        "training_plans",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("days", _JSON, nullable=False),
        sa.Column("local_time", sa.String(length=5), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("duration_min", sa.Integer(), nullable=False),
        sa.Column("coach", sa.String(length=8), nullable=False),
        sa.Column("workout_type", sa.String(length=16), nullable=True),
        sa.Column("split", sa.String(length=16), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "split IS NULL OR split IN ('full_body', 'upper_lower', 'push_pull_legs')",
            name=op.f("ck_training_plans_split"),
        ),
        sa.CheckConstraint(
            "duration_min BETWEEN 10 AND 180", name=op.f("ck_training_plans_duration")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_training_plans_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_plans")),
        sa.UniqueConstraint("user_id", name=op.f("uq_training_plans_user_id")),
    )
    op.create_table(
        "planned_sessions",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("plan_id", _ID, nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("planned_date", sa.Date(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("fire_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("focus", sa.String(length=16), nullable=False),
        sa.Column("workout_type", sa.String(length=16), nullable=False),
        sa.Column("coach", sa.String(length=8), nullable=False),
        sa.Column("duration_min", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="planned", nullable=False),
        sa.Column("request_id", _ID, nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(
            "status IN ('planned', 'reminded', 'started', 'skipped', 'missed')",
            name=op.f("ck_planned_sessions_status"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["training_plans.id"],
            name=op.f("fk_planned_sessions_plan_id_training_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_planned_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["workout_requests.id"],
            name=op.f("fk_planned_sessions_request_id_workout_requests"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_planned_sessions")),
        sa.UniqueConstraint(
            "plan_id", "planned_date", name=op.f("uq_planned_sessions_plan_id_planned_date")
        ),
    )
    op.create_index(
        op.f("ix_planned_sessions_user_id_local_date"),
        "planned_sessions",
        ["user_id", "local_date"],
        unique=False,
    )
    op.create_table(
        "scheduled_jobs",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", _ID, nullable=True),
        sa.Column("session_id", _ID, nullable=True),
        sa.Column("fire_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('prepare', 'remind', 'review', 'rest')", name=op.f("ck_scheduled_jobs_kind")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'queued', 'sending', 'done', 'skipped', 'cancelled')",
            name=op.f("ck_scheduled_jobs_status"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_scheduled_jobs_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["training_plans.id"],
            name=op.f("fk_scheduled_jobs_plan_id_training_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["planned_sessions.id"],
            name=op.f("fk_scheduled_jobs_session_id_planned_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_jobs")),
        sa.UniqueConstraint("kind", "session_id", name=op.f("uq_scheduled_jobs_kind_session_id")),
        sa.UniqueConstraint(
            "kind", "plan_id", "fire_at", name=op.f("uq_scheduled_jobs_kind_plan_id_fire_at")
        ),
    )
    op.create_index(
        op.f("ix_scheduled_jobs_status_fire_at"),
        "scheduled_jobs",
        ["status", "fire_at"],
        unique=False,
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_index(op.f("ix_scheduled_jobs_status_fire_at"), table_name="scheduled_jobs")
    op.drop_table("scheduled_jobs")
    op.drop_index(op.f("ix_planned_sessions_user_id_local_date"), table_name="planned_sessions")
    op.drop_table("planned_sessions")
    op.drop_table("training_plans")
