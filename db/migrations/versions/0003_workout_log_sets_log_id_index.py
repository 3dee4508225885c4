"""An index on workout_log_sets.log_id: reading a user's sets joins them to their logs.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 12:00:00

/progress and /export join a user's logs (found by ``ix_workout_logs_user_id_performed_at``)
to their sets; without this index PostgreSQL reads every user's sets to do it. It follows
0002 (``workout_requests.avoid_exercises``, for Regenerate).
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the index."""
    op.create_index(
        op.f("ix_workout_log_sets_log_id"), "workout_log_sets", ["log_id"], unique=False
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_index(op.f("ix_workout_log_sets_log_id"), table_name="workout_log_sets")
