"""Kill the service with SIGKILL while it projects, start it again: the views it finishes equal a
rebuild from zero, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from domain.actor import Actor, CommandContext, Role, acting
from domain.service import DigitalService
from domain.values import CompanySize, DocumentKind, ProviderType, ServiceProfile, ServiceType
from dsledger.runtime import Runtime
from dsledger.settings import Settings
from projections.tables import catalogue_services, projection_tracking

SERVICES = 600
TODAY = datetime.now(UTC).date()
CONTEXT = CommandContext(actor=Actor(principal_id="loader", role=Role.OPERATOR),
                         correlation_id="crash-test", at=datetime.now(UTC))


def record_many(runtime: Runtime) -> int:
    """Three events for each of many services, saved in large transactions to be quick."""
    for start in range(0, SERVICES, 100):
        batch = []
        with acting(CONTEXT):
            for n in range(start, start + 100):
                # Selected today, so no yearly inspection falls due while the service runs its
                # scheduler: the test is about projection, not about deadlines.
                service = DigitalService.select(
                    notice_number=f"K-{n}", selection_date=TODAY,
                    valid_until=TODAY + timedelta(days=3 * 365),
                    profile=ServiceProfile(
                        name=f"복구 시험 서비스 {n}", provider_id=f"PRV-{n % 13}",
                        provider_name="시험 제공자", service_type=ServiceType.SAAS,
                        company_size=CompanySize.SME, provider_type=ProviderType.ORIGINAL,
                        description="장애 복구 시험", documents=frozenset({DocumentKind.SLA})))
                service.register()
                if n % 2:
                    service.suspend("점검")
                batch.append(service)
        runtime.ledger.save(*batch)
    return runtime.projector.head()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def service_process(settings: Settings) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    env = {
        **os.environ,
        "DSLEDGER_DATABASE_URL": settings.database_url,
        "DSLEDGER_DATA_DIR": str(settings.data_dir),
        "DSLEDGER_JWT_SECRET": settings.jwt_secret,
        "DSLEDGER_PROJECTION_BATCH_SIZE": "5",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "dsledger.cli", "serve", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        yield process, f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def poll(url: str, until: Callable[[dict[str, Any]], bool], timeout: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            body: dict[str, Any] = httpx.get(f"{url}/ledger/position", timeout=2).json()
            if until(body):
                return body
        except httpx.HTTPError:
            pass
        time.sleep(0.01)
    raise AssertionError(f"{url} did not reach the expected position in {timeout}s")


def views(runtime: Runtime) -> list[dict[str, Any]]:
    with runtime.db.connect() as conn:
        rows = conn.execute(select(catalogue_services).order_by(catalogue_services.c.service_id))
        return [dict(row) for row in rows.mappings()]


def tracked(runtime: Runtime) -> int:
    with runtime.db.connect() as conn:
        return int(conn.execute(select(projection_tracking.c.position).where(
            projection_tracking.c.view == "catalogue")).scalar_one())


def test_a_service_killed_while_projecting_resumes_and_matches_a_rebuild(
    runtime: Runtime,
) -> None:
    head = record_many(runtime)
    settings = runtime.settings
    with service_process(settings) as (process, url):
        poll(url, lambda body: body["views"]["catalogue"] >= 300)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    at_kill = tracked(runtime)
    assert 300 <= at_kill < head, "the kill should land in the middle of the projection"

    with service_process(settings) as (process, url):
        # ">=": the scheduler in the service may record deadline events of its own meanwhile.
        poll(url, lambda body: body["views"]["catalogue"] >= head)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)

    resumed = views(runtime)
    assert len(resumed) == SERVICES
    runtime.projector.rebuild()
    assert views(runtime) == resumed


def kill_a_worker_mid_way_and_restart(runtime: Runtime, head: int,
                                      reached: Callable[[], int]) -> None:
    """Start ``dsledger project`` (batches of 5), SIGKILL it once ``reached()`` passes 300, check
    the kill landed before the head, and start it again until every view reaches ``head``."""
    settings = runtime.settings
    env = {**os.environ, "DSLEDGER_DATABASE_URL": settings.database_url,
           "DSLEDGER_DATA_DIR": str(settings.data_dir), "DSLEDGER_JWT_SECRET": settings.jwt_secret,
           "DSLEDGER_PROJECTION_BATCH_SIZE": "5"}
    worker = subprocess.Popen([sys.executable, "-m", "dsledger.cli", "project"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while reached() < 300:
            assert time.monotonic() < deadline, "the worker did not start projecting"
            time.sleep(0.01)
        worker.send_signal(signal.SIGKILL)
    finally:
        worker.wait(timeout=30)
    at_kill = reached()
    assert 300 <= at_kill < head, "the kill should land in the middle of the projection"
    worker = subprocess.Popen([sys.executable, "-m", "dsledger.cli", "project"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert runtime.projector.wait_for(head, timeout=120), "the restarted worker catches up"
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)


def test_a_projection_worker_killed_mid_batch_resumes_and_matches_a_rebuild(
    runtime: Runtime,
) -> None:
    head = record_many(runtime)
    kill_a_worker_mid_way_and_restart(runtime, head, lambda: tracked(runtime))
    resumed = views(runtime)
    assert len(resumed) == SERVICES
    runtime.projector.rebuild()
    assert views(runtime) == resumed


# A story touching every view: procurements and contracts, SLA breaches, inspections, suspensions,
# the clock moving and the scheduler firing (and voiding) deadlines.
STORY: list[tuple[str, int]] = [
    ("conclude", 1), ("conclude", 2), ("disclose", 0), ("inspect", 2), ("advance", 40),
    ("tick", 1), ("advance", 70), ("amend", 1), ("sla", 1), ("improve", 1), ("suspend", 0),
    ("certify", 3), ("revoke", 1), ("tick", 1), ("advance", 120), ("tick", 1),
    ("reinstate", 0), ("cancel", 4), ("conclude", 0), ("advance", 200), ("tick", 1),
]


def test_a_worker_killed_mid_batch_over_a_whole_story_leaves_every_view_equal_to_a_rebuild(
    settings_factory: Callable[[], Settings],
) -> None:
    from scheduler.clock import ControllableClock
    from tests.procurement.conftest import NOW
    from tests.projections.test_engine import every_view
    from tests.projections.test_views_equal_a_rebuild import Story

    clock = ControllableClock(NOW)
    runtime = Runtime(settings_factory(), clock=clock)
    try:
        story = Story(runtime, clock)
        story.setup()
        for step in STORY:
            story.play(step)
        record_many(runtime)
        head = runtime.projector.head()
        # Every view from zero, by the worker that is killed: the whole story is projected
        # across the kill, not only the catalogue's bulk.
        runtime.projector.empty()
        kill_a_worker_mid_way_and_restart(runtime, head, runtime.projector.position)
        assert runtime.projector.failures() == []
        resumed = every_view(runtime)
        assert resumed["contracts"] and resumed["deadlines"] and resumed["inspections"]
        runtime.projector.rebuild()
        assert every_view(runtime) == resumed
    finally:
        runtime.close()
