"""Input bounds and request limits over HTTP, on SQLite and PostgreSQL: what an attacker sent
(issue 15, point 1) is refused with the right 4xx and a problem naming the field and the rule, and
nothing is recorded; every time in an answer carries an offset; the largest amount the domain
accepts goes through every view and reads back equal (issue 14, point 3)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from litestar.security.jwt import Token
from litestar.testing import TestClient
from sqlalchemy import select

from domain import rules
from dsledger.runtime import Runtime
from projections.catalogue_reader import CatalogueReader
from projections.tables import projection_tracking
from tests.contract.conftest import AGENCY, awarded, terms
from tests.principals import AGENCY as AGENCY_PRINCIPAL
from tests.principals import AUDITOR, TEST_SECRET, bearer, provider
from tests.procurement.conftest import budget, requirements

AG = bearer(AGENCY_PRINCIPAL)
HANEUL = bearer(provider("PRV-HANEUL"))


def refused(client: TestClient[Any], runtime: Runtime, status: int, rule: rules.Rule,
            field: str | None, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
    """The request is refused with ``status``, a problem naming ``rule`` and ``field``, and the
    ledger's head does not move."""
    before = runtime.projector.head()
    response = client.request(method, url, **kwargs)
    assert response.status_code == status, response.text
    problem: dict[str, Any] = response.json()
    assert problem["rule"] == rule.id, problem
    assert problem["type"] == f"/rules/{rule.id}"
    if field is not None:
        assert problem["field"] == field, problem
    assert runtime.projector.head() == before
    return problem


@pytest.fixture
def contract(runtime: Runtime, reader: CatalogueReader, catalogue: dict[str, str],
             ) -> Iterator[tuple[str, str]]:
    """A concluded joint contract (IaaS by PRV-HANEUL + migration support): its id and the
    IaaS service's id."""
    pid = awarded(runtime, reader, catalogue)
    contract_id = runtime.ledger.conclude_contract(AGENCY, pid, terms()).aggregate_id
    yield str(contract_id), catalogue["N-01"]


def sla_report(service_id: str, **figures: Any) -> dict[str, Any]:
    return {"service_id": service_id, "period_start": "2026-04-01",
            "period_end": "2026-04-30", **figures}


# --- SLA figures ---------------------------------------------------------------------------------

NONSENSE_FIGURES = [
    ("availability_percent", "NaN", 422, rules.INPUT_PERCENTAGE),
    ("availability_percent", "sNaN", 422, rules.INPUT_PERCENTAGE),
    ("availability_percent", "Infinity", 422, rules.INPUT_PERCENTAGE),
    ("availability_percent", "-Infinity", 422, rules.INPUT_PERCENTAGE),
    ("availability_percent", "1e999999", 422, rules.INPUT_PERCENTAGE),
    ("availability_percent", "-5", 422, rules.INPUT_PERCENTAGE),
    ("availability_percent", "101", 422, rules.INPUT_PERCENTAGE),
    ("availability_percent", "140", 422, rules.INPUT_PERCENTAGE),
    ("availability_percent", 1e308, 422, rules.INPUT_PERCENTAGE),
    ("availability_percent", "100.0000001", 422, rules.INPUT_PERCENTAGE),
    ("backup_compliance_percent", "NaN", 422, rules.INPUT_PERCENTAGE),
    ("support_handling_rate_percent", "-0.1", 422, rules.INPUT_PERCENTAGE),
    ("security_events", 10**30, 400, rules.REQUEST_MALFORMED),
    ("security_events", 1_000_001, 400, rules.REQUEST_MALFORMED),
    ("security_events", -1, 400, rules.REQUEST_MALFORMED),
    ("response_time_ms", "-1", 422, rules.INPUT_QUANTITY),
    ("response_time_ms", "NaN", 422, rules.INPUT_QUANTITY),
    ("response_time_ms", "86400001", 422, rules.INPUT_QUANTITY),
    ("support_handling_hours", "8761", 422, rules.INPUT_QUANTITY),
    ("support_handling_hours", "Infinity", 422, rules.INPUT_QUANTITY),
]


