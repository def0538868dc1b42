"""The read-model tables, as SQLAlchemy Core definitions that alembic migrates.

The event store's own tables belong to the eventsourcing library and are never touched here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

from domain.bounds import MAX_KRW, UNIT_PRICE_PLACES
from domain.values import CertificationKind, DocumentKind, SupportChannel, SupportKind

metadata = MetaData()


class UtcDateTime(TypeDecorator[datetime]):
    """A moment, stored in UTC and always read back timezone-aware (UTC) on both databases.

    PostgreSQL keeps the offset (timestamptz); SQLite has no such type, so SQLAlchemy stores the
    wall time and drops the offset, and a read came back naive ("2026-03-01T15:04:19.166987") and
    was answered without an offset. Here every moment is converted to UTC before it is stored, so
    the naive wall time SQLite keeps is UTC and is read back as such. The column's DDL is that of
    DateTime(timezone=True): no migration is needed for it.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            return value  # type: ignore[no-any-return]  # e.g. a SQL expression's literal
        # A naive moment is taken as UTC (what SQLite held before); an aware one is converted.
        utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]

projection_tracking = Table(
    "projection_tracking",
    metadata,
    Column("view", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
)


KRW_PLACES = UNIT_PRICE_PLACES
"""Places an amount column keeps: sums are whole won, but a column that keeps the 전 a unit price
may have never rounds a value silently (PostgreSQL's NUMERIC(20, 0) rounded)."""
KRW_PRECISION = len(str(int(MAX_KRW))) + 2 + KRW_PLACES
"""Digits of an amount column: MAX_KRW (16 digits) and its places, and two digits more, so the
largest amount the domain accepts always fits (issue 14: NUMERIC(20, 0) refused 1e25 after the
domain had recorded it, and the disclosures view stopped on it for good)."""


class KrwAmount(TypeDecorator[Decimal]):
    """A sum in won, exactly as recorded, on both databases: NUMERIC(20, 2) on PostgreSQL; text on
    SQLite, whose NUMERIC affinity keeps only 15 significant digits (999,999,999,999,999.99 would
    read back as 1,000,000,000,000,000). Read back without trailing zeros: 240000000, 0.35."""

    impl = Numeric(KRW_PRECISION, KRW_PLACES)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(KRW_PRECISION + 2))
        return dialect.type_descriptor(Numeric(KRW_PRECISION, KRW_PLACES))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return format(Decimal(value), "f")

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        amount = Decimal(str(value))
        if amount == amount.to_integral_value():
            return amount.quantize(Decimal(1))
        return amount.normalize()


def certification_column(kind: CertificationKind) -> str:
    return f"cert_{kind.value.lower()}"


def document_column(kind: DocumentKind) -> str:
    return f"doc_{kind.value.lower()}"


def channel_column(channel: SupportChannel) -> str:
    return f"channel_{channel.value}"


def support_kind_column(kind: SupportKind) -> str:
    return f"support_{kind.value}"


def _flags(names: list[str]) -> list[Column[bool]]:
    return [Column(name, Boolean, nullable=False, default=False) for name in names]


