"""a digital service keeps its provider's business cessation (Decree art. 19(2)): the notice shown
on its public entry until the end date, and whether the business has ended (then it is no longer
searchable)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 15:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018'
# The integrator re-chains this after the other branches' migrations.
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('catalogue_services') as batch_op:
        batch_op.add_column(sa.Column('ceased', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('cessation', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('catalogue_services') as batch_op:
        batch_op.drop_column('cessation')
        batch_op.drop_column('ceased')