@pytest.mark.parametrize(("field", "value", "status", "rule"), NONSENSE_FIGURES,
                         ids=[f"{f}={v!r}" for f, v, _, _ in NONSENSE_FIGURES])
def test_an_sla_figure_outside_what_it_can_be_is_refused_and_records_nothing(
    client: TestClient[Any], runtime: Runtime, contract: tuple[str, str], field: str,
    value: Any, status: int, rule: rules.Rule,
) -> None:
    contract_id, service_id = contract
    refused(client, runtime, status, rule, field, "POST",
            f"/contracts/{contract_id}/sla-reports", headers=HANEUL,
            json=sla_report(service_id, **{field: value}))


def test_an_incident_recovery_longer_than_a_year_is_refused_and_records_nothing(
    client: TestClient[Any], runtime: Runtime, contract: tuple[str, str],
) -> None:
    contract_id, service_id = contract
    refused(client, runtime, 400, rules.REQUEST_MALFORMED, "incidents[0].recovery_minutes",
            "POST", f"/contracts/{contract_id}/sla-reports", headers=HANEUL,
            json=sla_report(service_id, incidents=[
                {"started": "2026-04-03T02:00+09:00", "recovery_minutes": 525_601,
                 "description": "정전"}]))


BOUNDARY_FIGURES = {"availability_percent": "100", "backup_compliance_percent": "0",
                    "support_handling_rate_percent": "99.999999", "security_events": 1_000_000,
                    "response_time_ms": "86400000", "support_handling_hours": "8760"}


def test_sla_figures_at_their_bounds_are_recorded(
    client: TestClient[Any], runtime: Runtime, contract: tuple[str, str],
) -> None:
    contract_id, service_id = contract
    response = client.post(f"/contracts/{contract_id}/sla-reports", headers=HANEUL,
                           json=sla_report(service_id, **BOUNDARY_FIGURES))
    assert response.status_code == 201, response.text


# --- amendments ----------------------------------------------------------------------------------

NONSENSE_AMOUNTS = ["NaN", "sNaN", "0", "-0", "-1", "Infinity", "-Infinity", "1e25",
                    "1000000000000000.01", "1000000000000001", "12.5", "1E+16"]


@pytest.mark.parametrize("amount", NONSENSE_AMOUNTS)
def test_an_amendment_amount_that_is_not_a_positive_bounded_sum_is_refused_and_records_nothing(
    client: TestClient[Any], runtime: Runtime, contract: tuple[str, str], amount: str,
) -> None:
    contract_id, _ = contract
    refused(client, runtime, 422, rules.INPUT_AMOUNT, "new_total_amount_krw", "POST",
            f"/contracts/{contract_id}/amendments", headers=AG,
            json={"reason": "증액", "new_total_amount_krw": amount})


