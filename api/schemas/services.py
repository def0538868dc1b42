"""Request and response bodies of the digital-service (catalogue entry) routes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

import msgspec
from msgspec import Meta

from api.schemas.common import Code, Line, LongText, Name, Reason
from domain.contract_terms import NoticeChannel
from domain.service import BusinessCessation, CessationScope, InnovationDesignation
from domain.values import (
    Certification,
    CertificationKind,
    CompanySize,
    DocumentKind,
    PricingModel,
    ProviderType,
    ServiceProfile,
    ServiceType,
    SupportChannel,
    SupportKind,
)


class PricePlanBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Name
    model: PricingModel
    unit_price_krw: Annotated[Decimal, Meta(description="KRW; the domain refuses a negative price")]
    unit: Annotated[str, Meta(min_length=1, max_length=50)]


class PartnershipBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    original_provider_name: Name
    valid_from: date
    valid_until: date


class ServiceProfileBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    name: Name
    provider_id: Code
    provider_name: Name
    service_type: ServiceType
    company_size: CompanySize
    provider_type: ProviderType
    description: LongText
    support_kinds: frozenset[SupportKind] = frozenset()
    partnership: PartnershipBody | None = None
    features: Annotated[list[Line], Meta(max_length=50)] = []
    keywords: Annotated[list[Annotated[str, Meta(min_length=1, max_length=50)]],
                        Meta(max_length=30)] = []
    expected_effects: Annotated[list[Line], Meta(max_length=30)] = []
    track_record: Annotated[list[Line], Meta(max_length=100)] = []
    documents: frozenset[DocumentKind] = frozenset()
    support_channels: frozenset[SupportChannel] = frozenset()
    price_plans: Annotated[list[PricePlanBody], Meta(max_length=20)] = []
    spec: Annotated[dict[Annotated[str, Meta(min_length=1, max_length=100)], Line],
                    Meta(max_length=50)] = {}

    def to_domain(self) -> ServiceProfile:
        return msgspec.convert(msgspec.to_builtins(self), ServiceProfile)


class SelectServiceRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The selection committee's decision (선정 통보) for one service."""

    notice_number: Code
    selection_date: date
    valid_until: date
    profile: ServiceProfileBody


class ChangeInfoRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The whole profile as it should read after the change; the ledger records the field diff."""

    profile: ServiceProfileBody


class MallListingRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    contract_number: Code
    listed_on: date


class ReasonRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reason: Reason


# The Decree's items may come blank here: the domain refuses a blank one under its own rule
# (cessation.items), which cites art. 19(2)-(3), rather than as a malformed body.
CessationText = Annotated[str, Meta(max_length=2000)]


class CessationRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A provider ending all or part of its business (Decree art. 19(2)): the path's service and
    any others of the same provider it affects."""

    also_service_ids: Annotated[list[UUID], Meta(max_length=100)] = []
    scope: CessationScope
    business: CessationText
    reason: CessationText
    end_date: date
    return_right: CessationText
    destruction_notice: CessationText
    return_method: CessationText
    contact: CessationText
    channels: Annotated[frozenset[NoticeChannel], Meta(max_length=5)]
    posted_at: Annotated[str, Meta(max_length=300, description="the website page where the "
                                   "notice stays posted until the end date")]

    def to_domain(self, cessation_id: str) -> BusinessCessation:
        builtins = msgspec.to_builtins(self)
        builtins.pop("also_service_ids")
        return msgspec.convert({**builtins, "cessation_id": cessation_id}, BusinessCessation)


class InnovationRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    designation_number: Code
    valid_from: date
    valid_until: date

    def to_domain(self) -> InnovationDesignation:
        return InnovationDesignation(designation_number=self.designation_number,
                                     valid_from=self.valid_from, valid_until=self.valid_until)


class CertificationBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    kind: CertificationKind
    number: Code
    issuer: Name
    valid_from: date
    valid_until: date

    def to_domain(self) -> Certification:
        return Certification(kind=self.kind, number=self.number, issuer=self.issuer,
                             valid_from=self.valid_from, valid_until=self.valid_until)


class ServiceEntry(msgspec.Struct, frozen=True):
    """A service as the catalogue view holds it."""

    service_id: str
    notice_number: str
    status: str
    searchable: bool
    selection_date: date
    valid_until: date
    registered_at: datetime | None
    mall_contract_number: str | None
    innovation: dict[str, Any] | None
    certifications: list[dict[str, Any]]
    profile: dict[str, Any]
    version: int
    position: int
    updated_at: datetime
    cessation: dict[str, Any] | None = None
    """The provider's business cessation notice (Decree art. 19(2)): shown until the end date,
    when the service leaves the catalogue."""

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ServiceEntry:
        return cls(**{name: row[name] for name in cls.__struct_fields__})


class ServiceList(msgspec.Struct, frozen=True):
    """A page of catalogue entries in notice-number order; ``next_after`` is the next page's
    ``after`` (null: the last page); ``total`` is exact when ``total_exact``."""

    total: int
    total_exact: bool
    limit: int
    next_after: str | None
    items: list[ServiceEntry]
