"""The Contract aggregate: steps ⑥ to ⑨ of the guideline.

⑥ Concluded from an awarded procurement (or as the renewal of an expired contract) → ⑦ disclosure
registered, amended after every amendment → ⑧ SLA reports, breaches the ledger computes,
improvement requests, penalties → ⑨ end notice at least 30 days before the end; rescinded,
terminated or expired, with the follow-up (ended, renewed, replaced); the agency's data returned
and destroyed; obligations verified; Closed only after the data disposition is confirmed.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol
from uuid import UUID, uuid5

import msgspec
from eventsourcing.domain import event

from domain import bounds, rules
from domain.actor import KOREA, Role, current_context
from domain.aggregate import LedgerAggregate, require_system
from domain.contract_terms import (
    Breach,
    ContractedService,
    ContractKind,
    ContractStatus,
    ContractTerms,
    EndNotice,
    FollowUp,
    SlaFigures,
    TerminationGround,
    breaches,
)
from domain.deadlines import (
    data_disposition_overdue_on,
    data_return_overdue_on,
    disclosure_overdue_on,
    disclosure_reminder_on,
    end_notice_overdue_on,
)
from domain.procurement import Procurement, ProcurementMethod, ProcurementStatus
from domain.requirements import BudgetItem
from domain.rules import refuse, require
from domain.values import PricingModel

END_NOTICE_DAYS = 30  # Decree art. 19(1): at least 30 days before the contract ends
DISCLOSURE_DAYS = 30  # guideline ⑦: register within 30 days of conclusion (recommended)

_CONTRACT_NAMESPACE = UUID("6b604e2a-2b5f-4f30-9d5e-000000000003")


def contract_id_for(origin: str) -> UUID:
    """One contract per awarded procurement, one renewal per expired contract."""
    return uuid5(_CONTRACT_NAMESPACE, origin)


class Amendment(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A change of period, amount or parties (변경계약)."""

    reason: str
    new_end: date | None = None
    new_total_amount_krw: Decimal | None = None
    parties_note: str = ""

    def __post_init__(self) -> None:
        bounds.texts(self)
        bounds.amount(self.new_total_amount_krw, "new_total_amount_krw")


