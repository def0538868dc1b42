"""Group commit for the PostgreSQL event store.

The library's recorder takes ``LOCK TABLE … IN EXCLUSIVE MODE`` in every insert transaction so that
notification ids commit in the order they were issued: a projection reading the log by id then never
passes a gap that a slower transaction fills later. The price is that concurrent writers queue for
the lock and each pays its own COMMIT (its own WAL flush).

Here the writers of one process share that price. Each ``insert_events`` call joins a queue; the
caller that finds no commit in progress becomes the leader, takes up to ``max_batch`` waiting calls
(its own first), and writes them all in ONE transaction under ONE table lock. Usually that is one
statement, a call of a database function doing what the library's insert does (lock, notify,
insert), in the statement's own transaction: one round trip. When it fails on a call's events (the
unique (originator_id, originator_version) key), nothing of it was stored, and the batch is written
again with a savepoint per call, so the call that conflicts is rolled back alone and only its caller
gets the ``IntegrityError``. After the commit every caller gets its notification ids; when the commit
fails, every caller in the batch gets the error and nothing of the batch is stored. The next waiting
caller then leads the next batch. A writer on its own finds no commit in progress and leads at once:
there is no timer to wait for company.

Order is the library's: ids are issued under the table lock and commit atomically with it, so across
batches, and across processes each running their own batches, ids still commit in issued order.
"""

from __future__ import annotations

import copy
import threading
from collections import deque
from collections.abc import Sequence
from typing import Any

