"""The shared send budget per endpoint (``endpoint_pace``); an index for the outbox's claim.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 22:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "endpoint_pace",
        sa.Column("endpoint_key", sa.String(length=64), nullable=False),
        sa.Column("next_free_s", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("endpoint_key"),
    )
    # The claim looks for due rows by state, oldest next_attempt_at first.
    op.create_index(
        "ix_deliveries_state_next_attempt_at",
        "deliveries",
        ["state", "next_attempt_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_state_next_attempt_at", table_name="deliveries")
    op.drop_table("endpoint_pace")