class Settlement(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """What a rescission settles: costs, interest and the change in value (해제 시 정산)."""

    costs_krw: Decimal
    interest_krw: Decimal
    value_change_krw: Decimal

    def __post_init__(self) -> None:
        # Each is what one party owes the other and may be nothing (0): a rescission right after
        # conclusion has no costs, no interest and no change in value. Never negative: the
        # direction of a payment is the item, not the sign.
        for name in self.__struct_fields__:
            bounds.amount(getattr(self, name), name, zero_allowed=True)


def _amended_amount(terms: ContractTerms, amendment: Amendment) -> Decimal:
    """The amount after an amendment: unchanged only when none is given. ("or" took a 0 for "no
    change" and recorded an Amended event that changed nothing; Amendment refuses 0 now.)"""
    if amendment.new_total_amount_krw is None:
        return terms.total_amount_krw
    return amendment.new_total_amount_krw


def _months_after(start: date, months: int) -> date:
    year, month = divmod(start.month - 1 + months, 12)
    year += start.year
    day = min(start.day, monthrange(year, month + 1)[1])
    return date(year, month + 1, day)


def validate_terms(terms: ContractTerms) -> None:
    require(terms.end >= terms.start, rules.CONTRACT_PERIOD, "end",
            problem="the end is before the start", problem_ko="종료일이 시작일보다 앞섭니다")
    if terms.kind is ContractKind.SINGLE_YEAR:
        require(terms.start.year == terms.end.year and terms.end < _months_after(terms.start, 12),
                rules.CONTRACT_PERIOD, "end",
                problem="a single-year contract lasts at most 12 months inside one fiscal year",
                problem_ko="단년도 계약은 한 회계연도 안에서 12개월 이내입니다")
    elif terms.kind is ContractKind.MONTHLY:
        require(terms.end < _months_after(terms.start, 1), rules.CONTRACT_PERIOD, "end",
                problem="a monthly contract lasts at most one month",
                problem_ko="월단위 계약은 1개월 이내입니다")
    require(terms.total_amount_krw > 0, rules.CONTRACT_TERMS, "total_amount_krw",
            problem="the total amount for the period must be positive",
            problem_ko="계약기간 총액은 양수여야 합니다")
    if terms.pricing_model is PricingModel.METERED:
        require(bool(terms.unit_prices) and all(u.price_krw > 0 for u in terms.unit_prices),
                rules.CONTRACT_TERMS, "unit_prices",
                problem="a metered fee needs its unit prices (unit-price contract, art. 76-11)",
                problem_ko="종량제는 단가를 기재해야 합니다(단가계약, 제76조의11)")
    sla = terms.sla
    for name in ("service_target", "scope", "period", "grades", "evaluation_method",
                 "result_management"):
        require(bool(getattr(sla, name).strip()), rules.CONTRACT_SLA_ANNEX, f"sla.{name}",
                item=name)
    require(bool(sla.targets), rules.CONTRACT_SLA_ANNEX, "sla.targets", item="targets")
    indicators = [target.indicator for target in sla.targets]
    require(len(indicators) == len(set(indicators)), rules.CONTRACT_SLA_ANNEX, "sla.targets",
            item="targets (each indicator once)")
    for name in ("data_return_clause", "lock_in_clause"):
        require(bool(getattr(terms, name).strip()), rules.CONTRACT_TERMS, name,
                problem=f"{name} is required", problem_ko=f"{name} 항목이 필요합니다")
    require(terms.deposit_krw >= 0, rules.CONTRACT_TERMS, "deposit_krw",
            problem="the deposit cannot be negative", problem_ko="계약보증금은 음수일 수 없습니다")


class Contract(LedgerAggregate):
    # State added after contracts were first recorded: class-level defaults, so a contract
    # restored from an older snapshot (which lacks these attributes) reads them as "none yet".
    return_overdue: bool = False
    business_end: date | None = None
    """The earliest business end date a provider of this contract noticed (Decree art. 19(2))."""
    cessation_ids: tuple[str, ...] = ()

    @staticmethod
    def create_id(origin: str) -> UUID:
        return contract_id_for(origin)

    # --- ⑥ conclusion ------------------------------------------------------------------------
    @classmethod
    def conclude(cls, procurement: Procurement, services: Sequence[ContractedService],
                 active: dict[str, bool], terms: ContractTerms,
                 mall_listed: dict[str, bool]) -> Contract:
        """``active`` and ``mall_listed`` say, per awarded service, what its DigitalService says
        now: the award's checks were made then, and a service can be suspended or delisted from
        the Mall between the award and the conclusion."""
        _require_agency(procurement.agency_id)
        require(procurement.status is ProcurementStatus.AWARDED, rules.CONTRACT_NEEDS_AWARD,
                "procurement_id")
        assert procurement.method is not None
        require(sorted(s.service_id for s in services) == sorted(procurement.awarded_service_ids),
                rules.CONTRACT_NEEDS_AWARD, "service_ids")
        for service in services:
            if not active[service.service_id]:
                refuse(rules.SERVICE_NOT_ACTIVE, "service_ids", status="not active",
                       status_ko="비활성", action="contracted", action_ko="계약할")
        if procurement.method is ProcurementMethod.CENTRAL:
            _require_mall_listed(services, mall_listed)
        validate_terms(terms)
        if terms.kind is ContractKind.SINGLE_YEAR:
            # 단년도 계약 = 회계연도 이내: the fiscal year whose budget the procurement confirmed.
            require(terms.start.year == procurement.fiscal_year, rules.CONTRACT_FISCAL_YEAR,
                    "start", fiscal_year=procurement.fiscal_year, year=terms.start.year)
        _require_within_budget(terms.total_amount_krw, procurement.confirmed_budget_krw)
        contract = cls(origin=f"procurement:{procurement.id}", agency_id=procurement.agency_id,
                       procurement_id=str(procurement.id), previous_contract_id=None,
                       method=procurement.method, services=list(services), terms=terms)
        if procurement.method is ProcurementMethod.CENTRAL:
            # A Mall delivery request is transferred to the support system by itself (⑦).
            contract._disclosure_registered(automatic=True, late=False)
        return contract

    @classmethod
    def renewal_of(cls, previous: Contract, active: dict[str, bool],
                   terms: ContractTerms, mall_listed: dict[str, bool],
                   confirmed_budget_krw: Decimal) -> Contract:
        """재계약: the same services of the same provider, after the previous one expired, within
        the procurement's confirmed budget as last revised (``confirmed_budget_krw``). A renewal
        lies in a later fiscal year by nature, so its year is not held to the procurement's."""
        _require_agency(previous.agency_id)
        require(previous.status is ContractStatus.EXPIRED and previous.follow_up is None,
                rules.CONTRACT_FOLLOW_UP, "contract_id", status=previous.status.value)
        for service in previous.services:
            if not active[service.service_id]:
                refuse(rules.SERVICE_NOT_ACTIVE, "service_ids", status="not active",
                       status_ko="비활성", action="contracted", action_ko="계약할")
        if previous.method is ProcurementMethod.CENTRAL:
            # A central renewal is a new delivery request on the Mall, so the service must
            # still be listed there.
            _require_mall_listed(previous.services, mall_listed)
        validate_terms(terms)
        require(terms.start > previous.terms.end, rules.CONTRACT_PERIOD, "start",
                problem="a renewal starts after the previous contract ended",
                problem_ko="재계약은 이전 계약 종료 후에 시작합니다")
        _require_within_budget(terms.total_amount_krw, confirmed_budget_krw)
        return cls(origin=f"renewal:{previous.id}", agency_id=previous.agency_id,
                   procurement_id=previous.procurement_id, previous_contract_id=str(previous.id),
                   method=previous.method, services=list(previous.services), terms=terms)

    # --- ⑦ disclosure -------------------------------------------------------------------------
    def register_disclosure(self) -> None:
        self._require_agency()
        require(not self.disclosure_registered, rules.DISCLOSURE_ALREADY_REGISTERED)
        late = current_context().today > self.concluded_on + timedelta(days=DISCLOSURE_DAYS)
        self._disclosure_registered(automatic=False, late=late)

    def amend(self, amendment: Amendment, confirmed_budget_krw: Decimal) -> None:
        """``confirmed_budget_krw``: the procurement's confirmed budget as last revised; an
        amendment may not raise the total above it."""
        self._require_agency()
        self._require_status(ContractStatus.ACTIVE)
        require(bool(amendment.reason.strip()), rules.CONTRACT_TEXT_REQUIRED, "reason",
                name="reason")
        require(amendment.new_end is not None or amendment.new_total_amount_krw is not None
                or bool(amendment.parties_note.strip()), rules.CONTRACT_TERMS, "amendment",
                problem="an amendment changes the period, the amount or the parties",
                problem_ko="변경계약은 기간·금액·당사자 중 하나 이상을 바꿔야 합니다")
        changed = msgspec.structs.replace(
            self.terms,
            end=amendment.new_end or self.terms.end,
            total_amount_krw=_amended_amount(self.terms, amendment),
        )
        validate_terms(changed)
        if changed.total_amount_krw > self.terms.total_amount_krw:
            _require_within_budget(changed.total_amount_krw, confirmed_budget_krw)
        self._amended(amendment=amendment)
        if self.method is ProcurementMethod.CENTRAL and self.disclosure_registered:
            self._disclosure_amended(amendment_number=self.amendments, automatic=True)

    def amend_disclosure(self) -> None:
        self._require_agency()
        require(self.disclosure_registered and self.disclosed_amendments < self.amendments,
                rules.DISCLOSURE_NOT_OUTDATED)
        self._disclosure_amended(amendment_number=self.amendments, automatic=False)

    # --- ⑧ use ----------------------------------------------------------------------------------
    def submit_sla_report(self, service_id: str, figures: SlaFigures) -> list[Breach]:
        service = self._service(service_id)
        _require_provider(service.provider_id)
        # A terminated contract (해지) stays valid until its effective date and an expired one was
        # valid to its end: the service given until then is still reported and measured. A
        # rescinded one (해제) counts as never made, so nothing is reported on it.
        require(self.status in _SERVICE_WAS_GIVEN, rules.CONTRACT_STATE,
                status=self.status.value, expected="active, terminated or expired")
        require(self.terms.start <= figures.period_start <= figures.period_end <= self.terms.end,
                rules.SLA_REPORT_PERIOD, "period_end")
        if self.terminated_effective is not None:
            require(figures.period_end <= self.terminated_effective,
                    rules.SLA_REPORT_AFTER_TERMINATION, "period_end",
                    effective=self.terminated_effective.isoformat())
        require(figures.period_end < current_context().today, rules.SLA_REPORT_PERIOD,
                "period_end")
        report_number = self.sla_reports + 1
        self._sla_report_submitted(report_number=report_number, service_id=service_id,
                                   figures=figures)
        found = breaches(self.terms.sla.targets, figures)
        for breach in found:
            self._sla_breach_detected(report_number=report_number, service_id=service_id,
                                      breach=breach)
        return found

    def request_improvement(self, breach_ref: str, deadline: date, request: str) -> None:
        self._require_agency()
        if self.status is ContractStatus.TERMINATED:
            # Until the termination takes effect the provider still owes the agreed level.
            assert self.terminated_effective is not None
            require(current_context().today <= self.terminated_effective
                    and deadline <= self.terminated_effective,
                    rules.SLA_REPORT_AFTER_TERMINATION, "deadline",
                    effective=self.terminated_effective.isoformat())
        else:
            self._require_status(ContractStatus.ACTIVE)
        require(breach_ref in self.breach_refs, rules.SLA_BREACH_UNKNOWN, "breach_ref",
                breach_ref=breach_ref)
        require(breach_ref not in self.improvement_deadlines, rules.IMPROVEMENT_STATE, "breach_ref",
                breach_ref=breach_ref)
        require(deadline > current_context().today and bool(request.strip()),
                rules.CONTRACT_TERMS, "deadline", problem="an improvement needs a future deadline "
                "and what is asked", problem_ko="개선 요구는 미래의 기한과 요구 내용이 필요합니다")
        self._improvement_requested(breach_ref=breach_ref, deadline=deadline,
                                    request=request.strip())

    def confirm_improvement(self, breach_ref: str, note: str) -> None:
        self._require_agency()
        require(breach_ref in self.improvement_deadlines
                and breach_ref not in self.confirmed_improvements, rules.IMPROVEMENT_STATE,
                "breach_ref",
                breach_ref=breach_ref)
        self._improvement_confirmed(breach_ref=breach_ref, note=note.strip())

    def claim_penalty(self, breach_ref: str, amount_krw: Decimal, basis: str) -> None:
        self._require_agency()
        require(breach_ref in self.breach_refs, rules.SLA_BREACH_UNKNOWN, "breach_ref",
                breach_ref=breach_ref)
        bounds.amount(amount_krw, "amount_krw")
        bounds.text(basis, "basis")
        require(amount_krw > 0 and bool(basis.strip()), rules.CONTRACT_TERMS, "amount_krw",
                problem="a penalty needs a positive amount and its basis in the contract",
                problem_ko="위약금은 양수 금액과 계약상 근거가 필요합니다")
        self._penalty_claimed(breach_ref=breach_ref, amount_krw=amount_krw, basis=basis.strip())

    def mark_at_risk(self, service_id: str, cause: str, ground: TerminationGround) -> bool:
        """A service of this contract was suspended, cancelled or lost its CSAP; returns False when
        that cause was already recorded (the policy may see the same event twice). Only the
        policy records it: in the operator's command that changed the service, or the
        scheduler's second look."""
        actor = current_context().actor
        if actor.role not in {Role.OPERATOR, Role.SYSTEM}:
            refuse(rules.AUTH_ROLE_FORBIDDEN, role=actor.role.value,
                   allowed="operator, system (the at-risk policy)")
        self._service(service_id)
        if cause in self.risk_causes or self.status is not ContractStatus.ACTIVE:
            return False
        self._at_risk(service_id=service_id, cause=cause, ground=ground)
        return True

    def notice_business_end(self, service_id: str, cessation_id: str,
                            business_end: date) -> bool:
        """A provider of this contract ends the business of ``service_id`` (Decree art. 19(2)):
        the notice is recorded here, naming the cessation, and the data-exit clock counts from the
        business end date when that comes first (art. 19(4)). Recorded by the at-risk policy in
        the provider's command (or the scheduler's second look); False when already recorded."""
        actor = current_context().actor
        if actor.role is not Role.SYSTEM:
            refuse(rules.AUTH_ROLE_FORBIDDEN, role=actor.role.value,
                   allowed="system (the at-risk policy)")
        self._service(service_id)
        if cessation_id in self.cessation_ids or self.status is not ContractStatus.ACTIVE:
            return False
        self._business_end_noticed(service_id=service_id, cessation_id=cessation_id,
                                   business_end=business_end)
        return True

    # --- ⑨ end -------------------------------------------------------------------------------
    def send_end_notice(self, notice: EndNotice) -> None:
        provider_id = _acting_provider(self.provider_ids)
        require(self.status in {ContractStatus.ACTIVE, ContractStatus.TERMINATED},
                rules.CONTRACT_STATE, status=self.status.value, expected="active")
        require(provider_id not in self.end_notices, rules.END_NOTICE_ALREADY_SENT)
        require(notice.end_date == self.end_date, rules.END_NOTICE_ITEMS, "end_date",
                item=f"end_date (the contract ends on {self.end_date.isoformat()})")
        for name in ("return_right", "destruction_notice", "return_method", "contact"):
            require(bool(getattr(notice, name).strip()), rules.END_NOTICE_ITEMS, name, item=name)
        require(bool(notice.channels), rules.END_NOTICE_ITEMS, "channels", item="channels")
        today = current_context().today
        require(today <= self.end_date - timedelta(days=END_NOTICE_DAYS), rules.END_NOTICE_LATE,
                "end_date", end=self.end_date.isoformat(), today=today.isoformat())
        self._end_notice_sent(provider_id=provider_id, notice=notice)

    def rescind(self, ground: TerminationGround, reason: str, settlement: Settlement) -> None:
        self._require_agency()
        self._require_status(ContractStatus.ACTIVE)
        self._require_ground(ground)
        require(bool(reason.strip()), rules.CONTRACT_TEXT_REQUIRED, "reason", name="reason")
        self._rescinded(ground=ground, reason=reason.strip(), settlement=settlement)

    def terminate(self, ground: TerminationGround, effective: date, reason: str,
                  unpaid_fees_krw: Decimal | None = None,
                  deposit_krw: Decimal | None = None) -> None:
        self._require_agency()
        self._require_status(ContractStatus.ACTIVE)
        self._require_ground(ground)
        require(bool(reason.strip()), rules.CONTRACT_TEXT_REQUIRED, "reason", name="reason")
        require(current_context().today <= effective <= self.terms.end,
                rules.CONTRACT_PERIOD, "effective",
                problem="termination takes effect from today up to the contract's end",
                problem_ko="해지 효력일은 오늘부터 계약 종료일 사이여야 합니다")
        # 0 is a real answer here: nothing unpaid, or no deposit held.
        bounds.amount(unpaid_fees_krw, "unpaid_fees_krw", zero_allowed=True)
        bounds.amount(deposit_krw, "deposit_krw", zero_allowed=True)
        if ground is TerminationGround.AGENCY_NECESSITY:
            # The agency pays what is owed and the deposit (용역계약 일반조건 제8조).
            require(unpaid_fees_krw is not None and unpaid_fees_krw >= 0
                    and deposit_krw is not None and deposit_krw >= 0,
                    rules.TERMINATION_AGENCY_PAYMENTS, "unpaid_fees_krw")
        self._terminated(ground=ground, effective=effective, reason=reason.strip(),
                         unpaid_fees_krw=unpaid_fees_krw, deposit_krw=deposit_krw)

    def expire(self) -> None:
        """Recorded by the scheduler at the end date, or earlier by the contract's own agency; no
        one else may end another agency's contract."""
        if current_context().actor.role is not Role.SYSTEM:
            self._require_agency()
        self._require_status(ContractStatus.ACTIVE)
        today = current_context().today
        require(today > self.terms.end, rules.CONTRACT_NOT_YET_ENDED,
                end=self.terms.end.isoformat(), today=today.isoformat())
        self._expired(ended_on=self.terms.end)

    def choose_follow_up(self, follow_up: FollowUp, replacement: Procurement | None = None,
                         renewal: Contract | None = None) -> None:
        """계약 종료 (nothing follows), 재계약 (``renewal``: the new contract that renews this one,
        passed only by the renewal itself) or 신규계약 (``replacement``: the new procurement)."""
        self._require_agency()
        require(self.status in {ContractStatus.EXPIRED, ContractStatus.TERMINATED,
                                ContractStatus.RESCINDED} and self.follow_up is None,
                rules.CONTRACT_FOLLOW_UP, "follow_up", status=self.status.value)
        linked_id: str | None = None
        if follow_up is FollowUp.RENEWED:
            require(self.status is ContractStatus.EXPIRED, rules.CONTRACT_FOLLOW_UP, "follow_up",
                    status=self.status.value)
            # 재계약 is the same provider again under a new contract: only a concluded renewal of
            # this very contract, for the same agency and providers, can be what followed it.
            require(renewal is not None and replacement is None
                    and renewal.previous_contract_id == str(self.id)
                    and renewal.agency_id == self.agency_id
                    and renewal.provider_ids == self.provider_ids,
                    rules.CONTRACT_RENEWAL_LINK, "procurement_id")
            assert renewal is not None
            linked_id = str(renewal.id)
        elif follow_up is FollowUp.REPLACED:
            # 신규계약 means moving to another service: the guideline asks for the migration and
            # its budget to be secured, so the new procurement must be this agency's and have a
            # confirmed migration budget.
            require(replacement is not None and renewal is None
                    and replacement.agency_id == self.agency_id
                    and replacement.status is not ProcurementStatus.ABANDONED
                    and migration_budget(replacement) > 0,
                    rules.REPLACEMENT_MIGRATION_BUDGET, "procurement_id")
            assert replacement is not None
            linked_id = str(replacement.id)
        else:
            require(replacement is None and renewal is None, rules.CONTRACT_FOLLOW_UP,
                    "linked_id", status=self.status.value)
        self._follow_up_chosen(follow_up=follow_up, linked_id=linked_id)

    def request_data_return(self, form: str) -> None:
        self._require_agency()
        require(self.status is not ContractStatus.CLOSED and not self.destroyed_by,
                rules.DATA_DISPOSITION_ORDER, "form", problem="the data is already destroyed",
                problem_ko="이미 파기되었습니다")
        require(bool(form.strip()), rules.CONTRACT_TEXT_REQUIRED, "form", name="form")
        require(not self.return_requested, rules.DATA_DISPOSITION_ORDER, "form",
                problem="its return was already requested", problem_ko="이미 반환을 요청했습니다")
        due = data_return_overdue_on(self.exit_end, self.exit_days[0])
        # The return is owed before ``due`` (Decree art. 19(4), or the agreed clause, (6)); a
        # request made on or after that day has no clock left to run (the data is due to be
        # destroyed), so it records no due day and no return deadline follows it.
        self._data_return_requested(form=form.strip(),
                                    due=due if current_context().today < due else None)

    def confirm_data_returned(self, usable_form: str, note: str) -> None:
        provider_id = _acting_provider(self.provider_ids)
        require(self.return_requested, rules.DATA_DISPOSITION_ORDER, "usable_form",
                problem="no return was requested", problem_ko="반환 요청이 없습니다")
        require(provider_id not in self.returned_by, rules.DATA_DISPOSITION_ORDER, "usable_form",
                problem="already returned", problem_ko="이미 반환했습니다")
        require(bool(usable_form.strip()), rules.CONTRACT_TEXT_REQUIRED, "usable_form",
                name="usable_form")
        self._data_returned(provider_id=provider_id, usable_form=usable_form.strip(),
                            note=note.strip())

    def confirm_data_destroyed(self, method: str, certificate_ref: str) -> None:
        provider_id = _acting_provider(self.provider_ids)
        require(self.status in {ContractStatus.EXPIRED, ContractStatus.TERMINATED,
                                ContractStatus.RESCINDED}, rules.DATA_DISPOSITION_ORDER, "method",
                problem="the contract has not ended", problem_ko="계약이 종료되지 않았습니다")
        require(provider_id not in self.destroyed_by, rules.DATA_DISPOSITION_ORDER, "method",
                problem="already destroyed", problem_ko="이미 파기했습니다")
        require(not self.return_requested or provider_id in self.returned_by,
                rules.DATA_DISPOSITION_ORDER, "method",
                problem="the agency asked for its data back: return it before destroying it",
                problem_ko="반환 요청이 있으므로 반환 후 파기해야 합니다")
        for name, text in (("method", method), ("certificate_ref", certificate_ref)):
            require(bool(text.strip()), rules.CONTRACT_TEXT_REQUIRED, name, name=name)
        self._data_destroyed(provider_id=provider_id, method=method.strip(),
                             certificate_ref=certificate_ref.strip())

    def verify_obligations(self, note: str) -> None:
        self._require_agency()
        require(self.disposition_confirmed, rules.CONTRACT_NOT_DISPOSED)
        require(not self.obligations_verified, rules.CONTRACT_STATE, status="verified",
                expected="not yet verified")
        self._obligations_verified(note=note.strip())

    def close(self) -> None:
        self._require_agency()
        require(self.status is not ContractStatus.CLOSED, rules.CONTRACT_STATE,
                status=self.status.value, expected="ended")
        require(self.disposition_confirmed and self.obligations_verified,
                rules.CONTRACT_NOT_DISPOSED)
        self._closed()

    # --- deadlines the scheduler records (see domain/deadlines.py) --------------------------
    def remind_disclosure(self) -> None:
        require_system()
        self._require_deadline(not self.disclosure_registered and not self.disclosure_reminded
                               and self._today() >= disclosure_reminder_on(self.concluded_on),
                               "disclosure_reminder")
        self._disclosure_reminder_sent(due=disclosure_overdue_on(self.concluded_on))

    def mark_disclosure_overdue(self) -> None:
        require_system()
        self._require_deadline(not self.disclosure_registered and not self.disclosure_overdue
                               and self._today() >= disclosure_overdue_on(self.concluded_on),
                               "disclosure_overdue")
        self._disclosure_overdue()

    def mark_end_notice_overdue(self, provider_id: str) -> None:
        require_system()
        self._require_deadline(
            provider_id in self.provider_ids and provider_id not in self.end_notices
            and provider_id not in self.end_notice_overdue
            and self.status is ContractStatus.ACTIVE
            and self._today() >= end_notice_overdue_on(self.terms.end), "end_notice_overdue")
        self._end_notice_overdue(provider_id=provider_id)

    def mark_data_disposition_overdue(self) -> None:
        require_system()
        ended = self.ended_on
        self._require_deadline(
            ended is not None and not self.disposition_confirmed and not self.disposition_overdue
            and self._today() >= data_disposition_overdue_on(min(ended, self.exit_end),
                                                             self.exit_days[1]),
            "data_disposition_overdue")
        self._data_disposition_overdue()

    def mark_data_return_overdue(self) -> None:
        """Decree art. 19(4): data asked back is returned before the end date (or the day the
        contract agreed, (6)); recorded once, naming the providers that had not returned it."""
        require_system()
        missing = [p for p in self.provider_ids if p not in self.returned_by]
        self._require_deadline(
            self.return_requested and bool(missing) and not self.return_overdue
            and self.status is not ContractStatus.CLOSED
            and self._today() >= data_return_overdue_on(self.exit_end, self.exit_days[0]),
            "data_return_overdue")
        self._data_return_overdue(provider_ids=missing)

    def mark_improvement_overdue(self, breach_ref: str) -> None:
        require_system()
        deadline = self.improvement_deadlines.get(breach_ref)
        self._require_deadline(
            deadline is not None and breach_ref not in self.confirmed_improvements
            and breach_ref not in self.overdue_improvements and self._today() > deadline,
            "improvement_overdue")
        self._improvement_overdue(breach_ref=breach_ref)

    @staticmethod
    def _today() -> date:
        return current_context().today

    @staticmethod
    def _require_deadline(applicable: bool, kind: str) -> None:
        require(applicable, rules.DEADLINE_NOT_APPLICABLE, kind=kind)

    # --- queries ------------------------------------------------------------------------------
    @property
    def ended_on(self) -> date | None:
        """The last day of the contract once it has ended (expired, terminated, rescinded)."""
        if self.status is ContractStatus.EXPIRED:
            return self.terms.end
        if self.status in {ContractStatus.TERMINATED, ContractStatus.RESCINDED}:
            return self.terminated_effective or self.rescinded_on
        return None

    @property
    def provider_ids(self) -> list[str]:
        return sorted({service.provider_id for service in self.services})

    @property
    def end_date(self) -> date:
        return self.terminated_effective or self.terms.end

    @property
    def exit_end(self) -> date:
        """The end date the data-exit clock counts from: the contract's end (or the day it was
        terminated or rescinded), or a provider's business end date if that comes first (Decree
        art. 19(4): "before the contract or business end date")."""
        end = self.ended_on or self.end_date
        return min(end, self.business_end) if self.business_end is not None else end

    @property
    def exit_days(self) -> tuple[int, int]:
        """(days before the end the return is due, days after it the destruction is due): the
        contract's data-exit clause (art. 19(6)), or the Decree's own default (0, 0)."""
        clause = self.terms.data_exit
        if clause is None:
            return 0, 0
        return clause.return_days_before_end, clause.destruction_days_after_end

    @property
    def disposition_confirmed(self) -> bool:
        """Every provider destroyed the data (after returning it where that was asked)."""
        return set(self.destroyed_by) == set(self.provider_ids)

    @property
    def breach_refs(self) -> set[str]:
        return {f"R{b['report_number']}:{b['service_id']}:{b['indicator']}"
                for b in self.breaches}

    # --- helpers ------------------------------------------------------------------------------
    def _require_agency(self) -> None:
        _require_agency(self.agency_id)

    def _require_status(self, status: ContractStatus) -> None:
        require(self.status is status, rules.CONTRACT_STATE, status=self.status.value,
                expected=status.value)

    def _service(self, service_id: str) -> ContractedService:
        for service in self.services:
            if service.service_id == service_id:
                return service
        refuse(rules.CONTRACT_SERVICE_UNKNOWN, "service_id", service_id=service_id)

    def _require_ground(self, ground: TerminationGround) -> None:
        if ground is TerminationGround.SLA_NO_PROSPECT:
            require(bool(self.breaches), rules.TERMINATION_GROUND_EVIDENCE, "ground",
                    ground=ground.value, evidence="a recorded SLA breach")
        if ground is TerminationGround.SELECTION_CANCELLED_OR_CSAP_REVOKED:
            require(bool(self.risk_causes), rules.TERMINATION_GROUND_EVIDENCE, "ground",
                    ground=ground.value, evidence="a recorded at-risk event for a cancelled "
                    "selection or a revoked CSAP")

    # --- events -------------------------------------------------------------------------------
    @event("Concluded")
    def __init__(self, origin: str, agency_id: str, procurement_id: str,
                 previous_contract_id: str | None, method: ProcurementMethod,
                 services: list[ContractedService], terms: ContractTerms) -> None:
        self.origin = origin
        self.agency_id = agency_id
        self.procurement_id = procurement_id
        self.previous_contract_id = previous_contract_id
        self.method = method
        self.services = list(services)
        self.terms = terms
        self.concluded_on = self.created_on.astimezone(KOREA).date()
        self.status = ContractStatus.ACTIVE
        self.disclosure_registered = False
        self.amendments = 0
        self.disclosed_amendments = 0
        self.sla_reports = 0
        self.breaches: list[dict[str, str]] = []
        self.improvement_deadlines: dict[str, date] = {}
        self.confirmed_improvements: set[str] = set()
        self.overdue_improvements: set[str] = set()
        self.disclosure_reminded = False
        self.disclosure_overdue = False
        self.end_notice_overdue: set[str] = set()
        self.disposition_overdue = False
        self.risk_causes: set[str] = set()
        self.end_notices: set[str] = set()
        self.terminated_effective: date | None = None
        self.rescinded_on: date | None = None
        self.follow_up: FollowUp | None = None
        self.return_requested = False
        self.returned_by: set[str] = set()
        self.destroyed_by: set[str] = set()
        self.obligations_verified = False

    @event("DisclosureRegistered")
    def _disclosure_registered(self, automatic: bool, late: bool) -> None:
        self.disclosure_registered = True
        self.disclosed_amendments = self.amendments

    @event("Amended")
    def _amended(self, amendment: Amendment) -> None:
        self.amendments += 1
        with bounds.trusted():  # checked by the command; replaying must not check again
            self.terms = msgspec.structs.replace(
                self.terms,
                end=amendment.new_end or self.terms.end,
                total_amount_krw=_amended_amount(self.terms, amendment),
            )

    @event("DisclosureAmended")
    def _disclosure_amended(self, amendment_number: int, automatic: bool) -> None:
        self.disclosed_amendments = amendment_number

    @event("SlaReportSubmitted")
    def _sla_report_submitted(self, report_number: int, service_id: str,
                              figures: SlaFigures) -> None:
        self.sla_reports = report_number

    @event("SlaBreachDetected")
    def _sla_breach_detected(self, report_number: int, service_id: str, breach: Breach) -> None:
        self.breaches.append({"report_number": str(report_number), "service_id": service_id,
                              "indicator": breach.indicator.value})

    @event("ImprovementRequested")
    def _improvement_requested(self, breach_ref: str, deadline: date, request: str) -> None:
        self.improvement_deadlines[breach_ref] = deadline

    @event("ImprovementConfirmed")
    def _improvement_confirmed(self, breach_ref: str, note: str) -> None:
        self.confirmed_improvements.add(breach_ref)

    @event("PenaltyClaimed")
    def _penalty_claimed(self, breach_ref: str, amount_krw: Decimal, basis: str) -> None:
        pass

    @event("AtRisk")
    def _at_risk(self, service_id: str, cause: str, ground: TerminationGround) -> None:
        self.risk_causes.add(cause)

    @event("EndNoticeSent")
    def _end_notice_sent(self, provider_id: str, notice: EndNotice) -> None:
        self.end_notices.add(provider_id)

    @event("Rescinded")
    def _rescinded(self, ground: TerminationGround, reason: str, settlement: Settlement) -> None:
        self.status = ContractStatus.RESCINDED
        self.rescinded_on = self.modified_on.astimezone(KOREA).date()

    @event("Terminated")
    def _terminated(self, ground: TerminationGround, effective: date, reason: str,
                    unpaid_fees_krw: Decimal | None, deposit_krw: Decimal | None) -> None:
        self.status = ContractStatus.TERMINATED
        self.terminated_effective = effective

    @event("Expired")
    def _expired(self, ended_on: date) -> None:
        self.status = ContractStatus.EXPIRED

    @event("FollowUpChosen")
    def _follow_up_chosen(self, follow_up: FollowUp, linked_id: str | None) -> None:
        self.follow_up = follow_up

    @event("DataReturnRequested")
    def _data_return_requested(self, form: str, due: date | None = None) -> None:
        # ``due``: the first day the return is late, as counted when asked (None in events
        # recorded before the data-exit clock, and for a request made too late to have one).
        self.return_requested = True

    @event("DataReturned")
    def _data_returned(self, provider_id: str, usable_form: str, note: str) -> None:
        self.returned_by.add(provider_id)

    @event("DataDestroyed")
    def _data_destroyed(self, provider_id: str, method: str, certificate_ref: str) -> None:
        self.destroyed_by.add(provider_id)

    @event("ObligationsVerified")
    def _obligations_verified(self, note: str) -> None:
        self.obligations_verified = True

    @event("Closed")
    def _closed(self) -> None:
        self.status = ContractStatus.CLOSED

    @event("DisclosureReminderSent")
    def _disclosure_reminder_sent(self, due: date) -> None:
        self.disclosure_reminded = True

    @event("DisclosureOverdue")
    def _disclosure_overdue(self) -> None:
        self.disclosure_overdue = True

    @event("EndNoticeOverdue")
    def _end_notice_overdue(self, provider_id: str) -> None:
        self.end_notice_overdue.add(provider_id)

    @event("DataDispositionOverdue")
    def _data_disposition_overdue(self) -> None:
        self.disposition_overdue = True

    @event("BusinessEndNoticed")
    def _business_end_noticed(self, service_id: str, cessation_id: str,
                              business_end: date) -> None:
        self.cessation_ids = (*self.cessation_ids, cessation_id)
        self.business_end = (business_end if self.business_end is None
                             else min(self.business_end, business_end))

    @event("DataReturnOverdue")
    def _data_return_overdue(self, provider_ids: list[str]) -> None:
        self.return_overdue = True

    @event("ImprovementOverdue")
    def _improvement_overdue(self, breach_ref: str) -> None:
        self.overdue_improvements.add(breach_ref)


def _require_within_budget(total_krw: Decimal, confirmed_budget_krw: Decimal) -> None:
    """① 예산 확인: use is planned within the confirmed budget (3-1: 가용 예산을 초과하지 않는지);
    a larger contract needs the budget revised first (Procurement.revise_budget)."""
    require(total_krw <= confirmed_budget_krw, rules.CONTRACT_OVER_BUDGET, "total_amount_krw",
            total=f"{total_krw:,}", budget=f"{confirmed_budget_krw:,}")


_SERVICE_WAS_GIVEN = frozenset({ContractStatus.ACTIVE, ContractStatus.TERMINATED,
                                ContractStatus.EXPIRED})
"""The states in which the contract was in force for some period that can be reported on."""


def _require_mall_listed(services: Sequence[ContractedService],
                         mall_listed: dict[str, bool]) -> None:
    """A delivery request (납품요구) can only be made for a service listed in the Digital Service
    Mall at the moment the contract is concluded, not merely when it was awarded."""
    unlisted = [s.name for s in services if not mall_listed.get(s.service_id, False)]
    require(not unlisted, rules.CONTRACT_CENTRAL_MALL_LISTED, "service_ids",
            services=", ".join(unlisted))


def _require_agency(agency_id: str) -> None:
    actor = current_context().actor
    if actor.role is not Role.AGENCY or actor.agency_id != agency_id:
        refuse(rules.AUTH_NOT_OWNER, kind="contract", kind_ko="계약", owner_kind="agency",
               owner_kind_ko="수요기관")


def _require_provider(provider_id: str) -> None:
    actor = current_context().actor
    if actor.role is not Role.PROVIDER or actor.provider_id != provider_id:
        refuse(rules.AUTH_NOT_OWNER, kind="contract", kind_ko="계약", owner_kind="provider",
               owner_kind_ko="제공자")


def _acting_provider(provider_ids: Sequence[str]) -> str:
    actor = current_context().actor
    if actor.role is not Role.PROVIDER or actor.provider_id not in provider_ids:
        refuse(rules.AUTH_NOT_OWNER, kind="contract", kind_ko="계약", owner_kind="provider",
               owner_kind_ko="제공자")
    return str(actor.provider_id)


def migration_budget(procurement: Procurement) -> Decimal:
    """What a replacement procurement set aside for migration (신규계약 시 마이그레이션 비용 확보)."""
    return procurement.budget.amount_for(BudgetItem.MIGRATION) if procurement.budget else Decimal(0)


class ContractIndex(Protocol):
    """Which contracts are active on a service (implemented over the contracts view)."""

    def active_contracts_on(self, service_id: str) -> list[UUID]: ...
