"""Two `dsledger scheduler` processes on one database: one leads; when it is killed with SIGKILL
the other takes over within seconds, and every deadline event is still recorded once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from dsledger.runtime import Runtime
from dsledger.settings import Settings
from projections.catalogue_reader import CatalogueReader
from scheduler.clock import ControllableClock
from tests.scheduler.test_deadlines import START, a_year, deadline_events


@pytest.fixture
def runtime(settings_factory: Callable[[], Settings]) -> Iterator[Runtime]:
    rt = Runtime(settings_factory(), clock=ControllableClock(START))
    yield rt
    rt.close()


def scheduler(settings: Settings, now: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DSLEDGER_DATABASE_URL": settings.database_url,
           "DSLEDGER_DATA_DIR": str(settings.data_dir), "DSLEDGER_JWT_SECRET": "x" * 40}
    return subprocess.Popen(
        [sys.executable, "-m", "dsledger.cli", "scheduler", "--now", now, "--interval", "0.5"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_for(condition: Callable[[], bool], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("the condition did not hold in time")


def test_the_follower_takes_over_when_the_leader_is_killed(
    runtime: Runtime, reader: CatalogueReader, catalogue: dict[str, str]
) -> None:
    clock = runtime.clock
    assert isinstance(clock, ControllableClock)
    a_year(runtime, clock, reader, catalogue)
    leader = scheduler(runtime.settings, "2026-12-15")
    try:
        # The leader fires what fell due by mid-December (among them the end notices).
        wait_for(lambda: any(e == "EndNoticeOverdue" for _, _, e, _ in deadline_events(runtime)))
        follower = scheduler(runtime.settings, "2027-02-28")
        try:
            time.sleep(2)  # the follower ticks, finds the lock held, and waits
            assert not any(e == "Expired" for _, _, e, _ in deadline_events(runtime))
            leader.send_signal(signal.SIGKILL)
            leader.wait(timeout=30)
            killed_at = datetime.now(UTC)
            # The follower's clock is at the end of February: it records the expiries.
            wait_for(lambda: any(e == "Expired" for _, _, e, _ in deadline_events(runtime)))
            assert (datetime.now(UTC) - killed_at).total_seconds() < 30
        finally:
            follower.send_signal(signal.SIGTERM)
            follower.wait(timeout=30)
    finally:
        if leader.poll() is None:
            leader.kill()
            leader.wait(timeout=30)
    events = deadline_events(runtime)
    assert len(events) == len({(a, e, s) for _, a, e, s in events}), "a deadline fired twice"
