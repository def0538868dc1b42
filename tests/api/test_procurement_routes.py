"""Procurement routes over HTTP on SQLite and PostgreSQL: the agency's steps, the provider's
answers, evidence searches the client cannot forge, and who may see what."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from dsledger.runtime import Runtime
from tests.api.bodies import selection_body
from tests.principals import AGENCY, AUDITOR, OPERATOR, OTHER_AGENCY, bearer, provider

OP = bearer(OPERATOR)
AG = bearer(AGENCY)


def register(client: TestClient[Any], notice: str, mall: bool = False, **profile: Any) -> str:
    response = client.post("/services", json=selection_body(notice, **profile), headers=OP)
    assert response.status_code == 201, response.text
    service_id = str(response.json()["aggregate_id"])
    assert client.post(f"/services/{service_id}/registration", headers=OP).status_code == 200
    if mall:
        assert client.post(f"/services/{service_id}/mall-listing", headers=OP, json={
            "contract_number": f"DSM-{notice}", "listed_on": "2025-04-01"}).status_code == 200
    return service_id


REQUIREMENTS = {
    "purpose": "전 직원 전자결재와 그룹웨어를 클라우드로 이용",
    "usage_environment": "사용자 800명, 12개월, 인터넷망",
    "network_separation": False,
    "usage_months": 12,
    "functional_requirements": ["전자결재", "모바일 결재"],
    "budget_krw": "90000000",
    "service_types": ["SaaS"],
    "required_support_channels": ["call_center"],
    "sla_minimums": {"availability_percent": "99.5"},
}


def prepared(client: TestClient[Any]) -> str:
    response = client.post("/procurements", headers=AG, json={
        "reference": "전자결재-2026-07", "title": "전자결재 SaaS 이용", "fiscal_year": 2026})
    assert response.status_code == 201, response.text
    pid = str(response.json()["aggregate_id"])
    assert client.post(f"/procurements/{pid}/budget", headers=AG, json={
        "lines": [{"item": "usage_fee", "amount_krw": "96000000"}],
        "category": "service_fee", "pricing_model": "flat"}).status_code == 200
    response = client.post(f"/procurements/{pid}/requirements", headers=AG, json=REQUIREMENTS)
    assert response.status_code == 200, response.text
    return pid


def test_a_central_procurement_of_one_mall_listed_saas_reaches_its_award_over_http(
    client: TestClient[Any], runtime: Runtime
) -> None:
    chosen = register(client, "NIA-S-1", mall=True, name="누리 결재", provider_id="PRV-NURI",
                      keywords=["전자결재"])
    register(client, "NIA-S-2", name="다른 메일", provider_id="PRV-OTHER")
    pid = prepared(client)
    response = client.post(f"/procurements/{pid}/searches", headers=AG, json={
        "page": "saas", "keywords": "전자결재", "mall_listed": True})
    assert response.status_code == 201, response.text
    search = response.json()
    assert search["search_id"] == "S-1"
    assert [hit["service_id"] for hit in search["results"]] == [chosen]
    assert search["results"][0]["mall_listed"] is True
    steps = [
        (f"/procurements/{pid}/searches/S-1/saving", AG, None),
        (f"/procurements/{pid}/method", AG, {"method": "central"}),
        (f"/procurements/{pid}/quote-requests", AG,
         {"service_id": chosen, "due": "2026-12-10", "note": "800명 12개월"}),
    ]
    for path, headers, body in steps:
        response = client.post(path, headers=headers, json=body)
        assert response.status_code == 200, (path, response.text)
    inbox = client.get("/requests", headers=bearer(provider("PRV-NURI"))).json()
    assert [(r["procurement_id"], r["kind"], r["status"]) for r in inbox] == [
        (pid, "quote", "requested")]
    assert client.get("/requests", headers=bearer(provider("PRV-OTHER"))).json() == []
    response = client.post(f"/procurements/{pid}/quotes", headers=bearer(provider("PRV-NURI")),
                           json={"service_id": chosen, "amount_krw": "86400000",
                                 "valid_until": "2027-01-31", "document_ref": "견적-77.pdf"})
    assert response.status_code == 200, response.text
    response = client.post(f"/procurements/{pid}/award", headers=AG, json={
        "service_ids": [chosen], "rationale": "검색 결과 단일, 견적 예산 이내"})
    assert response.status_code == 200, response.text
    detail = client.get(f"/procurements/{pid}", headers=AG).json()
    assert detail["summary"]["status"] == "awarded"
    assert detail["summary"]["awarded_service_ids"] == [chosen]
    record = detail["record"]
    assert record["searches"][0]["saved"] is True
    assert record["quotes"][chosen]["amount_krw"] == "86400000"
    assert record["award"]["by"] == AGENCY.principal_id
    assert client.get("/requests", headers=bearer(provider("PRV-NURI"))).json()[0][
        "status"] == "answered"


def test_a_client_cannot_send_a_result_list_with_a_search(
    client: TestClient[Any], runtime: Runtime
) -> None:
    service_id = register(client, "NIA-S-1")
    pid = prepared(client)
    before = runtime.projector.head()
    response = client.post(f"/procurements/{pid}/searches", headers=AG, json={
        "page": "saas", "results": [{"service_id": service_id}]})
    assert response.status_code == 400
    assert response.json()["rule"] == "request.malformed"
    assert runtime.projector.head() == before


def test_a_search_naming_a_vendor_is_refused_over_http(
    client: TestClient[Any], runtime: Runtime
) -> None:
    register(client, "NIA-S-1", provider_name="누리소프트㈜", provider_id="PRV-NURI")
    pid = prepared(client)
    before = runtime.projector.head()
    response = client.post(f"/procurements/{pid}/searches", headers=AG,
                           json={"page": "saas", "keywords": "누리 소프트 결재"})
    assert response.status_code == 422
    body = response.json()
    assert body["type"] == "/rules/search.vendor-keyword"
    assert body["field"] == "keywords"
    assert "기업명" in body["detail_ko"]
    assert runtime.projector.head() == before


def test_procurements_are_seen_by_their_agency_operators_and_auditors_only(
    client: TestClient[Any], runtime: Runtime
) -> None:
    pid = prepared(client)
    assert client.get(f"/procurements/{pid}", headers=AG).status_code == 200
    assert client.get(f"/procurements/{pid}", headers=OP).status_code == 200
    assert client.get(f"/procurements/{pid}", headers=bearer(AUDITOR)).status_code == 200
    other = client.get(f"/procurements/{pid}", headers=bearer(OTHER_AGENCY))
    assert other.status_code == 404 and other.json()["rule"] == "procurement.not-found"
    assert client.get("/procurements", headers=bearer(OTHER_AGENCY)).json()["total"] == 0
    assert client.get("/procurements", headers=bearer(AUDITOR)).json()["total"] == 1
    assert client.get(f"/procurements/{pid}",
                      headers=bearer(provider("PRV-NURI"))).status_code == 403
    assert client.get(f"/procurements/{pid}").status_code == 401


def test_only_the_owning_agency_changes_a_procurement_and_only_providers_answer(
    client: TestClient[Any], runtime: Runtime
) -> None:
    pid = prepared(client)
    before = runtime.projector.head()
    cases = [
        (bearer(OTHER_AGENCY), f"/procurements/{pid}/method", {"method": "self"}, 404,
         "procurement.not-found"),
        (OP, f"/procurements/{pid}/method", {"method": "self"}, 403, "auth.role-forbidden"),
        (bearer(AUDITOR), f"/procurements/{pid}/abandonment", {"reason": "감사"}, 403,
         "auth.role-forbidden"),
        (bearer(provider("PRV-NURI")), f"/procurements/{pid}/method", {"method": "self"}, 403,
         "auth.role-forbidden"),
        (AG, f"/procurements/{pid}/quotes", {"service_id": "0" * 8 + "-0000-0000-0000-" + "0" * 12,
                                             "amount_krw": "1", "valid_until": "2027-01-01",
                                             "document_ref": "x"}, 403, "auth.role-forbidden"),
        ({}, f"/procurements/{pid}/method", {"method": "self"}, 401, "auth.unauthenticated"),
        (bearer(provider("PRV-NURI")), "/procurements", {"reference": "r", "title": "t",
                                                         "fiscal_year": 2026}, 403,
         "auth.role-forbidden"),
    ]
    for headers, path, body, status, rule in cases:
        response = client.post(path, headers=headers, json=body)
        assert response.status_code == status, (path, response.text)
        assert response.json()["rule"] == rule
    assert runtime.projector.head() == before