import psycopg
from eventsourcing.persistence import (
    DataError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    PersistenceError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg import Connection, Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

MAX_BATCH = 50
"""Calls per transaction. Each call in a batch is a subtransaction with its own xid; PostgreSQL
caches 64 per backend in shared memory and, past that, every snapshot taken by every session has to
consult pg_subtrans (the "suboverflow" slowdown), so a batch stays well under 64."""

Outcome = tuple[Sequence[int] | None, Exception | None]


class _Call:
    """One ``insert_events`` call waiting in the queue, and then its outcome."""

    __slots__ = ("done", "error", "kwargs", "notification_ids", "stored_events", "woken")

    def __init__(self, stored_events: Sequence[StoredEvent], kwargs: dict[str, Any]) -> None:
        self.stored_events = stored_events
        self.kwargs = kwargs
        self.woken = threading.Event()
        """Set when the call is done, or when it is this call's turn to lead the next batch."""
        self.done = False
        self.notification_ids: Sequence[int] | None = None
        self.error: Exception | None = None

    def finish(self, notification_ids: Sequence[int] | None, error: Exception | None) -> None:
        self.notification_ids = notification_ids
        self.error = error
        self.done = True
        self.woken.set()

    def outcome(self) -> Sequence[int] | None:
        if self.error is not None:
            raise self.error
        return self.notification_ids


class GroupCommitApplicationRecorder(PostgresApplicationRecorder):
    """``PostgresApplicationRecorder`` whose concurrent inserts commit in batches (see the module)."""

    max_batch: int = MAX_BATCH

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.append_function_name = f"dsledger_append_{self.events_table_name}"
        # The library's own insert function (used only with POSTGRES_ENABLE_DB_FUNCTIONS) does not
        # lock the table; this one does exactly what the library's locked insert does, statement
        # for statement, so that a batch that conflicts with nobody is one statement in one
        # implicit transaction: one round trip, and one statement for the driver to send.
        self.sql_create_statements.append(SQL(
            "CREATE OR REPLACE FUNCTION {schema}.{function}("
            "ids {id_type}[], versions bigint[], topics text[], states bytea[]) "
            "RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ "
            "BEGIN "
            "    SET LOCAL lock_timeout = '{lock_timeout}s'; "
            "    LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
            "    NOTIFY {channel}; "
            "    RETURN QUERY "
            "    INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
            "    SELECT * FROM unnest(ids, versions, topics, states) "
            "    RETURNING notification_id; "
            "END; $BODY$"
        ).format(
            schema=Identifier(self.datastore.schema),
            function=Identifier(self.append_function_name),
            id_type=Identifier(self.datastore.originator_id_type),
            lock_timeout=self.datastore.lock_timeout,
            table=Identifier(self.events_table_name),
            channel=Identifier(self.channel_name),
        ))
        # Four arrays rather than one array of the library's composite type: psycopg sends these
        # in binary, where a composite goes as text, each event's state escaped by a regex.
        self._append_statement = SQL(
            "SELECT * FROM {schema}.{function}(%b::{id_type}[], %b::bigint[], %b::text[], "
            "%b::bytea[])"
        ).format(schema=Identifier(self.datastore.schema),
                 function=Identifier(self.append_function_name),
                 id_type=Identifier(self.datastore.originator_id_type))
        self._queue_lock = threading.Lock()
        self._queue: deque[_Call] = deque()
        self._leading = False
        """True from the moment a caller becomes leader until the queue is found empty: while it
        holds, a newcomer only queues, and the lead passes from caller to caller by hand."""

    @property
    def queued_calls(self) -> int:
        """Calls waiting for the next batch (the one being written is no longer queued)."""
        with self._queue_lock:
            return len(self._queue)

    @property
    def committing(self) -> bool:
        """Whether a caller is leading a batch (or about to)."""
        with self._queue_lock:
            return self._leading

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if self.datastore.enable_db_functions or not stored_events:
            # The database-function path inserts without the table lock (dsledger never enables it,
            # see Settings.ledger_env), and nothing to insert has nothing to share: both are the
            # library's own business.
            inserted: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            return inserted
        grouped: Sequence[int] | None = self._insert_in_group(stored_events, **kwargs)
        return grouped

    # The library retries its own inserts on these (a dropped connection, a lock timeout); a batch
    # failing that way fails every call in it, and each caller then retries by queueing again.
    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _insert_in_group(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        call = _Call(stored_events, kwargs)
        with self._queue_lock:
            self._queue.append(call)
            leader = not self._leading
            self._leading = True
        if not leader:
            call.woken.wait()
        if not call.done:
            self._lead()
        return call.outcome()

    def _lead(self) -> None:
        """Write the batch at the head of the queue (the leader's own call is its first), wake its
        callers, and pass the lead to the next waiting caller, if any."""
        with self._queue_lock:
            batch = [self._queue.popleft() for _ in range(min(self.max_batch, len(self._queue)))]
        try:
            outcomes = self._write_batch(batch)
        except Exception as batch_error:
            # The batch did not commit (or the connection died during COMMIT and nobody can tell,
            # as with the library's own insert): no call may report success.
            for call in batch:
                call.finish(None, _own_copy(batch_error))
        else:
            for call, (notification_ids, call_error) in zip(batch, outcomes, strict=True):
                call.finish(notification_ids, call_error)
        finally:
            # Only a BaseException (KeyboardInterrupt…) gets here with calls unfinished; their
            # callers must still wake, and nothing of the batch was committed.
            for call in batch:
                if not call.done:
                    call.finish(None, PersistenceError("group commit interrupted before COMMIT"))
            with self._queue_lock:
                if self._queue:
                    self._queue[0].woken.set()
                else:
                    self._leading = False

    def _write_batch(self, batch: list[_Call]) -> list[Outcome]:
        with self.datastore.get_connection() as conn:
            outcomes = self._write_in_one_statement(conn, batch)
            if outcomes is not None:
                return outcomes
            # No server-side prepared statements in these pipelines: when a call fails, PostgreSQL
            # skips the rest of the pipeline, including the PREPARE psycopg sent with a later
            # statement, yet psycopg records it as prepared, and the next use of it on this pooled
            # connection fails with 'prepared statement "_pg3_…" does not exist'.
            prepare_threshold = conn.prepare_threshold
            conn.prepare_threshold = None
            try:
                return self._write_apart(conn, batch)
            finally:
                conn.prepare_threshold = prepare_threshold

    def _write_in_one_statement(self, conn: Connection[DictRow],
                                batch: list[_Call]) -> list[Outcome] | None:
        """Every call of the batch in one call of the append function: the usual case, where
        nobody conflicts. None when the statement failed on a call's events (nothing was
        committed); a single call's own failure is its outcome."""
        events = [event for call in batch for event in call.stored_events]
        columns = ([e.originator_id for e in events], [e.originator_version for e in events],
                   [e.topic for e in events], [e.state for e in events])
        try:
            with conn.cursor() as curs:
                curs.execute(self._append_statement, columns, prepare=True)
                ids = [row[self.append_function_name] for row in curs.fetchall()]
        except (psycopg.IntegrityError, psycopg.DataError) as error:
            if len(batch) == 1:
                return [(None, _translated(error))]
            return None
        outcomes: list[Outcome] = []
        start = 0
        for call in batch:
            end = start + len(call.stored_events)
            outcomes.append((ids[start:end], None))
            start = end
        return outcomes

    def _write_apart(self, conn: Connection[DictRow], batch: list[_Call]) -> list[Outcome]:
        """The batch again, each call in its own savepoint and synced on its own, so that the call
        that failed is rolled back alone and the others still commit, in one transaction."""
        with conn.pipeline() as pipeline, conn.transaction():
            self._begin_batch(conn)
            outcomes: list[Outcome] = []
            for call in batch:
                try:
                    with conn.transaction(), conn.cursor() as curs:
                        self._send_call(curs, call)
                        pipeline.sync()
                        outcomes.append((self._fetch_ids(curs, call), None))
                except (psycopg.IntegrityError, psycopg.DataError) as error:
                    outcomes.append((None, _translated(error)))
            return outcomes

    def _begin_batch(self, conn: Connection[DictRow]) -> None:
        with conn.cursor() as curs:
            # Once per transaction, however many calls: this is where the ids' order and the
            # listeners' wake-up come from, exactly as in the library's own insert.
            self._lock_table(curs)
            self._notify_channel(curs)

    def _send_call(self, curs: Cursor[DictRow], call: _Call) -> None:
        self._insert_events(curs, call.stored_events, **call.kwargs)
        # The library's INSERT … RETURNING notification_id, without the application recorder's lock
        # and NOTIFY, which the batch took once.
        super(PostgresApplicationRecorder, self)._insert_stored_events(curs, call.stored_events,
                                                                      **call.kwargs)

    def _fetch_ids(self, curs: Cursor[DictRow], call: _Call) -> Sequence[int]:
        notification_ids = self._fetch_ids_after_insert_events(curs, call.stored_events, **call.kwargs)
        assert notification_ids is not None
        return notification_ids


def _translated(error: psycopg.IntegrityError | psycopg.DataError) -> PersistenceError:
    """The library's exception for a call's own failure, as ``PostgresDatastore.get_connection``
    would have raised it."""
    kind = IntegrityError if isinstance(error, psycopg.IntegrityError) else DataError
    translated = kind(str(error))
    translated.__cause__ = error
    return translated


def _own_copy(error: Exception) -> Exception:
    """Each caller raises the batch's error in its own thread: a copy of it, caused by the original,
    so that no two threads write the traceback of one exception object."""
    try:
        mine = copy.copy(error)
    except Exception:
        # An exception class that cannot be rebuilt from its args: share the original after all.
        return error
    mine.__cause__ = error
    return mine
