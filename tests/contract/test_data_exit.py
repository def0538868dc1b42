"""The data-exit clock as Enforcement Decree art. 19 sets it, on SQLite and PostgreSQL: data asked
back is returned before the end date (4); data not taken back is destroyed (1)3, (5); a public
body's contract sets the return and destruction timing (6) and then that clause drives the
deadlines, each naming where its day comes from."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import msgspec
import pytest
from sqlalchemy import select

from domain import rules
from domain.contract import Contract
from domain.contract_terms import ContractTerms, DataExitClause
from domain.deadlines import STATUTORY_DESTRUCTION_BASIS, STATUTORY_RETURN_BASIS
from domain.rules import RuleViolation
from dsledger.runtime import Runtime
from projections.catalogue_reader import CatalogueReader
from projections.tables import deadlines
from scheduler.sweep import sweep
from tests.contract.conftest import AGENCY, awarded, terms
from tests.contract.test_contract_rules import act, agency_on, load, provider_on

END = date(2026, 12, 31)
CLAUSE = DataExitClause(return_method="CSV(UTF-8)·원본 파일을 SFTP로 전달",
                        return_days_before_end=14,
                        destruction_method="복구 불가능한 덮어쓰기 후 파기확인서 제출",
                        destruction_days_after_end=10)


def conclude(runtime: Runtime, reader: CatalogueReader, catalogue: dict[str, str],
             clause: DataExitClause | None) -> UUID:
    pid = awarded(runtime, reader, catalogue)
    runtime.projector.catch_up()
    return runtime.ledger.conclude_contract(AGENCY, pid, terms(data_exit=clause)).aggregate_id


def row(runtime: Runtime, kind: str, contract: UUID) -> dict[str, Any]:
    runtime.projector.catch_up()
    with runtime.db.connect() as conn:
        found = conn.execute(select(deadlines).where(
            deadlines.c.deadline_id == f"{kind}:{contract}:")).mappings().one()
    return dict(found)


def sweep_on(runtime: Runtime, day: date) -> list[str]:
    return sweep(runtime, now=datetime(day.year, day.month, day.day, 3, tzinfo=UTC),
                 limit=10_000).fired


def test_4_data_asked_back_is_returned_before_the_contract_end_date(
    runtime: Runtime, reader: CatalogueReader, catalogue: dict[str, str]
) -> None:
    """④ … 계약 및 사업 종료일 전까지 이용자 정보를 반환하여야 하며: with no clause agreed, a return
    not made by the day before the end date is overdue on the end date itself."""
    contract = conclude(runtime, reader, catalogue, None)
    act(runtime, agency_on(date(2026, 12, 1)), contract,
        lambda c: c.request_data_return("CSV 및 원본 파일"))
    due = row(runtime, "data_return_overdue", contract)
    assert due["fires_on"] == END
    assert due["detail"]["basis"] == STATUTORY_RETURN_BASIS[0]
    key = f"data_return_overdue:{contract}:"
    assert key not in sweep_on(runtime, date(2026, 12, 30))
    assert key in sweep_on(runtime, END)
    assert load(runtime, contract).return_overdue
    assert row(runtime, "data_return_overdue", contract)["state"] == "fired"


def test_4_a_return_made_in_time_settles_the_deadline(
    runtime: Runtime, reader: CatalogueReader, catalogue: dict[str, str]
) -> None:
    contract = conclude(runtime, reader, catalogue, None)
    act(runtime, agency_on(date(2026, 12, 1)), contract,
        lambda c: c.request_data_return("CSV 및 원본 파일"))
    for provider_id in ("PRV-HANEUL", "PRV-IEUM"):
        act(runtime, provider_on(provider_id, date(2026, 12, 20)), contract,
            lambda c: c.confirm_data_returned("CSV(UTF-8), 활용 가능한 상태", "검수 완료"))
    assert row(runtime, "data_return_overdue", contract)["state"] == "met"


def test_1_3_data_not_taken_back_is_destroyed_by_the_end_date_when_nothing_was_agreed(
    runtime: Runtime, reader: CatalogueReader, catalogue: dict[str, str]
) -> None:
    """①3 계약 종료일 전까지 반환받지 아니하거나 반환을 원하지 아니하면 이용자 정보가 파기된다: the
    Decree sets no later day, so the destruction is overdue the day after the end date (not the
    "end + 30 days" dsledger used to allow itself)."""
    contract = conclude(runtime, reader, catalogue, None)
    act(runtime, agency_on(date(2027, 1, 1)), contract, lambda c: c.expire())
    due = row(runtime, "data_disposition_overdue", contract)
    assert due["fires_on"] == date(2027, 1, 1)
    assert due["detail"]["basis"] == STATUTORY_DESTRUCTION_BASIS[0]
    assert f"data_disposition_overdue:{contract}:" in sweep_on(runtime, date(2027, 1, 1))


def test_6_the_contract_sets_the_return_and_destruction_timing_and_the_deadlines_follow_it(
    runtime: Runtime, reader: CatalogueReader, catalogue: dict[str, str]
) -> None:
    """⑥ 공공기관이 … 이용자 정보의 반환 및 파기 방법·시기 등에 대하여 … 계약을 체결하여야 한다: the
    agreed clause drives both deadlines and each says it comes from the contract."""
    contract = conclude(runtime, reader, catalogue, CLAUSE)
    assert load(runtime, contract).terms.data_exit == CLAUSE
    act(runtime, agency_on(date(2026, 12, 1)), contract,
        lambda c: c.request_data_return("CSV 및 원본 파일"))
    returned = row(runtime, "data_return_overdue", contract)
    assert returned["fires_on"] == date(2026, 12, 17)
    assert "art. 19(6)" in returned["detail"]["basis"]
    assert f"data_return_overdue:{contract}:" in sweep_on(runtime, date(2026, 12, 17))
    for provider_id in ("PRV-HANEUL", "PRV-IEUM"):
        act(runtime, provider_on(provider_id, date(2026, 12, 18)), contract,
            lambda c: c.confirm_data_returned("CSV(UTF-8)", "늦은 반환"))
    act(runtime, agency_on(date(2027, 1, 1)), contract, lambda c: c.expire())
    destroyed = row(runtime, "data_disposition_overdue", contract)
    # 10 days after 31 December is Sunday 10 January 2027: the period ends on Monday the 11th
    # (Civil Act art. 161), so the destruction is late from the 12th.
    assert destroyed["fires_on"] == date(2027, 1, 12)
    assert "art. 19(6)" in destroyed["detail"]["basis"]


def test_6_an_early_termination_moves_the_return_deadline_with_the_end(
    runtime: Runtime, reader: CatalogueReader, catalogue: dict[str, str]
) -> None:
    contract = conclude(runtime, reader, catalogue, CLAUSE)
    act(runtime, agency_on(date(2026, 6, 1)), contract,
        lambda c: c.request_data_return("CSV 및 원본 파일"))
    assert row(runtime, "data_return_overdue", contract)["fires_on"] == date(2026, 12, 17)
    from decimal import Decimal

    from domain.contract_terms import TerminationGround
    act(runtime, agency_on(date(2026, 6, 2)), contract, lambda c: c.terminate(
        TerminationGround.AGENCY_NECESSITY, date(2026, 7, 31), "사업 폐지",
        unpaid_fees_krw=Decimal(0), deposit_krw=Decimal(0)))
    assert row(runtime, "data_return_overdue", contract)["fires_on"] == date(2026, 7, 17)
    assert load(runtime, contract).exit_end == date(2026, 7, 31)


@pytest.mark.parametrize("field, value", [("return_days_before_end", -1),
                                          ("return_days_before_end", 181),
                                          ("destruction_days_after_end", 91)])
def test_4_an_agreed_clause_never_returns_the_data_after_the_end_date_and_is_bounded(
    field: str, value: int
) -> None:
    """④ binds every provider to return before the end date; ⑥ lets the contract choose how
    early, so a clause returning after the end (a negative lead) is refused, as are absurd
    figures."""
    with pytest.raises(RuleViolation) as caught:
        msgspec.structs.replace(CLAUSE, **{field: value})
    assert caught.value.rule is rules.INPUT_QUANTITY


def test_contracts_recorded_before_the_clock_still_decode_with_the_decrees_default() -> None:
    stored = msgspec.json.encode(terms())
    old = msgspec.json.decode(stored.replace(b',"data_exit":null', b""), type=ContractTerms)
    assert old.data_exit is None


def test_a_return_asked_for_on_the_end_date_has_no_clock_left(
    runtime: Runtime, reader: CatalogueReader, catalogue: dict[str, str]
) -> None:
    contract = conclude(runtime, reader, catalogue, None)
    act(runtime, agency_on(END), contract, lambda c: c.request_data_return("CSV"))
    runtime.projector.catch_up()
    with runtime.db.connect() as conn:
        assert conn.execute(select(deadlines).where(
            deadlines.c.deadline_id == f"data_return_overdue:{contract}:")).first() is None
    assert isinstance(load(runtime, contract), Contract)


def test_5_destruction_is_recorded_with_its_irrecoverable_method_and_certificate(
    runtime: Runtime, reader: CatalogueReader, catalogue: dict[str, str]
) -> None:
    """⑤ 정보의 복원이 불가능한 방법으로 영구 삭제하여야 한다: a destruction names how it was made
    irrecoverable and the certificate proving it; neither may be left blank."""
    contract = conclude(runtime, reader, catalogue, CLAUSE)
    act(runtime, agency_on(date(2027, 1, 1)), contract, lambda c: c.expire())
    for method, certificate in (("  ", "파기확인서-1"), ("복구 불가능한 덮어쓰기", " ")):
        with pytest.raises(RuleViolation) as caught:
            act(runtime, provider_on("PRV-HANEUL", date(2027, 1, 2)), contract,
                lambda c, m=method, r=certificate: c.confirm_data_destroyed(m, r))
        assert caught.value.rule is rules.CONTRACT_TEXT_REQUIRED
    for provider_id in ("PRV-HANEUL", "PRV-IEUM"):
        act(runtime, provider_on(provider_id, date(2027, 1, 5)), contract,
            lambda c: c.confirm_data_destroyed("복구 불가능한 덮어쓰기(3회)", "파기확인서-7"))
    assert row(runtime, "data_disposition_overdue", contract)["state"] == "met"
