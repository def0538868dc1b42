"""A provider ending its business, as Enforcement Decree art. 19(2)-(5) sets it, on SQLite and
PostgreSQL: the notice 30 days ahead with its six items and a channel, every active contract on
the service told and put at risk, the data returned before the business end date, and on that date
the service leaves search, quoting and conclusion (recorded by the scheduler)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import msgspec
import pytest
from sqlalchemy import select

from domain import rules
from domain.contract_terms import NoticeChannel, TerminationGround
from domain.ledger import cessation_cause
from domain.rules import Rule, RuleViolation
from domain.service import BusinessCessation, CessationScope, DigitalService
from dsledger.runtime import Runtime
from projections.catalogue_reader import CatalogueReader
from projections.tables import catalogue_services, contracts, deadlines
from scheduler.at_risk import reconcile
from scheduler.sweep import sweep
from tests.contract.conftest import AGENCY, awarded, terms
from tests.contract.test_contract_rules import act, agency_on, at, load
from tests.procurement.conftest import OPERATOR, provider_context

BUSINESS_END = date(2026, 7, 31)


def cessation(**overrides: Any) -> BusinessCessation:
    values: dict[str, Any] = dict(
        cessation_id="CES-HANEUL-2026-1", scope=CessationScope.PART,
        business="GPU 클라우드 서비스 사업", reason="사업 구조 조정",
        end_date=BUSINESS_END, return_right="이용기관은 보관 중인 데이터의 반환을 요구할 수 있습니다",
        destruction_notice="사업 종료일 전까지 반환받지 않은 데이터는 복구 불가능하게 파기됩니다",
        return_method="포털에서 반환 신청 후 SFTP로 CSV·원본 파일 전달",
        contact="클라우드사업부 02-000-0000", channels=frozenset({NoticeChannel.EMAIL}),
        posted_at="https://haneul.example/notice/gpu-end")
    values.update(overrides)
    return BusinessCessation(**values)


@pytest.fixture
def contract(runtime: Runtime, reader: CatalogueReader, catalogue: dict[str, str]) -> UUID:
    pid = awarded(runtime, reader, catalogue)
    runtime.projector.catch_up()
    cid = runtime.ledger.conclude_contract(AGENCY, pid, terms()).aggregate_id
    runtime.projector.catch_up()
    return cid


def notice(runtime: Runtime, service_id: str, day: date, what: BusinessCessation,
           provider: str = "PRV-HANEUL") -> None:
    runtime.ledger.notice_business_cessation(
        at(day, provider_context(provider).actor), [UUID(service_id)], what)
    runtime.projector.catch_up()


def refused(runtime: Runtime, rule: Rule, service_id: str, day: date, what: BusinessCessation,
            provider: str = "PRV-HANEUL") -> RuleViolation:
    before = runtime.projector.head()
    with pytest.raises(RuleViolation) as caught:
        notice(runtime, service_id, day, what, provider)
    assert caught.value.rule is rule, caught.value
    assert runtime.projector.head() == before, "a refused command must record nothing"
    return caught.value


def sweep_on(runtime: Runtime, day: date) -> list[str]:
    return sweep(runtime, now=datetime(day.year, day.month, day.day, 3, tzinfo=UTC),
                 limit=10_000).fired


def test_2_the_provider_notifies_at_least_30_days_before_the_business_end_date(
    runtime: Runtime, catalogue: dict[str, str]
) -> None:
    """② … 사업 종료일부터 30일 전까지 다음 각 호의 사항을 알리고"""
    refused(runtime, rules.CESSATION_LATE, catalogue["N-01"], date(2026, 7, 2), cessation())
    notice(runtime, catalogue["N-01"], date(2026, 7, 1), cessation())
    refused(runtime, rules.CESSATION_ALREADY_NOTICED, catalogue["N-01"], date(2026, 7, 1),
            cessation(cessation_id="CES-2"))


@pytest.mark.parametrize("item", ["business", "reason", "return_right", "destruction_notice",
                                  "return_method", "contact", "posted_at"])
def test_2_the_notice_states_the_six_items_and_where_it_is_posted_until_the_end_date(
    runtime: Runtime, catalogue: dict[str, str], item: str
) -> None:
    """② 1. 종료하려는 사업의 내용 및 그 사유 2. 사업 종료일 3. 반환 요구 가능 사실 4. 미반환 시 파기
    사실 5. 반환 방법 및 절차 6. 담당부서 및 연락처 — 사업 종료일까지 인터넷 홈페이지에 게시"""
    refusal = refused(runtime, rules.CESSATION_ITEMS, catalogue["N-01"], date(2026, 6, 1),
                      cessation(**{item: "  "}))
    assert refusal.field == item


def test_3_the_notice_goes_by_at_least_one_channel(
    runtime: Runtime, catalogue: dict[str, str]
) -> None:
    """③ 전화, 휴대전화, 우편, 전자우편, 문자메시지 또는 이와 유사한 방법 중 어느 하나 이상"""
    refusal = refused(runtime, rules.CESSATION_ITEMS, catalogue["N-01"], date(2026, 6, 1),
                      cessation(channels=frozenset()))
    assert refusal.field == "channels"


def test_2_a_provider_ends_only_its_own_business(
    runtime: Runtime, catalogue: dict[str, str]
) -> None:
    refused(runtime, rules.CESSATION_SERVICES, catalogue["N-01"], date(2026, 6, 1), cessation(),
            provider="PRV-IEUM")
    with pytest.raises(RuleViolation) as caught:
        runtime.ledger.notice_business_cessation(
            at(date(2026, 6, 1), provider_context("PRV-HANEUL").actor),
            [UUID(catalogue["N-01"]), UUID(catalogue["N-04"])], cessation())
    assert caught.value.rule is rules.CESSATION_SERVICES


def test_2_every_active_contract_on_the_service_is_told_put_at_risk_and_gets_a_return_deadline(
    runtime: Runtime, catalogue: dict[str, str], contract: UUID
) -> None:
    """② 이용자에게 … 알리고; the guideline's ⑨ termination ground "파산 등으로 더 이상 서비스를
    제공할 수 없다고 판단되는 경우"; ④ 계약 및 사업 종료일 전까지 이용자 정보를 반환"""
    gpu = catalogue["N-01"]
    notice(runtime, gpu, date(2026, 6, 1), cessation())
    recorded = load(runtime, contract)
    assert recorded.cessation_ids == ("CES-HANEUL-2026-1",)
    assert recorded.business_end == BUSINESS_END
    assert recorded.exit_end == BUSINESS_END
    assert cessation_cause(UUID(gpu), "CES-HANEUL-2026-1") in recorded.risk_causes
    with runtime.db.connect() as conn:
        record = conn.execute(select(contracts.c.record).where(
            contracts.c.contract_id == str(contract))).scalar_one()
        due = conn.execute(select(deadlines).where(
            deadlines.c.deadline_id == f"data_return_overdue:{contract}:")).mappings().one()
        entry = conn.execute(select(catalogue_services.c.cessation).where(
            catalogue_services.c.service_id == gpu)).scalar_one()
    assert record["business_end_notices"][0]["cessation_id"] == "CES-HANEUL-2026-1"
    assert record["risks"][0]["ground"] == TerminationGround.BANKRUPTCY.value
    assert due["fires_on"] == BUSINESS_END and due["state"] == "pending"
    assert entry["end_date"] == BUSINESS_END.isoformat()  # shown on the public entry
    # The policy's second look finds nothing left to record.
    assert reconcile(runtime) == []


