"""The generation log says what was made of an AI answer: its score and its repairs.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 12:30:00

``ai_generation_logs.score``: 0-100, how close the used answer came to the coach rules
(core/score.py). ``ai_generation_logs.review``: ``{"repairs": [{"kind", "what"}], "misses":
[...]}``, what core/repair.py changed and what cost the score points. Both nullable (older
rows and failed calls have neither); portable JSON, JSONB on PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the two columns."""
    with op.batch_alter_table("ai_generation_logs") as batch:
        batch.add_column(sa.Column("score", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column(
                "review",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("ai_generation_logs") as batch:
        batch.drop_column("review")
        batch.drop_column("score")
