"""The aggregate cache is a shortcut for loading, never a different answer: what a command loads is
the aggregate as the log has it — after a whole contract year, after another process recorded,
after a command that changed its copy and was never saved, and while other threads catch the same
cached aggregate up."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest

from domain import rules
from domain.actor import acting
from domain.contract import Contract
from domain.ledger import Ledger, replay
from domain.procurement import Procurement
from domain.quality import QualityInspection
from domain.repository import CopyingRepository
from domain.rules import RuleViolation
from domain.service import DigitalService
from dsledger.runtime import Runtime
from projections.catalogue_reader import CatalogueReader
from scheduler.clock import ControllableClock
from tests.procurement.conftest import OPERATOR, context
from tests.scheduler.test_deadlines import a_year, clock, runtime
from tests.scheduler.test_snapshots import same, state

__all__ = ["clock", "runtime"]


def replayed(ledger: Ledger, aggregate_id: UUID, version: int | None = None) -> Any:
    """The aggregate from its events alone: no cache, no snapshot."""
    stored = ledger.recorder.select_events(aggregate_id, lte=version)
    return replay(None, (ledger.mapper.to_domain_event(item) for item in stored))


def in_another_process(runtime: Runtime, *commands: Callable[[Ledger], object]) -> None:
    """The commands run by a second ledger on the same database, as another process would."""
    other = Runtime(runtime.settings, clock=runtime.clock)
    try:
        for command in commands:
            command(other.ledger)
    finally:
        other.close()


def suspended(service_id: UUID) -> Callable[[Ledger], object]:
    return lambda ledger: ledger.suspend_service(context(OPERATOR), service_id, "품질 점검")


def reinstated(service_id: UUID) -> Callable[[Ledger], object]:
    return lambda ledger: ledger.reinstate_service(context(OPERATOR), service_id, "점검 완료")


def test_the_ledger_caches_aggregates_and_hands_out_copies(runtime: Runtime,
                                                           catalogue: dict[str, str]) -> None:
    ledger = runtime.ledger
    assert isinstance(ledger.repository, CopyingRepository)
    service_id = UUID(catalogue["N-01"])
    first = ledger.load(DigitalService, service_id)
    second = ledger.load(DigitalService, service_id)
    assert first is not second
    assert same(state(first), state(second))


def test_every_aggregate_of_a_contract_year_loads_as_its_events_replay(
    runtime: Runtime, clock: ControllableClock, reader: CatalogueReader,
    catalogue: dict[str, str],
) -> None:
    ledger = runtime.ledger
    # Cached before the year starts: every later load catches these up rather than replaying.
    for service_id in catalogue.values():
        ledger.load(DigitalService, UUID(service_id))
    a_year(runtime, clock, reader, catalogue)
    ids = {UUID(str(n.originator_id)) for n in ledger.recorder.select_notifications(1, 100_000)}
    kinds: set[str] = set()
    for aggregate_id in ids:
        expected = replayed(ledger, aggregate_id)
        loaded = ledger.load(type(expected), aggregate_id)
        assert same(state(loaded), state(expected)), type(expected).__name__
        kinds.add(type(expected).__name__)
    assert kinds >= {DigitalService.__name__, Procurement.__name__, Contract.__name__,
                     QualityInspection.__name__}


def test_a_load_sees_what_another_process_recorded_since_it_cached(
    runtime: Runtime, catalogue: dict[str, str],
) -> None:
    service_id = UUID(catalogue["N-01"])
    cached = runtime.ledger.load(DigitalService, service_id)
    in_another_process(runtime, suspended(service_id))
    loaded = runtime.ledger.load(DigitalService, service_id)
    assert loaded.version == cached.version + 1
    assert loaded.suspended


def test_a_command_on_a_cache_another_process_moved_past_is_decided_on_the_log(
    runtime: Runtime, catalogue: dict[str, str],
) -> None:
    """The cached aggregate says the service is not suspended; another process suspended it since.
    Reinstating it must succeed (not be refused as 'not suspended'), and suspending it must be
    refused by the rule, not by a version conflict."""
    service_id = UUID(catalogue["N-01"])
    cached = runtime.ledger.load(DigitalService, service_id)
    in_another_process(runtime, suspended(service_id))
    result = runtime.ledger.reinstate_service(context(OPERATOR), service_id, "점검 완료")
    assert result.version == cached.version + 2
    assert not runtime.ledger.load(DigitalService, service_id).suspended

    in_another_process(runtime, suspended(service_id))
    with pytest.raises(RuleViolation) as refusal:
        runtime.ledger.suspend_service(context(OPERATOR), service_id, "다시 점검")
    assert refusal.value.rule is not rules.COMMAND_VERSION_CONFLICT
    loaded = runtime.ledger.load(DigitalService, service_id)
    assert loaded.version == cached.version + 3
    assert same(state(loaded), state(replayed(runtime.ledger, service_id)))


def test_a_command_whose_cached_version_was_taken_by_another_process_is_recorded_after_it(
    runtime: Runtime, catalogue: dict[str, str],
) -> None:
    """The cached aggregate is at version n; another process recorded n+1. The command's insert of
    n+1 conflicts; it is decided again on the log and recorded as n+2, without a 409."""
    service_id = UUID(catalogue["N-01"])
    cached = runtime.ledger.load(DigitalService, service_id)
    in_another_process(runtime, suspended(service_id), reinstated(service_id))
    result = runtime.ledger.suspend_service(context(OPERATOR), service_id, "다시 점검")
    assert result.version == cached.version + 3
    loaded = runtime.ledger.load(DigitalService, service_id)
    assert loaded.suspended
    assert same(state(loaded), state(replayed(runtime.ledger, service_id)))


def test_a_saved_copy_changed_again_and_never_saved_is_not_what_the_next_command_sees(
    runtime: Runtime, catalogue: dict[str, str],
) -> None:
    ledger = runtime.ledger
    service_id = UUID(catalogue["N-01"])
    ledger.load(DigitalService, service_id)  # cached
    service = ledger.load(DigitalService, service_id)  # the caller's copy
    with acting(context(OPERATOR)):
        service.suspend("품질 점검")
    ledger.save(service)
    with acting(context(OPERATOR)):
        service.reinstate("저장하지 않은 변경")
    # The log says suspended, whatever the caller's copy says: suspending again is refused, and
    # nothing is recorded on top of a version the log never had.
    with pytest.raises(RuleViolation) as refusal:
        ledger.suspend_service(context(OPERATOR), service_id, "다시 점검")
    assert refusal.value.rule is rules.SERVICE_ALREADY_SUSPENDED
    versions = [event.originator_version for event in ledger.recorder.select_events(service_id)]
    assert versions == list(range(1, len(versions) + 1))
    loaded = ledger.load(DigitalService, service_id)
    assert loaded.suspended
    assert same(state(loaded), state(replayed(ledger, service_id)))


def test_a_command_refused_after_changing_its_copy_leaves_the_log_state(
    runtime: Runtime, catalogue: dict[str, str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    ledger = runtime.ledger
    service_id = UUID(catalogue["N-01"])
    before = ledger.load(DigitalService, service_id)

    def failing_save(*_aggregates: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("the database went away between the rules and the insert")

    monkeypatch.setattr(ledger, "save", failing_save)
    with pytest.raises(RuntimeError):
        ledger.suspend_service(context(OPERATOR), service_id, "품질 점검")
    monkeypatch.undo()
    after = ledger.load(DigitalService, service_id)
    assert after.version == before.version
    assert not after.suspended
    assert same(state(after), state(replayed(ledger, service_id)))


def test_an_aggregate_that_fails_to_catch_up_is_dropped_from_the_cache(
    runtime: Runtime, catalogue: dict[str, str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    ledger = runtime.ledger
    service_id = UUID(catalogue["N-01"])
    ledger.load(DigitalService, service_id)
    in_another_process(runtime, suspended(service_id), reinstated(service_id))
    real = DigitalService.Reinstated.mutate

    def broken(self: Any, aggregate: Any) -> Any:
        aggregate.half_applied = True
        raise ValueError("an event that no longer applies")

    # The suspension applies to the cached object, then the reinstatement fails half way
    # through changing it.
    monkeypatch.setattr(DigitalService.Reinstated, "mutate", broken)
    with pytest.raises(ValueError):
        ledger.load(DigitalService, service_id)
    monkeypatch.setattr(DigitalService.Reinstated, "mutate", real)
    loaded = ledger.load(DigitalService, service_id)
    assert not loaded.suspended
    assert same(state(loaded), state(replayed(ledger, service_id)))


def test_threads_catching_up_one_cached_aggregate_each_get_a_state_the_log_had(
    runtime: Runtime, catalogue: dict[str, str],
) -> None:
    ledger = runtime.ledger
    service_id = UUID(catalogue["N-01"])
    ledger.load(DigitalService, service_id)
    stop = threading.Event()
    seen: list[DigitalService] = []
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            while not stop.is_set():
                seen.append(ledger.load(DigitalService, service_id))
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    # Switch threads as often as CPython allows, so a copy taken while another thread is half way
    # through an event would be caught.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    for thread in threads:
        thread.start()
    try:
        for turn in range(40):
            if turn % 2 == 0:
                ledger.suspend_service(context(OPERATOR), service_id, "품질 점검")
            else:
                ledger.reinstate_service(context(OPERATOR), service_id, "점검 완료")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        sys.setswitchinterval(interval)
    assert not errors
    assert seen
    history = {version: replayed(ledger, service_id, version)
               for version in {copy.version for copy in seen}}
    for copy in seen:
        assert same(state(copy), state(history[copy.version])), copy.version