def test_4_data_asked_back_is_returned_before_the_business_end_date(
    runtime: Runtime, catalogue: dict[str, str], contract: UUID
) -> None:
    """④ 계약 및 사업 종료일 전까지 이용자 정보를 반환하여야 하며"""
    notice(runtime, catalogue["N-01"], date(2026, 6, 1), cessation())
    act(runtime, agency_on(date(2026, 6, 2)), contract,
        lambda c: c.request_data_return("CSV 및 원본 파일"))
    key = f"data_return_overdue:{contract}:"
    assert key not in sweep_on(runtime, date(2026, 7, 30))
    assert key in sweep_on(runtime, BUSINESS_END)
    assert load(runtime, contract).return_overdue


def test_2_on_the_business_end_date_the_service_leaves_search_quoting_and_conclusion(
    runtime: Runtime, catalogue: dict[str, str], contract: UUID
) -> None:
    gpu = catalogue["N-01"]
    notice(runtime, gpu, date(2026, 6, 1), cessation())
    end_key = f"business_end:{gpu}:CES-HANEUL-2026-1"
    assert end_key not in sweep_on(runtime, date(2026, 7, 30))
    assert runtime.ledger.load(DigitalService, UUID(gpu)).is_searchable
    assert end_key in sweep_on(runtime, BUSINESS_END)
    service = runtime.ledger.load(DigitalService, UUID(gpu))
    assert service.ceased and not service.is_searchable
    with runtime.db.connect() as conn:
        row = conn.execute(select(catalogue_services.c.status, catalogue_services.c.searchable)
                           .where(catalogue_services.c.service_id == gpu)).one()
    assert tuple(row) == ("ceased", False)
    # The agency may now terminate on the recorded ground.
    from decimal import Decimal
    act(runtime, agency_on(date(2026, 8, 1)), contract, lambda c: c.terminate(
        TerminationGround.BANKRUPTCY, date(2026, 8, 1), "제공자 사업 종료",
        unpaid_fees_krw=Decimal(0), deposit_krw=Decimal(0)))
    runtime.projector.catch_up()
    with runtime.db.connect() as conn:
        destroyed = conn.execute(select(deadlines.c.fires_on).where(
            deadlines.c.deadline_id == f"data_disposition_overdue:{contract}:")).scalar_one()
    assert destroyed == date(2026, 8, 1)  # counted from the business end date, 31 July


def test_the_operator_may_record_it_on_the_providers_behalf(
    runtime: Runtime, catalogue: dict[str, str]
) -> None:
    runtime.ledger.notice_business_cessation(
        at(date(2026, 6, 1), OPERATOR), [UUID(catalogue["N-01"])], cessation())
    with pytest.raises(RuleViolation) as caught:
        runtime.ledger.notice_business_cessation(
            at(date(2026, 6, 1), AGENCY.actor), [UUID(catalogue["N-04"])], cessation())
    assert caught.value.rule is rules.AUTH_ROLE_FORBIDDEN
    assert msgspec.json.decode(msgspec.json.encode(cessation()), type=BusinessCessation)
