"""The agency directory in the log: the operator registers agencies under their 행정표준기관코드,
codes are unique, and a procurement is opened only for an agency the directory knows; a refusal
records nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from domain import rules
from domain.actor import Actor, CommandContext, Role
from domain.agency import Agency, AgencyKind, Region, agency_uuid
from domain.rules import RuleViolation
from dsledger.runtime import Runtime
from projections.tables import agencies, procurements
from tests.principals import UNREGISTERED_AGENCY

AT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
OPERATOR = CommandContext(actor=Actor(principal_id="nia-officer-1", role=Role.OPERATOR),
                          correlation_id="t-op", at=AT)


def acting_as(role: Role, agency_id: str | None = None) -> CommandContext:
    return CommandContext(actor=Actor(principal_id=f"someone-{role.value}", role=role,
                                      agency_id=agency_id), correlation_id="t", at=AT)


def register(runtime: Runtime, context: CommandContext = OPERATOR, **overrides: Any) -> Any:
    body: dict[str, Any] = {"agency_id": "AG-MOIS", "code": "1741000", "name_ko": "행정안전부",
                            "name_en": "Ministry of the Interior and Safety",
                            "kind": AgencyKind.CENTRAL, "region": Region.SEJONG, **overrides}
    return runtime.ledger.register_agency(context, **body)


def refused(rule: rules.Rule, runtime: Runtime, call: Any) -> RuleViolation:
    """The call is refused by ``rule`` and the log is exactly as long as before."""
    before = runtime.ledger.recorder.max_notification_id()
    with pytest.raises(RuleViolation) as refusal:
        call()
    assert refusal.value.rule is rule, refusal.value
    assert runtime.ledger.recorder.max_notification_id() == before, "nothing was recorded"
    return refusal.value


def test_the_operator_registers_an_agency_found_by_the_id_its_tokens_carry(
        runtime: Runtime) -> None:
    result = register(runtime)
    assert result.aggregate_id == agency_uuid("AG-MOIS")
    agency = runtime.ledger.registered_agency("AG-MOIS")
    assert isinstance(agency, Agency)
    assert (agency.code, agency.name_ko, agency.kind, agency.region) == (
        "1741000", "행정안전부", AgencyKind.CENTRAL, Region.SEJONG)
    # The agency and the claim of its code, in one transaction.
    assert result.position == 2
    runtime.ledger.change_agency(OPERATOR, "AG-MOIS", name_ko="행정안전부(세종)",
                                 name_en="MOIS", kind=AgencyKind.CENTRAL, region=Region.SEJONG)
    changed = runtime.ledger.registered_agency("AG-MOIS")
    assert changed is not None and changed.name_ko == "행정안전부(세종)" and changed.version == 2
    assert changed.code == "1741000"


@pytest.mark.parametrize("code", ["174100", "17410000", "１７４１０００", "1741 00", "b550928",
                                  "BB50928", " 1741000", ""])
def test_the_code_is_seven_ascii_digits_or_a_public_institutions_letter_and_six(
        runtime: Runtime, code: str) -> None:
    refused(rules.AGENCY_CODE_FORMAT, runtime, lambda: register(runtime, code=code))


def test_a_public_institutions_lettered_code_is_admitted(runtime: Runtime) -> None:
    register(runtime, agency_id="AG-NHIS", code="B550928", name_ko="국민건강보험공단",
             kind=AgencyKind.PUBLIC_INSTITUTION, region=Region.GANGWON)
    assert runtime.ledger.registered_agency("AG-NHIS") is not None


def test_a_code_is_held_by_one_agency_and_an_agency_is_registered_once(
        runtime: Runtime) -> None:
    register(runtime)
    refused(rules.AGENCY_CODE_TAKEN, runtime,
            lambda: register(runtime, agency_id="AG-OTHER", name_ko="다른 기관"))
    refused(rules.AGENCY_ALREADY_REGISTERED, runtime,
            lambda: register(runtime, code="1741001"))
    assert runtime.ledger.registered_agency("AG-OTHER") is None


@pytest.mark.parametrize("role", [Role.AGENCY, Role.PROVIDER, Role.AUDITOR, Role.SYSTEM])
def test_only_the_operator_registers_and_changes_agencies(runtime: Runtime, role: Role) -> None:
    someone = acting_as(role, "AG-MOIS" if role is Role.AGENCY else None)
    refused(rules.AUTH_ROLE_FORBIDDEN, runtime, lambda: register(runtime, someone))
    register(runtime)
    refused(rules.AUTH_ROLE_FORBIDDEN, runtime, lambda: runtime.ledger.change_agency(
        someone, "AG-MOIS", name_ko="바뀐 이름", name_en="x", kind=AgencyKind.CENTRAL,
        region=Region.SEJONG))


def test_a_change_must_change_something_and_name_a_registered_agency(runtime: Runtime) -> None:
    register(runtime)
    refused(rules.AGENCY_NO_CHANGE, runtime, lambda: runtime.ledger.change_agency(
        OPERATOR, "AG-MOIS", name_ko=" 행정안전부 ", name_en="Ministry of the Interior and Safety",
        kind=AgencyKind.CENTRAL, region=Region.SEJONG))
    refused(rules.AGENCY_TEXT_REQUIRED, runtime, lambda: runtime.ledger.change_agency(
        OPERATOR, "AG-MOIS", name_ko=" ", name_en="x", kind=AgencyKind.CENTRAL,
        region=Region.SEJONG))
    refused(rules.AGENCY_NOT_FOUND, runtime, lambda: runtime.ledger.change_agency(
        OPERATOR, "AG-NOWHERE", name_ko="어디", name_en="x", kind=AgencyKind.OTHER,
        region=Region.JEJU))


def test_a_procurement_is_refused_for_an_agency_the_directory_does_not_know(
        runtime: Runtime) -> None:
    nowhere = CommandContext(actor=Actor(principal_id=UNREGISTERED_AGENCY.principal_id,
                                         role=Role.AGENCY, agency_id="AG-NOWHERE"),
                             correlation_id="t", at=AT)
    refusal = refused(rules.AGENCY_NOT_REGISTERED, runtime, lambda: runtime.ledger.open_procurement(
        nowhere, agency_id="AG-NOWHERE", reference="r-1", title="클라우드 이용", fiscal_year=2026))
    assert refusal.field == "agency_id" and "AG-NOWHERE" in refusal.message_ko
    register(runtime, agency_id="AG-NOWHERE", code="1234567", name_ko="어디시",
             kind=AgencyKind.LOCAL, region=Region.JEJU)
    opened = runtime.ledger.open_procurement(nowhere, agency_id="AG-NOWHERE", reference="r-1",
                                             title="클라우드 이용", fiscal_year=2026)
    # The procurement records the agency's name as the directory had it when opened.
    runtime.projector.catch_up()
    with runtime.db.connect() as conn:
        record = conn.execute(select(procurements.c.record).where(
            procurements.c.procurement_id == str(opened.aggregate_id))).scalar_one()
    assert record["agency_name"] == "어디시"


def test_the_agencies_view_follows_registrations_and_changes(runtime: Runtime) -> None:
    register(runtime)
    runtime.ledger.change_agency(OPERATOR, "AG-MOIS", name_ko="행정안전부", name_en="MOIS",
                                 kind=AgencyKind.CENTRAL, region=Region.SEOUL)
    runtime.projector.catch_up()
    with runtime.db.connect() as conn:
        row = conn.execute(select(agencies)).mappings().one()
    assert (row["agency_id"], row["code"], row["name_en"], row["region"], row["version"]) == (
        "AG-MOIS", "1741000", "MOIS", "seoul", 2)
