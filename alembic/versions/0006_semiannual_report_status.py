"""semiannual report status

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 07:38:33.050034
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The view is rebuilt from the log: empty it and let the engine replay it with the new shape.
    op.execute("DELETE FROM semiannual_reports")
    op.execute("UPDATE projection_tracking SET position = 0 WHERE view = 'semiannual_reports'")
    with op.batch_alter_table('semiannual_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), nullable=False))
        batch_op.add_column(sa.Column('overdue_on', sa.Date(), nullable=False))
        batch_op.alter_column('late',
               existing_type=sa.BOOLEAN(),
               nullable=True)
        batch_op.alter_column('submitted_at',
               existing_type=sa.DateTime(timezone=True),
               nullable=True)



def downgrade() -> None:
    with op.batch_alter_table('semiannual_reports', schema=None) as batch_op:
        batch_op.alter_column('submitted_at',
               existing_type=sa.DateTime(timezone=True),
               nullable=False)
        batch_op.alter_column('late',
               existing_type=sa.BOOLEAN(),
               nullable=False)
        batch_op.drop_column('overdue_on')
        batch_op.drop_column('status')

