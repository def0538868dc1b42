"""read indexes: every list pages by keyset cursor over an index (procurements and contracts
newest first, an
agency's or everyone's; a provider's through contract_services; public disclosures, an agency's
too; published procurements by id), and disclosure_services, the disclosed contracts' service
types one row per service, for the service-type filter; disclosure_statistics, the register's
totals the disclosures view keeps (filled here from its rows)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 14:30:00
"""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_inspections_due', 'inspections', ['due', 'inspection_id'])
    op.drop_index('ix_semiannual_reports_provider', table_name='semiannual_reports')
    op.create_index('ix_semiannual_reports_provider', 'semiannual_reports',
                    ['provider_id', 'year', 'half', 'report_id'])
    op.create_index('ix_semiannual_reports_page', 'semiannual_reports',
                    ['year', 'half', 'provider_id', 'report_id'])
    op.drop_index('ix_catalogue_services_provider', table_name='catalogue_services')
    op.create_index('ix_catalogue_services_provider', 'catalogue_services',
                    ['provider_id', 'notice_number'])
    op.drop_index('ix_procurements_agency', table_name='procurements')
    op.create_index('ix_procurements_agency_page', 'procurements',
                    ['agency_id', 'opened_at', 'procurement_id'])
    op.create_index('ix_procurements_page', 'procurements', ['opened_at', 'procurement_id'])
    op.drop_index('ix_contracts_agency', table_name='contracts')
    op.create_index('ix_contracts_agency_page', 'contracts',
                    ['agency_id', 'concluded_at', 'contract_id'])
    op.create_index('ix_contracts_page', 'contracts', ['concluded_at', 'contract_id'])
    op.create_index('ix_contracts_published', 'contracts',
                    ['disclosure_registered', 'procurement_id'])
    op.drop_index('ix_contract_services_provider', table_name='contract_services')
    op.create_index('ix_contract_services_provider', 'contract_services',
                    ['provider_id', 'contract_id'])
    op.drop_index('ix_disclosures_agency', table_name='disclosures')
    op.create_index('ix_disclosures_agency_page', 'disclosures',
                    ['agency_id', 'public', 'registered_on', 'contract_id'])
    op.create_table(
        'disclosure_services',
        sa.Column('contract_id', sa.String(length=36), nullable=False),
        sa.Column('service_id', sa.String(length=36), nullable=False),
        sa.Column('service_type', sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint('contract_id', 'service_id'),
    )
    op.create_index('ix_disclosure_services_type', 'disclosure_services',
                    ['service_type', 'contract_id'])
    # The disclosures view is already at its position: fill the side table from its rows (their
    # services list), not from the log.
    disclosures = sa.table('disclosures', sa.column('contract_id', sa.String()),
                           sa.column('services', sa.JSON()))
    target = sa.table('disclosure_services', sa.column('contract_id', sa.String()),
                      sa.column('service_id', sa.String()), sa.column('service_type', sa.String()))
    conn = op.get_bind()
    rows = [{"contract_id": row.contract_id, "service_id": s["service_id"],
             "service_type": s["service_type"]}
            for row in conn.execute(sa.select(disclosures.c.contract_id, disclosures.c.services))
            for s in row.services]
    if rows:
        conn.execute(sa.insert(target), rows)
    _statistics(conn)


def _statistics(conn: sa.Connection) -> None:
    """disclosure_statistics, filled from the disclosures view's rows as the view would have kept
    it (projections/disclosures.py contributions): counted contracts only."""
    sqlite = conn.dialect.name == 'sqlite'
    op.create_table(
        'disclosure_statistics',
        sa.Column('dimension', sa.String(length=16), nullable=False),
        sa.Column('key', sa.Text(), nullable=False),
        sa.Column('contracts', sa.BigInteger(), nullable=False),
        sa.Column('amount_krw', sa.String(length=60) if sqlite else sa.Numeric(), nullable=False),
        sa.PrimaryKeyConstraint('dimension', 'key'),
    )
    source = sa.table('disclosures', *(sa.column(name) for name in (
        'public', 'status', 'method', 'agency_id', 'amount_krw')),
        sa.column('registered_on', sa.Date()), sa.column('services', sa.JSON()),
        sa.column('service_types', sa.JSON()))
    totals: dict[tuple[str, str], list[Any]] = {}
    for row in conn.execute(sa.select(source).where(source.c.public.is_(True),
                                                   source.c.status != 'rescinded')):
        amount = Decimal(str(row.amount_krw))
        buckets = [('total', ''), ('method', row.method), ('agency', row.agency_id),
                   ('month', row.registered_on.strftime('%Y-%m')),
                   ('services', ','.join(sorted({s['service_id'] for s in row.services}))),
                   *(('service_type', kind) for kind in sorted(set(row.service_types)))]
        for bucket in buckets:
            total = totals.setdefault(bucket, [0, Decimal(0)])
            total[0] += 1
            total[1] += amount
    target = sa.table('disclosure_statistics', sa.column('dimension'), sa.column('key'),
                      sa.column('contracts'), sa.column('amount_krw'))
    if totals:
        conn.execute(sa.insert(target), [
            {'dimension': dimension, 'key': key, 'contracts': n,
             'amount_krw': format(amount, 'f') if sqlite else amount}
            for (dimension, key), (n, amount) in totals.items()])


def downgrade() -> None:
    op.drop_table('disclosure_statistics')
    op.drop_index('ix_semiannual_reports_page', table_name='semiannual_reports')
    op.drop_index('ix_semiannual_reports_provider', table_name='semiannual_reports')
    op.create_index('ix_semiannual_reports_provider', 'semiannual_reports',
                    ['provider_id', 'year', 'half'])
    op.drop_index('ix_inspections_due', table_name='inspections')
    op.drop_index('ix_catalogue_services_provider', table_name='catalogue_services')
    op.create_index('ix_catalogue_services_provider', 'catalogue_services', ['provider_id'])
    op.drop_index('ix_disclosure_services_type', table_name='disclosure_services')
    op.drop_table('disclosure_services')
    op.drop_index('ix_disclosures_agency_page', table_name='disclosures')
    op.create_index('ix_disclosures_agency', 'disclosures', ['agency_id'])
    op.drop_index('ix_contract_services_provider', table_name='contract_services')
    op.create_index('ix_contract_services_provider', 'contract_services', ['provider_id'])
    op.drop_index('ix_contracts_published', table_name='contracts')
    op.drop_index('ix_contracts_page', table_name='contracts')
    op.drop_index('ix_contracts_agency_page', table_name='contracts')
    op.create_index('ix_contracts_agency', 'contracts', ['agency_id', 'concluded_at'])
    op.drop_index('ix_procurements_page', table_name='procurements')
    op.drop_index('ix_procurements_agency_page', table_name='procurements')
    op.create_index('ix_procurements_agency', 'procurements', ['agency_id', 'opened_at'])
