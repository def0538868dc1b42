"""``dsledger serve --workers N``: uvicorn's supervisor runs N API-only processes on one port, and
the process that started it runs the projection engine and the scheduler. A write recorded behind
the API's back is read through whichever worker a fresh connection lands on, once the
X-Min-Position it names has been projected; a worker that dies is replaced; SIGTERM stops the
supervisor and every worker with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import httpx
from click.testing import CliRunner

from dsledger.cli import main
from dsledger.runtime import Runtime
from tests.principals import OPERATOR, bearer
from tests.projections.test_crash_recovery import free_port
from tests.projections.test_engine import CONTEXT, profile

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
START_TIMEOUT = 60.0


def children(pid: int) -> list[int]:
    """The API workers: the processes uvicorn's supervisor spawned (multiprocessing's resource
    tracker is a child too, and is no worker)."""
    spawned = [int(child) for task in Path(f"/proc/{pid}/task").glob("*/children")
               for child in task.read_text().split()]
    return [child for child in spawned if alive(child) and "spawn_main" in " ".join(cmdline(child))]


def cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except FileNotFoundError:
        return []


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


@contextmanager
def supervisor(runtime: Runtime, port: int) -> Iterator[subprocess.Popen[bytes]]:
    settings = runtime.settings
    env = {**os.environ, "DSLEDGER_DATABASE_URL": settings.database_url,
           "DSLEDGER_DATA_DIR": str(settings.data_dir), "DSLEDGER_JWT_SECRET": settings.jwt_secret}
    process = subprocess.Popen(
        [sys.executable, "-m", "dsledger.cli", "serve", "--port", str(port), "--no-demo",
         "--workers", str(WORKERS), "--no-access-log"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def wait_until(condition: str, check: Callable[[], bool], timeout: float = START_TIMEOUT,
               ) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout:g} s: {condition}")


def answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_workers_answer_reads_the_supervisor_projects(runtime: Runtime) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with supervisor(runtime, port) as process:
        wait_until("the service answers",
                   lambda: answers(url) or process.poll() is not None)
        assert process.poll() is None, f"serve --workers exited ({process.returncode})"
        wait_until(f"{WORKERS} workers run", lambda: len(children(process.pid)) == WORKERS)
        workers = children(process.pid)
        # Recorded straight into the ledger: no worker pokes a projector, nobody waits for it.
        recorded = [runtime.ledger.select_service(
            CONTEXT, notice_number=f"W-{n}", selection_date=date(2025, 1, 1),
            valid_until=date(2028, 1, 1), profile=profile(n)) for n in range(6)]
        for result in recorded:
            # A new connection each time, so the reads land on either worker.
            with httpx.Client(base_url=url, headers=bearer(OPERATOR), timeout=30) as client:
                entry = client.get(f"/services/{result.aggregate_id}",
                                   headers={"X-Min-Position": str(result.position)})
            assert entry.status_code == 200, entry.text
            assert entry.json()["notice_number"] == f"W-{recorded.index(result)}"
            assert entry.json()["position"] <= result.position
        # A worker that dies is replaced; the others go on answering meanwhile.
        os.kill(workers[0], signal.SIGKILL)
        wait_until("a new worker replaces the killed one",
                   lambda: workers[0] not in children(process.pid)
                   and len(children(process.pid)) == WORKERS)
        wait_until("the service answers", lambda: answers(url))
        workers = children(process.pid)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=40) == 0
    wait_until("the workers stop with their supervisor",
               lambda: not any(alive(pid) for pid in workers), timeout=30)
    assert runtime.projector.position() >= recorded[-1].position


def test_workers_refuse_a_demo_clock() -> None:
    outcome = CliRunner().invoke(main, ["serve", "--workers", "2", "--now", "2026-03-02"])
    assert outcome.exit_code == 2
    assert "--workers" in outcome.output
