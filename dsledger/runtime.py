"""The composition root: the ledger, the read-model database and the projection engine, wired for
the configured database. The API, the CLI and the tests all start from here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, create_engine, event

from domain.actor import utc_now
from domain.ledger import Ledger
from dsledger.settings import Settings
from dsledger.tree_heads import TreeHeadLog, load_signing_key
from projections.agencies import AgencyView
from projections.catalogue import CatalogueView
from projections.contracts import ContractsReader, ContractView
from projections.deadlines import DeadlineView
from projections.disclosures import DisclosureView
from projections.engine import ProjectionEngine
from projections.inspections import InspectionView, ReportView
from projections.merkle_log import MerkleLogView
from projections.migrations import migrate, schema_lock
from projections.procurements import ProcurementView
from projections.search_cache import SearchCache
from scheduler.clock import ControllableClock


def make_engine(settings: Settings) -> Engine:
    if settings.is_postgres:
        # SQLAlchemy's pool opens connections only on demand, so it may keep what it opened up
        # to the cap (no reconnect churn under load); the event store's pool is the eager one.
        # No ping before each checkout: it was a round trip on every view query and every
        # search (half a ping per command). After a database restart the first query on each
        # stale connection fails once, and SQLAlchemy then discards every connection older than
        # the failure, as the event store's pool does.
        return create_engine(settings.sqlalchemy_url(), pool_size=settings.pool_max,
                             max_overflow=0)
    settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.sqlalchemy_url(),
                           connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin (see "begin"):
        # the module's own handling starts none for a SELECT, so two reads in one "transaction"
        # could see two different states of the file.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # The event store and the views share one file; WAL lets readers run beside the writer.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


class Runtime:
    def __init__(self, settings: Settings, clock: Callable[[], datetime] = utc_now) -> None:
        self.settings = settings
        self.clock = clock
        self.db = make_engine(settings)
        with schema_lock(self.db):
            migrate(self.db)
            self.ledger = Ledger(env=settings.ledger_recorder_env())
        self._keep_time_forward()
        self.ledger.contract_index = ContractsReader(self.db)
        self.projector = ProjectionEngine(
            self.ledger,
            self.db,
            [CatalogueView(), ProcurementView(), ContractView(), InspectionView(), ReportView(),
             DeadlineView(), DisclosureView(), AgencyView(), MerkleLogView()],
            batch_size=settings.projection_batch_size,
            listen_dsn=settings.libpq_dsn() if settings.is_postgres else None,
        )

        self.search_cache = SearchCache(settings.search_cache)
        self.tree_heads = TreeHeadLog(self.db, load_signing_key(settings.signing_key_file),
                                      settings.log_origin)

    def now(self) -> datetime:
        return self.clock()

    def _keep_time_forward(self) -> None:
        """A demo clock never starts before the log's newest event: one set there (``--now``) is
        refused (``system.clock-before-log``); one on the machine's time that is behind the log
        (a demo moved forward earlier) resumes from that event instead."""
        clock = self.clock
        if not isinstance(clock, ControllableClock):
            return
        last = self.ledger.last_recorded_at()
        if last is None or clock() >= last:
            return
        if not clock.chosen:
            clock.set(last)
            return
        try:
            self.ledger.require_clock_not_before_log(clock())
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        self.ledger.close()
        self.db.dispose()
