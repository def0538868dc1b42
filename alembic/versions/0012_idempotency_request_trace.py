"""idempotency key request trace: the correlation id a keyed request records its events under, and
the log's head when it was first claimed, so a retry after a crash can tell whether it committed

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 19:20:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('idempotency_keys') as batch_op:
        batch_op.add_column(sa.Column('correlation_id', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('log_position', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('idempotency_keys') as batch_op:
        batch_op.drop_column('log_position')
        batch_op.drop_column('correlation_id')
