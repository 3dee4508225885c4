"""A request can name a split's day: ``workout_requests.focus``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 13:40:00

A plan's session on a split (upper/lower, push/pull/legs) asks for a workout of that focus
(core.domain.Focus); NULL for every other request (the whole body).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the column (nullable: existing requests train the whole body)."""
    with op.batch_alter_table("workout_requests") as batch:
        batch.add_column(sa.Column("focus", sa.String(length=16), nullable=True))


def downgrade() -> None:
    """Drop the column."""
    with op.batch_alter_table("workout_requests") as batch:
        batch.drop_column("focus")