catalogue_services = Table(
    "catalogue_services",
    metadata,
    Column("service_id", String(36), primary_key=True),
    Column("notice_number", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("provider_id", String(64), nullable=False),
    Column("provider_name", String(200), nullable=False),
    Column("service_type", String(16), nullable=False),
    Column("company_size", String(16), nullable=False),
    Column("provider_type", String(16), nullable=False),
    Column("original_provider_name", String(200)),
    Column("registered", Boolean, nullable=False),
    Column("suspended", Boolean, nullable=False),
    Column("cancelled", Boolean, nullable=False),
    Column("expired", Boolean, nullable=False),
    # The provider ended this business (Decree art. 19(2)); ``cessation``: its notice, shown on
    # the public entry from the day it is recorded (migration 0018).
    Column("ceased", Boolean, nullable=False, server_default=false()),
    Column("cessation", JSON),
    Column("status", String(16), nullable=False),
    Column("searchable", Boolean, nullable=False),
    Column("mall_contract_number", String(64)),
    Column("mall_listed", Boolean, nullable=False),
    Column("innovation_product", Boolean, nullable=False),
    *_flags([certification_column(kind) for kind in CertificationKind]),
    *_flags([document_column(kind) for kind in DocumentKind]),
    *_flags([channel_column(channel) for channel in SupportChannel]),
    *_flags([support_kind_column(kind) for kind in SupportKind]),
    Column("search_text", Text, nullable=False),
    Column("selection_date", Date, nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("registered_at", UtcDateTime()),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("profile", JSON, nullable=False),
    Column("certifications", JSON, nullable=False),
    Column("innovation", JSON),
    Column("version", Integer, nullable=False),
    Column("position", BigInteger, nullable=False),
    Index("ix_catalogue_services_search", "searchable", "service_type", "name"),
    # A provider's entries in notice-number order, a page at a time (application/queries).
    Index("ix_catalogue_services_provider", "provider_id", "notice_number"),
)

# The annex search's narrow copy of the catalogue (no JSON): what a search filters, counts and
# sorts. Names sort by code point on both databases: SQLite's default collation does, PostgreSQL's
# column is declared "C" so its index gives the order without a sort.
catalogue_search = Table(
    "catalogue_search",
    metadata,
    Column("service_id", String(36), primary_key=True),
    Column("searchable", Boolean, nullable=False),
    Column("service_type", String(16), nullable=False),
    Column("company_size", String(16), nullable=False),
    Column("provider_type", String(16), nullable=False),
    Column("mall_listed", Boolean, nullable=False),
    Column("innovation_product", Boolean, nullable=False),
    *_flags([certification_column(kind) for kind in CertificationKind]),
    *_flags([document_column(kind) for kind in DocumentKind]),
    *_flags([channel_column(channel) for channel in SupportChannel]),
    *_flags([support_kind_column(kind) for kind in SupportKind]),
    Column("name", String(200).with_variant(String(200, collation="C"), "postgresql"),
           nullable=False),
    Column("search_text", Text, nullable=False),
    Index("ix_catalogue_search_type_name", "searchable", "service_type", "name", "service_id"),
    Index("ix_catalogue_search_name", "searchable", "name", "service_id"),
)

procurements = Table(
    "procurements",
    metadata,
    Column("procurement_id", String(36), primary_key=True),
    Column("agency_id", String(64), nullable=False),
    Column("reference", String(100), nullable=False),
    Column("title", String(300), nullable=False),
    Column("fiscal_year", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("method", String(16)),
    Column("requirements_version", Integer, nullable=False),
    Column("saved_search_id", String(16)),
    Column("candidate_count", Integer, nullable=False),
    Column("awarded_service_ids", JSON, nullable=False),
    Column("record", JSON, nullable=False),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
    Column("position", BigInteger, nullable=False),
    # Keyset pages (application/queries/procurements.py), newest first: an agency's, everyone's.
    Index("ix_procurements_agency_page", "agency_id", "opened_at", "procurement_id"),
    Index("ix_procurements_page", "opened_at", "procurement_id"),
)

procurement_requests = Table(
    "procurement_requests",
    metadata,
    Column("procurement_id", String(36), primary_key=True),
    Column("service_id", String(36), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("agency_id", String(64), nullable=False),
    Column("provider_id", String(64), nullable=False),
    Column("service_name", String(200), nullable=False),
    Column("due", Date, nullable=False),
    Column("status", String(16), nullable=False),
    Column("requested_at", UtcDateTime(), nullable=False),
    Column("answered_at", UtcDateTime()),
    Column("position", BigInteger, nullable=False),
    Index("ix_procurement_requests_provider", "provider_id", "status", "due"),
)

contracts = Table(
    "contracts",
    metadata,
    Column("contract_id", String(36), primary_key=True),
    Column("agency_id", String(64), nullable=False),
    Column("procurement_id", String(36), nullable=False),
    Column("previous_contract_id", String(36)),
    Column("method", String(16), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("start", Date, nullable=False),
    Column("end", Date, nullable=False),
    Column("pricing_model", String(16), nullable=False),
    Column("total_amount_krw", String(40), nullable=False),
    Column("service_ids", JSON, nullable=False),
    Column("provider_ids", JSON, nullable=False),
    Column("disclosure_registered", Boolean, nullable=False),
    Column("disclosure_outdated", Boolean, nullable=False),
    Column("at_risk", Boolean, nullable=False),
    Column("follow_up", String(16)),
    Column("record", JSON, nullable=False),
    Column("concluded_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
    Column("position", BigInteger, nullable=False),
    # Keyset pages (application/queries/contracts.py): newest conclusion first, an agency's own
    # or everyone's; OCDS pages the published procurements by their id.
    Index("ix_contracts_agency_page", "agency_id", "concluded_at", "contract_id"),
    Index("ix_contracts_page", "concluded_at", "contract_id"),
    Index("ix_contracts_published", "disclosure_registered", "procurement_id"),
)

contract_services = Table(
    "contract_services",
    metadata,
    Column("contract_id", String(36), primary_key=True),
    Column("service_id", String(36), primary_key=True),
    Column("provider_id", String(64), nullable=False),
    Column("active", Boolean, nullable=False),
    Index("ix_contract_services_service", "service_id", "active"),
    # With the contract: a provider's contracts are read from the index alone.
    Index("ix_contract_services_provider", "provider_id", "contract_id"),
)

inspections = Table(
    "inspections",
    metadata,
    Column("inspection_id", String(36), primary_key=True),
    Column("service_id", String(36), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("due", Date, nullable=False),
    Column("outcome", String(16)),
    Column("record", JSON, nullable=False),
    Column("scheduled_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
    Column("position", BigInteger, nullable=False),
    Index("ix_inspections_service", "service_id", "due"),
    Index("ix_inspections_due", "due", "inspection_id"),  # the list's keyset order
)

semiannual_reports = Table(
    "semiannual_reports",
    metadata,
    Column("report_id", String(36), primary_key=True),
    Column("provider_id", String(64), nullable=False),
    Column("year", Integer, nullable=False),
    Column("half", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("overdue_on", Date, nullable=False),
    Column("late", Boolean),
    Column("contracts", JSON, nullable=False),
    Column("submitted_at", UtcDateTime()),
    Column("position", BigInteger, nullable=False),
    # The list's keyset order: everyone's, and a provider's own.
    Index("ix_semiannual_reports_provider", "provider_id", "year", "half", "report_id"),
    Index("ix_semiannual_reports_page", "year", "half", "provider_id", "report_id"),
)

# Not a view of the log: the first answer to each Idempotency-Key, so a retried POST gets it back
# instead of recording the command twice.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope_key", String(64), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("completed", Boolean, nullable=False),
    Column("status_code", Integer),
    Column("headers", JSON),
    Column("body", LargeBinary),
    Column("created_at", UtcDateTime(), nullable=False),
    # The request's trace in the log: every attempt records its events under this correlation id,
    # all after this position (the log's head when the key was first claimed).
    Column("correlation_id", String(100)),
    Column("log_position", BigInteger),
    Index("ix_idempotency_keys_created", "created_at"),
)

deadlines = Table(
    "deadlines",
    metadata,
    Column("deadline_id", String(200), primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("aggregate_type", String(40), nullable=False),
    Column("aggregate_id", String(64), nullable=False),
    Column("subject", String(200), nullable=False),
    # The aggregate whose events settle it, where that is not the owner (a provider's report).
    Column("settled_by", String(36)),
    Column("fires_on", Date, nullable=False),
    Column("counting", String(16), nullable=False),
    # pending, met (the obligation was fulfilled), fired (the deadline event was recorded) or
    # void (no longer applies).
    Column("state", String(16), nullable=False),
    Column("detail", JSON, nullable=False),
    Column("note", String(200)),
    Column("created_position", BigInteger, nullable=False),
    Column("updated_position", BigInteger, nullable=False),
    Index("ix_deadlines_due", "state", "fires_on"),
    Index("ix_deadlines_aggregate", "aggregate_id", "state"),
    Index("ix_deadlines_settled_by", "settled_by"),
)

# The public part of registered contracts (⑦): what other agencies consult before contracting.
disclosures = Table(
    "disclosures",
    metadata,
    Column("contract_id", String(36), primary_key=True),
    Column("agency_id", String(64), nullable=False),
    Column("services", JSON, nullable=False),
    Column("provider_names", JSON, nullable=False),
    Column("service_types", JSON, nullable=False),
    Column("method", String(16), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("start", Date, nullable=False),
    Column("end", Date, nullable=False),
    Column("pricing_model", String(16), nullable=False),
    Column("amount_krw", KrwAmount(), nullable=False),
    Column("status", String(16), nullable=False),
    # A row exists from conclusion; it is public only from the registration on.
    Column("public", Boolean, nullable=False),
    Column("registered_on", Date),
    Column("amended_on", Date),
    Column("amendments", Integer, nullable=False),
    # Not public until the agency registers the amendment: the terms as last amended.
    Column("latest_terms", JSON, nullable=False),
    Column("position", BigInteger, nullable=False),
    Index("ix_disclosures_registered", "public", "registered_on", "contract_id"),
    Index("ix_disclosures_agency_page", "agency_id", "public", "registered_on", "contract_id"),
)

class KrwTotal(KrwAmount):
    """A sum of amounts, exact and unbounded: NUMERIC without a precision on PostgreSQL (100,000
    contracts at the largest amount exceed any amount column), text on SQLite as KrwAmount."""

    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(60))
        return dialect.type_descriptor(Numeric())


# The statistics of the public register, kept as the disclosures view goes, so reading them costs
# the same at 100,000 contracts as at 100: per dimension (total, service_type, method, agency,
# month — and the contract's set of service ids, "services", from which the statistics by company
# size and provider type are drawn with the catalogue's current attributes), the contracts counted
# and their amount. Only counted contracts are in it: public and not rescinded.
disclosure_statistics = Table(
    "disclosure_statistics",
    metadata,
    Column("dimension", String(16), primary_key=True),
    Column("key", Text, primary_key=True),
    Column("contracts", BigInteger, nullable=False),
    Column("amount_krw", KrwTotal(), nullable=False),
)

# Which service types each disclosed contract runs on, one row per service (the disclosures view
# writes it with the contract's row): what the service-type filter and statistics group by, where
# the ``service_types`` JSON list cannot be indexed.
disclosure_services = Table(
    "disclosure_services",
    metadata,
    Column("contract_id", String(36), primary_key=True),
    Column("service_id", String(36), primary_key=True),
    Column("service_type", String(16), nullable=False),
    Index("ix_disclosure_services_type", "service_type", "contract_id"),
)

# The agency directory (수요기관): names and codes beside the ids tokens carry. Read in agency id
# order (the public list's cursor), filtered by kind or region.
agencies = Table(
    "agencies",
    metadata,
    Column("agency_id", String(64), primary_key=True),
    # The aggregate's UUID (derived from the agency id): what a change event names.
    Column("aggregate_id", String(36), nullable=False, unique=True),
    Column("code", String(7), nullable=False, unique=True),
    Column("name_ko", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("region", String(16), nullable=False),
    Column("registered_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
    Column("position", BigInteger, nullable=False),
    Index("ix_agencies_kind", "kind", "agency_id"),
    Index("ix_agencies_region", "region", "agency_id"),
)

# The verifiable log (RFC 9162): one leaf per stored event in global order, and the root of every
# complete perfect subtree (level 0 holds the leaf hashes), so roots and proofs are a few reads.
merkle_leaves = Table(
    "merkle_leaves",
    metadata,
    Column("leaf_index", BigInteger, primary_key=True, autoincrement=False),
    Column("sequence", BigInteger, nullable=False, unique=True),
    Column("originator_id", String(36), nullable=False),
    Column("originator_version", BigInteger, nullable=False),
    Index("ix_merkle_leaves_event", "originator_id", "originator_version", unique=True),
)

merkle_nodes = Table(
    "merkle_nodes",
    metadata,
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
)

# Signed tree heads: statements the ledger made about its log at a moment. They are not derived
# from the log (a rebuild keeps them), and auditors keep copies so the database need not be trusted.
tree_heads = Table(
    "tree_heads",
    metadata,
    Column("tree_size", BigInteger, primary_key=True, autoincrement=False),
    Column("root_hash", LargeBinary(32), nullable=False),
    Column("issued_at", UtcDateTime(), nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("signature", LargeBinary(64), nullable=False),
    # The C2SP signed note the signature belongs to; NULL for heads signed before checkpoints.
    Column("checkpoint", Text, nullable=True),
)

# A view that could not apply an event: it stays at the position before it (its tracking row) while
# the other views go on, and this row says which event and why. It is not derived from the log —
# a rebuild clears it with the views' rows and records it again if the event still fails — and it is
# cleared in the transaction that finally applies the event.
view_failures = Table(
    "view_failures",
    metadata,
    Column("view", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("originator_id", String(64), nullable=False),
    Column("originator_version", BigInteger, nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("error_class", String(200), nullable=False),
    Column("error_message", Text, nullable=False),
    Column("first_failed_at", DateTime(timezone=True), nullable=False),
    Column("last_failed_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
)
