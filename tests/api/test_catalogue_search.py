"""The public catalogue search over HTTP, on SQLite and PostgreSQL: every filter combination of every
annex page returns exactly what an independent reading of the catalogue says it should."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar.testing import TestClient

from domain.search import ANNEX, Filter, SearchPage
from domain.service import service_id_for
from domain.text import normalise, squeeze
from dsledger.demo import DemoService, demo_catalogue, load_demo
from dsledger.runtime import Runtime

CATALOGUE = demo_catalogue(count=80, seed=7)
DEMO_TIME = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def sid(service: DemoService) -> str:
    return str(service_id_for(service.notice_number))


@pytest.fixture
def loaded(runtime: Runtime, client: TestClient[Any]) -> TestClient[Any]:
    load_demo(runtime.ledger, services=CATALOGUE, at=DEMO_TIME)
    runtime.projector.catch_up()
    return client


def _values(flt: Filter, service: DemoService) -> set[str]:
    profile = service.profile
    match flt:
        case Filter.SERVICE_TYPE:
            return {profile.service_type.value}
        case Filter.SUPPORT_KIND:
            return {kind.value for kind in profile.support_kinds}
        case Filter.COMPANY_SIZE:
            return {profile.company_size.value}
        case Filter.PROVIDER_TYPE:
            return {profile.provider_type.value}
        case Filter.CERTIFICATION:
            return {certification.kind.value for certification in service.certifications}
        case Filter.DOCUMENT:
            return {document.value for document in profile.documents}
        case Filter.SUPPORT_CHANNEL:
            return {channel.value for channel in profile.support_channels}
        case _:
            raise AssertionError(flt)


_ANY_OF = {Filter.SERVICE_TYPE, Filter.SUPPORT_KIND, Filter.COMPANY_SIZE, Filter.PROVIDER_TYPE}


def expected(page: SearchPage, chosen: dict[Filter, list[str] | bool],
             keywords: str = "") -> list[DemoService]:
    """The oracle: the guideline's reading of each filter, straight over the demo catalogue."""
    matches = []
    for service in CATALOGUE:
        if service.fate != "registered":
            continue
        if page.service_type is not None and service.profile.service_type != page.service_type:
            continue
        ok = True
        for flt, wanted in chosen.items():
            if flt is Filter.MALL_LISTED:
                ok = ok and service.mall_contract_number is not None
            elif flt is Filter.INNOVATION_PRODUCT:
                ok = ok and service.innovation is not None
            elif flt in _ANY_OF:
                assert isinstance(wanted, list)
                ok = ok and bool(_values(flt, service) & set(wanted))
            else:
                assert isinstance(wanted, list)
                ok = ok and set(wanted) <= _values(flt, service)
        profile = service.profile
        texts = [profile.name, profile.description, *profile.features, *profile.keywords]
        for term in normalise(keywords).split():
            ok = ok and any(term in normalise(t) or term in squeeze(t) for t in texts)
        if ok:
            matches.append(service)
    return sorted(matches, key=lambda s: (s.profile.name, sid(s)))


def combinations(page: SearchPage) -> Iterator[dict[Filter, list[str] | bool]]:
    """Every subset of the page's filters; multi-valued filters take one or two offered values,
    rotating so that every value is exercised somewhere."""
    offered = ANNEX[page]
    filters = list(offered)
    for size in range(len(filters) + 1):
        for index, subset in enumerate(itertools.combinations(filters, size)):
            chosen: dict[Filter, list[str] | bool] = {}
            for flt in subset:
                values = offered[flt]
                if values is None:
                    chosen[flt] = True
                    continue
                ordered = sorted(value.value for value in values)
                first = ordered[index % len(ordered)]
                second = ordered[(index + size) % len(ordered)]
                chosen[flt] = sorted({first, second}) if flt in _ANY_OF else [first]
            yield chosen


def query(chosen: dict[Filter, list[str] | bool]) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = []
    for flt, wanted in chosen.items():
        if isinstance(wanted, bool):
            params.append((flt.value, "true"))
        else:
            params.extend((flt.value, value) for value in wanted)
    return params


@pytest.mark.parametrize("page", list(SearchPage), ids=lambda page: page.value)
def test_every_annex_filter_combination_finds_exactly_the_matching_services(
    loaded: TestClient[Any], page: SearchPage
) -> None:
    checked = 0
    for chosen in combinations(page):
        want = expected(page, chosen)
        response = loaded.get(f"/catalogue/pages/{page.value}/services",
                              params=[*query(chosen), ("limit", "100")])
        assert response.status_code == 200, (chosen, response.text)
        body = response.json()
        assert body["total"] == len(want), chosen
        assert [hit["service_id"] for hit in body["hits"]] == [
            sid(service) for service in want[:100]
        ], chosen
        checked += 1
    assert checked == 2 ** len(ANNEX[page])


def test_keywords_match_korean_text_whatever_its_spacing_width_or_case(
    loaded: TestClient[Any],
) -> None:
    registered = [service for service in CATALOGUE if service.fate == "registered"]
    name = registered[0].profile.name
    word = max(name.split(), key=len)
    for typed in (word, word.upper(), squeeze(name), "  ".join(name.split())):
        response = loaded.get("/catalogue/pages/all/services",
                              params={"keywords": typed, "limit": "100"})
        assert response.status_code == 200
        want = expected(SearchPage.ALL, {}, typed)
        assert want, typed
        assert [hit["service_id"] for hit in response.json()["hits"]] == [
            sid(service) for service in want
        ]


def test_paging_walks_the_results_in_one_stable_order(loaded: TestClient[Any]) -> None:
    want = [sid(service) for service in expected(SearchPage.ALL, {})]
    seen: list[str] = []
    for offset in range(0, len(want), 7):
        body = loaded.get("/catalogue/pages/all/services",
                          params={"limit": "7", "offset": str(offset)}).json()
        seen += [hit["service_id"] for hit in body["hits"]]
    assert seen == want


def test_only_registered_active_services_are_found(loaded: TestClient[Any]) -> None:
    found = set()
    for offset in range(0, len(CATALOGUE), 100):
        body = loaded.get("/catalogue/pages/all/services",
                          params={"limit": "100", "offset": str(offset)}).json()
        found |= {hit["service_id"] for hit in body["hits"]}
    hidden = {sid(s) for s in CATALOGUE if s.fate != "registered"}
    assert hidden, "the demo catalogue should include suspended, cancelled and unregistered ones"
    assert not found & hidden
    for service_id in hidden:
        assert loaded.get(f"/catalogue/services/{service_id}").status_code == 404


def test_the_annex_pages_are_published_with_their_filters(loaded: TestClient[Any]) -> None:
    pages = {page["page"]: page for page in loaded.get("/catalogue/pages").json()}
    assert set(pages) == {page.value for page in SearchPage}
    convergence = {f["filter"]: f["values"] for f in pages["convergence"]["filters"]}
    assert [v["value"] for v in convergence["document"]] == ["SLA"]
    assert "web_chat" not in {v["value"] for v in convergence["support_channel"]}
    assert "certification" not in convergence
    support = {f["filter"] for f in pages["support"]["filters"]}
    assert "support_kind" in support and "provider_type" not in support
