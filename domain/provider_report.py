"""Semiannual contract-information reports (Notice art. 9(1)): every half year a provider submits
the information of its contracts with public agencies, Digital Service Mall usage included.

A report covers one half (January-June or July-December) and is submitted once, after the half
has ended. dsledger expects it within 30 days of the half's end (the Notice sets no day; the 30 days
mirror the guideline's registration period, rolled to a business day) and the scheduler records it
as overdue otherwise.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID, uuid5

import msgspec
from eventsourcing.domain import event

from domain import bounds, rules
from domain.actor import Role, current_context
from domain.aggregate import LedgerAggregate, require_system
from domain.deadlines import half_end, report_overdue_on
from domain.rules import refuse, require

_REPORT_NAMESPACE = UUID("6b604e2a-2b5f-4f30-9d5e-000000000005")


def report_id_for(provider_id: str, year: int, half: int) -> UUID:
    return uuid5(_REPORT_NAMESPACE, f"{provider_id}:{year}:H{half}")


class ReportedContract(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    agency_name: str
    service_id: str
    contract_reference: str
    start: date
    end: date
    amount_krw: Decimal
    via_mall: bool
    ledger_contract_id: str | None = None

    def __post_init__(self) -> None:
        bounds.texts(self, {"agency_name": bounds.NAME_LENGTH,
                            "contract_reference": bounds.LINE_LENGTH}, default=bounds.ID_LENGTH)
        # 0 passes here: report.contract-line asks only for an amount that is not negative (a
        # contract line without fees, e.g. a free pilot, is still reported).
        bounds.amount(self.amount_krw, "amount_krw", zero_allowed=True)


class SemiannualReport(LedgerAggregate):
    """One provider's report for one half: due when the half ends, then submitted or overdue."""

    @staticmethod
    def create_id(provider_id: str, year: int, half: int) -> UUID:
        return report_id_for(provider_id, year, half)

    @classmethod
    def open(cls, *, provider_id: str, year: int, half: int) -> SemiannualReport:
        require(half in (1, 2), rules.REPORT_PERIOD, "half", year=year, half=half)
        return cls(provider_id=provider_id, year=year, half=half,
                   overdue_on=report_overdue_on(year, half))

    def submit(self, contracts: list[ReportedContract]) -> None:
        actor = current_context().actor
        if actor.role is not Role.PROVIDER or actor.provider_id != self.provider_id:
            refuse(rules.AUTH_NOT_OWNER, "provider_id", kind="report", kind_ko="보고",
                   owner_kind="provider", owner_kind_ko="제공자")
        require(not self.submitted, rules.REPORT_ALREADY_SUBMITTED,
                period=f"{self.year} H{self.half}")
        today = current_context().today
        require(today > half_end(self.year, self.half), rules.REPORT_PERIOD, "half",
                year=self.year, half=self.half)
        for contract in contracts:
            require(contract.end >= contract.start and contract.amount_krw >= 0
                    and bool(contract.agency_name.strip())
                    and bool(contract.contract_reference.strip()),
                    rules.REPORT_CONTRACT_LINE, "contracts",
                    reference=contract.contract_reference)
        self._submitted(contracts=contracts, late=today >= self.overdue_on)

    def mark_overdue(self) -> None:
        """The scheduler's deadline: nothing submitted by the due day."""
        require_system()
        require(not self.submitted and not self.overdue
                and current_context().today >= self.overdue_on,
                rules.DEADLINE_NOT_APPLICABLE, kind="semiannual_report")
        self._overdue()

    @event("SemiannualReportDue")
    def __init__(self, provider_id: str, year: int, half: int, overdue_on: date) -> None:
        self.provider_id = provider_id
        self.year = year
        self.half = half
        self.overdue_on = overdue_on
        self.submitted = False
        self.overdue = False

    @event("SemiannualReportSubmitted")
    def _submitted(self, contracts: list[ReportedContract], late: bool) -> None:
        self.submitted = True

    @event("SemiannualReportOverdue")
    def _overdue(self) -> None:
        self.overdue = True

