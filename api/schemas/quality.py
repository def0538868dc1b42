"""Bodies of the quality-inspection and semiannual-report routes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from msgspec import Meta

from api.schemas.common import LongText, Reason
from api.schemas.contracts import KrwOrNone
from domain.provider_report import ReportedContract
from domain.quality import (
    ContinuousTrigger,
    InspectionCriterion,
    InspectionDocument,
    InspectionKind,
    InspectionOutcome,
)

Text = Annotated[str, Meta(min_length=1, max_length=2000)]


class ScheduleRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    service_id: UUID
    kind: InspectionKind
    due: date
    trigger: ContinuousTrigger | None = None
    reason: Annotated[str, Meta(max_length=2000)] = ""


class DocumentsRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    documents: Annotated[frozenset[InspectionDocument], Meta(min_length=1)]
    deadline: date


class FindingRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    criterion: InspectionCriterion
    finding: LongText


FindingId = Annotated[str, Meta(pattern=r"^F-[0-9]{1,6}$")]


class CorrectiveActionRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    finding_id: FindingId
    action: Text
    deadline: date


class CorrectiveActionDone(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    finding_id: FindingId
    evidence: Text


class ReReviewRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    finding_id: FindingId


class CloseRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    outcome: InspectionOutcome
    summary: Reason


class InspectionEntry(msgspec.Struct, frozen=True):
    inspection_id: str
    service_id: str
    kind: str
    due: date
    outcome: str | None
    record: dict[str, Any]
    scheduled_at: datetime
    updated_at: datetime
    version: int
    position: int


class ReportedContractBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    agency_name: Annotated[str, Meta(min_length=1, max_length=200)]
    service_id: Annotated[str, Meta(min_length=1, max_length=64)]
    contract_reference: Annotated[str, Meta(min_length=1, max_length=100)]
    start: date
    end: date
    amount_krw: KrwOrNone
    via_mall: bool
    ledger_contract_id: UUID | None = None

    def to_domain(self) -> ReportedContract:
        return msgspec.convert(msgspec.to_builtins(self), ReportedContract)


class SemiannualReportRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    year: Annotated[int, Meta(ge=2020, le=2100)]
    half: Annotated[int, Meta(ge=1, le=2)]
    contracts: Annotated[list[ReportedContractBody], Meta(max_length=5000)]


class ReportEntry(msgspec.Struct, frozen=True):
    report_id: str
    provider_id: str
    year: int
    half: int
    status: str
    """due, submitted or overdue (an overdue report can still be submitted, as late)."""
    overdue_on: date
    late: bool | None
    contracts: list[dict[str, Any]]
    submitted_at: datetime | None


class InspectionList(msgspec.Struct, frozen=True):
    """A page of inspections, soonest due first; ``next_after`` is the next page's ``after``
    (null: the last page); ``total`` is exact when ``total_exact``."""

    total: int
    total_exact: bool
    limit: int
    next_after: str | None
    items: list[InspectionEntry]


class ReportList(msgspec.Struct, frozen=True):
    """A page of semiannual reports by year, half and provider; ``next_after`` is the next page's
    ``after`` (null: the last page); ``total`` is exact when ``total_exact``."""

    total: int
    total_exact: bool
    limit: int
    next_after: str | None
    items: list[ReportEntry]
