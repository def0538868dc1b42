"""Quality inspections (Notice art. 8) and semiannual provider reports (Notice art. 9), on SQLite
and PostgreSQL: each rule refuses its forbidden case and records nothing; an inspection's outcome
reaches the service and, through it, the contracts on it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from domain import rules
from domain.actor import Actor, CommandContext, Role
from domain.contract import Contract
from domain.provider_report import ReportedContract
from domain.quality import (
    ContinuousTrigger,
    InspectionCriterion,
    InspectionDocument,
    InspectionKind,
    InspectionOutcome,
    QualityInspection,
)
from domain.rules import Rule, RuleViolation
from domain.service import DigitalService
from domain.values import ServiceStatus
from dsledger.runtime import Runtime
from projections.catalogue_reader import CatalogueReader
from tests.contract.conftest import AGENCY, awarded, terms
from tests.procurement.conftest import OPERATOR, provider_context

NIA = CommandContext(actor=OPERATOR, correlation_id="q", at=datetime(2026, 5, 1, 1, tzinfo=UTC))


def on(day: date, actor: Actor = OPERATOR) -> CommandContext:
    return CommandContext(actor=actor, correlation_id="q",
                          at=datetime(day.year, day.month, day.day, 1, tzinfo=UTC))


def refused(runtime: Runtime, rule: Rule, call: Callable[[], Any]) -> RuleViolation:
    before = runtime.projector.head()
    with pytest.raises(RuleViolation) as caught:
        call()
    assert caught.value.rule is rule, caught.value
    assert runtime.projector.head() == before, "a refused command must record nothing"
    return caught.value


def inspect(runtime: Runtime, context: CommandContext, inspection_id: UUID,
            action: Callable[[QualityInspection], Any]) -> Any:
    return runtime.ledger.inspection_command(context, inspection_id, lambda i: action(i))


def test_a_regular_inspection_is_scheduled_once_a_year_by_the_operator(
    runtime: Runtime, catalogue: dict[str, str]
) -> None:
    service = UUID(catalogue["N-01"])
    runtime.ledger.schedule_inspection(NIA, service, InspectionKind.REGULAR, date(2026, 1, 1))
    refused(runtime, rules.INSPECTION_ALREADY_SCHEDULED, lambda: runtime.ledger.schedule_inspection(
        NIA, service, InspectionKind.REGULAR, date(2026, 6, 1)))
    refused(runtime, rules.AUTH_ROLE_FORBIDDEN, lambda: runtime.ledger.schedule_inspection(
        AGENCY, service, InspectionKind.REGULAR, date(2027, 1, 1)))
    refused(runtime, rules.INSPECTION_TRIGGER, lambda: runtime.ledger.schedule_inspection(
        NIA, service, InspectionKind.CONTINUOUS, date(2026, 6, 1)))
    refused(runtime, rules.INSPECTION_TEXT_REQUIRED, lambda: runtime.ledger.schedule_inspection(
        NIA, service, InspectionKind.AD_HOC, date(2026, 6, 1)))
    refused(runtime, rules.SERVICE_NOT_ACTIVE, lambda: runtime.ledger.schedule_inspection(
        NIA, UUID(catalogue["N-06"]), InspectionKind.AD_HOC, date(2026, 6, 1), reason="장애"))


def test_corrective_actions_are_completed_or_referred_to_re_review_after_their_deadline(
    runtime: Runtime, catalogue: dict[str, str]
) -> None:
    iid = runtime.ledger.schedule_inspection(
        NIA, UUID(catalogue["N-02"]), InspectionKind.CONTINUOUS, date(2026, 5, 1),
        trigger=ContinuousTrigger.CREDIT_RATING).aggregate_id
    inspect(runtime, NIA, iid, lambda i: i.request_documents(
        frozenset({InspectionDocument.SELF_CHECK_REPORT}), date(2026, 5, 15)))
    refused(runtime, rules.INSPECTION_FINDING_UNKNOWN, lambda: inspect(
        runtime, NIA, iid, lambda i: i.request_corrective_action("F-1", "보완", date(2026, 6, 1))))
    finding = inspect(runtime, NIA, iid, lambda i: i.record_finding(
        InspectionCriterion.ELIGIBILITY, "신용등급 하락")).recorded_id
    inspect(runtime, NIA, iid, lambda i: i.request_corrective_action(
        finding, "재무 개선 계획 제출", date(2026, 5, 31)))
    refused(runtime, rules.INSPECTION_DEADLINE_NOT_PASSED, lambda: inspect(
        runtime, on(date(2026, 5, 31)), iid, lambda i: i.refer_to_re_review(finding)))
    refused(runtime, rules.INSPECTION_OUTCOME, lambda: runtime.ledger.close_inspection(
        NIA, iid, InspectionOutcome.PASSED, "적합"))
    inspect(runtime, on(date(2026, 6, 1)), iid, lambda i: i.refer_to_re_review(finding))
    refused(runtime, rules.INSPECTION_ACTION_STATE, lambda: inspect(
        runtime, NIA, iid, lambda i: i.complete_corrective_action(finding, "늦은 제출")))


def test_a_suspension_outcome_suspends_the_service_and_puts_its_contracts_at_risk(
    runtime: Runtime, reader: CatalogueReader, catalogue: dict[str, str]
) -> None:
    pid = awarded(runtime, reader, catalogue)
    runtime.projector.catch_up()
    contract_id = runtime.ledger.conclude_contract(AGENCY, pid, terms()).aggregate_id
    runtime.projector.catch_up()
    service = UUID(catalogue["N-04"])
    iid = runtime.ledger.schedule_inspection(NIA, service, InspectionKind.AD_HOC,
                                             date(2026, 5, 1), reason="장애 신고").aggregate_id
    refused(runtime, rules.INSPECTION_OUTCOME, lambda: runtime.ledger.close_inspection(
        NIA, iid, InspectionOutcome.SUSPENDED, "정지"))
    inspect(runtime, NIA, iid, lambda i: i.record_finding(
        InspectionCriterion.INCIDENT_RESPONSE, "장애 보고 지연"))
    runtime.ledger.close_inspection(NIA, iid, InspectionOutcome.SUSPENDED, "장애 대응 미흡")
    assert runtime.ledger.load(DigitalService, service).status is ServiceStatus.SUSPENDED
    assert runtime.ledger.load(QualityInspection, iid).outcome is InspectionOutcome.SUSPENDED
    assert runtime.ledger.load(Contract, contract_id).risk_causes
    refused(runtime, rules.INSPECTION_CLOSED, lambda: inspect(
        runtime, NIA, iid, lambda i: i.record_finding(InspectionCriterion.USER_TRUST, "추가")))


def test_a_cancellation_outcome_cancels_the_selection(
    runtime: Runtime, catalogue: dict[str, str]
) -> None:
    service = UUID(catalogue["N-05"])
    iid = runtime.ledger.schedule_inspection(NIA, service, InspectionKind.AD_HOC,
                                             date(2026, 5, 1), reason="민원").aggregate_id
    inspect(runtime, NIA, iid, lambda i: i.record_finding(
        InspectionCriterion.USER_TRUST, "허위 자료 제출"))
    runtime.ledger.close_inspection(NIA, iid, InspectionOutcome.CANCELLED, "선정 취소")
    assert runtime.ledger.load(DigitalService, service).status is ServiceStatus.CANCELLED


def line(**overrides: Any) -> ReportedContract:
    values: dict[str, Any] = {
        "agency_name": "서울특별시", "service_id": "s-1", "contract_reference": "제2026-17호",
        "start": date(2026, 1, 1), "end": date(2026, 12, 31),
        "amount_krw": Decimal(86_400_000), "via_mall": True,
    }
    values.update(overrides)
    return ReportedContract(**values)


def test_a_provider_reports_each_ended_half_once(runtime: Runtime) -> None:
    nuri = provider_context("PRV-NURI").actor
    refused(runtime, rules.REPORT_PERIOD, lambda: runtime.ledger.submit_semiannual_report(
        on(date(2026, 6, 30), nuri), "PRV-NURI", 2026, 1, [line()]))
    refused(runtime, rules.AUTH_NOT_OWNER, lambda: runtime.ledger.submit_semiannual_report(
        on(date(2026, 7, 2), nuri), "PRV-OTHER", 2026, 1, [line()]))
    refused(runtime, rules.REPORT_CONTRACT_LINE, lambda: runtime.ledger.submit_semiannual_report(
        on(date(2026, 7, 2), nuri), "PRV-NURI", 2026, 1, [line(end=date(2025, 1, 1))]))
    runtime.ledger.submit_semiannual_report(on(date(2026, 7, 2), nuri), "PRV-NURI", 2026, 1,
                                            [line()])
    refused(runtime, rules.REPORT_ALREADY_SUBMITTED, lambda: runtime.ledger.submit_semiannual_report(
        on(date(2026, 7, 3), nuri), "PRV-NURI", 2026, 1, [line()]))
    agency = Actor(principal_id="a", role=Role.AGENCY, agency_id="AG")
    refused(runtime, rules.AUTH_NOT_OWNER, lambda: runtime.ledger.submit_semiannual_report(
        on(date(2027, 1, 2), agency), "PRV-NURI", 2026, 2, []))


def test_documents_are_requested_with_a_future_deadline(
    runtime: Runtime, catalogue: dict[str, str]
) -> None:
    iid = runtime.ledger.schedule_inspection(NIA, UUID(catalogue["N-02"]), InspectionKind.REGULAR,
                                             date(2026, 5, 1)).aggregate_id
    refused(runtime, rules.INSPECTION_DOCUMENTS, lambda: inspect(
        runtime, NIA, iid, lambda i: i.request_documents(frozenset(), date(2026, 6, 1))))
    refused(runtime, rules.INSPECTION_DOCUMENTS, lambda: inspect(
        runtime, NIA, iid, lambda i: i.request_documents(
            frozenset({InspectionDocument.DETAILED_SPEC}), date(2026, 4, 30))))
    refused(runtime, rules.INSPECTION_NOT_FOUND, lambda: runtime.ledger.inspection_command(
        NIA, UUID("00000000-0000-0000-0000-000000000003"), lambda i: None))
