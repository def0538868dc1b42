"""Two whole lives of a digital-service usage contract, from Opened to Closed, through HTTP only, on
SQLite and PostgreSQL — read like the guideline's steps ① to ⑨."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar.testing import TestClient

from api.app import create_app
from dsledger.runtime import Runtime
from dsledger.settings import Settings
from tests.api.bodies import selection_body
from tests.principals import AGENCY, AUDITOR, OPERATOR, bearer, provider

OP = bearer(OPERATOR)
AG = bearer(AGENCY)


class Clock:
    """The ledger's clock, moved by the scenario as a year of the contract goes by."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)

    def set(self, day: str) -> None:
        self.now = datetime.fromisoformat(f"{day}T01:00:00+00:00")

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def http(settings_factory: Callable[[], Settings], clock: Clock) -> Iterator[TestClient[Any]]:
    runtime = Runtime(settings_factory(), clock=clock)
    with TestClient(app=create_app(runtime)) as test_client:
        yield test_client
    runtime.close()


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def register(client: TestClient[Any], notice: str, *, mall: bool = False,
             csap: bool = False, **profile: Any) -> str:
    service_id = str(ok(client.post("/services", json=selection_body(notice, **profile),
                                    headers=OP), 201)["aggregate_id"])
    ok(client.post(f"/services/{service_id}/registration", headers=OP))
    if mall:
        ok(client.post(f"/services/{service_id}/mall-listing", headers=OP,
                       json={"contract_number": f"DSM-{notice}", "listed_on": "2025-04-01"}))
    if csap:
        ok(client.post(f"/services/{service_id}/certifications", headers=OP, json={
            "kind": "CSAP", "number": f"CSAP-{notice}", "issuer": "한국인터넷진흥원",
            "valid_from": "2025-01-01", "valid_until": "2029-12-31"}))
    return service_id


SLA = {
    "service_target": "전자결재 SaaS", "scope": "전 직원 800명", "period": "계약기간, 월 단위",
    "targets": [{"indicator": "availability_percent", "target": "99.5"},
                {"indicator": "max_recovery_minutes", "target": "60"}],
    "grades": "우수/보통/미흡", "evaluation_method": "월간 보고서 검토",
    "result_management": "미흡 시 개선 요구, 반복 시 위약금",
}


def terms(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "single_year", "start": "2026-04-01", "end": "2026-12-31",
        "pricing_model": "flat", "total_amount_krw": "86400000", "sla": SLA,
        "data_return_clause": "종료 전 CSV 반환, 이후 파기 확인서 제출",
        "lock_in_clause": "표준 형식으로 이관 협조", "standard_form_used": True,
        "deposit_krw": "8640000",
    }
    body.update(overrides)
    return body


def contract_events(client: TestClient[Any], contract_id: str) -> list[str]:
    record = ok(client.get(f"/contracts/{contract_id}", headers=bearer(AUDITOR)))["record"]
    return [key for key in ("disclosure", "end_notices", "expiry", "termination", "follow_up",
                            "return_request", "data_returned", "data_destroyed",
                            "obligations_verified", "closure") if record.get(key)]


