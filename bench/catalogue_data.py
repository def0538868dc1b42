"""Services for the benchmarks, built as real ``DigitalService`` aggregates in memory (every domain
rule runs) and saved in large transactions, as tests/projections/test_crash_recovery.py does.

Filling the catalogue view with many services: a sample is recorded in the ledger and projected by
the real engine (``catch_up``); the rest of the rows are computed from the same aggregates with the
catalogue view's own column functions (``profile_columns``, ``certification_columns``,
``status_columns``) and inserted in bulk, because projecting 20,000 services event by event takes
minutes today (see the projection benchmark). Before the bulk insert, the computed rows of the sample
are compared with the rows the engine projected for it, column by column; any difference stops the
benchmark, so the bulk rows are exactly what the projection would have written.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

import msgspec
from sqlalchemy import insert, select, text

from domain.actor import Actor, CommandContext, Role, acting
from domain.service import DigitalService
from domain.values import CompanySize, DocumentKind, ProviderType, ServiceProfile, ServiceType
from dsledger.demo import DemoService, demo_catalogue
from dsledger.runtime import Runtime
from projections.catalogue import (
    certification_columns,
    profile_columns,
    search_row,
    status_columns,
)
from projections.tables import catalogue_search, catalogue_services

AT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
CONTEXT = CommandContext(actor=Actor(principal_id="bench-loader", role=Role.OPERATOR),
                         correlation_id="bench", at=AT)
SAVE_BATCH = 500


def simple_profile(n: int) -> ServiceProfile:
    return ServiceProfile(
        name=f"벤치마크 서비스 {n}", provider_id=f"PRV-B{n % 17:03d}", provider_name="벤치 제공자㈜",
        service_type=ServiceType.SAAS, company_size=CompanySize.SME,
        provider_type=ProviderType.ORIGINAL, description="성능 측정용 서비스",
        documents=frozenset({DocumentKind.SLA}))


def registered_services(count: int, prefix: str) -> list[DigitalService]:
    """Selected and registered services (two events each), ready for suspend/reinstate."""
    services = []
    with acting(CONTEXT):
        for n in range(count):
            service = DigitalService.select(notice_number=f"{prefix}-{n}",
                                            selection_date=date(2025, 1, 1),
                                            valid_until=date(2028, 1, 1), profile=simple_profile(n))
            service.register()
            services.append(service)
    return services


def save_in_batches(runtime: Runtime, aggregates: Sequence[DigitalService],
                    batch: int = SAVE_BATCH) -> None:
    for start in range(0, len(aggregates), batch):
        runtime.ledger.save(*aggregates[start:start + batch])


def build(demo: DemoService) -> DigitalService:
    """The aggregate ``dsledger.demo`` would record for a demo entry, built in memory."""
    with acting(CONTEXT):
        service = DigitalService.select(notice_number=demo.notice_number,
                                        selection_date=demo.selection_date,
                                        valid_until=demo.valid_until, profile=demo.profile)
        if demo.fate == "selected_only":
            return service
        service.register()
        for certification in demo.certifications:
            service.add_certification(certification)
        if demo.mall_contract_number is not None:
            service.list_in_mall(demo.mall_contract_number,
                                 demo.selection_date + timedelta(days=60))
        if demo.innovation is not None:
            service.designate_innovation_product(demo.innovation)
        if demo.fate == "suspended":
            service.suspend("품질관리 점검 결과 시정요구 미이행")
        elif demo.fate == "cancelled":
            service.cancel_selection("선정 요건 미충족으로 선정 취소")
    return service


def catalogue_row(service: DigitalService, position: int) -> dict[str, Any]:
    """The catalogue view's row for ``service`` after all its events (every event carries AT)."""
    row: dict[str, Any] = {
        "service_id": str(service.id),
        "notice_number": service.notice_number,
        "registered": service.registered,
        "suspended": service.suspended,
        "cancelled": service.cancelled,
        "expired": service.expired,
        # The demo's bulk services never give notice of ending their business.
        "ceased": False,
        "cessation": None,
        "mall_contract_number": service.mall_contract_number,
        "mall_listed": service.mall_contract_number is not None,
        "innovation_product": service.innovation is not None,
        "innovation": (msgspec.to_builtins(service.innovation)
                       if service.innovation is not None else None),
        "selection_date": service.selection_date,
        "valid_until": service.valid_until,
        "registered_at": AT if service.registered else None,
        **profile_columns(service.profile),
        **certification_columns(list(service.certifications.values())),
    }
    row.update(status_columns(row))
    row.update(updated_at=AT, version=service.version, position=position)
    return row


@cache
def demo_entries(count: int) -> tuple[DemoService, ...]:
    return tuple(demo_catalogue(count, seed=20_251))


@cache
def bulk_rows(count: int, sample: int) -> tuple[dict[str, Any], ...]:
    """Rows for entries ``sample..count`` (computed once per size and reused on each backend)."""
    rows = []
    for index, demo in enumerate(demo_entries(count)[sample:]):
        rows.append(catalogue_row(build(demo), position=10_000_000 + index))
    return tuple(rows)


@dataclass(frozen=True)
class LoadedCatalogue:
    services: int
    projected: int
    projected_events: int
    service_ids: tuple[str, ...]
    """Every service's id, in catalogue order."""


def load_catalogue(runtime: Runtime, count: int, sample: int) -> LoadedCatalogue:
    """Fill an empty ledger's catalogue view with ``count`` demo services (see the module)."""
    entries = demo_entries(count)
    sample = min(sample, count)
    projected = [build(demo) for demo in entries[:sample]]
    save_in_batches(runtime, projected)
    events = runtime.projector.head()
    runtime.projector.catch_up()
    with runtime.db.connect() as conn:
        stored = {row["service_id"]: dict(row) for row in conn.execute(
            select(catalogue_services)).mappings()}
    for service in projected:
        _check_same(catalogue_row(service, position=0), stored[str(service.id)])
    rows = bulk_rows(count, sample)
    with runtime.db.begin() as conn:
        for start in range(0, len(rows), 1000):
            chunk = list(rows[start:start + 1000])
            conn.execute(insert(catalogue_services), chunk)
            conn.execute(insert(catalogue_search), [search_row(row) for row in chunk])
    if runtime.settings.is_postgres:
        # The statistics autovacuum would gather a minute later; without them the first plans
        # are guesses about an empty table.
        with runtime.db.begin() as conn:
            conn.execute(text("ANALYZE catalogue_services"))
            conn.execute(text("ANALYZE catalogue_search"))
    return LoadedCatalogue(
        services=count, projected=sample, projected_events=events,
        service_ids=tuple(str(s.id) for s in projected) + tuple(r["service_id"] for r in rows))


class BulkRowMismatchError(AssertionError):
    """The bench's computed catalogue row differs from the projected one: fix catalogue_row."""


def _check_same(computed: dict[str, Any], projected: dict[str, Any]) -> None:
    ignore = {"position"}
    if set(computed) != set(projected):
        raise BulkRowMismatchError(f"columns differ: {sorted(set(computed) ^ set(projected))}")
    for column in sorted(set(computed) - ignore):
        if _normal(computed[column]) != _normal(projected[column]):
            raise BulkRowMismatchError(
                f"{column} of {computed['service_id']}: bench computes {computed[column]!r}, "
                f"the catalogue view projected {projected[column]!r}")


def _normal(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, dict | list | tuple):
        # A JSON column reads back lists where the row had tuples.
        return msgspec.json.decode(msgspec.json.encode(value))
    return value
