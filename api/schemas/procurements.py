"""Request and response bodies of the procurement routes (steps ① to ⑤)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from api.schemas.common import Line, LongText, Name, Reason, Reference
from domain.procurement import (
    CandidateScore,
    CommunicationChannel,
    Criterion,
    Evaluation,
    ProcurementMethod,
    Quote,
)
from domain.requirements import (
    Budget,
    BudgetCategory,
    BudgetItem,
    Clause,
    Requirements,
)
from domain.search import (
    CatalogueEntry,
    SearchConditions,
    SearchPage,
)
from domain.values import (
    CertificationKind,
    CompanySize,
    DocumentKind,
    PricingModel,
    ProviderType,
    ServiceType,
    SupportChannel,
    SupportKind,
)

# msgspec 0.23 cannot constrain a Decimal (ge/le are for int and float only), so a Decimal's bounds
# are stated here for the OpenAPI document and enforced by the domain (domain/bounds.py, 422).
Krw = Annotated[Decimal, Meta(
    description="Korean won: more than 0, at most 1,000,000,000,000,000, at most 2 decimal places "
                "(rule input.amount); NaN and Infinity are refused",
    extra_json_schema={"x-minimum-exclusive": 0, "x-maximum": "1000000000000000"})]
ServiceRef = Annotated[str, Meta(min_length=36, max_length=36,
                                 pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
                                 description="A service id from the saved search's results")]
Percent = Annotated[Decimal, Meta(
    description="A percentage, 0 to 100, at most 6 decimal places (rule input.percentage)",
    extra_json_schema={"x-minimum": 0, "x-maximum": 100})]


def _convert(body: msgspec.Struct, kind: type[Any]) -> Any:
    return msgspec.convert(msgspec.to_builtins(body), kind)


class OpenProcurementRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reference: Reference
    """The agency's own reference (its approval document number): opening it twice is refused."""
    title: Annotated[str, Meta(min_length=1, max_length=300)]
    fiscal_year: Annotated[int, Meta(ge=2000, le=2100)]


class BudgetLineBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    item: BudgetItem
    amount_krw: Krw


class BudgetRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    lines: Annotated[list[BudgetLineBody], Meta(min_length=1, max_length=4)]
    category: BudgetCategory
    pricing_model: PricingModel

    def to_domain(self) -> Budget:
        return _convert(self, Budget)  # type: ignore[no-any-return]

Hours = Annotated[Decimal, Meta(description="Hours, 0 to 8,760 (a year), at most 3 decimal places "
                                            "(rule input.quantity)")]
Milliseconds = Annotated[Decimal, Meta(description="Milliseconds, 0 to 86,400,000 (a day), at "
                                                   "most 3 decimal places (rule input.quantity)")]


class BudgetRevisionRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The confirmed budget as revised, and why (BudgetRevised)."""

    confirmed_total_krw: Krw
    reason: Reason


class SlaMinimumsBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    availability_percent: Percent | None = None
    max_recovery_minutes: Annotated[int, Meta(ge=1, le=525_600)] | None = None
    max_response_time_ms: Annotated[int, Meta(ge=1, le=86_400_000)] | None = None
    backup_compliance_percent: Percent | None = None
    max_support_handling_hours: Hours | None = None
    support_handling_rate_percent: Percent | None = None


class RequirementsRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The requirements definition: the nine sections of the guideline's checklist."""

    purpose: LongText
    usage_environment: LongText
    network_separation: bool
    usage_months: Annotated[int, Meta(ge=1, le=120)]
    functional_requirements: Annotated[list[Line], Meta(min_length=1, max_length=100)]
    budget_krw: Krw
    service_types: Annotated[frozenset[ServiceType], Meta(min_length=1)]
    provider_type: ProviderType | None = None
    required_certifications: frozenset[CertificationKind] = frozenset()
    mandatory_security_items: Annotated[list[Line], Meta(max_length=50)] = []
    sla_minimums: SlaMinimumsBody = SlaMinimumsBody()
    required_support_channels: frozenset[SupportChannel] = frozenset()
    penalties: Annotated[str, Meta(max_length=4000)] = ""
    data_protection: Annotated[str, Meta(max_length=4000)] = ""
    migration_support: Annotated[str, Meta(max_length=4000)] = ""

    def to_domain(self) -> Requirements:
        return _convert(self, Requirements)  # type: ignore[no-any-return]


class SearchRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The conditions only: the server runs the search and records what the catalogue answers.
    There is no way to send a result list."""

    page: SearchPage = SearchPage.ALL
    keywords: Annotated[str, Meta(max_length=200)] = ""
    service_type: frozenset[ServiceType] = frozenset()
    support_kind: frozenset[SupportKind] = frozenset()
    company_size: frozenset[CompanySize] = frozenset()
    provider_type: frozenset[ProviderType] = frozenset()
    mall_listed: bool = False
    innovation_product: bool = False
    certification: frozenset[CertificationKind] = frozenset()
    document: frozenset[DocumentKind] = frozenset()
    support_channel: frozenset[SupportChannel] = frozenset()
    refines: Annotated[str, Meta(pattern=r"^S-[0-9]{1,6}$")] | None = None

    def conditions(self) -> SearchConditions:
        builtins = msgspec.to_builtins(self)
        builtins.pop("refines", None)
        return msgspec.convert(builtins, SearchConditions)


class MethodRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    method: ProcurementMethod


class ServiceRequestBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A quote or proposal request to one candidate."""

    service_id: ServiceRef
    due: date
    note: Annotated[str, Meta(max_length=2000)] = ""


class QuoteBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    service_id: ServiceRef
    amount_krw: Krw
    valid_until: date
    document_ref: Annotated[str, Meta(min_length=1, max_length=300)]
    detail: Annotated[str, Meta(max_length=4000)] = ""

    def to_domain(self) -> Quote:
        return _convert(self, Quote)  # type: ignore[no-any-return]


class DeclineBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    service_id: ServiceRef
    reason: Reason


class ProposalBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    service_id: ServiceRef
    document_ref: Annotated[str, Meta(min_length=1, max_length=300)]
    summary: Annotated[str, Meta(max_length=4000)] = ""


class InquiryBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    service_id: ServiceRef
    question: LongText
    answer: LongText


class CommunicationBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    channel: CommunicationChannel
    summary: LongText
    service_id: ServiceRef | None = None
    document_ref: Annotated[str, Meta(max_length=300)] = ""


class ExclusionBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    service_id: ServiceRef
    clause: Clause
    reason: Reason
    evidence: Annotated[str, Meta(
        pattern=r"^(inquiry|communication):[A-Z]-[0-9]{1,6}$|^(quote|proposal):[0-9a-f-]{36}$",
        description="A recorded item about this candidate: inquiry:I-1, communication:C-2, "
                    "quote:<service id>, proposal:<service id>")] | None = None


class CriterionBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    key: Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    label: Name
    weight: Percent


class CandidateScoreBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    service_id: ServiceRef
    scores: Annotated[dict[str, Percent], Meta(max_length=20)]


class EvaluationRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    criteria: Annotated[list[CriterionBody], Meta(min_length=1, max_length=20)]
    scores: Annotated[list[CandidateScoreBody], Meta(max_length=1000)]

    def to_domain(self) -> Evaluation:
        return Evaluation(
            criteria=tuple(_convert(c, Criterion) for c in self.criteria),
            scores=tuple(_convert(s, CandidateScore) for s in self.scores),
        )


class AwardRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    service_ids: Annotated[list[ServiceRef], Meta(min_length=1, max_length=20)]
    rationale: Reason
    deviation_reason: Annotated[str, Meta(max_length=2000)] = ""


class SearchRecorded(msgspec.Struct, frozen=True):
    """The search the server ran and recorded, with the results it recorded."""

    aggregate_id: str
    version: int
    position: int
    search_id: str
    total: int
    catalogue_position: int
    results: list[CatalogueEntry]


class ProcurementSummary(msgspec.Struct, frozen=True):
    procurement_id: str
    agency_id: str
    reference: str
    title: str
    fiscal_year: int
    status: str
    method: str | None
    requirements_version: int
    saved_search_id: str | None
    candidate_count: int
    awarded_service_ids: list[str]
    opened_at: datetime
    updated_at: datetime
    version: int
    position: int


class ProcurementDetail(msgspec.Struct, frozen=True):
    summary: ProcurementSummary
    record: dict[str, Any]


class ProcurementList(msgspec.Struct, frozen=True):
    """A page of procurements, newest opening first; ``next_after`` is the next page's ``after``
    (null: the last page); ``total`` counts the caller's whole list, exactly when
    ``total_exact``."""

    total: int
    total_exact: bool
    limit: int
    next_after: str | None
    items: list[ProcurementSummary]


class RequestEntry(msgspec.Struct, frozen=True):
    procurement_id: str
    service_id: str
    kind: str
    agency_id: str
    provider_id: str
    service_name: str
    due: date
    status: str
    requested_at: datetime
    answered_at: datetime | None
