"""An index on workout_log_sets.log_id: reading a user's sets joins them to their logs.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-26 12:00:00

/progress and /export join a user's logs (found by ``ix_workout_logs_user_id_performed_at``)
to their sets; without this index PostgreSQL reads every user's sets to do it. Numbered
0003 because issue 6's other branch adds 0002: when both are merged, this one's
``down_revision`` becomes "0002".
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0001"
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