def test_a_central_procurement_of_one_mall_listed_saas_from_opened_to_closed(
    http: TestClient[Any], clock: Clock
) -> None:
    saas = register(http, "NIA-C-1", mall=True, csap=True, name="누리 전자결재",
                    provider_id="PRV-NURI", keywords=["전자결재"])
    register(http, "NIA-C-2", name="다른 협업도구", provider_id="PRV-OTHER", keywords=["메신저"])
    nuri = bearer(provider("PRV-NURI"))

    # ① ② budget and requirements
    pid = ok(http.post("/procurements", headers=AG, json={
        "reference": "전자결재-2026-07", "title": "전자결재 SaaS 이용", "fiscal_year": 2026}),
        201)["aggregate_id"]
    ok(http.post(f"/procurements/{pid}/budget", headers=AG, json={
        "lines": [{"item": "usage_fee", "amount_krw": "96000000"}],
        "category": "service_fee", "pricing_model": "flat"}))
    ok(http.post(f"/procurements/{pid}/requirements", headers=AG, json={
        "purpose": "전자결재를 클라우드로 이용", "usage_environment": "800명, 9개월, 인터넷망",
        "network_separation": False, "usage_months": 9,
        "functional_requirements": ["전자결재", "모바일 결재"], "budget_krw": "90000000",
        "service_types": ["SaaS"], "required_certifications": ["CSAP"],
        "sla_minimums": {"availability_percent": "99.5"}}))
    # ③ ④ ⑤ search, save, central method, quote, award
    search = ok(http.post(f"/procurements/{pid}/searches", headers=AG, json={
        "page": "saas", "keywords": "전자결재", "mall_listed": True,
        "certification": ["CSAP"]}), 201)
    assert [hit["service_id"] for hit in search["results"]] == [saas]
    ok(http.post(f"/procurements/{pid}/searches/{search['search_id']}/saving", headers=AG))
    ok(http.post(f"/procurements/{pid}/method", headers=AG, json={"method": "central"}))
    ok(http.post(f"/procurements/{pid}/quote-requests", headers=AG,
                 json={"service_id": saas, "due": "2026-03-16"}))
    ok(http.post(f"/procurements/{pid}/quotes", headers=nuri, json={
        "service_id": saas, "amount_krw": "86400000", "valid_until": "2026-04-30",
        "document_ref": "견적-77.pdf"}))
    ok(http.post(f"/procurements/{pid}/award", headers=AG,
                 json={"service_ids": [saas], "rationale": "검색 결과 단일, 예산 이내"}))
    # ⑥ ⑦ conclusion; the Mall's delivery request registers the disclosure itself
    clock.set("2026-03-20")
    contract_id = ok(http.post("/contracts", headers=AG, json={
        "procurement_id": pid, "terms": terms()}), 201)["aggregate_id"]
    contract = ok(http.get(f"/contracts/{contract_id}", headers=AG))
    assert contract["summary"]["disclosure_registered"] is True
    assert contract["record"]["services"][0]["name"] == "누리 전자결재"
    # ⑧ use: a month within the SLA
    clock.set("2026-05-02")
    ok(http.post(f"/contracts/{contract_id}/sla-reports", headers=nuri, json={
        "service_id": saas, "period_start": "2026-04-01", "period_end": "2026-04-30",
        "availability_percent": "99.95"}), 201)
    # ⑨ end notice 45 days before the end, expiry, data returned and destroyed, closed
    clock.set("2026-11-16")
    ok(http.post(f"/contracts/{contract_id}/end-notice", headers=nuri, json={
        "end_date": "2026-12-31", "return_right": "이용자 정보 반환 요청 가능",
        "destruction_notice": "종료일까지 미반환 시 파기", "return_method": "CSV 다운로드 제공",
        "contact": "고객지원팀 1588-0000", "channels": ["email", "sms"]}))
    ok(http.post(f"/contracts/{contract_id}/data-return-request", headers=AG,
                 json={"form": "CSV 및 첨부파일 원본"}))
    ok(http.post(f"/contracts/{contract_id}/data-returned", headers=nuri,
                 json={"usable_form": "CSV(UTF-8) + 원본 파일", "note": "기관 검수 완료"}))
    clock.set("2027-01-01")
    ok(http.post(f"/contracts/{contract_id}/expiry", headers=AG))
    ok(http.post(f"/contracts/{contract_id}/follow-up", headers=AG, json={"follow_up": "ended"}))
    ok(http.post(f"/contracts/{contract_id}/data-destroyed", headers=nuri,
                 json={"method": "복구 불가능한 덮어쓰기", "certificate_ref": "파기확인서-2027-001"}))
    ok(http.post(f"/contracts/{contract_id}/obligations-verification", headers=AG,
                 json={"note": "반환·파기 확인"}))
    ok(http.post(f"/contracts/{contract_id}/closure", headers=AG))
    final = ok(http.get(f"/contracts/{contract_id}", headers=bearer(AUDITOR)))
    assert final["summary"]["status"] == "closed"
    assert contract_events(http, contract_id) == [
        "disclosure", "end_notices", "expiry", "follow_up", "return_request", "data_returned",
        "data_destroyed", "obligations_verified", "closure"]


