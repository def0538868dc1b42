"""The scheduler on SQLite and PostgreSQL: a whole contract year replayed on a moving clock fires every
deadline event exactly once, in order, after restarts and with two schedulers; a deadline met in
time never fires."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from domain.actor import CommandContext
from domain.contract_terms import EndNotice, Incident, NoticeChannel, SlaFigures
from domain.deadlines import is_business_day, last_business_day_on_or_after
from domain.procurement import Quote
from domain.quality import InspectionCriterion, InspectionKind
from dsledger.runtime import Runtime
from dsledger.settings import Settings
from projections.catalogue_reader import CatalogueReader
from scheduler import sweep as sweep_module
from scheduler.clock import ControllableClock
from scheduler.runner import DeadlineScheduler
from scheduler.sweep import SweepReport, sweep
from tests.contract.conftest import AGENCY_ID, awarded, terms
from tests.procurement.conftest import (
    CATALOGUE,
    OFFICER,
    OPERATOR,
    budget,
    provider_context,
    requirements,
)

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ControllableClock:
    return ControllableClock(START)


@pytest.fixture
def runtime(settings_factory: Callable[[], Settings], clock: ControllableClock) -> Iterator[Runtime]:
    rt = Runtime(settings_factory(), clock=clock)
    yield rt
    rt.close()


def ctx(clock: ControllableClock, actor: Any = OFFICER) -> CommandContext:
    return CommandContext(actor=actor, correlation_id="t", at=clock())


def move(clock: ControllableClock, day: str) -> None:
    clock.set(datetime.fromisoformat(f"{day}T01:00:00+00:00"))


def deadline_events(runtime: Runtime) -> list[tuple[int, str, str, str]]:
    """(position, aggregate, event, subject) of every event the scheduler recorded."""
    out = []
    for notification in runtime.ledger.recorder.select_notifications(start=1, limit=100_000):
        event = runtime.ledger.mapper.to_domain_event(notification)
        if event.actor.role.value != "system":  # type: ignore[attr-defined]
            continue
        subject = str(getattr(event, "provider_id", "") or getattr(event, "breach_ref", "")
                      or getattr(event, "service_id", "") or getattr(event, "finding_id", ""))
        out.append((notification.id, str(event.originator_id), type(event).__name__, subject))
    return out


def a_year(runtime: Runtime, clock: ControllableClock, reader: CatalogueReader,
           catalogue: dict[str, str],
           travel: Callable[[str], None] | None = None) -> dict[str, UUID]:
    """A contract concluded on 2 March 2026 for April-December, with an SLA breach and an
    improvement request; a second procurement left open with a quote; an inspection with a
    corrective action; and a second contract whose obligations are all met in time."""
    ledger = runtime.ledger
    pid = awarded(runtime, reader, catalogue)
    runtime.projector.catch_up()
    contract = ledger.conclude_contract(ctx(clock), pid, terms()).aggregate_id
    # A second, central contract: its disclosure is registered by the Mall delivery itself.
    met = awarded(runtime, reader, catalogue, method=_central(), reference="결재-2026-002")
    on_time = ledger.conclude_contract(ctx(clock), met, terms()).aggregate_id
    # An open procurement with a quote that will lapse.
    other = ledger.open_procurement(ctx(clock), agency_id=AGENCY_ID, reference="결재-2026-009",
                                    title="검토 중", fiscal_year=2026).aggregate_id
    ledger.confirm_budget(ctx(clock), other, budget())
    ledger.define_requirements(ctx(clock), other, requirements())
    from domain.search import SearchConditions, SearchPage
    from domain.values import CertificationKind
    search = ledger.record_search(ctx(clock), other, SearchConditions(
        page=SearchPage.IAAS, certification=frozenset({CertificationKind.CSAP})), reader)
    ledger.save_search(ctx(clock), other, str(search.recorded_id))
    ledger.request_quote(ctx(clock), other, catalogue["N-02"], date(2026, 3, 10), "견적")
    ledger.submit_quote(CommandContext(actor=provider_context("PRV-BADA").actor,
                                       correlation_id="q", at=clock()), other, Quote(
        service_id=catalogue["N-02"], amount_krw=Decimal(1), valid_until=date(2026, 3, 31),
        document_ref="q.pdf", detail=""))
    # An inspection with a corrective action left undone.
    inspection = ledger.schedule_inspection(
        CommandContext(actor=OPERATOR, correlation_id="i", at=clock()), UUID(catalogue["N-05"]),
        InspectionKind.AD_HOC, date(2026, 3, 2), reason="민원").aggregate_id
    nia = CommandContext(actor=OPERATOR, correlation_id="i", at=clock())
    finding = ledger.inspection_command(nia, inspection, lambda i: i.record_finding(
        InspectionCriterion.USER_TRUST, "응답 지연")).recorded_id
    ledger.inspection_command(nia, inspection, lambda i: i.request_corrective_action(
        str(finding), "응답 체계 개선", date(2026, 4, 15)))
    # The year of use: a breach and an improvement request on the first contract; the second
    # contract's providers give their end notice in time.
    go = travel or (lambda day: move(clock, day))
    go("2026-05-02")
    gpu = catalogue["N-01"]
    ledger.submit_sla_report(CommandContext(actor=provider_context("PRV-HANEUL").actor,
                                            correlation_id="s", at=clock()), contract, gpu,
                             SlaFigures(period_start=date(2026, 4, 1),
                                        period_end=date(2026, 4, 30),
                                        availability_percent=Decimal("98.0"),
                                        incidents=(Incident(started="x", recovery_minutes=10,
                                                            description="장애"),)))
    ledger.contract_command(ctx(clock), contract, lambda c: c.request_improvement(
        f"R1:{gpu}:availability_percent", date(2026, 5, 31), "이중화"))
    go("2026-11-20")
    ledger.contract_command(CommandContext(actor=provider_context("PRV-HANEUL").actor,
                                           correlation_id="n", at=clock()), on_time,
                            lambda c: c.send_end_notice(EndNotice(
                                end_date=date(2026, 12, 31), return_right="반환 요청 가능",
                                destruction_notice="미반환 시 파기", return_method="SFTP",
                                contact="02-000-0000", channels=frozenset({NoticeChannel.EMAIL}))))
    return {"contract": contract, "on_time": on_time, "open": other,
            "inspection": inspection}


def _central() -> Any:
    from domain.procurement import ProcurementMethod

    return ProcurementMethod.CENTRAL


def test_a_contract_year_fires_each_deadline_event_exactly_once(
    runtime: Runtime, clock: ControllableClock, reader: CatalogueReader,
    catalogue: dict[str, str]
) -> None:
    # Sweep weekly, twice each time: the second sweep of a day must record nothing.
    def weekly_until(day: str) -> None:
        target = datetime.fromisoformat(f"{day}T01:00:00+00:00")
        while clock() + timedelta(days=7) <= target:
            clock.advance(timedelta(days=7))
            sweep(runtime)
            assert sweep(runtime).fired == []
        clock.set(target)

    ids = a_year(runtime, clock, reader, catalogue, travel=weekly_until)
    weekly_until("2027-04-19")
    events = deadline_events(runtime)
    assert len(events) == len({(a, e, s) for _, a, e, s in events}), "a deadline fired twice"
    by_aggregate = Counter((a, e) for _, a, e, _ in events)
    contract, on_time = str(ids["contract"]), str(ids["on_time"])
    assert by_aggregate[(contract, "DisclosureReminderSent")] == 1
    assert by_aggregate[(contract, "DisclosureOverdue")] == 1
    assert by_aggregate[(contract, "EndNoticeOverdue")] == 2  # both providers stayed silent
    assert by_aggregate[(contract, "Expired")] == 1
    assert by_aggregate[(contract, "ImprovementOverdue")] == 1
    assert by_aggregate[(contract, "DataDispositionOverdue")] == 1
    # The contract whose obligations were met in time: no overdue event at all.
    assert by_aggregate[(on_time, "DisclosureOverdue")] == 0
    assert by_aggregate[(on_time, "DisclosureReminderSent")] == 0
    assert by_aggregate[(on_time, "EndNoticeOverdue")] == 0
    assert by_aggregate[(on_time, "Expired")] == 1
    assert by_aggregate[(str(ids["open"]), "QuoteLapsed")] == 1
    assert by_aggregate[(str(ids["inspection"]), "ReferredToReReview")] == 1
    regular = [e for e in events if e[2] == "Scheduled"]
    active = [listed for listed in CATALOGUE if not listed.suspended]
    assert len(regular) == 2 * len(active)  # 2026 and 2027, a year after selection and yearly
    overdue_reports = [e for e in events if e[2] == "SemiannualReportOverdue"]
    assert len(overdue_reports) == 2 * len(CATALOGUE)  # every provider, 2026 H1 and H2


def test_a_machine_asleep_for_a_year_catches_up_in_order(
    runtime: Runtime, clock: ControllableClock, reader: CatalogueReader,
    catalogue: dict[str, str]
) -> None:
    ids = a_year(runtime, clock, reader, catalogue)
    move(clock, "2027-02-28")
    report = sweep(runtime, limit=10_000)
    assert report.fired
    fired_days = _fire_days(runtime, report)
    assert fired_days == sorted(fired_days)
    events = deadline_events(runtime)
    assert Counter(e for _, a, e, _ in events if a == str(ids["contract"]))["Expired"] == 1
    assert sweep(runtime).fired == []


def _fire_days(runtime: Runtime, report: SweepReport) -> list[date]:
    from sqlalchemy import select

    from projections.tables import deadlines
    with runtime.db.connect() as conn:
        days = dict(conn.execute(select(deadlines.c.deadline_id, deadlines.c.fires_on)).all())
    return [days[key] for key in report.fired]


def test_a_scheduler_killed_mid_sweep_fires_the_rest_once_on_restart(
    runtime: Runtime, clock: ControllableClock, reader: CatalogueReader,
    catalogue: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    a_year(runtime, clock, reader, catalogue)
    move(clock, "2027-02-28")
    fired = 0
    original = dict(sweep_module.FIRES)

    class Killed(Exception):
        pass

    def dying(fire: Any) -> Any:
        def wrapped(*args: Any) -> Any:
            nonlocal fired
            result = fire(*args)
            fired += 1
            if fired == 7:
                raise Killed("SIGKILL after the command committed")
            return result
        return wrapped

    monkeypatch.setattr(sweep_module, "FIRES", {k: dying(v) for k, v in original.items()})
    with pytest.raises(Killed):
        sweep(runtime, limit=10_000)
    monkeypatch.setattr(sweep_module, "FIRES", original)
    sweep(runtime, limit=10_000)
    events = deadline_events(runtime)
    assert len(events) == len({(a, e, s) for _, a, e, s in events})
    assert len(events) >= 7


def test_a_rebuild_recreates_every_pending_deadline(
    runtime: Runtime, clock: ControllableClock, reader: CatalogueReader,
    catalogue: dict[str, str]
) -> None:
    from sqlalchemy import select

    from projections.tables import deadlines
    a_year(runtime, clock, reader, catalogue)
    runtime.projector.catch_up()

    def pending() -> list[tuple[Any, ...]]:
        with runtime.db.connect() as conn:
            return [tuple(r) for r in conn.execute(
                select(deadlines.c.deadline_id, deadlines.c.fires_on, deadlines.c.state)
                .order_by(deadlines.c.deadline_id))]

    before = pending()
    assert any(state == "pending" for *_, state in before)
    runtime.projector.rebuild()
    assert pending() == before


def test_korean_business_days_follow_the_holiday_calendar() -> None:
    assert not is_business_day(date(2026, 9, 25))  # 추석
    assert not is_business_day(date(2026, 10, 3))  # 개천절 (a Saturday)
    assert last_business_day_on_or_after(date(2026, 10, 3)) == date(2026, 10, 6)  # 대체공휴일 5일
    assert is_business_day(date(2026, 10, 7))


def test_two_schedulers_one_leads_and_the_other_takes_over(
    clock: ControllableClock, runtime: Runtime, reader: CatalogueReader,
    catalogue: dict[str, str]
) -> None:
    """On PostgreSQL by an advisory lock held on the leader's own connection; on SQLite by a file
    lock beside the database."""
    a_year(runtime, clock, reader, catalogue)
    move(clock, "2027-02-28")
    second_runtime = Runtime(runtime.settings, clock=clock)
    first, second = DeadlineScheduler(runtime), DeadlineScheduler(second_runtime)
    try:
        assert first.tick() is not None
        assert second.tick() is None  # the follower waits
        first.leadership.release()  # the leader dies: its lock goes with it
        assert second.tick() is not None
        assert first.tick() is None  # and the old leader now follows
        # Even two sweeps at the same moment record each deadline once.
        reports: list[SweepReport] = []
        threads = [threading.Thread(target=lambda rt=rt: reports.append(sweep(rt, limit=10_000)))
                   for rt in (runtime, second_runtime)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        events = deadline_events(runtime)
        assert len(events) == len({(a, e, s) for _, a, e, s in events})
    finally:
        first.stop()
        second.stop()
        second_runtime.close()