@pytest.mark.parametrize("amount", ["1000000000000000", "999999999999999"])
def test_the_largest_amount_the_domain_accepts_goes_through_every_view_and_reads_back_equal(
    client: TestClient[Any], runtime: Runtime, contract: tuple[str, str], amount: str,
) -> None:
    contract_id, _ = contract
    runtime.ledger.contract_command(AGENCY, UUID(contract_id), lambda c: c.register_disclosure())
    # A total that large must first be a confirmed budget (the contract stays within it).
    procurement_id = client.get(f"/contracts/{contract_id}", headers=AG).json()["summary"][
        "procurement_id"]
    revised = client.post(f"/procurements/{procurement_id}/budget-revisions", headers=AG,
                          json={"confirmed_total_krw": amount, "reason": "증액 예산 확정"})
    assert revised.status_code == 200, revised.text
    for path in ("amendments", "disclosure-amendments"):
        body = {"reason": "증액", "new_total_amount_krw": amount} if path == "amendments" else None
        response = client.post(f"/contracts/{contract_id}/{path}", headers=AG, json=body)
        assert response.status_code in (200, 201), response.text
    position = str(runtime.projector.head())
    assert runtime.projector.wait_for(int(position), 10)
    read = {"X-Min-Position": position, **bearer(AUDITOR)}
    summary = client.get(f"/contracts/{contract_id}", headers=read).json()["summary"]
    assert Decimal(summary["total_amount_krw"]) == Decimal(amount)
    entry = client.get("/disclosures", headers=read).json()["items"][0]
    assert Decimal(entry["amount_krw"]) == Decimal(amount)
    assert Decimal(client.get("/disclosures/statistics", headers=read).json()["amount_krw"]
                   ) == Decimal(amount)
    releases = client.get("/ocds/releases", headers=read)
    assert releases.status_code == 200, releases.text
    assert f'"amount":{amount}' in releases.text.replace(" ", "")  # OCDS: an exact integer
    # Every view applied it: none stopped on the amount (issue 14: numeric field overflow).
    with runtime.db.connect() as conn:
        tracked = conn.execute(select(projection_tracking.c.position)).scalars().all()
    assert tracked and all(p == int(position) for p in tracked)


# --- request limits -----------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", None])
def test_a_body_that_is_not_json_is_refused_with_415_and_records_nothing(
    client: TestClient[Any], runtime: Runtime, contract: tuple[str, str],
    content_type: str | None,
) -> None:
    contract_id, _ = contract
    headers = {**AG, **({"Content-Type": content_type} if content_type else {})}
    problem = refused(client, runtime, 415, rules.REQUEST_MEDIA_TYPE, "Content-Type", "POST",
                      f"/contracts/{contract_id}/amendments", headers=headers,
                      content=json.dumps({"reason": "증액", "new_total_amount_krw": "1"}))
    assert problem["status"] == 415


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8",
                                          "application/merge-patch+json", "APPLICATION/JSON"])
def test_json_media_types_with_parameters_or_a_json_suffix_are_accepted(
    client: TestClient[Any], runtime: Runtime, contract: tuple[str, str], content_type: str,
) -> None:
    contract_id, _ = contract
    response = client.post(f"/contracts/{contract_id}/amendments",
                           headers={**AG, "Content-Type": content_type},
                           content=json.dumps({"reason": "증액",
                                               "new_total_amount_krw": "250000000"}))
    assert response.status_code == 200, response.text


