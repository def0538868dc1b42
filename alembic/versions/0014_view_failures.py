"""view failures: the event a view could not apply, per view, while the other views go on

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 13:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
# Chained to 0012 for now: the integrator re-chains it after 0013 (another branch).
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'view_failures',
        sa.Column('view', sa.String(length=64), nullable=False),
        sa.Column('position', sa.BigInteger(), nullable=False),
        sa.Column('originator_id', sa.String(length=64), nullable=False),
        sa.Column('originator_version', sa.BigInteger(), nullable=False),
        sa.Column('event_type', sa.String(length=200), nullable=False),
        sa.Column('error_class', sa.String(length=200), nullable=False),
        sa.Column('error_message', sa.Text(), nullable=False),
        sa.Column('first_failed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_failed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('view'),
    )


def downgrade() -> None:
    op.drop_table('view_failures')
