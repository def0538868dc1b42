"""Request and response bodies of the contract routes (steps ⑥ to ⑨)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

import msgspec
from msgspec import Meta

from api.schemas.common import Line, LongText, Reason
from api.schemas.procurements import Hours, Krw, Milliseconds, Percent, ServiceRef
from domain.contract import Amendment, Settlement
from domain.contract_terms import (
    ContractKind,
    ContractTerms,
    EndNotice,
    FollowUp,
    Indicator,
    NoticeChannel,
    SlaFigures,
    TerminationGround,
)
from domain.values import PricingModel

Text = Annotated[str, Meta(min_length=1, max_length=2000)]
Short = Annotated[str, Meta(min_length=1, max_length=200)]
BreachRef = Annotated[str, Meta(pattern=r"^R[0-9]{1,6}:[0-9a-f-]{36}:[a-z_]{1,40}$",
                                description="R<report>:<service id>:<indicator>")]


KrwOrNone = Annotated[Decimal, Meta(
    description="Korean won, 0 (none) to 1,000,000,000,000,000, at most 2 decimal places "
                "(rule input.amount)")]


def _convert(body: msgspec.Struct, kind: type[Any]) -> Any:
    return msgspec.convert(msgspec.to_builtins(body), kind)


class SlaTargetBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    indicator: Indicator
    target: Decimal


class SlaAnnexBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    service_target: Text
    scope: Text
    period: Text
    targets: Annotated[list[SlaTargetBody], Meta(min_length=1, max_length=7)]
    grades: Text
    evaluation_method: Text
    result_management: Text


class UnitPriceBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    item: Short
    unit: Annotated[str, Meta(min_length=1, max_length=50)]
    price_krw: Krw


class DataExitClauseBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The return and destruction method and timing the contract agreed (Decree art. 19(6))."""

    return_method: Text
    return_days_before_end: Annotated[int, Meta(
        ge=0, le=180, description="data asked back is returned before (end date − N days); 0: "
        "before the end date (Decree art. 19(4))")] = 0
    destruction_method: Text
    destruction_days_after_end: Annotated[int, Meta(
        ge=0, le=90, description="data is destroyed within N days after the end date; 0: by the "
        "end date (Decree art. 19(1)3, (2)4)")] = 0


class ContractTermsBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    kind: ContractKind = ContractKind.SINGLE_YEAR
    start: date
    end: date
    pricing_model: PricingModel
    total_amount_krw: Krw
    unit_prices: Annotated[list[UnitPriceBody], Meta(max_length=100)] = []
    sla: SlaAnnexBody
    subcontracted_parts: Annotated[list[Line], Meta(max_length=50)] = []
    data_return_clause: LongText
    lock_in_clause: LongText
    standard_form_used: bool
    deposit_krw: KrwOrNone = Decimal(0)
    data_exit: DataExitClauseBody | None = None

    def to_domain(self) -> ContractTerms:
        return _convert(self, ContractTerms)  # type: ignore[no-any-return]


class ConcludeRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The services and names come from the award and the support system, not from here."""

    procurement_id: UUID
    terms: ContractTermsBody


class RenewalRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    terms: ContractTermsBody


class AmendmentRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    reason: Reason
    new_end: date | None = None
    new_total_amount_krw: Krw | None = None
    parties_note: Annotated[str, Meta(max_length=2000)] = ""

    def to_domain(self) -> Amendment:
        return _convert(self, Amendment)  # type: ignore[no-any-return]


class IncidentBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    started: Annotated[str, Meta(min_length=1, max_length=40)]
    recovery_minutes: Annotated[int, Meta(ge=0, le=525_600)]
    description: Text


class SlaReportRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    service_id: ServiceRef
    period_start: date
    period_end: date
    availability_percent: Percent | None = None
    incidents: Annotated[list[IncidentBody], Meta(max_length=1000)] = []
    security_events: Annotated[int, Meta(ge=0, le=1_000_000)] | None = None
    response_time_ms: Milliseconds | None = None
    backup_compliance_percent: Percent | None = None
    support_handling_hours: Hours | None = None
    support_handling_rate_percent: Percent | None = None
    service_specific: Annotated[dict[Short, Short], Meta(max_length=50)] = {}

    def figures(self) -> SlaFigures:
        builtins = msgspec.to_builtins(self)
        builtins.pop("service_id")
        return msgspec.convert(builtins, SlaFigures)


class ImprovementRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    breach_ref: BreachRef
    deadline: date
    request: Text


class ImprovementConfirmation(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    breach_ref: BreachRef
    note: Annotated[str, Meta(max_length=2000)] = ""


class PenaltyRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    breach_ref: BreachRef
    amount_krw: Krw
    basis: Text


class EndNoticeRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    end_date: date
    return_right: Text
    destruction_notice: Text
    return_method: Text
    contact: Text
    channels: Annotated[frozenset[NoticeChannel], Meta(min_length=1)]

    def to_domain(self) -> EndNotice:
        return _convert(self, EndNotice)  # type: ignore[no-any-return]


class SettlementBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    costs_krw: KrwOrNone
    interest_krw: KrwOrNone
    value_change_krw: KrwOrNone


class RescissionRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    ground: TerminationGround
    reason: Reason
    settlement: SettlementBody

    def settlement_domain(self) -> Settlement:
        return _convert(self.settlement, Settlement)  # type: ignore[no-any-return]


class TerminationRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    ground: TerminationGround
    effective: date
    reason: Reason
    unpaid_fees_krw: KrwOrNone | None = None
    deposit_krw: KrwOrNone | None = None


class FollowUpRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``ended`` or ``replaced`` (with the new procurement); a renewal has its own route."""

    follow_up: FollowUp
    procurement_id: UUID | None = None


class DataReturnRequestBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    form: Text


class DataReturnedBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    usable_form: Text
    note: Annotated[str, Meta(max_length=2000)] = ""


class DataDestroyedBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    method: Text
    certificate_ref: Short


class NoteBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    note: Annotated[str, Meta(max_length=2000)] = ""


class ContractSummary(msgspec.Struct, frozen=True):
    contract_id: str
    agency_id: str
    procurement_id: str
    previous_contract_id: str | None
    method: str
    kind: str
    status: str
    start: date
    end: date
    pricing_model: str
    total_amount_krw: str
    service_ids: list[str]
    provider_ids: list[str]
    disclosure_registered: bool
    disclosure_outdated: bool
    at_risk: bool
    follow_up: str | None
    concluded_at: datetime
    updated_at: datetime
    version: int
    position: int


class ContractDetail(msgspec.Struct, frozen=True):
    summary: ContractSummary
    record: dict[str, Any]


class ContractList(msgspec.Struct, frozen=True):
    """A page of contracts, newest conclusion first. ``next_after`` is the ``after`` of the next
    page (null: this is the last); ``total`` counts the caller's whole list, exactly when
    ``total_exact``."""

    total: int
    total_exact: bool
    limit: int
    next_after: str | None
    items: list[ContractSummary]
