"""Steps ⑥ to ⑨ on the ledger, on SQLite and PostgreSQL: each rule refuses its forbidden case with a
clear error and records nothing; breaches are computed; the at-risk policy crosses aggregates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import msgspec
import pytest

from domain import rules
from domain.actor import Actor, CommandContext, Role
from domain.contract import Amendment, Contract, Settlement
from domain.contract_terms import (
    ContractKind,
    ContractStatus,
    EndNotice,
    FollowUp,
    Incident,
    NoticeChannel,
    SlaFigures,
    TerminationGround,
)
from domain.ledger import CommandResult
from domain.procurement import ProcurementMethod
from domain.requirements import Budget, BudgetCategory, BudgetItem, BudgetLine
from domain.rules import Rule, RuleViolation
from domain.values import CertificationKind, PricingModel
from dsledger.runtime import Runtime
from projections.catalogue_reader import CatalogueReader
from scheduler.at_risk import reconcile
from scheduler.runner import DeadlineScheduler
from tests.contract.conftest import AGENCY, AGENCY_ID, awarded, sla, terms
from tests.procurement.conftest import OPERATOR, context, provider_context, requirements


def refused(runtime: Runtime, rule: Rule, call: Callable[[], Any],
            field: str | None = None) -> RuleViolation:
    before = runtime.projector.head()
    with pytest.raises(RuleViolation) as caught:
        call()
    assert caught.value.rule is rule, caught.value
    if field is not None:
        assert caught.value.field == field
    assert runtime.projector.head() == before, "a refused command must record nothing"
    return caught.value


def at(day: date, actor: Actor = AGENCY.actor) -> CommandContext:
    return CommandContext(actor=actor, correlation_id="t",
                          at=datetime(day.year, day.month, day.day, 3, tzinfo=UTC))


def agency_on(day: date) -> CommandContext:
    return at(day)


def provider_on(provider_id: str, day: date) -> CommandContext:
    return at(day, provider_context(provider_id).actor)


@pytest.fixture
def concluded(runtime: Runtime, reader: CatalogueReader, catalogue: dict[str, str]) -> UUID:
    pid = awarded(runtime, reader, catalogue)
    runtime.projector.catch_up()
    return runtime.ledger.conclude_contract(AGENCY, pid, terms()).aggregate_id


def load(runtime: Runtime, cid: UUID) -> Contract:
    return runtime.ledger.load(Contract, cid)


def act(runtime: Runtime, context: CommandContext, cid: UUID,
        action: Callable[[Contract], Any]) -> None:
    runtime.ledger.contract_command(context, cid, lambda c: action(c) and None)


# --- ⑥ conclusion --------------------------------------------------------------------------
def test_a_contract_is_concluded_only_for_an_awarded_procurement(
    runtime: Runtime, reader: CatalogueReader, catalogue: dict[str, str]
) -> None:
    pid = runtime.ledger.open_procurement(AGENCY, agency_id=AGENCY_ID, reference="r-1",
                                          title="미선정", fiscal_year=2026).aggregate_id
    refused(runtime, rules.CONTRACT_NEEDS_AWARD,
            lambda: runtime.ledger.conclude_contract(AGENCY, pid, terms()))


def test_the_contract_records_the_exact_registered_service_names(
    runtime: Runtime, concluded: UUID, catalogue: dict[str, str]
) -> None:
    contract = load(runtime, concluded)
    assert [(s.service_id, s.name) for s in contract.services] == [
        (catalogue["N-01"], "하늘 GPU 서버"), (catalogue["N-04"], "이음 이전 지원")]
    assert contract.provider_ids == ["PRV-HANEUL", "PRV-IEUM"]
    assert not contract.disclosure_registered  # self procurement: the agency registers it


def test_one_procurement_gives_one_contract(runtime: Runtime, concluded: UUID) -> None:
    pid = UUID(load(runtime, concluded).procurement_id)
    refused(runtime, rules.CONTRACT_ALREADY_CONCLUDED,
            lambda: runtime.ledger.conclude_contract(AGENCY, pid, terms()))


@pytest.mark.parametrize(("overrides", "rule", "field"), [
    ({"end": date(2027, 3, 31)}, rules.CONTRACT_PERIOD, "end"),  # crosses the fiscal year
    ({"start": date(2026, 1, 1), "end": date(2026, 12, 31), "kind": ContractKind.MONTHLY},
     rules.CONTRACT_PERIOD, "end"),
    ({"end": date(2026, 3, 1)}, rules.CONTRACT_PERIOD, "end"),
    ({"unit_prices": ()}, rules.CONTRACT_TERMS, "unit_prices"),
    ({"total_amount_krw": Decimal(0)}, rules.CONTRACT_TERMS, "total_amount_krw"),
    ({"data_return_clause": " "}, rules.CONTRACT_TERMS, "data_return_clause"),
    ({"lock_in_clause": ""}, rules.CONTRACT_TERMS, "lock_in_clause"),
    ({"sla": msgspec.structs.replace(sla(), targets=())}, rules.CONTRACT_SLA_ANNEX,
     "sla.targets"),
    ({"sla": msgspec.structs.replace(sla(), evaluation_method="")}, rules.CONTRACT_SLA_ANNEX,
     "sla.evaluation_method"),
])
def test_a_contract_states_every_mandatory_item(
    runtime: Runtime, reader: CatalogueReader, catalogue: dict[str, str],
    overrides: dict[str, Any], rule: Rule, field: str
) -> None:
    pid = awarded(runtime, reader, catalogue)
    refused(runtime, rule, lambda: runtime.ledger.conclude_contract(AGENCY, pid,
                                                                    terms(**overrides)),
            field=field)


def test_a_long_term_continuing_contract_may_span_years(
    runtime: Runtime, reader: CatalogueReader, catalogue: dict[str, str]
) -> None:
    pid = awarded(runtime, reader, catalogue)
    result = runtime.ledger.conclude_contract(AGENCY, pid, terms(
        kind=ContractKind.LONG_TERM_CONTINUING, end=date(2028, 12, 31),
        pricing_model=PricingModel.FLAT, unit_prices=()))
    assert load(runtime, result.aggregate_id).terms.end == date(2028, 12, 31)


def test_a_service_suspended_after_the_award_cannot_be_contracted(
    runtime: Runtime, reader: CatalogueReader, catalogue: dict[str, str]
) -> None:
    pid = awarded(runtime, reader, catalogue)
    runtime.ledger.suspend_service(context(OPERATOR), UUID(catalogue["N-04"]), "점검")
    refused(runtime, rules.SERVICE_NOT_ACTIVE,
            lambda: runtime.ledger.conclude_contract(AGENCY, pid, terms()))


# --- ⑦ disclosure ----------------------------------------------------------------------------
def test_central_procurement_registers_its_disclosure_automatically(
    runtime: Runtime, reader: CatalogueReader, catalogue: dict[str, str]
) -> None:
    pid = awarded(runtime, reader, catalogue, ProcurementMethod.CENTRAL)
    cid = runtime.ledger.conclude_contract(AGENCY, pid, terms()).aggregate_id
    assert load(runtime, cid).disclosure_registered
    refused(runtime, rules.DISCLOSURE_ALREADY_REGISTERED,
            lambda: act(runtime, AGENCY, cid, lambda c: c.register_disclosure()))


def test_a_disclosure_registered_after_30_days_is_recorded_as_late(
    runtime: Runtime, concluded: UUID
) -> None:
    act(runtime, agency_on(date(2026, 4, 20)), concluded, lambda c: c.register_disclosure())
    notification = runtime.ledger.recorder.select_notifications(
        start=runtime.projector.head(), limit=1)[0]
    event = runtime.ledger.mapper.to_domain_event(notification)
    assert type(event).__name__ == "DisclosureRegistered"
    assert event.late is True  # type: ignore[attr-defined]


def test_every_amendment_must_be_registered_again(runtime: Runtime, concluded: UUID) -> None:
    act(runtime, AGENCY, concluded, lambda c: c.register_disclosure())
    refused(runtime, rules.DISCLOSURE_NOT_OUTDATED,
            lambda: act(runtime, AGENCY, concluded, lambda c: c.amend_disclosure()))
    runtime.ledger.amend_contract(AGENCY, concluded, Amendment(
        reason="사용량 증가", new_total_amount_krw=Decimal(260_000_000)))
    runtime.projector.catch_up()
    from sqlalchemy import select

    from projections.tables import contracts
    with runtime.db.connect() as conn:
        assert conn.execute(select(contracts.c.disclosure_outdated)).scalar_one() is True
    act(runtime, AGENCY, concluded, lambda c: c.amend_disclosure())
    assert load(runtime, concluded).terms.total_amount_krw == Decimal(260_000_000)


# --- ⑧ use ----------------------------------------------------------------------------------
def figures(**values: Any) -> SlaFigures:
    return SlaFigures(period_start=date(2026, 4, 1), period_end=date(2026, 4, 30), **values)


def test_the_ledger_computes_sla_breaches_from_the_providers_report(
    runtime: Runtime, concluded: UUID, catalogue: dict[str, str]
) -> None:
    gpu = catalogue["N-01"]
    result = runtime.ledger.submit_sla_report(
        provider_on("PRV-HANEUL", date(2026, 5, 3)), concluded, gpu,
        figures(availability_percent=Decimal("99.2"), backup_compliance_percent=Decimal(100),
                incidents=(Incident(started="2026-04-12T02:00+09:00", recovery_minutes=95,
                                    description="스토리지 장애"),)))
    assert result.recorded_id == "R1"
    contract = load(runtime, concluded)
    assert contract.breach_refs == {f"R1:{gpu}:availability_percent",
                                    f"R1:{gpu}:max_recovery_minutes"}


def test_only_the_services_own_provider_reports_its_sla_for_a_past_period(
    runtime: Runtime, concluded: UUID, catalogue: dict[str, str]
) -> None:
    gpu = catalogue["N-01"]
    refused(runtime, rules.AUTH_NOT_OWNER, lambda: runtime.ledger.submit_sla_report(
        provider_on("PRV-IEUM", date(2026, 5, 3)), concluded, gpu, figures()))
    refused(runtime, rules.SLA_REPORT_PERIOD, lambda: runtime.ledger.submit_sla_report(
        provider_on("PRV-HANEUL", date(2026, 4, 20)), concluded, gpu, figures()))
    refused(runtime, rules.CONTRACT_SERVICE_UNKNOWN, lambda: runtime.ledger.submit_sla_report(
        provider_on("PRV-HANEUL", date(2026, 5, 3)), concluded, catalogue["N-02"], figures()))


def test_improvements_and_penalties_rest_on_a_detected_breach(
    runtime: Runtime, concluded: UUID, catalogue: dict[str, str]
) -> None:
    gpu = catalogue["N-01"]
    refused(runtime, rules.SLA_BREACH_UNKNOWN, lambda: act(
        runtime, AGENCY, concluded,
        lambda c: c.claim_penalty("R1:x:availability_percent", Decimal(1_000_000), "제12조")))
    runtime.ledger.submit_sla_report(provider_on("PRV-HANEUL", date(2026, 5, 3)), concluded, gpu,
                                     figures(availability_percent=Decimal("98.0")))
    ref = f"R1:{gpu}:availability_percent"
    act(runtime, agency_on(date(2026, 5, 4)), concluded,
        lambda c: c.request_improvement(ref, date(2026, 5, 31), "이중화 구성"))
    refused(runtime, rules.IMPROVEMENT_STATE, lambda: act(
        runtime, agency_on(date(2026, 5, 4)), concluded,
        lambda c: c.request_improvement(ref, date(2026, 5, 31), "다시")))
    act(runtime, AGENCY, concluded, lambda c: c.confirm_improvement(ref, "이중화 완료 확인"))
    act(runtime, AGENCY, concluded,
        lambda c: c.claim_penalty(ref, Decimal(2_400_000), "계약서 제12조 위약금"))


def test_suspending_a_service_puts_its_active_contracts_at_risk_in_the_same_transaction(
    runtime: Runtime, concluded: UUID, catalogue: dict[str, str]
) -> None:
    runtime.projector.catch_up()
    before = runtime.projector.head()
    runtime.ledger.revoke_certification(context(OPERATOR), UUID(catalogue["N-01"]),
                                        CertificationKind.CSAP, "CSAP-N-01", "인증 취소")
    assert runtime.projector.head() == before + 2
    contract = load(runtime, concluded)
    assert len(contract.risk_causes) == 1
    event = runtime.ledger.mapper.to_domain_event(
        runtime.ledger.recorder.select_notifications(start=before + 2, limit=1)[0])
    assert type(event).__name__ == "AtRisk"
    assert event.ground is TerminationGround.SELECTION_CANCELLED_OR_CSAP_REVOKED  # type: ignore[attr-defined]
    # The ground it opens can now be used.
    act(runtime, agency_on(date(2026, 6, 1)), concluded, lambda c: c.terminate(
        TerminationGround.SELECTION_CANCELLED_OR_CSAP_REVOKED, date(2026, 6, 30), "CSAP 취소"))


class _ViewBehind:
    """A contracts view that has not yet applied the contract's conclusion."""

    def active_contracts_on(self, service_id: str) -> list[UUID]:
        return []