DEEP_BODIES = {
    "100000-brackets": b"[" * 100_000,
    "deep-array-in-a-text-field": (b'{"reason": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"),
    "33-levels": b'{"reason": ' + b"[" * 32 + b'"x"' + b"]" * 32 + b"}",
}


@pytest.mark.parametrize("body", DEEP_BODIES.values(), ids=DEEP_BODIES.keys())
def test_a_body_nested_deeper_than_the_limit_is_refused_with_400_naming_it(
    client: TestClient[Any], runtime: Runtime, contract: tuple[str, str], body: bytes,
) -> None:
    contract_id, _ = contract
    problem = refused(client, runtime, 400, rules.REQUEST_TOO_DEEP, "body", "POST",
                      f"/contracts/{contract_id}/amendments",
                      headers={**AG, "Content-Type": "application/json"}, content=body)
    assert "32" in problem["detail"]


def test_brackets_inside_text_do_not_count_as_nesting(
    client: TestClient[Any], runtime: Runtime, contract: tuple[str, str],
) -> None:
    contract_id, _ = contract
    response = client.post(f"/contracts/{contract_id}/amendments", headers=AG, json={
        "reason": "[" * 1000 + '\\"{' * 100, "new_total_amount_krw": "250000000"})
    assert response.status_code == 200, response.text


def test_a_body_larger_than_the_limit_is_refused_with_400_naming_it(
    client: TestClient[Any], runtime: Runtime, contract: tuple[str, str],
) -> None:
    contract_id, _ = contract
    body = b'{"reason": "' + b"x" * (4 * 1024 * 1024) + b'"}'
    problem = refused(client, runtime, 400, rules.REQUEST_TOO_LARGE, "body", "POST",
                      f"/contracts/{contract_id}/amendments",
                      headers={**AG, "Content-Type": "application/json"}, content=body)
    assert "4,194,304" in problem["detail"]


@pytest.mark.parametrize("value", [
    b"\xb2",  # "²" as the server reads the header (latin-1): str.isdigit() said yes
    "²".encode(), "١٢".encode(), b"1" * 19, b"-1", b"+1", b"1 ", b"0x10", b"",
])
def test_a_min_position_that_is_not_1_to_18_ascii_digits_is_refused(
    client: TestClient[Any], runtime: Runtime, value: bytes,
) -> None:
    refused(client, runtime, 400, rules.REQUEST_MALFORMED, "X-Min-Position", "GET",
            "/disclosures", headers={"X-Min-Position": value})


def _token(**claims: Any) -> dict[str, str]:
    sub = claims.pop("sub", "officer@seoul")
    token = Token(sub=sub, exp=datetime.now(UTC) + timedelta(hours=1), extras=claims)
    return {"Authorization": f"Bearer {token.encode(TEST_SECRET, 'HS256')}"}


BAD_CLAIMS = {
    "agency_id-list": {"role": "agency", "agency_id": ["AG-SEOUL"]},
    "agency_id-object": {"role": "agency", "agency_id": {"id": "AG-SEOUL"}},
    "agency_id-number": {"role": "agency", "agency_id": 7},
    "agency_id-too-long": {"role": "agency", "agency_id": "A" * 65},
    "agency_id-nul": {"role": "agency", "agency_id": "AG\x00SEOUL"},
    "provider_id-list": {"role": "provider", "provider_id": ["PRV-HANEUL"]},
    "provider_id-object": {"role": "provider", "provider_id": {"id": "PRV-HANEUL"}},
    "role-list": {"role": ["agency"], "agency_id": "AG-SEOUL"},
    "role-object": {"role": {"agency": True}, "agency_id": "AG-SEOUL"},
    "sub-too-long": {"role": "auditor", "sub": "x" * 201},
    "sub-control": {"role": "auditor", "sub": "bai\x1bauditor"},
}


@pytest.mark.parametrize("claims", BAD_CLAIMS.values(), ids=BAD_CLAIMS.keys())
def test_a_token_signed_with_the_real_secret_whose_claims_are_not_bounded_strings_is_refused(
    client: TestClient[Any], runtime: Runtime, claims: dict[str, Any],
) -> None:
    refused(client, runtime, 401, rules.AUTH_UNAUTHENTICATED, None, "POST", "/procurements",
            headers=_token(**claims),
            json={"reference": "R-1", "title": "제목", "fiscal_year": 2026})


def test_a_token_with_well_formed_claims_is_still_accepted(client: TestClient[Any]) -> None:
    response = client.get("/contracts", headers=_token(role="agency", agency_id="AG-SEOUL"))
    assert response.status_code == 200, response.text


# --- text -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "/catalogue/pages/all/services?keywords=a%00b",
    "/catalogue/pages/saas/services?keywords=a%1Fb",
    "/catalogue/pages/all/services?keywords=a%C2%85b",
    "/web/catalogue/?keywords=a%00b",
    "/disclosures?agency_id=a%00b",
])
def test_a_query_parameter_with_nul_or_a_control_character_is_refused_naming_it(
    client: TestClient[Any], runtime: Runtime, url: str,
) -> None:
    name = url.split("?")[1].split("=")[0]
    refused(client, runtime, 400, rules.REQUEST_PARAMETER_TEXT, name, "GET", url)


