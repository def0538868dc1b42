"""The operator's catalogue routes over HTTP: each step of a service's life, refusals as problem
details that record nothing, version checks, and who may do what."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from dsledger.runtime import Runtime
from tests.api.bodies import profile_body, selection_body
from tests.principals import AGENCY, AUDITOR, OPERATOR, bearer, provider

OP = bearer(OPERATOR)


def head(runtime: Runtime) -> int:
    return runtime.projector.head()


def selected(client: TestClient[Any], notice: str = "NIA-TEST-0001", **profile: Any) -> str:
    response = client.post("/services", json=selection_body(notice, **profile), headers=OP)
    assert response.status_code == 201, response.text
    return str(response.json()["aggregate_id"])


def registered(client: TestClient[Any], notice: str = "NIA-TEST-0001", **profile: Any) -> str:
    service_id = selected(client, notice, **profile)
    assert client.post(f"/services/{service_id}/registration", headers=OP).status_code == 200
    return service_id


def assert_problem(response: Any, status: int, rule: str, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == f"/rules/{rule}"
    assert body["rule"] == rule
    assert body["detail"] and body["detail_ko"]
    if field is not None:
        assert body["field"] == field


def test_a_service_lives_through_every_catalogue_event_over_http(
    client: TestClient[Any], runtime: Runtime
) -> None:
    service_id = registered(client)
    steps: list[tuple[str, dict[str, Any] | None]] = [
        ("info-changes", {"profile": profile_body(description="망분리 환경과 모바일을 지원하는 메일")}),
        ("mall-listing", {"contract_number": "DSM-2025-00042", "listed_on": "2025-04-01"}),
        ("innovation-designation", {"designation_number": "INNO-2025-7", "valid_from": "2025-05-01",
                                    "valid_until": "2030-04-30"}),
        ("certifications", {"kind": "CSAP", "number": "CSAP-2025-31", "issuer": "한국인터넷진흥원",
                            "valid_from": "2025-01-01", "valid_until": "2030-12-31"}),
        ("suspension", {"reason": "품질관리 결과 시정요구 미이행"}),
        ("reinstatement", {"reason": "시정조치 완료 확인"}),
        ("mall-delisting", {"reason": "카탈로그 계약 기간 종료"}),
        ("certifications/CSAP/CSAP-2025-31/revocation", {"reason": "인증기관의 인증 취소"}),
        ("selection-cancellation", {"reason": "부정한 방법으로 선정"}),
    ]
    for version, (step, body) in enumerate(steps, start=3):
        response = client.post(f"/services/{service_id}/{step}", json=body, headers=OP)
        assert response.status_code == 200, (step, response.text)
        assert response.json()["version"] == version
        assert response.headers["etag"] == f'"{version}"'
    entry = client.get(f"/services/{service_id}", headers=bearer(AUDITOR)).json()
    assert entry["status"] == "cancelled"
    assert entry["version"] == len(steps) + 2
    assert entry["profile"]["description"] == "망분리 환경과 모바일을 지원하는 메일"
    assert entry["certifications"] == []
    assert entry["mall_contract_number"] is None
    assert entry["innovation"]["designation_number"] == "INNO-2025-7"
    assert head(runtime) == len(steps) + 2


def test_a_command_answer_can_be_read_back_at_once_from_the_view(client: TestClient[Any]) -> None:
    service_id = registered(client)
    response = client.post(f"/services/{service_id}/mall-listing", headers=OP,
                           json={"contract_number": "DSM-1", "listed_on": "2025-04-01"})
    position = response.headers["x-ledger-position"]
    entry = client.get(f"/services/{service_id}",
                       headers={**OP, "X-Min-Position": position}).json()
    assert entry["mall_contract_number"] == "DSM-1"
    assert entry["position"] == int(position)
    found = client.get("/catalogue/pages/all/services", params={"mall_listed": "true"}).json()
    assert [hit["service_id"] for hit in found["hits"]] == [service_id]


def test_the_correlation_id_of_the_request_is_recorded_with_the_event(
    client: TestClient[Any], runtime: Runtime
) -> None:
    service_id = selected(client)
    response = client.post(f"/services/{service_id}/registration",
                           headers={**OP, "X-Correlation-ID": "approval-2025-0117"})
    assert response.headers["x-correlation-id"] == "approval-2025-0117"
    notification = runtime.ledger.recorder.select_notifications(start=2, limit=1)[0]
    event = runtime.ledger.mapper.to_domain_event(notification)
    assert event.correlation_id == "approval-2025-0117"  # type: ignore[attr-defined]
    assert event.actor.principal_id == OPERATOR.principal_id  # type: ignore[attr-defined]
    assert event.actor.role.value == "operator"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**selection_body(), "notice_number": ""}, "notice_number"),
        ({**selection_body(), "surprise": 1}, None),
        ({**selection_body(), "valid_until": "next year"}, "valid_until"),
        (selection_body(name="x" * 201), "profile.name"),
        (selection_body(service_type="FaaS"), "profile.service_type"),
        (selection_body(documents=["SLA", "brochure"]), "profile.documents[1]"),
        ({"notice_number": "NIA-1", "selection_date": "2025-01-01", "valid_until": "2026-01-01"},
         "profile"),
    ],
)
def test_a_malformed_body_is_refused_naming_the_field_and_records_nothing(
    client: TestClient[Any], runtime: Runtime, body: dict[str, Any], field: str | None
) -> None:
    response = client.post("/services", json=body, headers=OP)
    assert_problem(response, 400, "request.malformed", field)
    assert head(runtime) == 0


@pytest.mark.parametrize(
    ("profile", "rule", "field"),
    [
        ({"service_type": "support"}, "service.support-kinds", "support_kinds"),
        ({"support_kinds": ["migration"]}, "service.support-kinds", "support_kinds"),
        ({"provider_type": "reseller"}, "service.reseller-partnership", "partnership"),
        ({"description": "   "}, "service.text-required", "description"),
        ({"price_plans": [{"name": "종량", "model": "metered", "unit_price_krw": "0",
                           "unit": "vCPU-시간"}]}, "service.price-plan", "price_plans"),
    ],
)
def test_a_selection_breaking_a_rule_is_refused_and_records_nothing(
    client: TestClient[Any], runtime: Runtime, profile: dict[str, Any], rule: str, field: str
) -> None:
    response = client.post("/services", json=selection_body(**profile), headers=OP)
    assert_problem(response, 422, rule, field)
    assert head(runtime) == 0


def test_the_same_selection_notice_cannot_be_recorded_twice(
    client: TestClient[Any], runtime: Runtime
) -> None:
    selected(client)
    response = client.post("/services", json=selection_body(), headers=OP)
    assert_problem(response, 409, "service.already-selected")
    assert head(runtime) == 1


def test_a_state_rule_refusal_is_a_conflict_and_records_nothing(
    client: TestClient[Any], runtime: Runtime
) -> None:
    service_id = selected(client)
    response = client.post(f"/services/{service_id}/mall-listing", headers=OP,
                           json={"contract_number": "DSM-1", "listed_on": "2025-04-01"})
    assert_problem(response, 409, "service.not-active")
    assert head(runtime) == 1


def test_a_change_based_on_an_old_version_is_refused_with_409(
    client: TestClient[Any], runtime: Runtime
) -> None:
    service_id = registered(client)
    response = client.post(f"/services/{service_id}/suspension", json={"reason": "점검"},
                           headers={**OP, "If-Match": '"1"'})
    assert_problem(response, 409, "command.version-conflict")
    assert head(runtime) == 2
    response = client.post(f"/services/{service_id}/suspension", json={"reason": "점검"},
                           headers={**OP, "If-Match": '"2"'})
    assert response.status_code == 200


def test_an_unknown_service_is_404_with_its_rule(client: TestClient[Any]) -> None:
    response = client.post("/services/00000000-0000-0000-0000-000000000000/registration",
                           headers=OP)
    assert_problem(response, 404, "service.not-found")


OPERATOR_ROUTES = [
    ("", selection_body("NIA-OTHER-1")),
    ("/{id}/registration", None),
    ("/{id}/info-changes", {"profile": profile_body(description="변경")}),
    ("/{id}/mall-listing", {"contract_number": "DSM-9", "listed_on": "2025-04-01"}),
    ("/{id}/mall-delisting", {"reason": "사유"}),
    ("/{id}/innovation-designation", {"designation_number": "I-1", "valid_from": "2025-01-01",
                                      "valid_until": "2030-01-01"}),
    ("/{id}/certifications", {"kind": "GS", "number": "GS-1", "issuer": "TTA",
                              "valid_from": "2025-01-01", "valid_until": "2030-01-01"}),
    ("/{id}/certifications/GS/GS-1/expiry", None),
    ("/{id}/certifications/GS/GS-1/revocation", {"reason": "사유"}),
    ("/{id}/suspension", {"reason": "사유"}),
    ("/{id}/reinstatement", {"reason": "사유"}),
    ("/{id}/selection-cancellation", {"reason": "사유"}),
    ("/{id}/validity-expiry", None),
]


@pytest.mark.parametrize(("route", "body"), OPERATOR_ROUTES, ids=[r for r, _ in OPERATOR_ROUTES])
def test_only_the_operator_records_catalogue_changes(
    client: TestClient[Any], runtime: Runtime, route: str, body: dict[str, Any] | None
) -> None:
    service_id = registered(client)
    path = "/services" + route.replace("{id}", service_id)
    before = head(runtime)
    owner = provider("PRV-0100")  # the service's own provider may not change its entry either
    for principal in (AGENCY, owner, provider("PRV-9999"), AUDITOR):
        assert_problem(client.post(path, json=body, headers=bearer(principal)),
                       403, "auth.role-forbidden")
    assert_problem(client.post(path, json=body), 401, "auth.unauthenticated")
    assert_problem(client.post(path, json=body, headers={"Authorization": "Bearer forged"}),
                   401, "auth.unauthenticated")
    assert head(runtime) == before


def test_a_provider_reads_its_own_entries_and_no_one_elses(client: TestClient[Any]) -> None:
    own = registered(client, "NIA-A", provider_id="PRV-A", name="가 서비스")
    other = registered(client, "NIA-B", provider_id="PRV-B", name="나 서비스")
    reader = bearer(provider("PRV-A"))
    assert client.get(f"/services/{own}", headers=reader).status_code == 200
    assert_problem(client.get(f"/services/{other}", headers=reader), 403, "auth.not-owner")
    listed = client.get("/services", headers=reader).json()
    assert [item["service_id"] for item in listed["items"]] == [own]
    assert client.get("/services", headers=bearer(AUDITOR)).json()["total"] == 2
    assert_problem(client.get("/services", headers=bearer(AGENCY)), 403, "auth.role-forbidden")
    assert_problem(client.get(f"/services/{own}"), 401, "auth.unauthenticated")


def test_a_problem_type_names_a_rule_that_can_be_looked_up(client: TestClient[Any]) -> None:
    rule = client.get("/rules/service.not-active").json()
    assert rule["id"] == "service.not-active"
    assert "Cloud Computing Act" in rule["legal_basis"]
    assert_problem(client.get("/rules/no.such-rule"), 404, "resource.not-found")


def test_the_openapi_document_describes_every_route(client: TestClient[Any]) -> None:
    schema = client.get("/schema/openapi.json").json()
    assert "/catalogue/pages/{page}/services" in schema["paths"]
    assert "/services/{service_id}/mall-listing" in schema["paths"]
    assert schema["components"]["securitySchemes"]
