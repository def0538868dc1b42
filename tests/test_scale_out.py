"""dsledger past one process (docs/scale-out.md): two stateless API processes, one projection
worker and two schedulers (one leads) against one PostgreSQL, under a write load from both APIs.
Every command that got a 2xx is in the log, every view equals a rebuild from zero, the Merkle log
verifies, and the tree heads the leading scheduler signed hold."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlalchemy import select

from dsledger.runtime import Runtime
from dsledger.verify import Verifier
from projections.tables import catalogue_services, merkle_nodes
from tests.api.bodies import selection_body
from tests.principals import OPERATOR, bearer
from tests.projections.test_crash_recovery import free_port

pytestmark = pytest.mark.postgres
WRITERS = 6
SERVICES_PER_WRITER = 8
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def backend() -> str:
    return "postgres"


@contextmanager
def process(runtime: Runtime, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    settings = runtime.settings
    env = {**os.environ, "DSLEDGER_DATABASE_URL": settings.database_url,
           "DSLEDGER_DATA_DIR": str(settings.data_dir), "DSLEDGER_JWT_SECRET": settings.jwt_secret,
           "DSLEDGER_TREE_HEAD_INTERVAL": "1"}
    child = subprocess.Popen([sys.executable, "-m", "dsledger.cli", *args], env=env, cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield child
    finally:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(timeout=10)


def wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not start")


def write_load(url: str, writer: int) -> list[str]:
    """Select and register services; return the ids of the ones the API accepted."""
    accepted = []
    with httpx.Client(base_url=url, headers=bearer(OPERATOR), timeout=30) as client:
        for n in range(SERVICES_PER_WRITER):
            created = client.post("/services", json=selection_body(f"NIA-SO-{writer}-{n:03d}"))
            assert created.status_code == 201, created.text
            service_id = created.json()["aggregate_id"]
            registered = client.post(f"/services/{service_id}/registration")
            assert registered.status_code == 200, registered.text
            accepted.append(service_id)
    return accepted


def table(runtime: Runtime, which: Any) -> list[dict[str, Any]]:
    with runtime.db.connect() as conn:
        return [dict(row) for row in conn.execute(
            select(which).order_by(*which.primary_key.columns)).mappings()]


def test_two_apis_a_worker_and_two_schedulers_agree_with_a_rebuild(runtime: Runtime) -> None:
    ports = [free_port(), free_port()]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    with ExitStack() as stack:
        for port in ports:
            stack.enter_context(process(runtime, "serve", "--port", str(port), "--no-projector",
                                        "--no-scheduler"))
        stack.enter_context(process(runtime, "project"))
        for _ in range(2):
            stack.enter_context(process(runtime, "scheduler", "--interval", "0.5"))
        for url in urls:
            wait_until_up(url)
        with ThreadPoolExecutor(WRITERS) as pool:
            batches = list(pool.map(lambda w: write_load(urls[w % 2], w), range(WRITERS)))
        accepted = {service_id for batch in batches for service_id in batch}
        assert len(accepted) == WRITERS * SERVICES_PER_WRITER
        head = runtime.projector.head()
        assert head >= 2 * len(accepted)
        assert runtime.projector.wait_for(head, timeout=60), "the worker catches up"
        deadline = time.monotonic() + 30
        while (runtime.tree_heads.latest() is None
               or runtime.tree_heads.latest().tree_size < head):  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "the leading scheduler signs the grown log"
            time.sleep(0.2)
    listed = {row["service_id"] for row in table(runtime, catalogue_services)}
    assert accepted <= listed
    for service_id in accepted:
        assert runtime.ledger.repository.get(UUID(service_id)).version == 2
    catalogue, nodes = table(runtime, catalogue_services), table(runtime, merkle_nodes)
    runtime.projector.rebuild()
    assert table(runtime, catalogue_services) == catalogue
    assert table(runtime, merkle_nodes) == nodes
    report = Verifier(runtime.ledger.recorder, runtime.db, runtime.tree_heads.public_key).run()
    assert report.ok, report.problems[:3]
    assert report.heads_checked >= 1
