"""Snapshots are a shortcut for loading, never a different answer: every aggregate of a contract
year, loaded from its snapshot at each version, equals the same aggregate replayed from its events
alone — the same attributes with the same types, all the way down. And a snapshot that cannot be
taken never turns a recorded command into an error."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from domain.agency import Agency, AgencyCode
from domain.contract import Contract
from domain.deadline_void import DeadlineVoid
from domain.ledger import Ledger, replay
from domain.procurement import Procurement
from domain.provider_report import SemiannualReport
from domain.quality import QualityInspection
from domain.service import DigitalService
from dsledger.runtime import Runtime
from projections.catalogue_reader import CatalogueReader
from scheduler.clock import ControllableClock
from tests.procurement.conftest import OPERATOR, context
from tests.scheduler.test_deadlines import a_year, clock, runtime

__all__ = ["clock", "runtime"]
KINDS = (DigitalService, Procurement, Contract, QualityInspection, SemiannualReport, Agency,
         AgencyCode, DeadlineVoid)


@pytest.fixture
def every_event(monkeypatch: pytest.MonkeyPatch) -> None:
    """A snapshot after every event of every aggregate, from the catalogue on."""
    monkeypatch.setattr(Ledger, "snapshotting_intervals", dict.fromkeys(KINDS, 1))


def same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[key], b[key]) for key in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def state(aggregate: Any) -> dict[str, Any]:
    return {name: value for name, value in vars(aggregate).items() if name != "_pending_events"}


def test_an_aggregate_loaded_from_its_snapshot_equals_its_replay_from_the_events(
    every_event: None, runtime: Runtime, clock: ControllableClock, reader: CatalogueReader,
    catalogue: dict[str, str],
) -> None:
    a_year(runtime, clock, reader, catalogue)
    ledger = runtime.ledger
    assert ledger.snapshots is not None
    ids = {UUID(str(n.originator_id)) for n in ledger.recorder.select_notifications(1, 100_000)}
    compared: set[str] = set()
    for aggregate_id in ids:
        stored = ledger.recorder.select_events(aggregate_id)
        events = [ledger.mapper.to_domain_event(item) for item in stored]
        for version in range(1, len(events) + 1):
            snapshot = list(ledger.snapshots.get(aggregate_id, lte=version, desc=True, limit=1))
            assert snapshot and snapshot[0].originator_version == version
            loaded = ledger.repository.get(aggregate_id, version=version)
            replayed = replay(None, events[:version])
            assert same(state(loaded), state(replayed)), (type(loaded).__name__, version)
        compared.add(type(replayed).__name__)
    assert compared >= {"DigitalService", "Procurement", "Contract", "QualityInspection"}


def test_a_snapshot_that_fails_leaves_the_recorded_command_answered(
    every_event: None, runtime: Runtime, monkeypatch: pytest.MonkeyPatch,
    catalogue: dict[str, str],
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("the snapshot store is unavailable")

    monkeypatch.setattr(runtime.ledger, "take_snapshot", broken)
    service_id = UUID(catalogue["N-01"])
    before = runtime.ledger.load(DigitalService, service_id).version
    result = runtime.ledger.suspend_service(context(OPERATOR), service_id, "점검")
    assert result.version == before + 1
    assert runtime.ledger.load(DigitalService, service_id).suspended
