"""Property: whatever commands were given, in whatever order, with the clock moving and the
scheduler ticking in between, every view built incrementally equals, row by row, a fresh rebuild
from the log — on SQLite and PostgreSQL. Refused commands are part of the game: they record
nothing, and the views must show that too. Bounded (a few short sequences) to stay quick."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.actor import Actor, CommandContext, Role
from domain.contract import Amendment
from domain.contract_terms import Incident, SlaFigures
from domain.quality import InspectionCriterion, InspectionKind
from domain.rules import RuleViolation
from domain.values import Certification, CertificationKind
from dsledger.runtime import Runtime
from dsledger.settings import Settings
from projections.catalogue_reader import CatalogueReader
from scheduler.at_risk import reconcile
from scheduler.clock import ControllableClock
from scheduler.sweep import sweep
from tests.conftest import _empty_postgres
from tests.contract.conftest import awarded, terms
from tests.principals import TEST_SECRET
from tests.procurement.conftest import CATALOGUE, NOW, OFFICER, OPERATOR, profile
from tests.projections.test_engine import every_view

HANEUL = Actor(principal_id="staff@PRV-HANEUL", role=Role.PROVIDER, provider_id="PRV-HANEUL")

# One step of a story: (what, a number that picks whom or how much).
Step = tuple[str, int]
STEPS = st.one_of(
    st.tuples(st.just("conclude"), st.integers(0, 3)),
    st.tuples(st.sampled_from(["disclose", "amend", "sla", "improve"]), st.integers(0, 5)),
    st.tuples(st.sampled_from(["suspend", "reinstate", "cancel", "certify", "revoke",
                               "inspect"]), st.integers(0, len(CATALOGUE) - 1)),
    st.tuples(st.just("advance"), st.integers(1, 200)),
    st.tuples(st.sampled_from(["tick", "project"]), st.integers(1, 40)),
)


class Story:
    """Plays steps against a ledger, the way officers, providers, the operator and the
    scheduler would; a refused command is simply refused."""

    def __init__(self, runtime: Runtime, clock: ControllableClock) -> None:
        self.runtime = runtime
        self.clock = clock
        self.services: list[str] = []
        self.contracts: list[UUID] = []
        self.procurements = 0

    def as_(self, actor: Actor) -> CommandContext:
        return CommandContext(actor=actor, correlation_id="story", at=self.clock())

    def today(self) -> date:
        return self.clock().date()

    def setup(self) -> None:
        ledger = self.runtime.ledger
        op = self.as_(OPERATOR)
        ids: dict[str, str] = {}
        for listed in CATALOGUE:
            service_id = ledger.select_service(op, notice_number=listed.notice,
                                               selection_date=date(2025, 1, 1),
                                               valid_until=date(2027, 1, 1),
                                               profile=profile(listed)).aggregate_id
            ledger.register_service(op, service_id)
            if listed.csap:
                self._add_csap(service_id, listed.notice)
            if listed.mall:
                ledger.list_service_in_mall(op, service_id, f"DSM-{listed.notice}",
                                            date(2025, 2, 1))
            if listed.suspended:
                ledger.suspend_service(op, service_id, "점검")
            ids[listed.notice] = str(service_id)
        self.ids = ids
        self.services = list(ids.values())
        self.runtime.projector.catch_up()

    def _add_csap(self, service_id: UUID, number: str) -> None:
        self.runtime.ledger.add_certification(self.as_(OPERATOR), service_id, Certification(
            kind=CertificationKind.CSAP, number=f"CSAP-{number}", issuer="KISA",
            valid_from=date(2025, 1, 1), valid_until=date(2026, 9, 30)))

    def play(self, step: Step) -> None:
        what, n = step
        if what in {"disclose", "amend", "sla", "improve"} and not self.contracts:
            return  # no contract to act on yet
        with suppress(RuleViolation):  # refused: nothing recorded
            getattr(self, f"_{what}")(n)

    def _contract(self, n: int) -> UUID:
        return self.contracts[n % len(self.contracts)]

    def _conclude(self, n: int) -> None:
        self.procurements += 1
        self.runtime.projector.catch_up()  # the search reads the catalogue view
        pid = awarded(self.runtime, CatalogueReader(self.runtime.db), self.ids,
                      reference=f"결재-{self.procurements:03d}")
        start = self.today() + timedelta(days=10 + n)
        end = date(start.year, 12, 31) if start.month < 11 else start + timedelta(days=40)
        self.contracts.append(self.runtime.ledger.conclude_contract(
            self.as_(OFFICER), pid, terms(start=start, end=end)).aggregate_id)

    def _disclose(self, n: int) -> None:
        self.runtime.ledger.contract_command(self.as_(OFFICER), self._contract(n),
                                             lambda c: c.register_disclosure())

    def _amend(self, n: int) -> None:
        contract = self._contract(n)
        # A single-year contract stays inside its year: shortened, or only the amount.
        self.runtime.ledger.contract_command(self.as_(OFFICER), contract, lambda c: c.amend(
            Amendment(reason="변경", new_end=c.terms.end - timedelta(days=n) if n % 2 else None,
                      new_total_amount_krw=Decimal(250_000_000 + n)),
            confirmed_budget_krw=Decimal(10) ** 12))

    def _sla(self, n: int) -> None:
        month = (self.today().replace(day=1) - timedelta(days=1)).replace(day=1)
        self.runtime.ledger.submit_sla_report(
            self.as_(HANEUL), self._contract(n), self.ids["N-01"], SlaFigures(
                period_start=month, period_end=month + timedelta(days=27),
                availability_percent=Decimal("98.0") if n % 2 else Decimal("99.95"),
                incidents=(Incident(started="x", recovery_minutes=10 * n, description="장애"),)))

    def _improve(self, n: int) -> None:
        self.runtime.ledger.contract_command(
            self.as_(OFFICER), self._contract(n),
            lambda c: c.request_improvement(min(c.breach_refs, default="R0"),
                                            self.today() + timedelta(days=n + 1), "이중화"))

    def _service(self, n: int) -> UUID:
        return UUID(self.services[n % len(self.services)])

    def _suspend(self, n: int) -> None:
        self.runtime.ledger.suspend_service(self.as_(OPERATOR), self._service(n), "점검")

    def _reinstate(self, n: int) -> None:
        self.runtime.ledger.reinstate_service(self.as_(OPERATOR), self._service(n), "재개")

    def _cancel(self, n: int) -> None:
        self.runtime.ledger.cancel_service_selection(self.as_(OPERATOR), self._service(n), "취소")

    def _certify(self, n: int) -> None:
        self._add_csap(self._service(n), f"X{n}-{self.clock().timestamp():.0f}")

    def _revoke(self, n: int) -> None:
        listed = CATALOGUE[n % len(CATALOGUE)]
        self.runtime.ledger.revoke_certification(self.as_(OPERATOR), self._service(n),
                                                 CertificationKind.CSAP,
                                                 f"CSAP-{listed.notice}", "취소")

    def _inspect(self, n: int) -> None:
        ledger = self.runtime.ledger
        nia = self.as_(OPERATOR)
        inspection = ledger.schedule_inspection(nia, self._service(n), InspectionKind.AD_HOC,
                                                self.today(), reason=f"민원 {uuid.uuid4()}"
                                                ).aggregate_id
        finding = ledger.inspection_command(nia, inspection, lambda i: i.record_finding(
            InspectionCriterion.USER_TRUST, "응답 지연")).recorded_id
        ledger.inspection_command(nia, inspection, lambda i: i.request_corrective_action(
            str(finding), "응답 체계 개선", self.today() + timedelta(days=n + 3)))

    def _advance(self, days: int) -> None:
        self.clock.advance(timedelta(days=days))

    def _tick(self, _: int) -> None:
        sweep(self.runtime, limit=10_000)
        reconcile(self.runtime)

    def _project(self, batch_size: int) -> None:
        # Batches of different sizes: views that apply a batch in a few statements must give
        # the same rows whatever the batch boundaries.
        engine = self.runtime.projector
        engine.batch_size = batch_size
        try:
            engine.catch_up()
        finally:
            engine.batch_size = self.runtime.settings.projection_batch_size



@pytest.fixture
def fresh_runtime(backend: str, tmp_path: Any, request: pytest.FixtureRequest,
                  ) -> Callable[[], Any]:
    """A new, empty ledger for each example (hypothesis runs many in one test)."""
    url = request.getfixturevalue("postgres_url") if backend == "postgres" else None

    @contextmanager
    def make() -> Iterator[tuple[Runtime, ControllableClock]]:
        if url is not None:
            _empty_postgres(url)
            database_url = url
        else:
            database_url = f"sqlite:///{tmp_path / f'ledger-{uuid.uuid4().hex}.sqlite3'}"
        clock = ControllableClock(NOW)
        runtime = Runtime(Settings(database_url=database_url, data_dir=tmp_path,
                                   jwt_secret=TEST_SECRET), clock=clock)
        try:
            yield runtime, clock
        finally:
            runtime.close()

    return make


@settings(max_examples=15, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(STEPS, min_size=3, max_size=16))
def test_views_built_step_by_step_equal_a_rebuild(fresh_runtime: Callable[[], Any],
                                                   steps: list[Step]) -> None:
    with fresh_runtime() as (runtime, clock):
        story = Story(runtime, clock)
        story.setup()
        for step in steps:
            story.play(step)
        engine = runtime.projector
        engine.catch_up()
        assert engine.failures() == []
        incremental = every_view(runtime)
        engine.rebuild()
        rebuilt = every_view(runtime)
        for table, rows in incremental.items():
            assert rebuilt[table] == rows, f"{table} differs from a rebuild after {steps}"
