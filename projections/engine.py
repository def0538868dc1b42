"""The projection engine: follows the ledger's global sequence and applies each event to every view.

Each view's tracking position is written in the same transaction as its rows, and a batch is
claimed by moving the position from the value it was read at (``UPDATE … WHERE position = old``)
before any row is touched. So each event is applied to a view exactly once — after a crash at any
point (the transaction rolls back, position and rows together) and with several workers (the loser
of a claim rolls back and re-reads).

A batch is read and decoded once for every view. A view is handed only the events of the aggregates
it reads (``View.aggregates``); a view with none in a batch only has its position moved, together
with the other such views, in one small transaction. A small batch (what a live worker sees) goes to
every view in one transaction. On PostgreSQL the views of a large batch (a catch-up) are applied
three at a time in threads, one connection each, while the next batch is read: the GIL runs one
view's Python at a time, but a third of a catch-up's time was spent waiting for PostgreSQL to take
rows, and that wait now overlaps another view's Python (measured on two cores: about a tenth more
events/s; an earlier measurement, when the views' Python cost twice what it does now, found no
gain). On SQLite they are applied one after the other: it has one writer.

On SQLite it polls (the library's SQLite recorder cannot subscribe); on PostgreSQL it sleeps on
LISTEN for the recorder's NOTIFY and polls only as a fallback.

A view that cannot apply an event stops alone (``view_failures``): the engine finds the event
(only then does it apply that view's share of the batch event by event), commits what came before
it, and records the view as failed at that position with the error. The other views go on, commands
stop waiting for it (``wait_for``), and it is tried again after a pause that doubles up to five
minutes (and at once by a process that starts: new code may have been deployed). When the event
applies, its failure row goes in the same transaction, so the view resumes exactly where it stopped.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, ClassVar

import msgspec
import psycopg
from sqlalchemy import (
    Boolean,
    Connection,
    Engine,
    LargeBinary,
    Table,
    bindparam,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from domain.ledger import Ledger
from projections.reads import single_statement_reads
from projections.tables import projection_tracking, view_failures

log = logging.getLogger(__name__)

Items = list[tuple[int, Any]]
SMALL_BATCH = 50
"""At most this many events, a batch is applied to every view in one transaction (see
``ProjectionEngine._apply_together``)."""
COPY_THRESHOLD = 100
"""From this many rows on, ``bulk_insert`` stages rows that may exist already by COPY (measured:
below it, the temporary table costs more than adapting the arrays of one ``unnest``)."""
TABLE_READ = 0.02
TABLE_READ_LIVE = 0.25
"""How often ``wait_for`` re-reads the views' positions from the table: without a live worker
in this process (an API worker beside a separate projector), and with one."""
RETRY_FIRST = 1.0
RETRY_MAX = 300.0
"""A failed view is tried again after ``RETRY_FIRST`` seconds, then twice as long after each
failure at the same event, never longer than ``RETRY_MAX``: a fault that needs a fix is not hammered
on, and one that goes away by itself (a lock, a full disk) is soon noticed."""


def retry_delay(attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failure at one event before trying it again."""
    return min(RETRY_FIRST * 2.0 ** min(max(attempts - 1, 0), 32), RETRY_MAX)


class ViewFailure(msgspec.Struct, frozen=True):
    """A view stopped at an event it could not apply (a row of ``view_failures``)."""

    view: str
    position: int
    """The global position of the event; the view has applied every event before it."""
    originator_id: str
    originator_version: int
    event_type: str
    error_class: str
    error_message: str
    first_failed_at: datetime
    last_failed_at: datetime
    attempts: int
    next_attempt_at: datetime
    """When a running worker tries it again (a worker that starts tries at once)."""


def _describe(item: Any) -> tuple[str, int, str]:
    """(originator id, version, type) of a decoded event, or of a raw view's notification."""
    topic = getattr(item, "topic", None)
    kind = topic.partition(":")[2] if isinstance(topic, str) else type(item).__qualname__
    return (str(getattr(item, "originator_id", "")), int(getattr(item, "originator_version", 0)),
            kind)


class _Located(Exception):
    """Raised out of a view's transaction once its failing event is found, to roll it back."""


