"""Bodies of the public disclosure and statistics routes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import msgspec


class DisclosedService(msgspec.Struct, frozen=True):
    service_id: str
    name: str
    provider_name: str
    service_type: str


class Disclosure(msgspec.Struct, frozen=True):
    """A registered contract as other agencies see it: nothing of quotes, evaluations or talks."""

    contract_id: str
    agency_id: str
    services: list[DisclosedService]
    method: str
    kind: str
    start: date
    end: date
    pricing_model: str
    amount_krw: Decimal
    status: str
    registered_on: date
    amended_on: date | None
    amendments: int


class DisclosureList(msgspec.Struct, frozen=True):
    """A page of the register, newest registration first. ``next_after`` is the ``after`` of the
    next page (null: this is the last); ``total`` counts every match, exactly when
    ``total_exact``."""

    total: int
    total_exact: bool
    limit: int
    next_after: str | None
    items: list[Disclosure]


class Bucket(msgspec.Struct, frozen=True):
    key: str
    contracts: int
    amount_krw: Decimal


class ContractStatistics(msgspec.Struct, frozen=True):
    """Registered contracts, counted and summed by each dimension. A joint contract counts once
    under each of its service types and company sizes, so those buckets can add up to more than
    the total."""

    contracts: int
    amount_krw: Decimal
    by_service_type: list[Bucket]
    by_company_size: list[Bucket]
    by_provider_type: list[Bucket]
    by_method: list[Bucket]
    by_agency: list[Bucket]
    by_month: list[Bucket]


class Count(msgspec.Struct, frozen=True):
    key: str
    services: int


class CatalogueStatistics(msgspec.Struct, frozen=True):
    """Registered, active services."""

    services: int
    by_service_type: list[Count]
    by_certification: list[Count]
    mall_listed: int
    innovation_products: int
