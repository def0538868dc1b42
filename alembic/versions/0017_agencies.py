"""the agency directory (수요기관): names and codes beside the ids tokens carry

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 14:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# down_revision is "0015" for now: the integrator re-chains it after the other branches' 0016.
revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'agencies',
        sa.Column('agency_id', sa.String(length=64), nullable=False),
        sa.Column('aggregate_id', sa.String(length=36), nullable=False),
        sa.Column('code', sa.String(length=7), nullable=False),
        sa.Column('name_ko', sa.String(length=200), nullable=False),
        sa.Column('name_en', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('region', sa.String(length=16), nullable=False),
        sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('position', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('agency_id'),
        sa.UniqueConstraint('aggregate_id'),
        sa.UniqueConstraint('code'),
    )
    with op.batch_alter_table('agencies') as batch_op:
        batch_op.create_index('ix_agencies_kind', ['kind', 'agency_id'], unique=False)
        batch_op.create_index('ix_agencies_region', ['region', 'agency_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('agencies') as batch_op:
        batch_op.drop_index('ix_agencies_region')
        batch_op.drop_index('ix_agencies_kind')
    op.drop_table('agencies')