def unseen(runtime: Runtime, monkeypatch: pytest.MonkeyPatch,
           command: Callable[[], CommandResult]) -> CommandResult:
    """The command, run while the contracts view is behind the contract's conclusion."""
    monkeypatch.setattr(runtime.ledger, "contract_index", _ViewBehind())
    try:
        return command()
    finally:
        monkeypatch.undo()


def test_a_contract_the_view_did_not_know_of_when_its_service_was_suspended_is_put_at_risk_by_the_next_tick(
    runtime: Runtime, concluded: UUID, catalogue: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    service_id = UUID(catalogue["N-01"])
    suspended = unseen(runtime, monkeypatch, lambda: runtime.ledger.suspend_service(
        context(OPERATOR), service_id, "품질 점검"))
    assert not load(runtime, concluded).risk_causes

    scheduler = DeadlineScheduler(runtime)
    try:
        scheduler.tick()
    finally:
        scheduler.leadership.release()
    contract = load(runtime, concluded)
    assert contract.risk_causes == {f"{service_id}:suspended:v{suspended.version}"}
    head = runtime.projector.head()
    assert reconcile(runtime) == []
    assert runtime.projector.head() == head


def test_the_second_look_records_nothing_the_policy_already_recorded(
    runtime: Runtime, concluded: UUID, catalogue: dict[str, str],
) -> None:
    runtime.projector.catch_up()
    service_id = UUID(catalogue["N-01"])
    runtime.ledger.suspend_service(context(OPERATOR), service_id, "품질 점검")
    runtime.ledger.cancel_service_selection(context(OPERATOR), service_id, "선정 취소")
    assert len(load(runtime, concluded).risk_causes) == 2
    head = runtime.projector.head()
    assert reconcile(runtime) == []
    assert runtime.projector.head() == head


def test_a_missed_cancellation_is_recorded_with_its_own_ground(
    runtime: Runtime, concluded: UUID, catalogue: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    service_id = UUID(catalogue["N-04"])
    cancelled = unseen(runtime, monkeypatch, lambda: runtime.ledger.cancel_service_selection(
        context(OPERATOR), service_id, "선정 취소"))
    assert reconcile(runtime) == [str(concluded)]
    contract = load(runtime, concluded)
    assert contract.risk_causes == {f"{service_id}:selection-cancelled:v{cancelled.version}"}
    event = runtime.ledger.mapper.to_domain_event(
        runtime.ledger.recorder.select_notifications(start=runtime.projector.head(), limit=1)[0])
    assert event.ground is TerminationGround.SELECTION_CANCELLED_OR_CSAP_REVOKED  # type: ignore[attr-defined]
    assert event.actor.role is Role.SYSTEM  # type: ignore[attr-defined]


# --- ⑨ end ----------------------------------------------------------------------------------
def notice(**overrides: Any) -> EndNotice:
    values: dict[str, Any] = {
        "end_date": date(2026, 12, 31), "return_right": "이용자 정보 반환 요청 가능",
        "destruction_notice": "종료일까지 반환받지 않으면 파기",
        "return_method": "SFTP로 CSV·원본 파일 반환", "contact": "고객지원팀 02-000-0000",
        "channels": frozenset({NoticeChannel.EMAIL, NoticeChannel.POST}),
    }
    values.update(overrides)
    return EndNotice(**values)


@pytest.mark.parametrize(("overrides", "field"), [
    ({"return_method": ""}, "return_method"), ({"contact": " "}, "contact"),
    ({"channels": frozenset()}, "channels"), ({"end_date": date(2026, 11, 30)}, "end_date"),
])
def test_an_end_notice_states_the_five_statutory_items_and_a_channel(
    runtime: Runtime, concluded: UUID, overrides: dict[str, Any], field: str
) -> None:
    refused(runtime, rules.END_NOTICE_ITEMS, lambda: act(
        runtime, provider_on("PRV-HANEUL", date(2026, 11, 1)), concluded,
        lambda c: c.send_end_notice(notice(**overrides))), field=field)


def test_an_end_notice_comes_at_least_30_days_before_the_end(
    runtime: Runtime, concluded: UUID
) -> None:
    refused(runtime, rules.END_NOTICE_LATE, lambda: act(
        runtime, provider_on("PRV-HANEUL", date(2026, 12, 2)), concluded,
        lambda c: c.send_end_notice(notice())))
    act(runtime, provider_on("PRV-HANEUL", date(2026, 12, 1)), concluded,
        lambda c: c.send_end_notice(notice()))
    refused(runtime, rules.END_NOTICE_ALREADY_SENT, lambda: act(
        runtime, provider_on("PRV-HANEUL", date(2026, 12, 1)), concluded,
        lambda c: c.send_end_notice(notice())))


def test_termination_grounds_need_their_evidence_and_agency_necessity_its_payments(
    runtime: Runtime, concluded: UUID
) -> None:
    on = agency_on(date(2026, 6, 1))
    refused(runtime, rules.TERMINATION_GROUND_EVIDENCE, lambda: act(
        runtime, on, concluded,
        lambda c: c.terminate(TerminationGround.SLA_NO_PROSPECT, date(2026, 6, 30), "미달")))
    refused(runtime, rules.TERMINATION_AGENCY_PAYMENTS, lambda: act(
        runtime, on, concluded,
        lambda c: c.terminate(TerminationGround.AGENCY_NECESSITY, date(2026, 6, 30), "조직개편")))
    refused(runtime, rules.CONTRACT_PERIOD, lambda: act(
        runtime, on, concluded,
        lambda c: c.terminate(TerminationGround.BANKRUPTCY, date(2026, 5, 1), "파산")))
    act(runtime, on, concluded, lambda c: c.terminate(
        TerminationGround.AGENCY_NECESSITY, date(2026, 6, 30), "조직개편",
        unpaid_fees_krw=Decimal(40_000_000), deposit_krw=Decimal(24_000_000)))
    assert load(runtime, concluded).status is ContractStatus.TERMINATED


def test_a_contract_expires_only_after_its_end_date(runtime: Runtime, concluded: UUID) -> None:
    refused(runtime, rules.CONTRACT_NOT_YET_ENDED, lambda: act(
        runtime, agency_on(date(2026, 12, 31)), concluded, lambda c: c.expire()))
    act(runtime, agency_on(date(2027, 1, 1)), concluded, lambda c: c.expire())


def test_data_is_returned_before_it_is_destroyed_and_the_contract_closes_only_after(
    runtime: Runtime, concluded: UUID
) -> None:
    refused(runtime, rules.DATA_DISPOSITION_ORDER, lambda: act(
        runtime, provider_on("PRV-HANEUL", date(2026, 6, 1)), concluded,
        lambda c: c.confirm_data_destroyed("디가우징", "파기확인서-1")))
    act(runtime, agency_on(date(2026, 6, 1)), concluded, lambda c: c.rescind(
        TerminationGround.BREACH_OF_OBLIGATION, "보안 의무 위반",
        Settlement(costs_krw=Decimal(1), interest_krw=Decimal(0), value_change_krw=Decimal(0))))
    act(runtime, AGENCY, concluded, lambda c: c.request_data_return("CSV 및 원본 파일"))
    refused(runtime, rules.DATA_DISPOSITION_ORDER, lambda: act(
        runtime, provider_on("PRV-HANEUL", date(2026, 6, 2)), concluded,
        lambda c: c.confirm_data_destroyed("디가우징", "파기확인서-1")))
    refused(runtime, rules.CONTRACT_NOT_DISPOSED,
            lambda: act(runtime, AGENCY, concluded, lambda c: c.close()))
    for provider_id in ("PRV-HANEUL", "PRV-IEUM"):
        on = provider_on(provider_id, date(2026, 6, 10))
        act(runtime, on, concluded, lambda c: c.confirm_data_returned("CSV(UTF-8)", "검수 완료"))
        act(runtime, on, concluded,
            lambda c: c.confirm_data_destroyed("복구 불가능한 덮어쓰기", "파기확인서-7"))
        if provider_id == "PRV-HANEUL":
            refused(runtime, rules.CONTRACT_NOT_DISPOSED, lambda: act(
                runtime, AGENCY, concluded, lambda c: c.verify_obligations("확인")))
    act(runtime, AGENCY, concluded, lambda c: c.verify_obligations("반환·파기 확인"))
    act(runtime, AGENCY, concluded, lambda c: c.close())
    assert load(runtime, concluded).status is ContractStatus.CLOSED


def test_a_renewal_follows_expiry_and_links_both_contracts(
    runtime: Runtime, concluded: UUID
) -> None:
    renewal_terms = terms(start=date(2027, 1, 1), end=date(2027, 12, 31))
    refused(runtime, rules.CONTRACT_FOLLOW_UP,
            lambda: runtime.ledger.renew_contract(AGENCY, concluded, renewal_terms))
    act(runtime, agency_on(date(2027, 1, 1)), concluded, lambda c: c.expire())
    result = runtime.ledger.renew_contract(agency_on(date(2027, 1, 1)), concluded, renewal_terms)
    renewal = load(runtime, result.aggregate_id)
    assert renewal.previous_contract_id == str(concluded)
    assert load(runtime, concluded).follow_up is FollowUp.RENEWED


def test_a_replacement_needs_a_procurement_with_a_migration_budget(
    runtime: Runtime, concluded: UUID
) -> None:
    act(runtime, agency_on(date(2026, 6, 1)), concluded, lambda c: c.rescind(
        TerminationGround.BANKRUPTCY, "파산",
        Settlement(costs_krw=Decimal(0), interest_krw=Decimal(0), value_change_krw=Decimal(0))))
    ledger = runtime.ledger
    no_migration = ledger.open_procurement(AGENCY, agency_id=AGENCY_ID, reference="r-2",
                                           title="대체", fiscal_year=2026).aggregate_id
    ledger.confirm_budget(AGENCY, no_migration, Budget(
        lines=(BudgetLine(item=BudgetItem.USAGE_FEE, amount_krw=Decimal(300_000_000)),),
        category=BudgetCategory.SERVICE_FEE, pricing_model=PricingModel.METERED))
    refused(runtime, rules.REPLACEMENT_MIGRATION_BUDGET, lambda: ledger.choose_follow_up(
        AGENCY, concluded, FollowUp.REPLACED, no_migration))
    with_migration = ledger.open_procurement(AGENCY, agency_id=AGENCY_ID, reference="r-3",
                                             title="대체 2", fiscal_year=2026).aggregate_id
    from tests.procurement.conftest import budget
    ledger.confirm_budget(AGENCY, with_migration, budget())
    ledger.define_requirements(AGENCY, with_migration, requirements())
    ledger.choose_follow_up(AGENCY, concluded, FollowUp.REPLACED, with_migration)
    assert load(runtime, concluded).follow_up is FollowUp.REPLACED


def test_another_agency_cannot_act_on_the_contract(runtime: Runtime, concluded: UUID) -> None:
    busan = CommandContext(actor=Actor(principal_id="b", role=Role.AGENCY, agency_id="AG-BUSAN"),
                           correlation_id="t", at=datetime(2026, 5, 1, tzinfo=UTC))
    refused(runtime, rules.AUTH_NOT_OWNER,
            lambda: act(runtime, busan, concluded, lambda c: c.register_disclosure()))


def test_an_ended_contract_takes_no_more_reports_or_amendments(
    runtime: Runtime, concluded: UUID, catalogue: dict[str, str]
) -> None:
    act(runtime, agency_on(date(2026, 6, 1)), concluded, lambda c: c.terminate(
        TerminationGround.BANKRUPTCY, date(2026, 6, 30), "파산"))
    refused(runtime, rules.CONTRACT_STATE, lambda: runtime.ledger.amend_contract(
        AGENCY, concluded, Amendment(reason="연장", new_end=date(2026, 12, 31))))
    refused(runtime, rules.CONTRACT_TEXT_REQUIRED, lambda: act(
        runtime, AGENCY, concluded, lambda c: c.request_data_return(" ")))
    refused(runtime, rules.CONTRACT_NOT_FOUND, lambda: runtime.ledger.contract_command(
        AGENCY, UUID("00000000-0000-0000-0000-000000000002"), lambda c: None))


def test_deadline_events_are_the_schedulers_and_only_once_due(
    runtime: Runtime, concluded: UUID
) -> None:
    refused(runtime, rules.AUTH_ROLE_FORBIDDEN, lambda: act(
        runtime, AGENCY, concluded, lambda c: c.mark_disclosure_overdue()))
    system = Actor(principal_id="dsledger-scheduler", role=Role.SYSTEM)
    refused(runtime, rules.DEADLINE_NOT_APPLICABLE, lambda: act(
        runtime, at(date(2026, 3, 20), system), concluded,
        lambda c: c.mark_disclosure_overdue()))
    act(runtime, at(date(2026, 4, 2), system), concluded, lambda c: c.mark_disclosure_overdue())
    refused(runtime, rules.DEADLINE_NOT_APPLICABLE, lambda: act(
        runtime, at(date(2026, 4, 3), system), concluded,
        lambda c: c.mark_disclosure_overdue()))
