"""The auditors' history, over a procurement and a contract built through HTTP only, on SQLite and
PostgreSQL: the events as the log holds them, the state replayed as of a version or a time (equal
to what the views answered then), the difference between two versions, and who may read it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from litestar.testing import TestClient

from api.app import create_app
from domain import rules
from dsledger.runtime import Runtime
from dsledger.settings import Settings
from tests.api.test_lifecycle_scenarios import Clock, ok, register, terms
from tests.principals import AGENCY, AUDITOR, OPERATOR, OTHER_AGENCY, bearer, provider

AG = bearer(AGENCY)
AU = bearer(AUDITOR)
NURI = "PRV-NURI"
UNKNOWN = "00000000-0000-0000-0000-0000000000ff"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def runtime(settings_factory: Callable[[], Settings], clock: Clock) -> Iterator[Runtime]:
    rt = Runtime(settings_factory(), clock=clock)
    yield rt
    rt.close()


@pytest.fixture
def http(runtime: Runtime) -> Iterator[TestClient[Any]]:
    with TestClient(app=create_app(runtime)) as test_client:
        yield test_client


@dataclass
class Scenario:
    service_id: str
    procurement_id: str
    contract_id: str
    procurements: dict[int, dict[str, Any]] = field(default_factory=dict)
    """What GET /procurements/{id} answered right after each version was recorded."""
    contracts: dict[int, dict[str, Any]] = field(default_factory=dict)
    """What GET /contracts/{id} answered right after each version was recorded."""


def traced(correlation_id: str, headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "X-Correlation-ID": correlation_id}


def central_contract(http: TestClient[Any], clock: Clock) -> Scenario:
    """A central procurement of one Mall-listed SaaS and the first months of its contract; after
    each command, the views' answer is kept to compare the replayed states with."""
    saas = register(http, "NIA-H-1", mall=True, csap=True, name="누리 전자결재", provider_id=NURI,
                    keywords=["전자결재"])
    nuri = bearer(provider(NURI))

    def seen(kind: str, aggregate_id: str, answer: dict[str, Any],
             kept: dict[int, dict[str, Any]]) -> None:
        view = ok(http.get(f"/{kind}/{aggregate_id}", headers=AU))
        assert view["summary"]["version"] == answer["version"]
        kept[answer["version"]] = view["summary"]

    opened = ok(http.post("/procurements", headers=traced("open-1", AG), json={
        "reference": "전자결재-2026-H", "title": "전자결재 SaaS 이용", "fiscal_year": 2026}), 201)
    pid = opened["aggregate_id"]
    scenario = Scenario(service_id=saas, procurement_id=pid, contract_id="")
    seen("procurements", pid, opened, scenario.procurements)
    commands: list[tuple[str, dict[str, Any] | None]] = [
        ("budget", {"lines": [{"item": "usage_fee", "amount_krw": "96000000"}],
                    "category": "service_fee", "pricing_model": "flat"}),
        ("requirements", {
            "purpose": "전자결재를 클라우드로 이용", "usage_environment": "800명, 9개월, 인터넷망",
            "network_separation": False, "usage_months": 9,
            "functional_requirements": ["전자결재"], "budget_krw": "90000000",
            "service_types": ["SaaS"], "required_certifications": ["CSAP"],
            "sla_minimums": {"availability_percent": "99.5"}}),
    ]
    for path, payload in commands:
        answer = ok(http.post(f"/procurements/{pid}/{path}", headers=AG, json=payload))
        seen("procurements", pid, answer, scenario.procurements)
    search = ok(http.post(f"/procurements/{pid}/searches", headers=AG, json={
        "page": "saas", "keywords": "전자결재", "mall_listed": True, "certification": ["CSAP"]}),
        201)
    seen("procurements", pid, search, scenario.procurements)
    commands = [(f"searches/{search['search_id']}/saving", None),
                ("method", {"method": "central"}),
                ("quote-requests", {"service_id": saas, "due": "2026-03-16"})]
    for path, payload in commands:
        answer = ok(http.post(f"/procurements/{pid}/{path}", headers=AG, json=payload))
        seen("procurements", pid, answer, scenario.procurements)
    answer = ok(http.post(f"/procurements/{pid}/quotes", headers=traced("quote-1", nuri), json={
        "service_id": saas, "amount_krw": "86400000", "valid_until": "2026-04-30",
        "document_ref": "견적-77.pdf"}))
    seen("procurements", pid, answer, scenario.procurements)
    answer = ok(http.post(f"/procurements/{pid}/award", headers=AG,
                          json={"service_ids": [saas], "rationale": "검색 결과 단일, 예산 이내"}))
    seen("procurements", pid, answer, scenario.procurements)

    clock.set("2026-03-20")
    concluded = ok(http.post("/contracts", headers=traced("conclude-1", AG),
                             json={"procurement_id": pid, "terms": terms()}), 201)
    cid = concluded["aggregate_id"]
    scenario.contract_id = cid
    seen("contracts", cid, concluded, scenario.contracts)
    clock.set("2026-05-02")
    answer = ok(http.post(f"/contracts/{cid}/sla-reports", headers=traced("sla-1", nuri), json={
        "service_id": saas, "period_start": "2026-04-01", "period_end": "2026-04-30",
        "availability_percent": "99.95"}), 201)
    seen("contracts", cid, answer, scenario.contracts)
    clock.set("2026-11-16")
    answer = ok(http.post(f"/contracts/{cid}/end-notice", headers=traced("notice-1", nuri), json={
        "end_date": "2026-12-31", "return_right": "이용자 정보 반환 요청 가능",
        "destruction_notice": "종료일까지 미반환 시 파기", "return_method": "CSV 다운로드 제공",
        "contact": "고객지원팀 1588-0000", "channels": ["email", "sms"]}))
    seen("contracts", cid, answer, scenario.contracts)
    answer = ok(http.post(f"/contracts/{cid}/data-return-request",
                          headers=traced("return-1", AG), json={"form": "CSV 및 첨부파일 원본"}))
    seen("contracts", cid, answer, scenario.contracts)
    return scenario


