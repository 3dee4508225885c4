"""Live sessions: a workout done set by set, with rest timers (Start under a workout).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 12:40:00

``live_sessions``: where a session is (``position``, the JSON of ``core.live.LiveState``),
its one chat message, the workout log its sets are written to as they are done, and the end
of the rest running: the rest timer, claimed by the scheduler when due (``rest_queued_at``
says it was handed to its actor). One active session per user is the use case's rule
(usecases/live.py); the index finds it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the table and its index."""
    op.create_table(
        "live_sessions",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", _ID, nullable=False),
        sa.Column("log_id", _ID, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column(
            "position",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("rest_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rest_queued_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["log_id"],
            ["workout_logs.id"],
            name=op.f("fk_live_sessions_log_id_workout_logs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["workout_plans.id"],
            name=op.f("fk_live_sessions_plan_id_workout_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_live_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_sessions")),
    )
    op.create_index(
        op.f("ix_live_sessions_user_id_active"),
        "live_sessions",
        ["user_id", "active"],
        unique=False,
    )
    op.create_index(
        op.f("ix_live_sessions_rest_until"), "live_sessions", ["rest_until"], unique=False
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_index(op.f("ix_live_sessions_rest_until"), table_name="live_sessions")
    op.drop_index(op.f("ix_live_sessions_user_id_active"), table_name="live_sessions")
    op.drop_table("live_sessions")
