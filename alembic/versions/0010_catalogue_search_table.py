"""catalogue search table: the annex search's narrow copy of the catalogue

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 15:10:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FLAGS = ('mall_listed', 'innovation_product', 'cert_csap', 'cert_quality_performance',
         'cert_cloud_service_confirmation', 'cert_cc', 'cert_gs', 'cert_other', 'doc_sla',
         'doc_terms', 'channel_call_center', 'channel_email_online', 'channel_phone',
         'channel_web_chat', 'channel_onsite', 'support_consulting', 'support_operations',
         'support_migration')
COLUMNS = ('service_id', 'searchable', 'service_type', 'company_size', 'provider_type', *FLAGS,
           'name', 'search_text')


def upgrade() -> None:
    op.create_table(
        'catalogue_search',
        sa.Column('service_id', sa.String(length=36), nullable=False),
        sa.Column('searchable', sa.Boolean(), nullable=False),
        sa.Column('service_type', sa.String(length=16), nullable=False),
        sa.Column('company_size', sa.String(length=16), nullable=False),
        sa.Column('provider_type', sa.String(length=16), nullable=False),
        *[sa.Column(flag, sa.Boolean(), nullable=False) for flag in FLAGS],
        sa.Column('name', sa.String(length=200).with_variant(
            sa.String(length=200, collation='C'), 'postgresql'), nullable=False),
        sa.Column('search_text', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('service_id'),
    )
    op.create_index('ix_catalogue_search_type_name', 'catalogue_search',
                    ['searchable', 'service_type', 'name', 'service_id'])
    op.create_index('ix_catalogue_search_name', 'catalogue_search',
                    ['searchable', 'name', 'service_id'])
    # The catalogue view is already at its position: fill the copy from it, not from the log.
    listed = ', '.join(COLUMNS)
    op.execute(f"INSERT INTO catalogue_search ({listed}) SELECT {listed} FROM catalogue_services")


def downgrade() -> None:
    op.drop_index('ix_catalogue_search_name', table_name='catalogue_search')
    op.drop_index('ix_catalogue_search_type_name', table_name='catalogue_search')
    op.drop_table('catalogue_search')
