"""The pages in-process, on SQLite and PostgreSQL: what a person reads on each, in Korean first and
in English on request; refusals as pages with the rule's message; who may open what."""

from __future__ import annotations

import html
import re
from typing import Any
from uuid import UUID

from litestar.testing import TestClient

from domain import rules
from domain.rules import RuleViolation
from dsledger.runtime import Runtime
from tests.audit.test_verify_tampering import RawEvents
from tests.principals import AGENCY, AUDITOR, OPERATOR, OTHER_AGENCY, bearer, provider
from tests.web.conftest import sign_in, sign_out

_TAGS = re.compile(r"<[^>]+>")


def text(response: Any) -> str:
    """The page as a person reads it: no markup, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(_TAGS.sub(" ", response.text)).split())


def names(response: Any) -> list[str]:
    return [html.unescape(name).strip() for name in re.findall(
        r'<span class="name">([^<]+)', response.text)]


def test_the_catalogue_page_lists_in_korean_what_the_api_finds(
        client: TestClient[Any], catalogue: dict[str, str]) -> None:
    page = client.get("/web/catalogue")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    api = client.get("/catalogue/pages/all/services").json()
    assert f"검색 결과 {api['total']}건" in text(page)
    assert names(page) == [hit["name"] for hit in api["hits"]]
    assert '<html lang="ko">' in page.text
    assert "멈춘 서버" not in text(page)  # suspended services are not searchable


def test_ticking_a_pages_filters_narrows_the_results_exactly_as_the_api_does(
        client: TestClient[Any], catalogue: dict[str, str]) -> None:
    query = {"certification": "CSAP", "mall_listed": "true", "keywords": "서버"}
    page = client.get("/web/catalogue/iaas", params=query)
    api = client.get("/catalogue/pages/iaas/services", params=query).json()
    assert names(page) == [hit["name"] for hit in api["hits"]] == ["바다 클라우드 서버",
                                                                   "하늘 GPU 서버"]
    assert 'name="certification" value="CSAP" checked' in page.text
    assert 'name="mall_listed" value="true" checked' in page.text
    # The IaaS page offers no service-type filter, the all-types page does.
    assert 'name="service_type"' not in page.text
    assert 'name="service_type"' in client.get("/web/catalogue").text


def test_a_long_result_list_pages_with_links_that_keep_the_filters(
        client: TestClient[Any], catalogue: dict[str, str]) -> None:
    first = client.get("/web/catalogue/iaas", params={"limit": 2, "certification": "CSAP"})
    assert "1–2 / 2" in text(first)
    assert 'rel="next"' not in first.text
    first = client.get("/web/catalogue", params={"limit": 2})
    assert "1–2 / 5" in text(first)
    assert 'rel="next" href="/web/catalogue?limit=2&amp;offset=2"' in first.text
    second = client.get("/web/catalogue", params={"limit": 2, "offset": 2})
    assert "3–4 / 5" in text(second)
    assert 'rel="prev" href="/web/catalogue?limit=2&amp;offset=0"' in second.text
    api = client.get("/catalogue/pages/all/services", params={"limit": 2, "offset": 2}).json()
    assert names(second) == [hit["name"] for hit in api["hits"]]


def test_english_is_one_link_away_and_the_choice_is_remembered(
        client: TestClient[Any], catalogue: dict[str, str]) -> None:
    korean = client.get("/web/catalogue/support")
    assert "디지털서비스 찾기 — 지원서비스" in text(korean)
    assert 'href="/web/catalogue/support?lang=en"' in korean.text
    english = client.get("/web/catalogue/support", params={"lang": "en"})
    assert "Find a digital service — support service" in text(english)
    assert "1 services found" in text(english)
    assert "lang=en" in english.headers["set-cookie"]
    assert "Find a digital service" in text(client.get("/web/catalogue"))
    assert "Public contract disclosures" in text(client.get("/web/disclosures"))
    assert "계약정보 공개" in text(client.get("/web/disclosures", params={"lang": "ko"}))
    assert "계약정보 공개" in text(client.get("/web/disclosures"))


def test_a_filter_the_page_does_not_offer_is_refused_with_the_rules_own_message(
        client: TestClient[Any], catalogue: dict[str, str]) -> None:
    try:
        rules.refuse(rules.SEARCH_FILTER_NOT_ON_PAGE, "support_channel", page="saas",
                     page_ko="SaaS", filter="support_channel",
                     offered="company_size, provider_type, mall_listed, innovation_product, "
                             "certification")
    except RuleViolation as violation:
        expected = violation
    korean = client.get("/web/catalogue/saas", params={"support_channel": "phone"})
    assert korean.status_code == 400
    assert expected.message_ko in text(korean)
    assert "search.filter-not-on-page" in text(korean)
    english = client.get("/web/catalogue/saas", params={"support_channel": "phone", "lang": "en"})
    assert english.status_code == 400
    assert expected.message_en in text(english)
    # The API refuses the same search (with its own status), so the page hides nothing.
    assert client.get("/catalogue/pages/saas/services",
                      params={"support_channel": "phone"}).json()["rule"] == expected.rule.id
    assert client.get("/web/catalogue/convergence", params={"document": "terms"}).status_code == 400
    assert client.get("/web/catalogue/cheap").status_code == 404
    assert client.get("/web/catalogue", params={"offset": "many"}).status_code == 400


def test_disclosures_list_the_registered_contract_with_statistics_and_a_chart(
        client: TestClient[Any], contract_id: str) -> None:
    page = client.get("/web/disclosures")
    assert page.status_code == 200
    shown = text(page)
    assert "공개 계약 1건" in shown
    assert "하늘 GPU 서버" in shown and "이음 이전 지원" in shown
    assert "₩240,000,000" in shown
    assert "자체조달" in shown
    assert f'href="/web/contracts/{contract_id}/timeline"' in page.text
    assert "계약 1건, 총 ₩240,000,000" in shown
    svg = page.text[page.text.index("<svg"):page.text.index("</svg>")]
    assert svg.count('class="bar"') == 2  # IaaS and support, each carrying the whole amount
    assert "서비스 유형별 계약 금액" in svg
    assert "공개 계약 0건" in text(client.get("/web/disclosures", params={"service_type": "SaaS"}))
    assert "공개 계약 1건" in text(client.get("/web/disclosures", params={"agency_id": "AG-SEOUL"}))


def test_a_forms_empty_fields_are_dropped_before_the_apis_parameter_rules_apply(
        client: TestClient[Any], contract_id: str) -> None:
    blank = client.get("/web/disclosures", params={"service_type": "", "method": "self",
                                                   "registered_from": ""},
                       follow_redirects=False)
    assert blank.status_code == 303
    assert blank.headers["location"] == "/web/disclosures?method=self"
    bad = client.get("/web/disclosures", params={"registered_from": "yesterday"})
    assert bad.status_code == 400
    assert "registered_from" in text(bad)


def test_the_timeline_shows_every_event_its_actor_and_the_logs_integrity_to_an_auditor(
        client: TestClient[Any], runtime: Runtime, contract_id: str) -> None:
    runtime.tree_heads.publish(runtime.now())
    url = f"/web/contracts/{contract_id}/timeline"
    anonymous = client.get(url, follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/web/sign-in?next=%2Fweb%2Fcontracts")
    signed_in = sign_in(client, AUDITOR, next_page=url)
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == url
    page = client.get(url)
    assert page.status_code == 200
    shown = text(page)
    assert "무결성 확인됨" in shown
    api = client.get(f"/history/{contract_id}/events", headers=bearer(AUDITOR)).json()["events"]
    rows = re.findall(r'<tr class="event">', page.text)
    assert len(rows) == len(api) == 2
    assert "계약 체결" in shown and "계약정보 등록" in shown
    assert "officer@seoul (수요기관, 서울특별시)" in shown
    assert "이 계약의 사건 2/2건이 서명된 트리에 포함됨" in shown
    english = text(client.get(url, params={"lang": "en"}))
    assert "verified" in english and "Concluded" in english


def test_the_timeline_does_not_call_events_verified_before_a_signed_head_covers_them(
        client: TestClient[Any], contract_id: str) -> None:
    sign_in(client, AUDITOR)
    shown = text(client.get(f"/web/contracts/{contract_id}/timeline"))
    assert "서명 대기" in shown and "무결성 확인됨" not in shown
    assert "2건은 모두 머클 로그의 잎과 일치하지만, 2건은 아직" in shown


def test_the_timeline_names_an_event_altered_behind_the_ledgers_back(
        client: TestClient[Any], runtime: Runtime, contract_id: str) -> None:
    runtime.tree_heads.publish(runtime.now())
    concluded = runtime.ledger.recorder.select_events(UUID(contract_id))[0]
    raw = RawEvents(runtime)
    sequence = next(s for s in range(1, runtime.projector.head() + 1)
                    if raw.identity(s) == (contract_id, 1))
    raw.backdate(sequence)  # a forgery that still reads as an event, so the page can show it
    assert bytes(runtime.ledger.recorder.select_events(UUID(contract_id))[0].state) != bytes(
        concluded.state)
    sign_in(client, AUDITOR)
    shown = text(client.get(f"/web/contracts/{contract_id}/timeline"))
    assert "무결성 위반" in shown and "무결성 확인됨" not in shown
    assert f"버전 1 (원장 순번 {sequence})" in shown
    assert "the stored event no longer hashes to the leaf the log recorded" in shown
    bundle = client.get(f"/contracts/{contract_id}/history-bundle", headers=bearer(AUDITOR))
    assert bundle.status_code == 409
    assert bundle.json()["rule"] == "history.event-altered"
    assert f"Version 1 of {contract_id} (ledger sequence {sequence})" in bundle.json()["detail"]


def test_an_event_that_no_longer_decodes_is_named_not_answered_with_a_server_error(
        client: TestClient[Any], runtime: Runtime, contract_id: str) -> None:
    raw = RawEvents(runtime)
    sequence = next(s for s in range(1, runtime.projector.head() + 1)
                    if raw.identity(s) == (contract_id, 2))
    raw.flip_a_byte(sequence)
    api = client.get(f"/history/{contract_id}/events", headers=bearer(AUDITOR))
    assert api.status_code == 409
    assert api.json()["rule"] == "history.event-unreadable"
    assert f"Version 2 of {contract_id} (ledger sequence {sequence})" in api.json()["detail"]
    sign_in(client, AUDITOR)
    page = client.get(f"/web/contracts/{contract_id}/timeline")
    assert page.status_code == 409
    assert f"버전 2(원장 순번 {sequence})을 읽을 수 없습니다" in text(page)
    # The bundle checks the bytes against their Merkle leaf before it decodes them.
    bundle = client.get(f"/contracts/{contract_id}/history-bundle", headers=bearer(AUDITOR))
    assert bundle.status_code == 409
    assert bundle.json()["rule"] == "history.event-altered"


def test_only_an_auditor_may_ask_the_timeline_to_verify_the_whole_log(
        client: TestClient[Any], runtime: Runtime, contract_id: str) -> None:
    url = f"/web/contracts/{contract_id}/timeline"
    sign_in(client, AUDITOR)
    assert "원장 전체 재검증" in text(client.get(url))
    whole = text(client.get(url, params={"verify": "log"}))
    head = runtime.projector.head()
    assert "원장 전체 무결성 확인됨" in whole
    assert f"저장된 사건 {head}건을 다시 해시하여" in whole
    sign_out(client)
    sign_in(client, AGENCY)
    assert "원장 전체 재검증" not in text(client.get(url))
    assert client.get(url, params={"verify": "log"}).status_code == 403


def test_the_timeline_is_refused_to_everyone_but_auditors_and_the_owning_agency(
        client: TestClient[Any], contract_id: str) -> None:
    url = f"/web/contracts/{contract_id}/timeline"
    for principal, status in ((AGENCY, 200), (OTHER_AGENCY, 404), (OPERATOR, 403),
                              (provider("PRV-HANEUL"), 403)):
        sign_in(client, principal)
        page = client.get(url)
        assert page.status_code == status, (principal, page.text)
        api = client.get(f"/history/{contract_id}/events", headers=bearer(principal))
        assert api.status_code == status
    sign_in(client, OTHER_AGENCY)
    assert "history.not-found" in text(client.get(url))
    sign_in(client, AUDITOR)
    unknown = client.get("/web/contracts/00000000-0000-0000-0000-00000000000a/timeline")
    assert unknown.status_code == 404


def test_the_obligations_board_shows_an_agency_and_a_provider_their_own_duties(
        client: TestClient[Any], contract_id: str) -> None:
    assert client.get("/web/obligations", follow_redirects=False).status_code == 303
    sign_in(client, AGENCY)
    board = text(client.get("/web/obligations", params={"state": "all"}))
    assert "대상: 서울특별시 (AG-SEOUL)" in board
    assert "계약정보 등록 기한" in board and "종료 통지 기한(D-30)" in board
    # The basis of each duty in the page's language.
    assert "고시 제9조, 지침 ⑦: 계약정보를 30일 이내에 등록" in board
    assert "시행령 제19조제1항: 계약 종료 30일 전까지 통지" in board
    assert "Notice art." not in board and "Enforcement Decree" not in board
    assert "정기 품질 점검" not in board  # the providers' duty, not the agency's
    pending = text(client.get("/web/obligations"))
    assert "계약정보 등록 기한" not in pending  # met by the registration
    assert "계약 만료" in pending
    assert client.get("/web/obligations", params={"agency_id": "AG-BUSAN"}).status_code == 403

    sign_in(client, OTHER_AGENCY)
    assert "의무 0건" in text(client.get("/web/obligations", params={"state": "all"}))

    sign_in(client, provider("PRV-HANEUL"))
    board = text(client.get("/web/obligations", params={"lang": "en"}))
    assert "For: PRV-HANEUL" in board
    assert "Regular quality inspection" in board and "End notice (D-30)" in board
    assert "Enforcement Decree art. 19(1): notify at least 30 days before the contract ends" in board
    assert "Disclosure" not in board  # the agency's duty
    assert "PRV-IEUM" not in board  # another provider's end notice
    assert client.get("/web/obligations", params={"provider_id": "PRV-IEUM"}).status_code == 403

    sign_in(client, AUDITOR)
    everyone = text(client.get("/web/obligations", params={"state": "all", "lang": "ko"}))
    assert "모든 기관·제공자" in everyone and "PRV-IEUM" in everyone
    assert "대상: 서울특별시 (AG-SEOUL)" in text(client.get("/web/obligations",
                                               params={"agency_id": "AG-SEOUL"}))


def test_sign_in_refuses_a_bad_token_and_a_forged_form_and_sign_out_forgets_the_token(
        client: TestClient[Any]) -> None:
    client.get("/web/sign-in")
    csrf = client.cookies.get("dsledger_csrf")
    assert csrf
    bad = client.post("/web/sign-in", data={"csrf": csrf, "token": "not-a-token"})
    assert bad.status_code == 401
    assert "토큰이 유효하지 않거나 만료되었습니다." in text(bad)
    assert "dsledger_session" not in client.cookies
    other_secret = bearer(AUDITOR)["Authorization"].split()[1][:-4] + "AAAA"
    assert client.post("/web/sign-in", data={"csrf": csrf, "token": other_secret}
                       ).status_code == 401
    good = bearer(AUDITOR)["Authorization"].split()[1]
    assert client.post("/web/sign-in", data={"csrf": "guess", "token": good}).status_code == 403
    assert client.post("/web/sign-in", data={"token": good}).status_code == 403
    foreign = client.post("/web/sign-in", data={"csrf": csrf, "token": good},
                          headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    assert "dsledger_session" not in client.cookies

    signed_in = sign_in(client, AUDITOR, next_page="https://evil.example/")
    assert signed_in.headers["location"] == "/web/obligations"
    cookie = signed_in.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "bai-auditor-1" in text(client.get("/web/obligations"))
    out = sign_out(client)
    assert out.status_code == 303
    assert client.get("/web/obligations", follow_redirects=False).status_code == 303


def test_the_pages_are_outside_the_api_schema_and_record_nothing(
        client: TestClient[Any], runtime: Runtime, contract_id: str) -> None:
    paths = client.get("/schema/openapi.json").json()["paths"]
    assert not [path for path in paths if path == "/" or path.startswith("/web")]
    before = runtime.projector.head()
    sign_in(client, AUDITOR)
    for url in ("/", "/web/catalogue", "/web/disclosures", "/web/obligations",
                f"/web/contracts/{contract_id}/timeline"):
        assert client.get(url).status_code == 200, url
    sign_out(client)
    assert runtime.projector.head() == before


def test_pages_name_the_agency_and_the_services_beside_their_ids(
        client: TestClient[Any], runtime: Runtime, contract_id: str) -> None:
    """The directory's Korean names where the pages used to print only ids: the register's
    agency column, the timeline's agency and actors, the board's owner, services and contracts."""
    register = text(client.get("/web/disclosures"))
    assert "서울특별시 (AG-SEOUL)" in register

    sign_in(client, AUDITOR)
    timeline = text(client.get(f"/web/contracts/{contract_id}/timeline"))
    assert "서울특별시 (AG-SEOUL)" in timeline
    assert "officer@seoul (수요기관, 서울특별시)" in timeline

    sign_in(client, AGENCY)
    board = client.get("/web/obligations", params={"state": "all"})
    shown = text(board)
    assert "대상: 서울특별시 (AG-SEOUL)" in shown
    # A contract's duties name its agency, not only the contract's UUID.
    assert names(board) and all(name == "서울특별시" for name in names(board))

    sign_in(client, provider("PRV-HANEUL"))
    board = client.get("/web/obligations", params={"state": "all"})
    # The provider's service duties (certificate validity, inspections) name the service.
    assert "하늘 GPU 서버" in names(board), names(board)