class View(ABC):
    """One read model: its tables and how an event changes them."""

    name: ClassVar[str]
    tables: ClassVar[tuple[Table, ...]]
    raw: ClassVar[bool] = False
    """True for a view of the stored records themselves (the Merkle log): it is given the
    library's ``Notification`` (id, originator, version, topic, stored bytes), not the event."""
    weight: ClassVar[int] = 1
    """What applying an event costs this view, relative to the others (1): measured on PostgreSQL,
    each view replaying a 20,000-event log alone. Only used to schedule the views."""
    aggregates: ClassVar[frozenset[str] | None] = None
    """The aggregates (class names) whose events this view reads; None: every event. The engine
    hands the view only those, and only moves its position over a batch that has none of them."""

    @abstractmethod
    def apply(self, conn: Connection, event: Any, position: int) -> None:
        """Apply one event (decoded, or the stored notification for a raw view) at its global
        position; ignore what is not ours."""

    def apply_batch(self, conn: Connection, items: Sequence[tuple[int, Any]]) -> None:
        """Apply a batch of (position, event) in order; a view may do it in fewer statements."""
        for position, item in items:
            self.apply(conn, item, position)


def bulk_insert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]], *,
                skip_existing: bool = False) -> None:
    """Insert many rows in one statement where the database allows, in the caller's transaction.

    PostgreSQL takes new rows fastest by COPY, and rows that may exist already (``skip_existing``:
    the stored one stands) by one ``INSERT … SELECT FROM unnest(<one array per column>) ON CONFLICT
    DO NOTHING``, a statement of fixed text (parsed and planned once); executemany would send a
    statement per row. From ``COPY_THRESHOLD`` rows on, such rows are copied into a temporary table
    and inserted from there: psycopg adapts an array element by element in Python, about three
    times the cost of COPY's row formatting in C. Values go through the columns' own bind
    processing (JSON included), so what is stored is what an ``insert()`` would store. SQLite's
    executemany is a loop in C.
    """
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        statement = (sqlite_insert(table).on_conflict_do_nothing() if skip_existing
                     else insert(table))
        conn.execute(statement, list(rows))
        return
    shape = _shape(conn, table)
    _send(conn, shape, [[row[name] if process is None else process(row[name])
                         for name, process in shape.columns] for row in rows], skip_existing)


def copy_rows(conn: Connection, table: Table, rows: Sequence[Sequence[Any]]) -> None:
    """New rows as ``bulk_insert`` inserts them, each given as its values in the table's column
    order, values the driver takes as they are (no bind processing): a view that writes many
    narrow rows (the Merkle log) builds no dict per row for ``bulk_insert`` to take apart."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        # The driver's executemany, a loop in C over the tuples as they are: through
        # SQLAlchemy each row became a dict and went through its parameter processing.
        conn.exec_driver_sql(_shape(conn, table).insert_rows, list(rows))
        return
    _send(conn, _shape(conn, table), rows, skip_existing=False)


def copy_text(conn: Connection, table: Table, text: str) -> None:
    """Rows already in COPY's text format (tab between columns, a newline after each row, every
    value escaped as COPY wants it) into ``table``, PostgreSQL only: a view of many narrow rows
    (the Merkle log) formats them in one pass instead of psycopg's call per row."""
    cursor = conn.connection.cursor()
    try:
        with cursor.copy(_shape(conn, table).copy) as copy:
            copy.write(text)
    finally:
        cursor.close()


def _send(conn: Connection, shape: _Shape, values: Sequence[Sequence[Any]],
          skip_existing: bool) -> None:
    cursor = conn.connection.cursor()
    try:
        if len(values) < COPY_THRESHOLD:
            # A COPY is two round trips (start, then data and end) where an INSERT is one: the
            # few rows a live worker's batch brings go in by one INSERT.
            cursor.execute(shape.insert_unnest if skip_existing else shape.insert_new,
                           [list(column) for column in zip(*values, strict=True)])
            return
        if skip_existing:
            cursor.execute(shape.create_staging)
        with cursor.copy(shape.copy_staging if skip_existing else shape.copy) as copy:
            for row_values in values:
                copy.write_row(row_values)
        if skip_existing:
            cursor.execute(shape.insert_staged)
    finally:
        cursor.close()


