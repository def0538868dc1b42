"""What a person sees in a real browser: Debian's Chromium, driven by Playwright, against a real
server (uvicorn on a loopback port) over a ledger with the demo catalogue and one concluded,
disclosed contract.

SQLite only: these tests check rendering, forms, links, cookies and redirects in a browser; the
queries behind every page are exercised on SQLite and PostgreSQL by ``test_pages.py``.

Playwright never downloads a browser here: ``scripts/setup`` installs Debian's ``chromium``. Without
it these tests skip and say why, unless ``CI=true``, where they must run.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from api.app import create_app
from api.auth import Principal, issue_token
from dsledger.demo import demo_catalogue, load_demo
from dsledger.runtime import Runtime
from tests.principals import AGENCY, AUDITOR, OTHER_AGENCY, TEST_SECRET
from tests.projections.test_crash_recovery import free_port
from tests.requirements import missing

CHROMIUM = Path("/usr/bin/chromium")
DEMO_SERVICES = 150


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: run scripts/setup as root, or apt-get install chromium"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing: pip install -e '.[dev]'"
    return None


if (_problem := _missing()) is not None:
    missing("the browser tests to run", _problem, whole_module=True)

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                              args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def server(runtime: Runtime, contract_id: str) -> Iterator[str]:
    """The service as ``dsledger serve --demo`` runs it (projector in the background), in a
    thread so the test can prepare and inspect the same ledger."""
    # Part of the demo catalogue: enough to page through and filter, quick to record each time.
    load_demo(runtime.ledger, services=demo_catalogue()[:DEMO_SERVICES], at=runtime.now())
    runtime.projector.catch_up()
    runtime.tree_heads.publish(runtime.now())
    port = free_port()
    config = uvicorn.Config(create_app(runtime), host="127.0.0.1", port=port,
                            log_level="warning", lifespan="on")
    uvicorn_server = uvicorn.Server(config)
    thread = threading.Thread(target=uvicorn_server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uvicorn_server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uvicorn_server.should_exit = True
    thread.join(timeout=15)


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    context = browser.new_context(base_url=server, java_script_enabled=False)
    yield context.new_page()
    context.close()


def count(page: Page, pattern: str) -> int:
    """The number a page states in its result heading (e.g. 검색 결과 12건)."""
    match = re.search(pattern, page.locator("h2").first.inner_text())
    assert match is not None, page.locator("h2").first.inner_text()
    return int(match.group(1))


def sign_in(page: Page, principal: Principal) -> None:
    """Paste a token into the sign-in form and submit it, as a person would."""
    expect(page).to_have_url(re.compile(r"/web/sign-in"))
    page.get_by_label("토큰").fill(issue_token(TEST_SECRET, principal))
    page.get_by_role("button", name="로그인").click()


def test_a_person_searches_the_catalogue_with_a_pages_filters_and_switches_to_english(
        page: Page, server: str) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("디지털서비스 찾기 — 찾기")
    everything = count(page, r"검색 결과 (\d+)건")
    assert everything > 100
    page.get_by_role("link", name="IaaS", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("디지털서비스 찾기 — IaaS")
    page.get_by_label("클라우드컴퓨팅 보안인증(CSAP)").check()
    page.get_by_role("group", name="디지털서비스몰 등록").get_by_label("예").check()
    page.get_by_label("검색어").fill("GPU")
    page.get_by_role("button", name="검색").click()
    query = {"certification": "CSAP", "mall_listed": "true", "keywords": "GPU"}
    api = httpx.get(f"{server}/catalogue/pages/iaas/services", params=query).json()
    assert 0 < count(page, r"검색 결과 (\d+)건") == api["total"] < everything
    shown = page.locator("tr.hit .name").all_inner_texts()
    assert [name.strip() for name in shown] == [hit["name"] for hit in api["hits"]][:20]
    assert "하늘 GPU 서버" in shown
    assert "들판 가상서버" not in shown  # no CSAP
    expect(page.get_by_label("클라우드컴퓨팅 보안인증(CSAP)")).to_be_checked()

    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a digital service — IaaS")
    assert count(page, r"(\d+) services found") == api["total"]
    expect(page.get_by_label("CSAP")).to_be_checked()
    page.get_by_role("link", name="Contract disclosures").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Public contract disclosures")
    page.get_by_role("link", name="한국어").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("계약정보 공개")


def test_a_refused_filter_is_explained_on_the_page(page: Page) -> None:
    response = page.goto("/web/catalogue/saas?support_channel=phone")
    assert response is not None and response.status == 400
    expect(page.get_by_role("alert")).to_contain_text("support_channel")
    expect(page.get_by_role("alert")).to_contain_text("SaaS")


def test_a_person_filters_the_disclosures_and_sees_the_statistics_chart(
        page: Page, contract_id: str) -> None:
    page.goto("/web/disclosures")
    assert count(page, r"공개 계약 (\d+)건") == 1
    row = page.locator("tr.disclosure")
    expect(row).to_contain_text("하늘 GPU 서버")
    expect(row).to_contain_text("₩240,000,000")
    chart = page.get_by_role("img", name="서비스 유형별 계약 금액")
    expect(chart).to_be_visible()
    bars = chart.locator("rect.bar")
    expect(bars).to_have_count(2)
    assert all((bars.nth(i).bounding_box() or {"height": 0})["height"] > 10 for i in range(2))
    expect(page.get_by_role("img", name="월별 등록 건수")).to_be_visible()

    page.get_by_role("combobox", name="서비스 유형").select_option("SaaS")
    page.get_by_role("button", name="조회").click()
    expect(page).to_have_url(re.compile(r"/web/disclosures\?service_type=SaaS$"))
    assert count(page, r"공개 계약 (\d+)건") == 0
    page.get_by_role("combobox", name="서비스 유형").select_option("IaaS")
    page.get_by_role("combobox", name="계약 방법").select_option("self")
    page.get_by_role("button", name="조회").click()
    assert count(page, r"공개 계약 (\d+)건") == 1
    page.get_by_role("link", name="감사 이력").click()
    expect(page).to_have_url(re.compile(r"/web/sign-in\?next="))  # the public may not read it


def test_an_auditor_signs_in_and_reads_a_contracts_timeline_and_its_integrity(
        page: Page, contract_id: str) -> None:
    page.goto(f"/web/contracts/{contract_id}/timeline")
    sign_in(page, AUDITOR)
    expect(page).to_have_url(re.compile(f"/web/contracts/{contract_id}/timeline$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("계약 감사 이력")
    expect(page.get_by_role("status")).to_contain_text("무결성 확인됨")
    events = page.locator("tr.event")
    expect(events).to_have_count(2)
    expect(events.nth(0)).to_contain_text("계약 체결")
    expect(events.nth(0)).to_contain_text("officer@seoul")
    expect(events.nth(1)).to_contain_text("계약정보 등록")
    expect(page.locator("header")).to_contain_text("bai-auditor-1")
    page.get_by_role("button", name="로그아웃").click()
    expect(page.get_by_role("link", name="로그인")).to_be_visible()
    page.goto(f"/web/contracts/{contract_id}/timeline")
    expect(page).to_have_url(re.compile(r"/web/sign-in"))


def test_an_agency_sees_its_obligations_and_another_agency_cannot_open_its_timeline(
        page: Page, contract_id: str) -> None:
    page.goto("/web/sign-in")
    sign_in(page, AGENCY)
    expect(page.get_by_role("heading", level=1)).to_have_text("의무 현황판")
    expect(page.locator("main")).to_contain_text("대상: 서울특별시 (AG-SEOUL)")
    pending = page.locator("tr.obligation")
    expect(pending.filter(has_text="계약 만료")).to_have_count(1)
    expect(pending.filter(has_text="계약정보 등록 기한")).to_have_count(0)
    page.get_by_role("combobox", name="상태").select_option("all")
    page.get_by_role("button", name="보기").click()
    expect(page.locator("tr.obligation").filter(has_text="계약정보 등록 기한")).to_contain_text("이행")
    page.locator("tr.obligation").filter(has_text="계약 만료").get_by_role("link").click()
    expect(page.get_by_role("status")).to_contain_text("무결성 확인됨")
    page.get_by_role("button", name="로그아웃").click()

    page.goto("/web/sign-in")
    sign_in(page, OTHER_AGENCY)
    expect(page.locator("main")).to_contain_text("대상: AG-BUSAN")
    expect(page.locator("tr.obligation")).to_have_count(0)
    response = page.goto(f"/web/contracts/{contract_id}/timeline")
    # Another agency's contract is, to it, not there (as the history API answers).
    assert response is not None and response.status == 404
    expect(page.get_by_role("alert")).to_contain_text("기록이 없습니다")
    assert page.locator("tr.event").count() == 0