@pytest.mark.parametrize("keywords", ["a\x00b", "서버\x07", "a\x9bb"])
def test_a_recorded_search_with_control_characters_in_its_keywords_is_refused(
    client: TestClient[Any], runtime: Runtime, catalogue: dict[str, str], keywords: str,
) -> None:
    ledger = runtime.ledger
    pid = ledger.open_procurement(AGENCY, agency_id="AG-SEOUL", reference="검색-1",
                                  title="검색", fiscal_year=2026).aggregate_id
    ledger.confirm_budget(AGENCY, pid, budget())
    ledger.define_requirements(AGENCY, pid, requirements())
    refused(client, runtime, 422, rules.INPUT_TEXT, "keywords", "POST",
            f"/procurements/{pid}/searches", headers=AG,
            json={"page": "all", "keywords": keywords})


@pytest.mark.parametrize("reason", ["증액\x00", "a\x1b[31m", "x" * 2001])
def test_text_with_nul_control_characters_or_beyond_its_length_is_refused(
    client: TestClient[Any], runtime: Runtime, contract: tuple[str, str], reason: str,
) -> None:
    contract_id, _ = contract
    before = runtime.projector.head()
    response = client.post(f"/contracts/{contract_id}/amendments", headers=AG,
                           json={"reason": reason, "new_total_amount_krw": "250000000"})
    assert response.status_code in (400, 422), response.text
    assert response.json()["rule"] in {rules.INPUT_TEXT.id, rules.REQUEST_MALFORMED.id}
    assert response.json()["field"] == "reason"
    assert runtime.projector.head() == before


# --- times ----------------------------------------------------------------------------------------

_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_OFFSET = re.compile(r"(Z|[+-]\d{2}:\d{2})$")


def _moments(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _moments(item)
    elif isinstance(value, list):
        for item in value:
            yield from _moments(item)
    elif isinstance(value, str) and _MOMENT.match(value):
        yield value


def test_every_time_in_every_answer_carries_an_offset(
    client: TestClient[Any], runtime: Runtime, contract: tuple[str, str],
) -> None:
    contract_id, service_id = contract
    runtime.ledger.contract_command(AGENCY, UUID(contract_id), lambda c: c.register_disclosure())
    assert client.post("/audit/tree-heads", headers=bearer(AUDITOR)).status_code in (200, 201)
    position = str(runtime.projector.head())
    read = {"X-Min-Position": position, **bearer(AUDITOR)}
    procurement_id = client.get(f"/contracts/{contract_id}", headers=read).json()[
        "summary"]["procurement_id"]
    urls = [f"/contracts/{contract_id}", "/contracts", f"/procurements/{procurement_id}",
            "/procurements", f"/catalogue/services/{service_id}",
            "/catalogue/pages/all/services", f"/history/{contract_id}/events",
            f"/history/{contract_id}/state?version=1", f"/history/{procurement_id}/events",
            "/audit/tree-heads", "/audit/tree-heads/latest", "/disclosures"]
    seen = []
    for url in urls:
        response = client.get(url, headers=read)
        assert response.status_code == 200, (url, response.text)
        for moment in _moments(response.json()):
            seen.append(moment)
            assert _OFFSET.search(moment), (url, moment)
            datetime.fromisoformat(moment.replace("Z", "+00:00"))
    assert len(seen) > 10


@pytest.mark.parametrize("form", ["CSV\x00", "CSV\x1b[31m", "x" * 4001])
def test_a_plain_text_a_command_records_is_refused_with_control_characters_or_beyond_its_length(
    client: TestClient[Any], runtime: Runtime, contract: tuple[str, str], form: str,
) -> None:
    contract_id, _ = contract
    response = client.post(f"/contracts/{contract_id}/data-return-request", headers=AG,
                           json={"form": form})
    if len(form) > 2000:  # the schema's own limit answers first
        assert response.status_code == 400 and response.json()["field"] == "form"
        return
    refused(client, runtime, 422, rules.INPUT_TEXT, "form", "POST",
            f"/contracts/{contract_id}/data-return-request", headers=AG, json={"form": form})
