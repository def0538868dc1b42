"""Rules that once let things through on a running ledger (issue 15), each refused in the domain
with its own rule, and nothing recorded by the refusal. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import msgspec
import pytest

from domain import rules
from domain.actor import Actor, CommandContext, Role
from domain.contract import Amendment, Settlement
from domain.contract_terms import ContractKind, ContractStatus, FollowUp, TerminationGround
from domain.procurement import ProcurementMethod
from domain.values import PricingModel
from dsledger.runtime import Runtime
from projections.catalogue_reader import CatalogueReader
from tests.contract.conftest import AGENCY, AGENCY_ID, awarded, budget, terms
from tests.contract.test_contract_rules import (
    act,
    agency_on,
    figures,
    load,
    provider_on,
    refused,
)
from tests.procurement.conftest import OPERATOR, context


@pytest.fixture
def concluded(runtime: Runtime, reader: CatalogueReader, catalogue: dict[str, str]) -> UUID:
    """The joint self-procurement contract of tests/contract: 2026-04-01 to 2026-12-31."""
    pid = awarded(runtime, reader, catalogue)
    return runtime.ledger.conclude_contract(AGENCY, pid, terms()).aggregate_id


# --- 1. a delivery request only for Mall-listed services --------------------------------------
def test_a_central_delivery_request_is_only_for_services_listed_on_the_mall(
    runtime: Runtime, reader: CatalogueReader, catalogue: dict[str, str]
) -> None:
    pid = awarded(runtime, reader, catalogue, ProcurementMethod.CENTRAL)
    runtime.ledger.delist_service_from_mall(context(OPERATOR), UUID(catalogue["N-01"]),
                                            "카탈로그계약 종료")
    refused(runtime, rules.CONTRACT_CENTRAL_MALL_LISTED,
            lambda: runtime.ledger.conclude_contract(AGENCY, pid, terms()), field="service_ids")


def test_a_central_renewal_is_a_new_delivery_request_and_needs_the_mall_listing(
    runtime: Runtime, reader: CatalogueReader, catalogue: dict[str, str]
) -> None:
    pid = awarded(runtime, reader, catalogue, ProcurementMethod.CENTRAL)
    cid = runtime.ledger.conclude_contract(AGENCY, pid, terms()).aggregate_id
    act(runtime, agency_on(date(2027, 1, 1)), cid, lambda c: c.expire())
    runtime.ledger.delist_service_from_mall(context(OPERATOR), UUID(catalogue["N-01"]),
                                            "카탈로그계약 종료")
    renewal_terms = terms(start=date(2027, 1, 1), end=date(2027, 12, 31))
    refused(runtime, rules.CONTRACT_CENTRAL_MALL_LISTED, lambda: runtime.ledger.renew_contract(
        agency_on(date(2027, 1, 1)), cid, renewal_terms))
    assert load(runtime, cid).follow_up is None


# --- 2. termination keeps the contract valid until its effective date ------------------------
def test_a_terminated_contract_is_valid_until_the_termination_and_its_service_is_still_reported(
    runtime: Runtime, concluded: UUID, catalogue: dict[str, str]
) -> None:
    gpu = catalogue["N-01"]
    act(runtime, agency_on(date(2026, 4, 20)), concluded, lambda c: c.terminate(
        TerminationGround.BANKRUPTCY, date(2026, 5, 31), "파산"))
    # April and May were under the contract: reported, measured, improved while it runs.
    runtime.ledger.submit_sla_report(provider_on("PRV-HANEUL", date(2026, 5, 3)), concluded, gpu,
                                     figures(availability_percent=Decimal("98.0")))
    ref = f"R1:{gpu}:availability_percent"
    refused(runtime, rules.SLA_REPORT_AFTER_TERMINATION, lambda: act(
        runtime, agency_on(date(2026, 5, 4)), concluded,
        lambda c: c.request_improvement(ref, date(2026, 6, 15), "이중화 구성")), field="deadline")
    act(runtime, agency_on(date(2026, 5, 4)), concluded,
        lambda c: c.request_improvement(ref, date(2026, 5, 25), "이중화 구성"))
    act(runtime, agency_on(date(2026, 5, 4)), concluded,
        lambda c: c.claim_penalty(ref, Decimal(2_400_000), "계약서 제12조 위약금"))
    may = msgspec.structs.replace(figures(), period_start=date(2026, 5, 1),
                                  period_end=date(2026, 5, 31))
    runtime.ledger.submit_sla_report(provider_on("PRV-HANEUL", date(2026, 6, 2)), concluded, gpu,
                                     may)
    # June was cancelled by the termination.
    june = msgspec.structs.replace(figures(), period_start=date(2026, 6, 1),
                                   period_end=date(2026, 6, 30))
    refused(runtime, rules.SLA_REPORT_AFTER_TERMINATION, lambda: runtime.ledger.submit_sla_report(
        provider_on("PRV-HANEUL", date(2026, 7, 2)), concluded, gpu, june), field="period_end")
    assert load(runtime, concluded).sla_reports == 2


def test_a_rescinded_contract_counts_as_never_made_and_takes_no_sla_report(
    runtime: Runtime, concluded: UUID, catalogue: dict[str, str]
) -> None:
    act(runtime, agency_on(date(2026, 5, 1)), concluded, lambda c: c.rescind(
        TerminationGround.BANKRUPTCY, "파산",
        Settlement(costs_krw=Decimal(0), interest_krw=Decimal(0), value_change_krw=Decimal(0))))
    refused(runtime, rules.CONTRACT_STATE, lambda: runtime.ledger.submit_sla_report(
        provider_on("PRV-HANEUL", date(2026, 5, 3)), concluded, catalogue["N-01"], figures()))


# --- 4. renewed and replaced name what actually followed --------------------------------------
def test_a_renewal_is_recorded_only_by_concluding_it_with_the_same_provider(
    runtime: Runtime, reader: CatalogueReader, catalogue: dict[str, str], concluded: UUID
) -> None:
    ledger = runtime.ledger
    act(runtime, agency_on(date(2027, 1, 1)), concluded, lambda c: c.expire())
    unawarded = ledger.open_procurement(AGENCY, agency_id=AGENCY_ID, reference="r-renew",
                                        title="재계약?", fiscal_year=2027).aggregate_id
    refused(runtime, rules.CONTRACT_RENEWAL_LINK, lambda: ledger.choose_follow_up(
        agency_on(date(2027, 1, 2)), concluded, FollowUp.RENEWED, unawarded),
        field="procurement_id")
    refused(runtime, rules.CONTRACT_RENEWAL_LINK, lambda: ledger.choose_follow_up(
        agency_on(date(2027, 1, 2)), concluded, FollowUp.RENEWED))
    renewal = ledger.renew_contract(agency_on(date(2027, 1, 2)), concluded,
                                    terms(start=date(2027, 1, 1), end=date(2027, 12, 31)))
    contract = load(runtime, concluded)
    assert contract.follow_up is FollowUp.RENEWED
    assert load(runtime, renewal.aggregate_id).previous_contract_id == str(concluded)


def test_a_replacement_names_a_procurement_of_the_same_agency_with_a_migration_budget(
    runtime: Runtime, concluded: UUID
) -> None:
    ledger = runtime.ledger
    act(runtime, agency_on(date(2026, 6, 1)), concluded, lambda c: c.terminate(
        TerminationGround.BANKRUPTCY, date(2026, 6, 30), "파산"))
    busan = CommandContext(actor=Actor(principal_id="b", role=Role.AGENCY, agency_id="AG-BUSAN"),
                           correlation_id="t", at=agency_on(date(2026, 6, 2)).at)
    elsewhere = ledger.open_procurement(busan, agency_id="AG-BUSAN", reference="r-busan",
                                        title="다른 기관", fiscal_year=2026).aggregate_id
    ledger.confirm_budget(busan, elsewhere, budget())
    refused(runtime, rules.REPLACEMENT_MIGRATION_BUDGET, lambda: ledger.choose_follow_up(
        agency_on(date(2026, 6, 2)), concluded, FollowUp.REPLACED, elsewhere))
    refused(runtime, rules.REPLACEMENT_MIGRATION_BUDGET, lambda: ledger.choose_follow_up(
        agency_on(date(2026, 6, 2)), concluded, FollowUp.REPLACED))
    abandoned = ledger.open_procurement(AGENCY, agency_id=AGENCY_ID, reference="r-gone",
                                        title="중단", fiscal_year=2026).aggregate_id
    ledger.confirm_budget(AGENCY, abandoned, budget())
    ledger.abandon_procurement(AGENCY, abandoned, "사업 취소")
    refused(runtime, rules.REPLACEMENT_MIGRATION_BUDGET, lambda: ledger.choose_follow_up(
        agency_on(date(2026, 6, 2)), concluded, FollowUp.REPLACED, abandoned))
    replacement = ledger.open_procurement(AGENCY, agency_id=AGENCY_ID, reference="r-next",
                                          title="이관", fiscal_year=2026).aggregate_id
    refused(runtime, rules.CONTRACT_FOLLOW_UP, lambda: ledger.choose_follow_up(
        agency_on(date(2026, 6, 2)), concluded, FollowUp.ENDED, replacement))
    ledger.confirm_budget(AGENCY, replacement, budget())
    ledger.choose_follow_up(agency_on(date(2026, 6, 2)), concluded, FollowUp.REPLACED,
                            replacement)
    assert load(runtime, concluded).follow_up is FollowUp.REPLACED


# --- 6. within the confirmed budget and, for a single-year contract, its fiscal year ------------
def test_use_is_planned_within_the_confirmed_budget_unless_a_revision_raises_it(
    runtime: Runtime, reader: CatalogueReader, catalogue: dict[str, str]
) -> None:
    """① 예산 확인: 편성 예산을 확인하여 예산 범위 내에서 계획적인 디지털서비스 이용 (budget() is
    ₩300,000,000)."""
    ledger = runtime.ledger
    pid = awarded(runtime, reader, catalogue)
    over = terms(total_amount_krw=Decimal(350_000_000))
    refused(runtime, rules.CONTRACT_OVER_BUDGET,
            lambda: ledger.conclude_contract(AGENCY, pid, over), field="total_amount_krw")
    refused(runtime, rules.PROCUREMENT_TEXT_REQUIRED, lambda: ledger.revise_budget(
        AGENCY, pid, Decimal(350_000_000), " "))
    refused(runtime, rules.PROCUREMENT_BUDGET_REVISION, lambda: ledger.revise_budget(
        AGENCY, pid, Decimal(300_000_000), "변경 없음"))
    busan = CommandContext(actor=Actor(principal_id="b", role=Role.AGENCY, agency_id="AG-BUSAN"),
                           correlation_id="t", at=AGENCY.at)
    refused(runtime, rules.AUTH_NOT_OWNER, lambda: ledger.revise_budget(
        busan, pid, Decimal(350_000_000), "추경"))
    ledger.revise_budget(AGENCY, pid, Decimal(350_000_000), "추가경정예산 반영")
    cid = ledger.conclude_contract(AGENCY, pid, over).aggregate_id
    # An amendment raising the total is held to the budget as revised.
    refused(runtime, rules.CONTRACT_OVER_BUDGET, lambda: ledger.amend_contract(
        AGENCY, cid, Amendment(reason="사용량 증가", new_total_amount_krw=Decimal(400_000_000))),
        field="total_amount_krw")
    ledger.amend_contract(AGENCY, cid, Amendment(reason="사용량 감소",
                                                 new_total_amount_krw=Decimal(320_000_000)))
    ledger.revise_budget(AGENCY, pid, Decimal(400_000_000), "낙찰차액 활용")
    ledger.amend_contract(AGENCY, cid, Amendment(reason="사용량 증가",
                                                 new_total_amount_krw=Decimal(400_000_000)))
    assert load(runtime, cid).terms.total_amount_krw == Decimal(400_000_000)


def test_a_renewal_stays_within_the_confirmed_budget_too(
    runtime: Runtime, concluded: UUID
) -> None:
    act(runtime, agency_on(date(2027, 1, 1)), concluded, lambda c: c.expire())
    refused(runtime, rules.CONTRACT_OVER_BUDGET, lambda: runtime.ledger.renew_contract(
        agency_on(date(2027, 1, 2)), concluded, terms(
            start=date(2027, 1, 1), end=date(2027, 12, 31),
            total_amount_krw=Decimal(310_000_000))))
    assert load(runtime, concluded).follow_up is None


def test_a_single_year_contract_lies_inside_the_fiscal_year_of_its_procurement(
    runtime: Runtime, reader: CatalogueReader, catalogue: dict[str, str]
) -> None:
    """⑥ 계약기간은 12개월 이내(회계연도 이내)로 체결하는 단년도 계약이 기본 (the procurement is of
    fiscal year 2026)."""
    pid = awarded(runtime, reader, catalogue)
    refused(runtime, rules.CONTRACT_FISCAL_YEAR, lambda: runtime.ledger.conclude_contract(
        AGENCY, pid, terms(start=date(2027, 1, 1), end=date(2027, 6, 30))), field="start")
    # A long-term continuing contract may run into later years' budgets.
    runtime.ledger.conclude_contract(AGENCY, pid, terms(
        kind=ContractKind.LONG_TERM_CONTINUING, start=date(2026, 7, 1), end=date(2027, 6, 30),
        pricing_model=PricingModel.FLAT, unit_prices=()))


# --- 8. each agency acts on its own contracts only -------------------------------------------
def test_only_the_contracts_own_agency_or_the_scheduler_records_its_expiry(
    runtime: Runtime, concluded: UUID
) -> None:
    after_end = date(2027, 1, 1)
    busan = CommandContext(actor=Actor(principal_id="b", role=Role.AGENCY, agency_id="AG-BUSAN"),
                           correlation_id="t", at=agency_on(after_end).at)
    refused(runtime, rules.AUTH_NOT_OWNER, lambda: act(runtime, busan, concluded,
                                                       lambda c: c.expire()))
    refused(runtime, rules.AUTH_NOT_OWNER, lambda: act(
        runtime, provider_on("PRV-HANEUL", after_end), concluded, lambda c: c.expire()))
    system = CommandContext(actor=Actor(principal_id="scheduler", role=Role.SYSTEM),
                            correlation_id="t", at=agency_on(after_end).at)
    act(runtime, system, concluded, lambda c: c.expire())
    assert load(runtime, concluded).status is ContractStatus.EXPIRED


def test_only_the_at_risk_policy_puts_a_contract_at_risk(
    runtime: Runtime, concluded: UUID, catalogue: dict[str, str]
) -> None:
    refused(runtime, rules.AUTH_ROLE_FORBIDDEN, lambda: act(
        runtime, AGENCY, concluded, lambda c: c.mark_at_risk(
            catalogue["N-01"], "made-up", TerminationGround.OTHER_SERIOUS_FAULT)))
