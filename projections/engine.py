"""The projection engine: follows the ledger's global sequence and applies each event to every view.

Each view's tracking position is written in the same transaction as its rows, and a batch is
claimed by moving the position from the value it was read at (``UPDATE … WHERE position = old``)
before any row is touched. So each event is applied to a view exactly once — after a crash at any
point (the transaction rolls back, position and rows together) and with several workers (the loser
of a claim rolls back and re-reads).

On SQLite it polls (the library's SQLite recorder cannot subscribe); on PostgreSQL it sleeps on
LISTEN for the recorder's NOTIFY and polls only as a fallback.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import psycopg
from sqlalchemy import Connection, Engine, Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from domain.ledger import Ledger
from projections.tables import projection_tracking

log = logging.getLogger(__name__)


class View(ABC):
    """One read model: its tables and how an event changes them."""

    name: ClassVar[str]
    tables: ClassVar[tuple[Table, ...]]
    raw: ClassVar[bool] = False
    """True for a view of the stored records themselves (the Merkle log): it is given the
    library's ``Notification`` (id, originator, version, topic, stored bytes), not the event."""

    @abstractmethod
    def apply(self, conn: Connection, event: Any, position: int) -> None:
        """Apply one event (decoded, or the stored notification for a raw view) at its global
        position; ignore what is not ours."""

    def apply_batch(self, conn: Connection, items: Sequence[tuple[int, Any]]) -> None:
        """Apply a batch of (position, event) in order; a view may do it in fewer statements."""
        for position, item in items:
            self.apply(conn, item, position)


class ProjectionEngine:
    def __init__(
        self,
        ledger: Ledger,
        db: Engine,
        views: Sequence[View],
        *,
        batch_size: int = 500,
        listen_dsn: str | None = None,
        poll_interval: float = 0.05,
    ) -> None:
        self.ledger = ledger
        self.db = db
        self.views = list(views)
        self.batch_size = batch_size
        self.listen_dsn = listen_dsn
        self.poll_interval = poll_interval
        self._progress = threading.Condition()
        self._poke = threading.Event()
        self._ensure_tracking_rows()

    # --- positions ----------------------------------------------------------------------------
    def positions(self) -> dict[str, int]:
        with self.db.connect() as conn:
            rows = conn.execute(select(projection_tracking.c.view, projection_tracking.c.position))
            return {row.view: int(row.position) for row in rows
                    if row.view in {view.name for view in self.views}}

    def position(self) -> int:
        """The position every view has reached."""
        return min(self.positions().values(), default=0)

    def head(self) -> int:
        return int(self.ledger.recorder.max_notification_id() or 0)

    def _ensure_tracking_rows(self) -> None:
        existing = self.positions()
        for view in self.views:
            if view.name in existing:
                continue
            try:
                with self.db.begin() as conn:
                    conn.execute(insert(projection_tracking).values(view=view.name, position=0))
            except IntegrityError:
                pass  # another worker created it first

    # --- processing ---------------------------------------------------------------------------
    def run_once(self) -> int:
        """Apply the next batch of events to every view that has not seen them; return how many
        (view, event) applications were committed."""
        positions = self.positions()
        start = min(positions.values(), default=0)
        notifications = self.ledger.recorder.select_notifications(
            start=start + 1, limit=self.batch_size
        )
        if not notifications:
            return 0
        mapper = self.ledger.mapper
        raw = [(n.id, n) for n in notifications]
        # Decoded once for every view that reads events, and not at all when only raw views
        # (the Merkle log) are behind.
        events = ([(n.id, mapper.to_domain_event(n)) for n in notifications]
                  if any(not view.raw and positions[view.name] < raw[-1][0] for view in self.views)
                  else [])
        applied = 0
        for view in self.views:
            old = positions[view.name]
            todo = [(position, item) for position, item in (raw if view.raw else events)
                    if position > old]
            if not todo:
                continue
            new = todo[-1][0]
            with self.db.begin() as conn:
                if conn.dialect.name == "postgresql":
                    # A view is derived: a crash may lose its last few commits, never half of one
                    # (its rows and its tracking row go together), and the lost ones are simply
                    # applied again. So it need not wait for the WAL flush the ledger waits for.
                    conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
                claimed = conn.execute(
                    update(projection_tracking)
                    .where(projection_tracking.c.view == view.name)
                    .where(projection_tracking.c.position == old)
                    .values(position=new)
                ).rowcount
                if claimed != 1:
                    conn.rollback()
                    continue
                view.apply_batch(conn, todo)
            applied += len(todo)
            self._advanced()
        return applied

    def catch_up(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Run batches until every view has reached the head of the log as it was on entry."""
        target = self.head()
        total = 0
        while self.position() < target:
            total += self.run_once()
            if progress is not None:
                progress(min(self.position(), target), target)
        return total

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Empty every view and replay the whole log into it."""
        with self.db.begin() as conn:
            for view in self.views:
                for table in reversed(view.tables):
                    conn.execute(delete(table))
                conn.execute(
                    update(projection_tracking)
                    .where(projection_tracking.c.view == view.name)
                    .values(position=0)
                )
        return self.catch_up(progress)

    # --- running in the background ------------------------------------------------------------
    def poke(self) -> None:
        """Tell a sleeping runner there is something new (commands in this process call it)."""
        self._poke.set()

    def run_forever(self, stop: threading.Event) -> None:
        listener = self._listen() if self.listen_dsn else None
        try:
            while not stop.is_set():
                try:
                    if self.run_once():
                        continue
                except Exception:
                    # A failed batch rolled back as a whole; retry after a pause rather than die.
                    log.exception("projection batch failed; retrying")
                    stop.wait(1.0)
                    continue
                self._sleep(stop, listener)
        finally:
            if listener is not None:
                listener.close()

    def _listen(self) -> psycopg.Connection[Any] | None:
        assert self.listen_dsn is not None
        channel = getattr(self.ledger.recorder, "channel_name", None)
        if channel is None:
            return None
        conn = psycopg.connect(self.listen_dsn, autocommit=True)
        conn.execute(psycopg.sql.SQL("LISTEN {}").format(psycopg.sql.Identifier(channel)))
        return conn

    def _sleep(self, stop: threading.Event, listener: psycopg.Connection[Any] | None) -> None:
        if self._poke.is_set():
            self._poke.clear()
            return
        if listener is not None:
            for _ in listener.notifies(timeout=1.0, stop_after=1):
                pass
            return
        self._poke.wait(self.poll_interval)
        self._poke.clear()

    def start(self) -> tuple[threading.Thread, threading.Event]:
        stop = threading.Event()
        thread = threading.Thread(target=self.run_forever, args=(stop,), name="projections",
                                  daemon=True)
        thread.start()
        return thread, stop

    # --- reading your own writes --------------------------------------------------------------
    def _advanced(self) -> None:
        with self._progress:
            self._progress.notify_all()

    def wait_for(self, position: int, timeout: float = 5.0) -> bool:
        """Block until every view has applied the event at ``position`` (or the timeout passes).

        Progress made by this process wakes the waiter at once; progress made by a projection
        worker in another process is seen by re-reading the tracking table.
        """
        deadline = time.monotonic() + timeout
        while True:
            if self.position() >= position:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self.poke()
            with self._progress:
                self._progress.wait(min(remaining, 0.02))
