"""tree heads keep their C2SP checkpoint note (the signed text and its signature line); heads signed
before checkpoints keep NULL and verify by the older text

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 14:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('tree_heads') as batch_op:
        batch_op.add_column(sa.Column('checkpoint', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tree_heads') as batch_op:
        batch_op.drop_column('checkpoint')
