"""A provider ending its business, through HTTP only, on SQLite and PostgreSQL: the cessation notice
(Decree art. 19(2)-(3)), the contract told and put at risk with a return deadline before the
business end date, the data returned before it (4), the service gone from the catalogue on that
date (the scheduler), the contract terminated, the data destroyed (5) and the contract closed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar.testing import TestClient

from api.commands import runtime_of
from scheduler.sweep import sweep
from tests.api.test_lifecycle_scenarios import AG, Clock, clock, http, ok, register, terms
from tests.principals import AGENCY, AUDITOR, bearer, provider
from tests.web.conftest import sign_in

__all__ = ["clock", "http"]

CESSATION = {
    "scope": "part", "business": "누리 전자결재 SaaS 사업", "reason": "서비스 통합에 따른 사업 종료",
    "end_date": "2026-06-30", "return_right": "이용기관은 데이터 반환을 요청할 수 있습니다",
    "destruction_notice": "사업 종료일 전까지 반환받지 않은 데이터는 복구 불가능하게 파기됩니다",
    "return_method": "관리자 화면에서 신청, CSV·첨부 원본을 암호화 압축으로 전달",
    "contact": "고객지원팀 1588-0000", "channels": ["email", "sms"],
    "posted_at": "https://nuri.example/notice/2026-05",
}


def concluded(http: TestClient[Any], clock: Clock) -> tuple[str, str]:
    saas = register(http, "NIA-X-1", mall=True, csap=True, name="누리 전자결재",
                    provider_id="PRV-NURI", keywords=["전자결재"])
    nuri = bearer(provider("PRV-NURI"))
    pid = ok(http.post("/procurements", headers=AG, json={
        "reference": "전자결재-2026-09", "title": "전자결재 SaaS 이용", "fiscal_year": 2026}),
        201)["aggregate_id"]
    ok(http.post(f"/procurements/{pid}/budget", headers=AG, json={
        "lines": [{"item": "usage_fee", "amount_krw": "96000000"}],
        "category": "service_fee", "pricing_model": "flat"}))
    ok(http.post(f"/procurements/{pid}/requirements", headers=AG, json={
        "purpose": "전자결재를 클라우드로 이용", "usage_environment": "800명, 9개월, 인터넷망",
        "network_separation": False, "usage_months": 9,
        "functional_requirements": ["전자결재"], "budget_krw": "90000000",
        "service_types": ["SaaS"], "required_certifications": ["CSAP"],
        "sla_minimums": {"availability_percent": "99.5"}}))
    search = ok(http.post(f"/procurements/{pid}/searches", headers=AG, json={
        "page": "saas", "keywords": "전자결재", "mall_listed": True,
        "certification": ["CSAP"]}), 201)
    ok(http.post(f"/procurements/{pid}/searches/{search['search_id']}/saving", headers=AG))
    ok(http.post(f"/procurements/{pid}/method", headers=AG, json={"method": "central"}))
    ok(http.post(f"/procurements/{pid}/quote-requests", headers=AG,
                 json={"service_id": saas, "due": "2026-03-16"}))
    ok(http.post(f"/procurements/{pid}/quotes", headers=nuri, json={
        "service_id": saas, "amount_krw": "86400000", "valid_until": "2026-04-30",
        "document_ref": "견적-91.pdf"}))
    ok(http.post(f"/procurements/{pid}/award", headers=AG,
                 json={"service_ids": [saas], "rationale": "검색 결과 단일, 예산 이내"}))
    clock.set("2026-03-20")
    # ⑥ the contract agrees the data-exit timing: back 7 days before the end, destroyed within 5.
    contract_id = ok(http.post("/contracts", headers=AG, json={
        "procurement_id": pid, "terms": terms(data_exit={
            "return_method": "CSV 다운로드", "return_days_before_end": 7,
            "destruction_method": "복구 불가능한 덮어쓰기", "destruction_days_after_end": 5})}),
        201)["aggregate_id"]
    return saas, str(contract_id)


def test_a_providers_business_cessation_from_its_notice_to_a_closed_contract(
    http: TestClient[Any], clock: Clock
) -> None:
    saas, contract_id = concluded(http, clock)
    nuri = bearer(provider("PRV-NURI"))
    runtime = runtime_of(http.app.state)

    # ② ③ the notice: late or incomplete is refused, naming the article
    clock.set("2026-06-01")
    late = http.post(f"/services/{saas}/cessation", headers=nuri, json=CESSATION)
    assert late.status_code == 409 and late.json()["rule"] == "cessation.late"
    clock.set("2026-05-15")
    blank = http.post(f"/services/{saas}/cessation", headers=nuri,
                      json={**CESSATION, "channels": []})
    assert blank.status_code == 422 and blank.json()["rule"] == "cessation.items"
    other = http.post(f"/services/{saas}/cessation", headers=bearer(provider("PRV-OTHER")),
                      json=CESSATION)
    assert other.status_code == 403
    ok(http.post(f"/services/{saas}/cessation", headers=nuri, json=CESSATION))

    # posted on the public entry until the end date
    entry = ok(http.get(f"/catalogue/services/{saas}"))
    assert entry["cessation"]["end_date"] == "2026-06-30"
    # the contract is told, at risk, and has its own return deadline before the business end
    record = ok(http.get(f"/contracts/{contract_id}", headers=bearer(AUDITOR)))["record"]
    assert record["business_end_notices"][0]["business_end"] == "2026-06-30"
    assert record["risks"][0]["ground"] == "bankruptcy"
    sign_in(http, AGENCY)
    board = http.get("/web/obligations?state=pending")
    assert board.status_code == 200, board.text
    assert "2026-06-23" in board.text  # returned before 30 June − 7 days (the clause, ⑥)

    # ④ data asked back and returned, in a usable form, before the business end date
    ok(http.post(f"/contracts/{contract_id}/data-return-request", headers=AG,
                 json={"form": "CSV 및 첨부파일 원본"}))
    clock.set("2026-06-20")
    ok(http.post(f"/contracts/{contract_id}/data-returned", headers=nuri,
                 json={"usable_form": "CSV(UTF-8) + 원본 파일", "note": "기관 검수 완료"}))

    # on the business end date the scheduler takes the service out of the catalogue
    fired = sweep(runtime, now=datetime(2026, 6, 30, 1, tzinfo=UTC)).fired
    assert f"business_end:{saas}:" in " ".join(fired)
    assert http.get(f"/catalogue/services/{saas}").status_code == 404
    found = ok(http.get("/catalogue/pages/saas/services", params={"keywords": "전자결재"}))
    assert found["total"] == 0

    # the agency terminates on the recorded ground; ⑤ the data is destroyed; the contract closes
    clock.set("2026-07-01")
    ok(http.post(f"/contracts/{contract_id}/termination", headers=AG, json={
        "ground": "bankruptcy", "effective": "2026-07-01", "reason": "제공자 사업 종료"}))
    ok(http.post(f"/contracts/{contract_id}/follow-up", headers=AG, json={"follow_up": "ended"}))
    ok(http.post(f"/contracts/{contract_id}/data-destroyed", headers=nuri,
                 json={"method": "복구 불가능한 덮어쓰기(영구 삭제)",
                       "certificate_ref": "파기확인서-2026-070"}))
    ok(http.post(f"/contracts/{contract_id}/obligations-verification", headers=AG,
                 json={"note": "반환·파기 확인"}))
    ok(http.post(f"/contracts/{contract_id}/closure", headers=AG))
    final = ok(http.get(f"/contracts/{contract_id}", headers=bearer(AUDITOR)))
    assert final["summary"]["status"] == "closed"

