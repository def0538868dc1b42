"""Faults and contention against a real service process on loopback: 32 conflicting commands on one
contract lose no update, and a service killed with SIGKILL under a write load loses nothing it
acknowledged — on restart its views equal a rebuild."""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import UUID

import httpx

from dsledger.runtime import Runtime
from projections.tables import catalogue_services, merkle_nodes
from tests.api.bodies import selection_body
from tests.api.test_evidence_routes import awarded_procurement
from tests.principals import OPERATOR, TEST_AGENCIES, bearer, provider
from tests.projections.test_crash_recovery import free_port
from tests.test_scale_out import process, table, wait_until_up

CONFLICTING = 32
NURI = bearer(provider("PRV-NURI"))
APRIL = {"service_id": "", "period_start": "2026-04-01", "period_end": "2026-04-30",
         "availability_percent": "99.9"}


class ServerClock:
    """The scenario's clock, moved on the running service by its operator (demo mode)."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def set(self, day: str) -> None:
        moved = self.client.post("/system/clock", headers=bearer(OPERATOR),
                                 json={"now": f"{day}T10:00:00+09:00"})
        assert moved.status_code == 200, moved.text


def contract_record(client: httpx.Client, contract_id: str) -> dict[str, Any]:
    response = client.get(f"/contracts/{contract_id}", headers=bearer(OPERATOR))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def fire(url: str, contract_id: str, body: dict[str, Any], headers: dict[str, str],
         barrier: threading.Barrier) -> httpx.Response:
    with httpx.Client(base_url=url, timeout=60) as client:
        barrier.wait()
        return client.post(f"/contracts/{contract_id}/sla-reports", json=body, headers=headers)


def test_32_conflicting_commands_on_one_contract_each_commit_or_get_409_and_lose_nothing(
        runtime: Runtime) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with process(runtime, "serve", "--port", str(port), "--now", "2026-03-02",
                 "--no-scheduler"), httpx.Client(base_url=url, timeout=60) as client:
        wait_until_up(url)
        # The served process is a ledger of its own: its operator registers the agency first.
        seoul = TEST_AGENCIES["AG-SEOUL"]
        registered = client.post("/agencies", headers=bearer(OPERATOR), json={
            "agency_id": seoul.agency_id, "code": seoul.code, "name_ko": seoul.name_ko,
            "name_en": seoul.name_en, "kind": seoul.kind.value, "region": seoul.region.value})
        assert registered.status_code == 201, registered.text
        _, contract_id = awarded_procurement(client, ServerClock(client))  # type: ignore[arg-type]
        ServerClock(client).set("2026-05-02")
        record = contract_record(client, contract_id)
        body = {**APRIL, "service_id": record["record"]["services"][0]["service_id"]}
        version = record["summary"]["version"]

        # All 32 built on the same version: exactly one may commit.
        barrier = threading.Barrier(CONFLICTING)
        with ThreadPoolExecutor(CONFLICTING) as pool:
            answers = list(pool.map(lambda _: fire(url, contract_id, body, {
                **NURI, "If-Match": f'"{version}"'}, barrier), range(CONFLICTING)))
        assert Counter(a.status_code for a in answers) == {201: 1, 409: CONFLICTING - 1}
        assert {a.json()["rule"] for a in answers if a.status_code == 409} == {
            "command.version-conflict"}

        # Without If-Match each still either commits or is told it lost the race.
        barrier = threading.Barrier(CONFLICTING)
        with ThreadPoolExecutor(CONFLICTING) as pool:
            answers = list(pool.map(lambda _: fire(url, contract_id, body, NURI, barrier),
                                    range(CONFLICTING)))
        statuses = Counter(a.status_code for a in answers)
        assert set(statuses) <= {201, 409} and statuses[201] >= 1
        committed = 1 + statuses[201]
        reports = contract_record(client, contract_id)["record"]["sla_reports"]
        assert [r["report_number"] for r in reports] == list(range(1, committed + 1))
    stored = runtime.ledger.recorder.select_events(UUID(contract_id))
    assert [e.originator_version for e in stored] == list(range(1, len(stored) + 1))
    names = [e.topic.rsplit(".", 1)[1] for e in stored]
    assert names.count("SlaReportSubmitted") == committed, "the log holds exactly what was acknowledged"


def load_until_killed(url: str, acknowledged: list[str], stop: threading.Event,
                      writer: int) -> None:
    with httpx.Client(base_url=url, headers=bearer(OPERATOR), timeout=10) as client:
        n = 0
        while not stop.is_set():
            try:
                created = client.post("/services", json=selection_body(f"NIA-K9-{writer}-{n:04d}"))
            except httpx.HTTPError:
                return  # the service died under us: the outcome of this one is unknown
            n += 1
            if created.status_code == 201:
                acknowledged.append(created.json()["aggregate_id"])


def test_a_service_killed_under_a_write_load_keeps_every_acknowledged_command(
        runtime: Runtime) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    acknowledged: list[str] = []
    stop = threading.Event()
    with process(runtime, "serve", "--port", str(port), "--no-scheduler") as server:
        wait_until_up(url)
        writers = [threading.Thread(target=load_until_killed, args=(url, acknowledged, stop, w))
                   for w in range(4)]
        for writer in writers:
            writer.start()
        wait_for(lambda: len(acknowledged) >= 40, "the load is running")
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
        stop.set()
        for writer in writers:
            writer.join(timeout=30)
    assert len(acknowledged) >= 40
    head = runtime.projector.head()
    with process(runtime, "serve", "--port", str(port), "--no-scheduler"):
        wait_until_up(url)
        assert runtime.projector.wait_for(head, timeout=60), "the restarted service catches up"
    for service_id in acknowledged:
        assert runtime.ledger.repository.get(UUID(service_id)).version >= 1
    listed = {row["service_id"] for row in table(runtime, catalogue_services)}
    assert set(acknowledged) <= listed
    catalogue, nodes = table(runtime, catalogue_services), table(runtime, merkle_nodes)
    runtime.projector.rebuild()
    assert table(runtime, catalogue_services) == catalogue
    assert table(runtime, merkle_nodes) == nodes


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