class _Shape:
    """A table's columns with their bind processing, and the statements ``bulk_insert`` sends."""

    def __init__(self, conn: Connection, table: Table) -> None:
        dialect = conn.dialect
        # Bytes and booleans go to psycopg as they are: SQLAlchemy's processor for bytes only
        # wraps each value in the DB-API's Binary, and for a boolean only checks that it is one
        # (the views' flags are), a Python call per value that COPY does not need.
        self.columns: list[tuple[str, Callable[[Any], Any] | None]] = [
            (column.name, None if isinstance(column.type, LargeBinary | Boolean)
             else column.type.dialect_impl(dialect).bind_processor(dialect))
            for column in table.columns]
        names = ", ".join(f'"{column.name}"' for column in table.columns)
        marks = ", ".join("?" for _ in table.columns)
        self.insert_rows = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'
        """SQLite's statement for ``copy_rows`` (positional parameters)."""
        keys = ", ".join(f'"{column.name}"' for column in table.primary_key.columns)
        # A collation is no part of an array's type. The arrays go in binary (``%b``): in text,
        # psycopg escapes each element's quotes and backslashes by a regular expression in
        # Python, which for the catalogue's JSON profiles cost more than the rest of its batch.
        casts = ", ".join("%b::{}[]".format(column.type.compile(dialect=dialect)
                                            .split(" COLLATE ")[0]) for column in table.columns)
        self.copy = f'COPY "{table.name}" ({names}) FROM STDIN'
        self.insert_new = f'INSERT INTO "{table.name}" ({names}) SELECT * FROM unnest({casts})'
        self.insert_unnest = f"{self.insert_new} ON CONFLICT ({keys}) DO NOTHING"
        # Dropped once its rows are in, so a transaction may stage the same table again.
        staging = f'"staged_{table.name}"'
        self.create_staging = f'CREATE TEMPORARY TABLE {staging} (LIKE "{table.name}") ON COMMIT DROP'
        self.copy_staging = f"COPY {staging} ({names}) FROM STDIN"
        self.insert_staged = (f'INSERT INTO "{table.name}" ({names}) SELECT {names} FROM {staging} '
                              f"ON CONFLICT ({keys}) DO NOTHING; DROP TABLE {staging}")


_SHAPES: dict[tuple[str, str], _Shape] = {}

# Built once: a live worker runs these for every event it applies, and building a statement cost
# SQLAlchemy more than running it.
# Each view's position with its failure, if any: one statement, so knowing which views failed
# costs a live worker nothing more per batch than reading the positions did.
_POSITIONS = (select(projection_tracking.c.view, projection_tracking.c.position,
                     view_failures.c.position.label("failed_at"), view_failures.c.attempts)
              .select_from(projection_tracking.outerjoin(
                  view_failures, view_failures.c.view == projection_tracking.c.view)))
_CLAIM = (update(projection_tracking)
          .where(projection_tracking.c.view.in_(bindparam("names", expanding=True)),
                 projection_tracking.c.position == bindparam("old"))
          .values(position=bindparam("new")))


