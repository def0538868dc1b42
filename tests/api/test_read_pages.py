"""The lists at volume (issue 13): each scoped to its reader in SQL, paged by a keyset cursor that
neither repeats nor skips a row while rows arrive between pages, a bad cursor refused as a 400
naming ``after``; the statistics equal a recomputation from the log. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import msgspec
import pytest
from litestar.testing import TestClient

from api.app import create_app
from domain.actor import KOREA, Actor, CommandContext, Role
from domain.contract import Contract, Settlement
from domain.contract_terms import TerminationGround
from domain.service import DigitalService
from dsledger.demo import load_demo
from dsledger.demo_contracts import DEMO_PROCUREMENTS, DemoContracts, load_demo_contracts
from dsledger.demo_contracts import record_procurement as record
from dsledger.runtime import Runtime
from tests.principals import AGENCY, OPERATOR, OTHER_AGENCY, bearer, provider

DEMO_START = datetime(2026, 3, 2, 9, 0, tzinfo=KOREA)
CONTRACTING = [demo for demo in DEMO_PROCUREMENTS if not demo.stay_open]


@pytest.fixture
def demo(runtime: Runtime) -> DemoContracts:
    load_demo(runtime.ledger, at=DEMO_START)
    runtime.projector.catch_up()
    loaded = load_demo_contracts(runtime, at=DEMO_START)
    runtime.projector.catch_up()
    return loaded


@pytest.fixture
def http(runtime: Runtime, demo: DemoContracts) -> Iterator[TestClient[Any]]:
    with TestClient(app=create_app(runtime, run_projector=False)) as client:
        yield client


def more_contracts(runtime: Runtime, label: str, at: datetime) -> list[UUID]:
    """The demo's stories again under new references, told from ``at``: new rows in both views."""
    made = [record(runtime, msgspec.structs.replace(demo, reference=f"{demo.reference}-{label}"),
                   at + timedelta(minutes=index))
            for index, demo in enumerate(CONTRACTING)]
    runtime.projector.catch_up()
    return made


