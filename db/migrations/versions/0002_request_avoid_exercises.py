"""Regenerate: a request can name the exercises its workout should not use.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 10:00:00

``workout_requests.avoid_exercises``: the previous plan's exercise names when the request
is a Regenerate (NULL otherwise). Portable JSON, JSONB on PostgreSQL, like the other lists.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the column (nullable: existing requests avoid nothing)."""
    with op.batch_alter_table("workout_requests") as batch:
        batch.add_column(
            sa.Column(
                "avoid_exercises",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    """Drop the column."""
    with op.batch_alter_table("workout_requests") as batch:
        batch.drop_column("avoid_exercises")