def events_of(http: TestClient[Any], aggregate_id: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = ok(http.get(f"/history/{aggregate_id}/events",
                                               headers=AU))["events"]
    return events


def instant(text: str) -> datetime:
    """A time as an answer writes it; SQLite's views keep UTC without its offset."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def refused(response: Any, status: int, rule: rules.Rule, field: str | None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/rules/{rule.id}"
    assert body["field"] == field, body
    assert body["detail"] and body["detail_ko"]
    return body


def test_events_are_complete_in_order_with_their_actor_and_correlation_id(
    http: TestClient[Any], clock: Clock, runtime: Runtime
) -> None:
    scenario = central_contract(http, clock)
    answer = ok(http.get(f"/history/{scenario.contract_id}/events", headers=AU))
    assert answer["aggregate_type"] == "Contract"
    events = answer["events"]
    assert [e["type"] for e in events] == ["Concluded", "DisclosureRegistered",
                                           "SlaReportSubmitted", "EndNoticeSent",
                                           "DataReturnRequested"]
    assert [e["version"] for e in events] == [1, 2, 3, 4, 5]
    assert [(e["actor"]["role"], e["actor"]["principal_id"], e["correlation_id"])
            for e in events] == [
        ("agency", AGENCY.principal_id, "conclude-1"),
        ("agency", AGENCY.principal_id, "conclude-1"),
        ("provider", f"staff@{NURI}", "sla-1"),
        ("provider", f"staff@{NURI}", "notice-1"),
        ("agency", AGENCY.principal_id, "return-1"),
    ]
    assert events[0]["actor"]["agency_id"] == "AG-SEOUL"
    assert events[2]["actor"]["provider_id"] == NURI
    assert [e["timestamp"][:10] for e in events] == [
        "2026-03-20", "2026-03-20", "2026-05-02", "2026-11-16", "2026-11-16"]
    # The data is the event's own: the envelope is not repeated in it.
    assert events[0]["data"]["agency_id"] == "AG-SEOUL"
    assert events[0]["data"]["procurement_id"] == scenario.procurement_id
    assert events[0]["data"]["terms"]["total_amount_krw"] == "86400000"
    assert events[2]["data"]["figures"]["availability_percent"] == "99.95"
    # The return is due before the end date (Decree art. 19(4)): the request records that day.
    assert events[4]["data"] == {"form": "CSV 및 첨부파일 원본", "due": "2026-12-31"}
    for event in events:
        assert not {"actor", "correlation_id", "timestamp", "originator_id",
                    "originator_version", "originator_topic"} & set(event["data"])
    # Each position is the event's place in the global sequence, as the library numbers it.
    positions = [e["position"] for e in events]
    assert positions == sorted(set(positions))
    for event in events:
        notification = runtime.ledger.recorder.select_notifications(event["position"], 1)[0]
        assert notification.originator_id == UUID(scenario.contract_id)
        assert notification.originator_version == event["version"]
    procurement = events_of(http, scenario.procurement_id)
    assert len(procurement) == max(scenario.procurements)
    assert procurement[0]["type"] == "Opened"
    assert procurement[0]["correlation_id"] == "open-1"
    assert procurement[-1]["type"] == "Awarded"
    assert [e["correlation_id"] for e in procurement if e["type"] == "QuoteSubmitted"] == [
        "quote-1"]
    assert procurement[-1]["position"] < events[0]["position"]


def test_events_come_in_pages_that_join_up_to_the_whole_history(
    http: TestClient[Any], clock: Clock
) -> None:
    scenario = central_contract(http, clock)
    whole = events_of(http, scenario.contract_id)
    pages: list[dict[str, Any]] = []
    after: int | None = 0
    while after is not None:
        page = ok(http.get(f"/history/{scenario.contract_id}/events",
                           params={"after": after, "limit": 2}, headers=AU))
        assert page["last_version"] == len(whole)
        assert len(page["events"]) <= 2
        pages.append(page)
        after = page["next_after"]
    assert [len(page["events"]) for page in pages] == [2, 2, 1]
    assert [event for page in pages for event in page["events"]] == whole
    beyond = ok(http.get(f"/history/{scenario.contract_id}/events", params={"after": 5},
                         headers=AU))
    assert beyond["events"] == [] and beyond["next_after"] is None
    for name, value in (("limit", "0"), ("limit", "1001"), ("after", "-1")):
        refused(http.get(f"/history/{scenario.contract_id}/events", params={name: value},
                         headers=AU), 400, rules.REQUEST_MALFORMED, name)


def test_the_state_as_of_each_version_is_what_the_views_answered_then(
    http: TestClient[Any], clock: Clock
) -> None:
    scenario = central_contract(http, clock)
    for version, summary in scenario.contracts.items():
        answer = ok(http.get(f"/history/{scenario.contract_id}/state",
                             params={"version": version}, headers=AU))
        assert (answer["version"], answer["position"]) == (version, summary["position"])
        assert instant(answer["timestamp"]) == instant(summary["updated_at"])
        assert answer["last_version"] == 5
        state = answer["state"]
        assert state["status"] == summary["status"]
        assert state["agency_id"] == summary["agency_id"]
        assert state["procurement_id"] == summary["procurement_id"]
        assert state["method"] == summary["method"]
        assert state["disclosure_registered"] == summary["disclosure_registered"]
        assert state["follow_up"] == summary["follow_up"]
        assert state["terms"]["end"] == summary["end"]
        assert state["terms"]["total_amount_krw"] == summary["total_amount_krw"]
        assert [s["service_id"] for s in state["services"]] == summary["service_ids"]
    for version, summary in scenario.procurements.items():
        answer = ok(http.get(f"/history/{scenario.procurement_id}/state",
                             params={"version": version}, headers=AG))
        assert answer["version"] == version
        assert answer["position"] == summary["position"]
        state = answer["state"]
        for name in ("agency_id", "reference", "title", "fiscal_year", "status", "method",
                     "requirements_version", "saved_search_id", "awarded_service_ids"):
            assert state[name] == summary[name], (version, name)
    # Between the views' answers, the states were captured only after a whole command (the
    # central conclusion records two events): version 1 is the contract before its disclosure.
    first = ok(http.get(f"/history/{scenario.contract_id}/state", params={"version": 1},
                        headers=AU))["state"]
    assert first["disclosure_registered"] is False
    assert first["status"] == "active"


def test_the_state_as_of_a_time_is_the_last_event_recorded_by_then(
    http: TestClient[Any], clock: Clock
) -> None:
    scenario = central_contract(http, clock)
    events = events_of(http, scenario.contract_id)

    def at(when: str) -> dict[str, Any]:
        answer: dict[str, Any] = ok(http.get(f"/history/{scenario.contract_id}/state",
                                             params={"at": when}, headers=AU))
        return answer

    # Both events of the conclusion share the clock's time: the state is after the second.
    concluded = at(events[0]["timestamp"])
    assert (concluded["version"], concluded["state"]["disclosure_registered"]) == (2, True)
    assert at("2026-05-01T23:59:59+09:00")["version"] == 2
    reported = at(events[2]["timestamp"])
    assert (reported["version"], reported["state"]["sla_reports"]) == (3, 1)
    # 2026-05-02T01:00Z is 10:00 in Seoul: an hour before, in Korean time, is still version 2.
    assert at("2026-05-02T09:00:00+09:00")["version"] == 2
    assert at("2026-05-02T10:00:00+09:00")["version"] == 3
    assert at("2026-11-15T00:00:00Z")["version"] == 3
    latest = at("2030-01-01T00:00:00+09:00")
    assert (latest["version"], latest["state"]["return_requested"]) == (5, True)
    assert latest["timestamp"] == events[-1]["timestamp"]
    assert latest["state"]["end_notices"] == [NURI]
    body = refused(http.get(f"/history/{scenario.contract_id}/state",
                            params={"at": "2026-03-19T09:00:00+09:00"}, headers=AU),
                   422, rules.HISTORY_BEFORE_CREATION, "at")
    assert "first event was recorded at 2026-03-20T01:00:00+00:00" in body["detail"]
    # The procurement's events all happened at the scenario's first instant.
    procurement = ok(http.get(f"/history/{scenario.procurement_id}/state",
                              params={"at": "2026-03-02T01:00:00Z"}, headers=AU))
    assert procurement["version"] == max(scenario.procurements)
    assert procurement["state"]["status"] == "awarded"


def test_the_diff_lists_exactly_the_attributes_changed_and_the_events_between(
    http: TestClient[Any], clock: Clock
) -> None:
    scenario = central_contract(http, clock)
    events = events_of(http, scenario.contract_id)
    diff = ok(http.get(f"/history/{scenario.contract_id}/diff", params={"from": 2, "to": 5},
                       headers=AU))
    assert (diff["from_version"], diff["to_version"]) == (2, 5)
    assert (diff["from_timestamp"], diff["to_timestamp"]) == (events[1]["timestamp"],
                                                              events[4]["timestamp"])
    assert diff["changes"] == [
        {"attribute": "end_notices", "change": "changed", "before": [], "after": [NURI]},
        {"attribute": "return_requested", "change": "changed", "before": False, "after": True},
        {"attribute": "sla_reports", "change": "changed", "before": 0, "after": 1},
    ]
    assert diff["events"] == events[2:5]
    disclosure = ok(http.get(f"/history/{scenario.contract_id}/diff",
                             params={"from": 1, "to": 2}, headers=AG))
    assert [(c["attribute"], c["before"], c["after"]) for c in disclosure["changes"]] == [
        ("disclosure_registered", False, True)]
    assert [e["type"] for e in disclosure["events"]] == ["DisclosureRegistered"]
    same = ok(http.get(f"/history/{scenario.contract_id}/diff", params={"from": 3, "to": 3},
                       headers=AU))
    assert (same["changes"], same["events"]) == ([], [])
    # Without "to", up to the last version.
    tail = ok(http.get(f"/history/{scenario.contract_id}/diff", params={"from": 4},
                       headers=AU))
    assert tail["to_version"] == 5
    assert [c["attribute"] for c in tail["changes"]] == ["return_requested"]
    # The award: the procurement's status, its awarded services and nothing else.
    last = max(scenario.procurements)
    award = ok(http.get(f"/history/{scenario.procurement_id}/diff",
                        params={"from": last - 1, "to": last}, headers=AU))
    assert {c["attribute"]: (c["before"], c["after"]) for c in award["changes"]} == {
        "awarded_service_ids": ([], [scenario.service_id]), "status": ("open", "awarded")}


def test_auditors_and_the_owning_agency_read_history_and_no_one_else(
    http: TestClient[Any], clock: Clock
) -> None:
    service_id = register(http, "NIA-H-2", provider_id=NURI)
    procurement_id = ok(http.post("/procurements", headers=AG, json={
        "reference": "권한-2026-01", "title": "권한 확인", "fiscal_year": 2026}), 201)["aggregate_id"]
    queries = [("events", {}), ("state", {"version": 1}), ("diff", {"from": 1, "to": 1})]
    for route, params in queries:
        path = f"/history/{procurement_id}/{route}"
        assert http.get(path, params=params, headers=AU).status_code == 200
        assert http.get(path, params=params, headers=AG).status_code == 200
        # Another agency's procurement is, to it, not there: the absent aggregate's answer.
        refused(http.get(path, params=params, headers=bearer(OTHER_AGENCY)), 404,
                rules.HISTORY_NOT_FOUND, "aggregate_id")
        for principal in (OPERATOR, provider(NURI)):
            refused(http.get(path, params=params, headers=bearer(principal)), 403,
                    rules.AUTH_ROLE_FORBIDDEN, None)
        refused(http.get(path, params=params), 401, rules.AUTH_UNAUTHENTICATED, None)
        # A digital service has no agency: only auditors read its history.
        service_path = f"/history/{service_id}/{route}"
        assert http.get(service_path, params=params, headers=AU).status_code == 200
        refused(http.get(service_path, params=params, headers=AG), 404,
                rules.HISTORY_NOT_FOUND, "aggregate_id")
        refused(http.get(f"/history/{UNKNOWN}/{route}", params=params, headers=AU), 404,
                rules.HISTORY_NOT_FOUND, "aggregate_id")
    service = ok(http.get(f"/history/{service_id}/events", headers=AU))
    assert service["aggregate_type"] == "DigitalService"
    assert [e["type"] for e in service["events"]] == ["Selected", "Registered"]
    assert [e["actor"]["role"] for e in service["events"]] == ["operator", "operator"]


def test_bad_parameters_are_refused_naming_the_parameter(
    http: TestClient[Any], clock: Clock
) -> None:
    pid = ok(http.post("/procurements", headers=AG, json={
        "reference": "인자-2026-01", "title": "인자 확인", "fiscal_year": 2026}), 201)["aggregate_id"]
    ok(http.post(f"/procurements/{pid}/budget", headers=AG, json={
        "lines": [{"item": "usage_fee", "amount_krw": "1000000"}],
        "category": "service_fee", "pricing_model": "flat"}))
    state, diff = f"/history/{pid}/state", f"/history/{pid}/diff"

    def get(path: str, **params: Any) -> Any:
        return http.get(path, params=params, headers=AU)

    refused(get(state, version=1, at="2026-03-02T10:00:00+09:00"), 400, rules.HISTORY_ONE_POINT,
            "at")
    refused(get(state), 400, rules.HISTORY_ONE_POINT, "version")
    for version in ("0", "-1", "two", "1.5"):
        refused(get(state, version=version), 400, rules.REQUEST_MALFORMED, "version")
    body = refused(get(state, version=3), 422, rules.HISTORY_VERSION_NOT_RECORDED, "version")
    assert "version 2" in body["detail"]
    for at in ("yesterday", "2026-13-01T00:00:00+09:00"):
        refused(get(state, at=at), 400, rules.REQUEST_MALFORMED, "at")
    refused(get(state, at="2026-03-02T10:00:00"), 400, rules.REQUEST_MALFORMED, "at")
    refused(get(state, at="2026-03-02T09:59:59+09:00"), 422, rules.HISTORY_BEFORE_CREATION, "at")
    assert ok(get(state, at="2026-03-02T10:00:00+09:00"))["version"] == 2
    refused(get(diff, **{"from": 2, "to": 1}), 400, rules.HISTORY_RANGE_REVERSED, "from")
    refused(get(diff, to=2), 400, rules.REQUEST_MALFORMED, "from")
    for bad in ("x", "0", "-1", "²"):
        refused(get(diff, **{"from": bad, "to": 2}), 400, rules.REQUEST_MALFORMED, "from")
        refused(get(diff, **{"from": 1, "to": bad}), 400, rules.REQUEST_MALFORMED, "to")
    refused(get(diff, **{"from": 1, "to": 9}), 422, rules.HISTORY_VERSION_NOT_RECORDED, "to")
    refused(get(diff, **{"from": 3}), 422, rules.HISTORY_VERSION_NOT_RECORDED, "from")
    assert datetime.fromisoformat(ok(get(diff, **{"from": 1}))["to_timestamp"]) == clock.now
