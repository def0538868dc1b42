"""bounded columns: every amount column holds every amount the domain accepts (issue 14.3)

The domain accepts sums in won up to 10^15 (whole won; unit prices to the 전, two places:
domain/bounds.py). Before it bounded them, 1e25 was recorded and "numeric field overflow" stopped
the disclosures view for good. Its amount column becomes NUMERIC(20, 2) on PostgreSQL, which never
rounds a value silently as NUMERIC(20, 0) did, and text on SQLite, whose NUMERIC affinity keeps only
15 significant digits (projections.tables.KrwAmount reads the text back as an exact Decimal).

Moments need no migration: projections.tables.UtcDateTime has DateTime(timezone=True)'s DDL.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 13:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _amount() -> sa.types.TypeEngine[object]:
    return sa.Numeric(precision=20, scale=2).with_variant(sa.String(length=22), 'sqlite')


def upgrade() -> None:
    # Batch mode: SQLite cannot change a column's type in place, so the table is copied.
    with op.batch_alter_table('disclosures') as batch_op:
        batch_op.alter_column('amount_krw', existing_type=sa.Numeric(precision=20, scale=0),
                              type_=_amount(), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('disclosures') as batch_op:
        batch_op.alter_column('amount_krw', existing_type=_amount(),
                              type_=sa.Numeric(precision=20, scale=0), existing_nullable=False)