def every_page(http: TestClient[Any], path: str, headers: dict[str, str], limit: int,
               after: str | None = None, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        query = {**params, "limit": limit, **({"after": after} if after else {})}
        body = http.get(path, params=query, headers=headers).json()
        items += body["items"]
        after = body["next_after"]
        if after is None:
            return items


def ids(items: list[dict[str, Any]], field: str = "contract_id") -> list[str]:
    return [item[field] for item in items]


# --- owner scoping ---------------------------------------------------------------------------
def test_each_reader_sees_its_own_contracts_on_every_page(
        runtime: Runtime, http: TestClient[Any], demo: DemoContracts) -> None:
    contracts = [runtime.ledger.load(Contract, cid) for cid in demo.contracts]
    everyone = every_page(http, "/contracts", bearer(OPERATOR), limit=2)
    assert sorted(ids(everyone)) == sorted(str(c.id) for c in contracts)
    for agency in (AGENCY, OTHER_AGENCY):
        own = every_page(http, "/contracts", bearer(agency), limit=1)
        assert sorted(ids(own)) == sorted(str(c.id) for c in contracts
                                          if c.agency_id == agency.agency_id)
        assert {item["agency_id"] for item in own} <= {agency.agency_id}
    providers = {s.provider_id for c in contracts for s in c.services}
    assert len(providers) > 1
    for provider_id in providers:
        body = http.get("/contracts", headers=bearer(provider(provider_id))).json()
        expected = sorted(str(c.id) for c in contracts
                          if provider_id in {s.provider_id for s in c.services})
        assert sorted(ids(body["items"])) == expected
        assert body["total"] == len(expected) and body["total_exact"] is True
    assert http.get("/contracts", headers=bearer(provider("PRV-NOBODY"))).json()["items"] == []
    mine = every_page(http, "/procurements", bearer(AGENCY), limit=1)
    assert mine and {item["agency_id"] for item in mine} == {"AG-SEOUL"}
    assert len(every_page(http, "/procurements", bearer(OPERATOR), limit=3)) > len(mine)


def test_an_agency_filter_narrows_the_register_and_its_count(
        runtime: Runtime, http: TestClient[Any], demo: DemoContracts) -> None:
    contracts = [runtime.ledger.load(Contract, cid) for cid in demo.contracts]
    seoul = every_page(http, "/disclosures", {}, limit=1, agency_id="AG-SEOUL")
    assert sorted(ids(seoul)) == sorted(str(c.id) for c in contracts
                                        if c.agency_id == "AG-SEOUL")
    for service_type in ("IaaS", "SaaS"):
        typed = http.get("/disclosures", params={"service_type": service_type}).json()
        expected = {str(c.id) for c in contracts
                    if service_type in {s.service_type for s in c.services}}
        assert set(ids(typed["items"])) == expected and typed["total"] == len(expected)


# --- cursor paging while rows arrive ---------------------------------------------------------
@pytest.mark.parametrize(("path", "key", "field"), [
    ("/contracts", lambda row: (row["concluded_at"], row["contract_id"]), "contract_id"),
    ("/disclosures", lambda row: (row["registered_on"], row["contract_id"]), "contract_id"),
    ("/procurements", lambda row: (row["opened_at"], row["procurement_id"]), "procurement_id"),
])
def test_pages_neither_repeat_nor_skip_while_rows_are_recorded_between_them(
        runtime: Runtime, http: TestClient[Any], path: str, key: Any, field: str) -> None:
    headers = bearer(OPERATOR)
    first = http.get(path, params={"limit": 2}, headers=headers).json()
    before = set(ids(every_page(http, path, headers, limit=50), field))
    assert len(first["items"]) == 2 and first["next_after"]
    # Between the pages: contracts concluded between the demo's (sorted after the cursor, some
    # of them) and a day later (sorted before it).
    late = more_contracts(runtime, "late", DEMO_START + timedelta(days=1))
    between = more_contracts(runtime, "between", DEMO_START + timedelta(seconds=90))
    rows = {item[field]: item for item in every_page(http, path, headers, limit=50)}
    assert len(rows) == len(before) + len(late + between)
    cursor = key(first["items"][-1])
    after_cursor = {cid for cid, row in rows.items() if key(row) < cursor}
    rest = every_page(http, path, headers, limit=2, after=first["next_after"])
    seen = ids(first["items"], field) + ids(rest, field)
    assert len(seen) == len(set(seen)), "a row came twice"
    added = after_cursor - before
    assert set(seen) == before | added
    if path == "/contracts":
        assert set(seen) & {str(c) for c in late} == set()  # sorted before the cursor
        assert added, "some rows were recorded between the ones already read"


@pytest.mark.parametrize("path", ["/contracts", "/disclosures", "/ocds/releases",
                                  "/web/disclosures", "/procurements", "/services",
                                  "/inspections", "/semiannual-reports"])
@pytest.mark.parametrize("cursor", ["!!", "bm90IGpzb24", "WzFd", "W10",
                                    "WyIyMDI2LTAzLTAyIiwxXQ", "x" * 401])
def test_a_malformed_cursor_is_a_400_naming_after(
        client: TestClient[Any], path: str, cursor: str) -> None:
    answer = client.get(path, params={"after": cursor}, headers=bearer(OPERATOR))
    assert answer.status_code == 400, answer.text
    if not path.startswith("/web"):
        assert answer.json()["field"] == "after"


def test_ocds_pages_by_ocid_and_links_the_next_page(
        runtime: Runtime, http: TestClient[Any], demo: DemoContracts) -> None:
    seen: list[str] = []
    url: str | None = "/ocds/releases?limit=2"
    while url:
        package = http.get(url.replace("http://testserver.local", "")).json()
        seen += sorted({release["ocid"] for release in package["releases"]})
        url = package.get("links", {}).get("next")
    prefix = runtime.settings.ocds_prefix
    published = sorted(f"{prefix}-{runtime.ledger.load(Contract, c).procurement_id}"
                       for c in demo.contracts)
    assert seen == published


# --- statistics ------------------------------------------------------------------------------
def recomputed(runtime: Runtime) -> dict[str, Any]:
    """The statistics from the log alone: every event decoded, each contract followed."""
    ledger = runtime.ledger
    found: dict[str, dict[str, Any]] = {}
    start = 1
    while True:
        batch = ledger.recorder.select_notifications(start=start, limit=500)
        if not batch:
            break
        for item in batch:
            event = ledger.mapper.to_domain_event(item)
            name = type(event).__name__
            if type(event).__qualname__.split(".")[0] != Contract.__name__:
                continue
            key = str(event.originator_id)
            if name == "Concluded":
                found[key] = {"agency": event.agency_id, "method": event.method.value,
                              "services": list(event.services), "public": False,
                              "amount": event.terms.total_amount_krw,
                              "latest": event.terms.total_amount_krw, "rescinded": False}
            elif name == "DisclosureRegistered":
                found[key].update(public=True, day=event.timestamp.astimezone(KOREA).date())
            elif name == "Amended" and event.amendment.new_total_amount_krw is not None:
                found[key]["latest"] = event.amendment.new_total_amount_krw
            elif name == "DisclosureAmended":
                found[key]["amount"] = found[key]["latest"]
            elif name == "Rescinded":
                found[key]["rescinded"] = True
        start = batch[-1].id + 1
    counted = [c for c in found.values() if c["public"] and not c["rescinded"]]
    profiles = {s.service_id: ledger.load(DigitalService, UUID(s.service_id)).profile
                for c in counted for s in c["services"]}

    def buckets(keys: Any) -> list[dict[str, Any]]:
        n: dict[str, int] = defaultdict(int)
        amount: dict[str, Decimal] = defaultdict(Decimal)
        for c in counted:
            for k in set(keys(c)):
                n[k] += 1
                amount[k] += c["amount"]
        return [{"key": k, "contracts": n[k], "amount_krw": str(amount[k])} for k in sorted(n)]

    return {
        "contracts": len(counted),
        "amount_krw": str(sum((c["amount"] for c in counted), Decimal(0))),
        "by_service_type": buckets(lambda c: [s.service_type for s in c["services"]]),
        "by_company_size": buckets(lambda c: [profiles[s.service_id].company_size.value
                                              for s in c["services"]]),
        "by_provider_type": buckets(lambda c: [profiles[s.service_id].provider_type.value
                                               for s in c["services"]]),
        "by_method": buckets(lambda c: [c["method"]]),
        "by_agency": buckets(lambda c: [c["agency"]]),
        "by_month": buckets(lambda c: [c["day"].strftime("%Y-%m")]),
    }


def as_numbers(body: Any) -> Any:
    """Amounts compared as numbers: ``"1.50"`` and ``"1.5"`` are one amount."""
    if isinstance(body, dict):
        return {k: as_numbers(v) for k, v in body.items()}
    if isinstance(body, list):
        return [as_numbers(v) for v in body]
    return Decimal(body) if isinstance(body, str) and body.replace(".", "").isdigit() else body


def test_the_statistics_equal_a_recomputation_from_the_log(
        runtime: Runtime, http: TestClient[Any], demo: DemoContracts) -> None:
    more_contracts(runtime, "again", DEMO_START + timedelta(days=40))
    officer = Actor(principal_id="officer@seoul", role=Role.AGENCY, agency_id="AG-SEOUL")
    seoul = next(cid for cid in demo.contracts
                 if runtime.ledger.load(Contract, cid).agency_id == "AG-SEOUL")
    runtime.ledger.contract_command(
        CommandContext(actor=officer, correlation_id="rescind-1",
                       at=DEMO_START + timedelta(days=41)), seoul,
        lambda c: c.rescind(TerminationGround.BREACH_OF_OBLIGATION, "보안 의무 위반",
                            Settlement(costs_krw=Decimal(0), interest_krw=Decimal(0),
                                       value_change_krw=Decimal(0))))
    runtime.projector.catch_up()
    answer = http.get("/disclosures/statistics").json()
    want = recomputed(runtime)
    assert want["contracts"] == 2 * len(CONTRACTING) - 1
    assert as_numbers(answer) == as_numbers(want)