def _shape(conn: Connection, table: Table) -> _Shape:
    key = (conn.dialect.name, table.name)
    if key not in _SHAPES:
        _SHAPES[key] = _Shape(conn, table)
    return _SHAPES[key]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a batch is read and applied (unless something else
    turned it off). A batch's thousands of events and rows live until it is done, long enough to
    be promoted into the oldest generation, so every few batches a full collection walked the
    whole process (measured: a tenth of a catch-up's time). Freed by their reference counts once
    the batch is done, they are never promoted; what cycles a batch leaves are collected after."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class _Batch:
    """One read of the log: the stored notifications and, if some view reads events, the decoded
    events with their aggregate's name."""

    __slots__ = ("events", "last", "raw", "start")

    def __init__(self, start: int, raw: Items, events: list[tuple[int, Any, str]] | None) -> None:
        self.start = start
        """The position the batch was read after."""
        self.raw = raw
        self.events = events
        self.last: int = raw[-1][0]

    def count(self, old: int) -> int:
        """How many of the batch's events come after ``old``."""
        return len(self.raw) if old <= self.start else sum(1 for p, _ in self.raw if p > old)

    def items(self, view: View, old: int) -> Items:
        """What ``view``, at position ``old``, has to apply of this batch."""
        if view.raw:
            return self.raw if old <= self.start else [item for item in self.raw if item[0] > old]
        assert self.events is not None
        wanted = view.aggregates
        if wanted is None:
            return [(position, event) for position, event, _ in self.events if position > old]
        return [(position, event) for position, event, aggregate in self.events
                if position > old and aggregate in wanted]


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
        rebuild_batch_size: int = 5000,
        apply_threads: int = 3,
    ) -> None:
        self.ledger = ledger
        self.db = db
        self.views = list(views)
        self.batch_size = batch_size
        self.listen_dsn = listen_dsn
        self.poll_interval = poll_interval
        self.rebuild_batch_size = rebuild_batch_size
        """A rebuild reads at least this many events a batch: each batch costs a few statements
        per view whatever its size, and nothing reads the views while they are rebuilt."""
        self.apply_threads = apply_threads if db.dialect.name == "postgresql" else 1
        """How many views of a large batch are applied at once, each on its own connection (1:
        one after the other; always 1 on SQLite, whose single writer they would only queue
        for)."""
        self._progress = threading.Condition()
        self._commits = 0
        """View transactions this process has committed: a waiter compares it before and after
        it reads the positions, so a commit made while it was reading is never slept through."""
        self._known: dict[str, int] = {}
        """Each view's position as this process last read it or committed it: a waiter checks it
        on every commit here without a query; progress made elsewhere is read from the table."""
        self._poke = threading.Event()
        self._failed: dict[str, int] = {}
        """The failed views as last read or recorded, with the position they failed at."""
        self._retry_at: dict[str, float] = {}
        """When this process may try each view it saw fail again (``clock``): a view is skipped
        until then. Kept in memory on purpose: a process that starts (new code) tries at once."""
        self.clock: Callable[[], float] = time.monotonic
        self._applying = threading.RLock()
        """Held while this process reads and applies a batch (the live worker's or a catch-up's,
        e.g. the scheduler's sweep): two of them in one process only claimed the same views from
        each other, the loser rolling back and starting again (seen under load in a profile)."""
        self._after_together: dict[str, int] | None = None
        """The positions the live worker's last batch left every view at, when one transaction
        took them all there (``run_once``)."""
        self._together_at: int | None = None
        self._live = False
        """True while ``run_forever`` runs in this process: then every view commit a waiter needs
        is made here, or seen here (``positions``), and ``wait_for`` reads the table seldom."""
        self._ensure_tracking_rows()

    # --- positions ----------------------------------------------------------------------------
    def positions(self) -> dict[str, int]:
        names = {view.name for view in self.views}
        with single_statement_reads(self.db).connect() as conn:
            rows = [row for row in conn.execute(_POSITIONS) if row.view in names]
        read = {row.view: int(row.position) for row in rows}
        failed = {row.view: int(row.failed_at) for row in rows if row.failed_at is not None}
        with self._progress:
            advanced = any(position > self._known.get(name, -1) for name, position in read.items())
            self._known.update(read)
            self._failed = failed
            for name in [name for name in self._retry_at if name not in failed]:
                del self._retry_at[name]  # cleared elsewhere (a rebuild, another worker)
            if advanced:
                # Another worker's progress, read here: a command waiting for it wakes now.
                self._commits += 1
                self._progress.notify_all()
        return read

    def position(self) -> int:
        """The position every view has reached, failed views left out (they stay behind at their
        event until it applies: see ``failures``); with every view failed, the lowest."""
        positions = self.positions()
        reached = self._reached(positions)
        return reached if reached is not None else min(positions.values(), default=0)

    def _reached(self, positions: dict[str, int]) -> int | None:
        """The lowest position of the views that have not failed; None if every view failed."""
        with self._progress:
            healthy = [position for name, position in positions.items()
                       if name not in self._failed]
        return min(healthy) if healthy else (None if positions else 0)

    def failures(self) -> list[ViewFailure]:
        """The views stopped at an event they could not apply, by name."""
        names = [view.name for view in self.views]
        with self.db.connect() as conn:
            rows = conn.execute(select(view_failures).where(view_failures.c.view.in_(names))
                                .order_by(view_failures.c.view)).mappings().all()
        return [ViewFailure(**{key: _aware(value) for key, value in row.items()})
                for row in rows]

    def retry_failed(self) -> None:
        """Try every failed view again at the next batch instead of after its pause (after a
        fix was deployed in this process, or the data it failed on was corrected)."""
        with self._progress:
            self._retry_at.clear()
        self.poke()

    def _runnable(self, positions: dict[str, int]) -> dict[str, int]:
        """The positions of the views to apply now: a failed view only once its pause is over."""
        now = self.clock()
        with self._progress:
            return {name: position for name, position in positions.items()
                    if self._retry_at.get(name, 0.0) <= now}

    def _is_any_failed(self) -> bool:
        with self._progress:
            return bool(self._failed or self._retry_at)

    def _is_failed(self, name: str) -> bool:
        with self._progress:
            return name in self._failed or name in self._retry_at

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
        with self._applying:
            known, self._after_together = self._after_together, None
            positions = known if known is not None else self._runnable(self.positions())
            batch = self._read(positions)
            if batch is None:
                return 0
            self._together_at = None
            applied = self._apply(batch, positions)
            if self._together_at == batch.last and not self._is_any_failed():
                # Every view committed at the batch's end in this process's own transaction:
                # the next batch starts from there without reading the positions again (a round
                # trip of the eight or so a live batch costs). Used once; a claim that fails on
                # it (another worker moved a view) applies nothing and the positions are read.
                self._after_together = {name: max(old, batch.last)
                                        for name, old in positions.items()}
            if applied == 0 and known is not None:
                return self.run_once()
            return applied

    def _read(self, positions: dict[str, int], limit: int | None = None) -> _Batch | None:
        """The batch after the lowest of ``positions`` (the views to apply now: a failed view
        waiting for its retry is not among them, so it does not hold the others back)."""
        if not positions:
            return None
        start = min(positions.values())
        notifications = self.ledger.recorder.select_notifications(
            start=start + 1, limit=limit or self.batch_size
        )
        if not notifications:
            return None
        raw = [(n.id, n) for n in notifications]
        last = raw[-1][0]
        # Decoded once for every view that reads events, only the events of aggregates such a
        # view reads (a topic names its class: "domain.service:DigitalService.Suspended"), and
        # not at all when only raw views (the Merkle log) are behind.
        behind = [view for view in self.views
                  if not view.raw and view.name in positions and positions[view.name] < last]
        events: list[tuple[int, Any, str]] | None = None
        if behind:
            wanted: set[str] | None = (
                None if any(view.aggregates is None for view in behind)
                else set().union(*(view.aggregates or () for view in behind)))
            to_domain_event = self.ledger.mapper.to_domain_event
            events = []
            for notification in notifications:
                aggregate = notification.topic.partition(":")[2].partition(".")[0]
                if wanted is None or aggregate in wanted:
                    events.append((notification.id, to_domain_event(notification), aggregate))
        return _Batch(start, raw, events)

    def _apply(self, batch: _Batch, positions: dict[str, int]) -> int:
        """Apply a batch to every view of ``positions`` behind its end; return the (view, event)
        applications committed. A view that cannot apply an event is recorded as failed at it
        (``_isolate``) and the others go on; any other error (the database gone) is raised once
        the other views of the batch are done."""
        work: list[tuple[View, int, Items]] = []
        idle: list[tuple[View, int]] = []
        for view in self.views:
            if view.name not in positions:
                continue
            old = positions[view.name]
            if old >= batch.last:
                continue
            items = batch.items(view, old)
            if items:
                work.append((view, old, items))
            else:
                idle.append((view, old))
        # A failed view being tried again goes alone: it would most likely fail the others'
        # transaction again.
        if (len(batch.raw) <= SMALL_BATCH and len(work) + len(idle) > 1
                and not any(self._is_failed(view.name)
                            for view in [*(entry[0] for entry in work), *(v for v, _ in idle)])):
            together = self._apply_together(work, idle, batch)
            if together is not None:
                return together
        applied = 0
        errors: list[BaseException] = []
        applied += self._guarded(errors, partial(self._move, idle, batch))
        # The costliest views first, so that none of them is left to run alone at the end.
        work.sort(key=lambda entry: -entry[0].weight)
        calls = [partial(self._guarded, errors, partial(self._apply_view, view, old, batch.last,
                                                        items))
                 for view, old, items in work]
        threads = min(self.apply_threads, len(calls))
        if threads > 1:
            # Each view in its own transaction on its own connection: while one waits for
            # PostgreSQL to take its rows, another runs its Python.
            with ThreadPoolExecutor(threads, thread_name_prefix="projection") as pool:
                applied += sum(pool.map(lambda call: call(), calls))
        else:
            applied += sum(call() for call in calls)
        if errors:
            raise errors[0]
        return applied

    @staticmethod
    def _guarded(errors: list[BaseException], call: Callable[[], int]) -> int:
        if errors and not isinstance(errors[0], Exception):
            return 0  # a KeyboardInterrupt or the like: do no more than what is running
        try:
            return call()
        except BaseException as error:
            errors.append(error)
            return 0

    def _apply_together(self, work: list[tuple[View, int, Items]], idle: list[tuple[View, int]],
                        batch: _Batch) -> int | None:
        """A small batch, every view in one transaction: what a live worker sees after a command,
        which waits until every view has it. One transaction is a third of the round trips of one
        per view. None if it did not commit (a view failed, or another worker claimed one): the
        caller then applies the views one by one, so the failure stays the failing view's."""
        new = batch.last
        every = [*((view, old) for view, old, _ in work), *idle]
        try:
            with self.db.begin() as conn:
                self._relax(conn)
                if not self._claim_all(conn, every, new):
                    conn.rollback()
                    return None
                for view, _, items in work:
                    view.apply_batch(conn, items)
        except Exception:
            log.warning("a small batch failed with every view together; applying them one by one",
                        exc_info=True)
            return None
        self._advanced({view.name: new for view, _ in every})
        self._together_at = new
        return (sum(len(items) for _, _, items in work)
                + sum(batch.count(old) for _, old in idle))

    def _apply_view(self, view: View, old: int, new: int, items: Items) -> int:
        """One view's share of a batch, in its own transaction: claim, apply, commit. If it
        fails, ``_isolate`` finds the event."""
        failed = self._is_failed(view.name)
        try:
            with self.db.begin() as conn:
                self._relax(conn)
                if not self._claim(conn, [view.name], old, new):
                    conn.rollback()
                    return 0
                view.apply_batch(conn, items)
                if failed:
                    self._clear_failures(conn, [view.name])
        except Exception:
            log.debug("view %s failed on a batch; looking for the event", view.name,
                      exc_info=True)
            return self._isolate(view, old, new, items)
        self._advanced({view.name: new}, cleared=[view.name] if failed else ())
        return len(items)

    def _isolate(self, view: View, old: int, new: int, items: Items) -> int:
        """A view failed on its share of a batch: apply it again event by event to find the
        event it cannot apply, then commit the events before it and record the view as failed
        at it. If every event applies this time (what failed was not the view's), that commits.
        An error outside the view (the database gone) is raised."""
        failed = self._is_failed(view.name)
        failing: tuple[int, Exception] | None = None
        try:
            with self.db.begin() as conn:
                self._relax(conn)
                if not self._claim(conn, [view.name], old, new):
                    conn.rollback()
                    return 0
                for index, item in enumerate(items):
                    try:
                        view.apply_batch(conn, [item])
                    except Exception as error:
                        failing = (index, error)
                        raise _Located from error
                if failed:
                    self._clear_failures(conn, [view.name])
        except _Located:
            pass
        if failing is None:
            self._advanced({view.name: new}, cleared=[view.name] if failed else ())
            return len(items)
        index, problem = failing
        position, item = items[index]
        with self.db.begin() as conn:
            self._relax(conn)
            if not self._claim(conn, [view.name], old, position - 1):
                conn.rollback()
                return 0
            if index:
                view.apply_batch(conn, items[:index])
            failure = self._record_failure(conn, view.name, position, item, problem)
        delay = retry_delay(failure.attempts)
        log.error("view %s cannot apply the event at position %d (%s, %s v%d): %s: %s; it stays "
                  "at %d, the other views go on; attempt %d, next in %.0f s", view.name,
                  position, failure.event_type, failure.originator_id,
                  failure.originator_version, failure.error_class, failure.error_message,
                  position - 1, failure.attempts, delay, exc_info=problem)
        with self._progress:
            self._known[view.name] = max(self._known.get(view.name, 0), position - 1)
            self._failed[view.name] = position
            self._retry_at[view.name] = self.clock() + delay
            self._commits += 1
            self._progress.notify_all()  # a command waiting for this view stops waiting
        return index

    @staticmethod
    def _record_failure(conn: Connection, name: str, position: int, item: Any,
                        error: Exception) -> ViewFailure:
        """Write the view's failure row: attempts counted on while it fails at the same event."""
        now = datetime.now(UTC)
        existing = conn.execute(select(view_failures).where(view_failures.c.view == name)
                                ).mappings().one_or_none()
        again = existing is not None and int(existing["position"]) == position
        attempts = int(existing["attempts"]) + 1 if again and existing is not None else 1
        originator_id, version, event_type = _describe(item)
        # The driver's own error, first line only: SQLAlchemy's wrapper appends the statement and
        # its parameters (an event's values), and the failure is shown on public pages. The whole
        # error, traceback included, goes to the log.
        cause: BaseException = getattr(error, "orig", None) or error
        message = next(iter(str(cause).strip().splitlines()), "")
        failure = ViewFailure(
            view=name, position=position, originator_id=originator_id,
            originator_version=version, event_type=event_type[:200],
            error_class=f"{type(cause).__module__}.{type(cause).__qualname__}"[:200],
            error_message=message[:500],
            first_failed_at=(_aware(existing["first_failed_at"])
                             if again and existing is not None else now),
            last_failed_at=now, attempts=attempts,
            next_attempt_at=now + timedelta(seconds=retry_delay(attempts)))
        values = msgspec.structs.asdict(failure)
        if existing is None:
            conn.execute(insert(view_failures).values(**values))
        else:
            conn.execute(update(view_failures).where(view_failures.c.view == name)
                         .values(**values))
        return failure

    @staticmethod
    def _clear_failures(conn: Connection, names: Sequence[str]) -> None:
        conn.execute(delete(view_failures).where(view_failures.c.view.in_(list(names))))

    def _move(self, idle: list[tuple[View, int]], batch: _Batch) -> int:
        """Move the positions of views with nothing to apply in this batch, all in one
        transaction; if another worker claimed any of them meanwhile, each on its own. Returns
        the (view, event) pairs passed over, so a caller sees that the views moved on."""
        if not idle:
            return 0
        new = batch.last
        moved: dict[str, int] = {}
        # A failed view tried again that no longer reads the event it failed at (its code
        # changed) is past it: its failure goes with the move.
        failed = [view.name for view, _ in idle if self._is_failed(view.name)]
        with self.db.begin() as conn:
            self._relax(conn)
            if self._claim_all(conn, idle, new):
                moved = {view.name: old for view, old in idle}
                if failed:
                    self._clear_failures(conn, failed)
            else:
                conn.rollback()
        if not moved:
            for view, old in idle:
                with self.db.begin() as conn:
                    if self._claim(conn, [view.name], old, new):
                        moved[view.name] = old
                        if view.name in failed:
                            self._clear_failures(conn, [view.name])
                    else:
                        conn.rollback()
        self._advanced(dict.fromkeys(moved, new), cleared=[name for name in failed
                                                            if name in moved])
        return sum(batch.count(old) for old in moved.values())

    @classmethod
    def _claim_all(cls, conn: Connection, views: Sequence[tuple[View, int]], new: int) -> bool:
        """Claim every (view, its old position) for ``new`` in this transaction: one statement
        per distinct old position."""
        by_old: dict[int, list[str]] = {}
        for view, old in views:
            by_old.setdefault(old, []).append(view.name)
        return all(cls._claim(conn, names, old, new) for old, names in by_old.items())

    @staticmethod
    def _claim(conn: Connection, names: list[str], old: int, new: int) -> bool:
        claimed = conn.execute(_CLAIM, {"names": names, "old": old, "new": new}).rowcount
        return bool(claimed == len(names))

    @staticmethod
    def _relax(conn: Connection) -> None:
        if conn.dialect.name == "postgresql":
            # A view is derived: a crash may lose its last few commits, never half of one (its
            # rows and its tracking row go together), and the lost ones are simply applied
            # again. So it need not wait for the WAL flush the ledger waits for.
            conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")

    def catch_up(self, progress: Callable[[int, int], None] | None = None, *,
                 batch_size: int | None = None) -> int:
        """Run batches (of ``batch_size`` events, by default the engine's) until every view has
        reached the head of the log as it was on entry.

        With views applied in threads, the next batch is read and decoded in another while the
        views apply this one: it starts where every view will be if this batch commits, and is
        read again if some view ends elsewhere (it failed, or another worker moved it)."""
        limit = batch_size or self.batch_size
        target = self.head()
        total = 0
        ahead: _Batch | None = None
        with ThreadPoolExecutor(1, thread_name_prefix="projection-read") as reader:
            while True:
                # Batch by batch under the lock the live worker takes, so that a catch-up in this
                # process (the scheduler's sweep) and the live worker take turns instead of
                # claiming the same views from each other; the positions are read inside it.
                with self._applying, _collector_paused():
                    # A failed view waiting for its retry is left out: the others reach the head
                    # without it.
                    positions = self._runnable(self.positions())
                    if min(positions.values(), default=target) >= target:
                        break
                    start = min(positions.values(), default=0)
                    batch = (ahead if ahead is not None and ahead.start == start
                             else self._read(positions, limit))
                    if batch is None:
                        break
                    following = None
                    if self.apply_threads > 1 and batch.last < target:
                        expected = {name: max(old, batch.last) for name, old in positions.items()}
                        following = reader.submit(self._read, expected, limit)
                    total += self._apply(batch, positions)
                    ahead = following.result() if following is not None else None
                    del batch
                if progress is not None:
                    positions = self._runnable(self.positions())
                    progress(min(min(positions.values(), default=0), target), target)
        return total

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Empty every view and replay the whole log into it."""
        self.empty()
        return self.catch_up(progress, batch_size=self.replay_batch_size)

    @property
    def replay_batch_size(self) -> int:
        """The events a rebuild reads a batch."""
        return max(self.batch_size, self.rebuild_batch_size)

    def empty(self) -> None:
        """Every view emptied, its position set back to zero and its failure forgotten (the
        replay records it again if the event still fails), in one transaction."""
        tables = [table for view in self.views for table in reversed(view.tables)]
        with self.db.begin() as conn:
            if conn.dialect.name == "postgresql":
                # TRUNCATE, not DELETE: a DELETE leaves every row and index entry behind, dead,
                # for the replay to insert beside and for autovacuum to clean up on the other
                # core while it runs. Like the DELETE, it commits with the positions or not at all.
                conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{table.name}"' for table in tables))
            else:
                for table in tables:
                    conn.execute(delete(table))
            conn.execute(
                update(projection_tracking)
                .where(projection_tracking.c.view.in_([view.name for view in self.views]))
                .values(position=0)
            )
            self._clear_failures(conn, [view.name for view in self.views])
        with self._progress:
            self._known.clear()
            self._failed.clear()
            self._retry_at.clear()

    # --- running in the background ------------------------------------------------------------
    def poke(self) -> None:
        """Tell a sleeping runner there is something new (commands in this process call it)."""
        self._poke.set()

    def run_forever(self, stop: threading.Event) -> None:
        listener = self._listen() if self.listen_dsn else None
        self._live = True
        try:
            while not stop.is_set():
                try:
                    if self.run_once():
                        continue
                except Exception:
                    # Not a view's failure (those are recorded and the view waits alone): the
                    # database, most likely. The batch rolled back; retry after a pause.
                    log.exception("projection batch failed; retrying")
                    stop.wait(1.0)
                    continue
                self._sleep(stop, listener)
        finally:
            self._live = False
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
    def _advanced(self, moved: dict[str, int], cleared: Sequence[str] = ()) -> None:
        with self._progress:
            for name, position in moved.items():
                self._known[name] = max(self._known.get(name, 0), position)
            for name in cleared:
                self._failed.pop(name, None)
                self._retry_at.pop(name, None)
                log.warning("view %s applied the event it had failed at; it goes on from %d",
                            name, moved.get(name, 0))
            self._commits += 1
            self._progress.notify_all()

    def _known_position(self) -> int:
        """The position every view that has not failed had reached when this process last saw
        them (caller holds ``_progress``); with every view failed, as good as the head."""
        healthy = [self._known.get(view.name, 0) for view in self.views
                   if view.name not in self._failed]
        return min(healthy) if healthy or not self.views else 2**63 - 1

    def wait_for(self, position: int, timeout: float = 5.0) -> bool:
        """Block until every view that has not failed has applied the event at ``position`` (or
        the timeout passes). A failed view is not waited for: it stays behind at its event until
        that applies, and a command's answer must not hang on it (``failures`` names it).

        Progress made by this process wakes the waiter at once; progress made by a projection
        worker in another process is seen by re-reading the tracking table (every 20 ms; every
        250 ms, as a fallback, when this process runs the live worker, which wakes the waiter).
        """
        deadline = time.monotonic() + timeout
        read_at = 0.0
        while True:
            with self._progress:
                seen = self._commits
                if self._known_position() >= position:
                    return True
            now = time.monotonic()
            if now >= read_at:
                reached = self._reached(self.positions())
                if reached is None or reached >= position:
                    return True
                # With the live worker in this process, what a waiter needs is committed here
                # (or read here: ``positions``) and wakes it at once: the table is only a
                # fallback. Read every 20 ms by each of 16 waiters, it was a fifth of a loaded
                # server's samples (py-spy) and took connections from the views' pool.
                read_at = now + (TABLE_READ_LIVE if self._live else TABLE_READ)
            remaining = deadline - now
            if remaining <= 0:
                return False
            self.poke()
            with self._progress:
                # A view that committed in this process meanwhile is checked again at once,
                # rather than slept through; another process's progress is read every 20 ms.
                if self._commits == seen:
                    self._progress.wait(min(remaining, max(read_at - now, 0.001)))


def _aware(value: Any) -> Any:
    """A time read back from SQLite (naive, stored as UTC) made aware; anything else as it is."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