def test_a_self_procurement_of_a_joint_contract_ends_in_termination_and_replacement(
    http: TestClient[Any], clock: Clock
) -> None:
    iaas_a = register(http, "NIA-J-1", csap=True, name="하늘 GPU 서버", provider_id="PRV-HANEUL",
                      service_type="IaaS", keywords=["GPU", "서버"])
    iaas_b = register(http, "NIA-J-2", csap=True, name="바다 가상서버", provider_id="PRV-BADA",
                      service_type="IaaS", keywords=["서버"])
    iaas_c = register(http, "NIA-J-3", name="들판 서버", provider_id="PRV-DEULPAN",
                      service_type="IaaS", keywords=["서버"])
    migration = register(http, "NIA-J-4", name="이음 이전 지원", provider_id="PRV-IEUM",
                         service_type="support", support_kinds=["migration"], keywords=["이전"])
    haneul, ieum = bearer(provider("PRV-HANEUL")), bearer(provider("PRV-IEUM"))

    pid = ok(http.post("/procurements", headers=AG, json={
        "reference": "민원전환-2026-03", "title": "민원시스템 클라우드 전환", "fiscal_year": 2026}),
        201)["aggregate_id"]
    ok(http.post(f"/procurements/{pid}/budget", headers=AG, json={
        "lines": [{"item": "usage_fee", "amount_krw": "250000000"},
                  {"item": "migration", "amount_krw": "50000000"}],
        "category": "service_fee", "pricing_model": "metered"}))
    ok(http.post(f"/procurements/{pid}/requirements", headers=AG, json={
        "purpose": "민원시스템을 클라우드 서버로 이전", "usage_environment": "가상서버 20대, 9개월",
        "network_separation": True, "usage_months": 9,
        "functional_requirements": ["GPU 서버", "데이터 이전"], "budget_krw": "280000000",
        "service_types": ["IaaS", "support"], "required_certifications": ["CSAP"],
        "sla_minimums": {"availability_percent": "99.5"}}))
    search = ok(http.post(f"/procurements/{pid}/searches", headers=AG, json={
        "page": "all", "service_type": ["IaaS", "support"]}), 201)
    assert {hit["service_id"] for hit in search["results"]} == {iaas_a, iaas_b, iaas_c, migration}
    ok(http.post(f"/procurements/{pid}/searches/{search['search_id']}/saving", headers=AG))
    ok(http.post(f"/procurements/{pid}/method", headers=AG, json={"method": "self"}))
    for service_id in (iaas_a, iaas_b, migration):
        ok(http.post(f"/procurements/{pid}/quote-requests", headers=AG,
                     json={"service_id": service_id, "due": "2026-03-20"}))
    inquiry = ok(http.post(f"/procurements/{pid}/inquiries", headers=AG, json={
        "service_id": iaas_b, "question": "GPU 서버 제공 여부", "answer": "GPU는 제공하지 않음"}))
    ok(http.post(f"/procurements/{pid}/exclusions", headers=AG, json={
        "service_id": iaas_c, "clause": "6-1", "reason": "CSAP 미보유"}))
    refusal = http.post(f"/procurements/{pid}/exclusions", headers=AG, json={
        "service_id": iaas_a, "clause": "6-1", "reason": "부당한 제외"})
    assert refusal.status_code == 422
    assert refusal.json()["type"] == "/rules/exclusion.not-grounded"
    assert inquiry["version"] > 0
    criteria = [{"key": "tco", "label": "총소유비용", "weight": "40"},
                {"key": "technical_fit", "label": "기능 적합성", "weight": "30"},
                {"key": "customer_support", "label": "고객지원", "weight": "15"},
                {"key": "performance_stability", "label": "성능·안정성", "weight": "15"}]

    def score(service_id: str, value: int) -> dict[str, Any]:
        return {"service_id": service_id, "scores": {c["key"]: str(value) for c in criteria}}

    ok(http.post(f"/procurements/{pid}/evaluation", headers=AG, json={
        "criteria": criteria,
        "scores": [score(iaas_a, 92), score(iaas_b, 81), score(migration, 77)]}))
    ok(http.post(f"/procurements/{pid}/award", headers=AG, json={
        "service_ids": [iaas_a, migration], "rationale": "IaaS·이전지원 각 1순위 공동계약"}))

    clock.set("2026-03-25")
    contract_id = ok(http.post("/contracts", headers=AG, json={"procurement_id": pid, "terms": terms(
        pricing_model="metered", total_amount_krw="270000000",
        unit_prices=[{"item": "GPU 서버", "unit": "GPU-시간", "price_krw": "3200"}])}),
        201)["aggregate_id"]
    ok(http.post(f"/contracts/{contract_id}/disclosure", headers=AG))
    # ⑧ the SLA is missed, an improvement is asked, and it is missed again
    clock.set("2026-05-03")
    ok(http.post(f"/contracts/{contract_id}/sla-reports", headers=haneul, json={
        "service_id": iaas_a, "period_start": "2026-04-01", "period_end": "2026-04-30",
        "availability_percent": "98.7",
        "incidents": [{"started": "2026-04-12T02:00+09:00", "recovery_minutes": 180,
                       "description": "스토리지 장애"}]}), 201)
    breaches = ok(http.get(f"/contracts/{contract_id}", headers=AG))["record"]["breaches"]
    assert {b["breach"]["indicator"] for b in breaches} == {"availability_percent",
                                                            "max_recovery_minutes"}
    breach_ref = f"R1:{iaas_a}:availability_percent"
    ok(http.post(f"/contracts/{contract_id}/improvement-requests", headers=AG, json={
        "breach_ref": breach_ref, "deadline": "2026-05-31", "request": "스토리지 이중화"}))
    clock.set("2026-06-02")
    ok(http.post(f"/contracts/{contract_id}/sla-reports", headers=haneul, json={
        "service_id": iaas_a, "period_start": "2026-05-01", "period_end": "2026-05-31",
        "availability_percent": "97.9"}), 201)
    ok(http.post(f"/contracts/{contract_id}/penalties", headers=AG, json={
        "breach_ref": f"R2:{iaas_a}:availability_percent", "amount_krw": "5400000",
        "basis": "계약서 제12조"}))
    # ⑨ terminated for the provider's fault; a replacement procurement with a migration budget
    ok(http.post(f"/contracts/{contract_id}/termination", headers=AG, json={
        "ground": "sla_no_prospect", "effective": "2026-06-30",
        "reason": "SLA 목표 미달이 반복되어 개선 가능성이 없음"}))
    replacement = ok(http.post("/procurements", headers=AG, json={
        "reference": "민원전환-2026-06", "title": "민원시스템 대체 서비스", "fiscal_year": 2026}),
        201)["aggregate_id"]
    ok(http.post(f"/procurements/{replacement}/budget", headers=AG, json={
        "lines": [{"item": "usage_fee", "amount_krw": "150000000"},
                  {"item": "migration", "amount_krw": "40000000"}],
        "category": "service_fee", "pricing_model": "metered"}))
    ok(http.post(f"/contracts/{contract_id}/follow-up", headers=AG,
                 json={"follow_up": "replaced", "procurement_id": replacement}))
    ok(http.post(f"/contracts/{contract_id}/data-return-request", headers=AG,
                 json={"form": "VM 이미지와 DB 덤프"}))
    for provider_headers in (haneul, ieum):
        ok(http.post(f"/contracts/{contract_id}/data-returned", headers=provider_headers,
                     json={"usable_form": "OVA 이미지, SQL 덤프", "note": "검수 완료"}))
        ok(http.post(f"/contracts/{contract_id}/data-destroyed", headers=provider_headers,
                     json={"method": "암호화 키 폐기 및 덮어쓰기",
                           "certificate_ref": "파기확인서-0707"}))
    ok(http.post(f"/contracts/{contract_id}/obligations-verification", headers=AG,
                 json={"note": "두 제공자 반환·파기 확인"}))
    ok(http.post(f"/contracts/{contract_id}/closure", headers=AG))
    final = ok(http.get(f"/contracts/{contract_id}", headers=bearer(AUDITOR)))
    assert final["summary"]["status"] == "closed"
    assert final["summary"]["follow_up"] == "replaced"
    assert final["record"]["termination"]["ground"] == "sla_no_prospect"
    assert len(final["record"]["data_destroyed"]) == 2
    assert ok(http.get(f"/contracts/{contract_id}", headers=haneul))["summary"]["status"] == "closed"
    other = http.get(f"/contracts/{contract_id}", headers=bearer(provider("PRV-BADA")))
    assert other.status_code == 404
