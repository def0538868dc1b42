"""The group-commit recorder (``dsledger/group_commit.py``): first the eventsourcing library's own
application-recorder test cases run against it, then what grouping adds — concurrent callers in one
order without gaps, a conflict that fails only its caller, a failed COMMIT that fails everyone in the
batch and stores nothing, and a lone caller that never waits.

Each test gets an empty scratch database of this module's own, found, as the library's PostgreSQL
tests find theirs, through POSTGRES_DBNAME, POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER and
POSTGRES_PASSWORD.
"""

from __future__ import annotations

import importlib.util
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from statistics import median
from typing import Any, ClassVar
from uuid import UUID

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import resolve_topic
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from dsledger import group_commit
from dsledger.group_commit import GroupCommitApplicationRecorder
from dsledger.settings import Settings

# The library's reusable recorder cases (they import its AES cipher: pycryptodome, a dev extra).
library_cases = importlib.import_module("eventsourcing.tests.persistence")

SCHEMA = "group_commit_tests"
TABLE = "group_commit_events"


@pytest.fixture(scope="module")
def scratch_schema(postgres_url: str) -> Iterator[None]:
    """The session's scratch database (conftest's ``postgres_url``: created and dropped, skipped or
    failed like every PostgreSQL test's), with a schema of this module's own, named to the tests
    the way the library's PostgreSQL tests are told theirs: POSTGRES_DBNAME … POSTGRES_SCHEMA."""
    info = conninfo_to_dict(postgres_url)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("POSTGRES_DBNAME", str(info["dbname"]))
        env.setenv("POSTGRES_HOST", str(info.get("host", "127.0.0.1")))
        env.setenv("POSTGRES_PORT", str(info.get("port", "5432")))
        env.setenv("POSTGRES_USER", str(info.get("user", "postgres")))
        env.setenv("POSTGRES_PASSWORD", str(info.get("password", "")))
        env.setenv("POSTGRES_SCHEMA", SCHEMA)
        yield
        with psycopg.connect(scratch_dsn(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(SCHEMA)))


def scratch_dsn() -> str:
    return psycopg.conninfo.make_conninfo(
        dbname=os.environ["POSTGRES_DBNAME"], host=os.environ["POSTGRES_HOST"],
        port=os.environ["POSTGRES_PORT"], user=os.environ["POSTGRES_USER"],
        password=os.environ["POSTGRES_PASSWORD"])


def events_table() -> sql.Identifier:
    return sql.Identifier(os.environ["POSTGRES_SCHEMA"], TABLE)


@pytest.mark.postgres
@pytest.mark.usefixtures("scratch_schema")
class PostgresScratch:
    """An empty schema and a fresh datastore for every test."""

    pool_size: ClassVar[int] = 2
    max_overflow: ClassVar[int] = 14
    """The library's concurrency cases read while ten threads write; with grouping, the writers
    share one connection, but the stock recorder in the comparisons below needs its own each."""

    datastore: PostgresDatastore

    def setUp(self) -> None:
        schema = sql.Identifier(os.environ["POSTGRES_SCHEMA"])
        with psycopg.connect(scratch_dsn(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(schema))
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(schema))
        self.datastore = PostgresDatastore(
            os.environ["POSTGRES_DBNAME"], os.environ["POSTGRES_HOST"], os.environ["POSTGRES_PORT"],
            os.environ["POSTGRES_USER"], os.environ["POSTGRES_PASSWORD"],
            schema=os.environ["POSTGRES_SCHEMA"], pool_size=self.pool_size,
            max_overflow=self.max_overflow, lock_timeout=10)

    def tearDown(self) -> None:
        self.datastore.close()

    def create_recorder(self) -> GroupCommitApplicationRecorder:
        recorder = GroupCommitApplicationRecorder(self.datastore, events_table_name=TABLE)
        recorder.create_table()
        return recorder


class TestLibraryApplicationRecorderCases(
    PostgresScratch, library_cases.ApplicationRecorderTestCase[GroupCommitApplicationRecorder],
):
    """Every case of the library's ``ApplicationRecorderTestCase``. The library's
    PostgreSQL-specific subclass is not in the installed package (it lives in the library's own
    repository, with fixtures for an ``eventsourcing`` user and database), so its one relevant
    addition is here too: the subscription case, which the base class leaves optional because not
    every recorder can subscribe. ``test_performance`` and ``test_concurrent_throughput`` only print
    timings; they run as they are."""

    def test_insert_subscribe(self) -> None:
        self.optional_test_insert_subscribe()


class TestLibraryNonInterleavingCase(PostgresScratch, library_cases.NonInterleavingNotificationIDsBaseCase):
    """Two threads inserting 1,000 events each: one call's ids never interleave with another's."""


def events_for(originator_id: UUID, versions: range = range(1, 2), state: bytes = b"{}") -> list[StoredEvent]:
    return [StoredEvent(originator_id=originator_id, originator_version=version, topic="test",
                        state=state) for version in versions]


class HeldTableLock:
    """Holds the events table's EXCLUSIVE lock from another session, so a leader blocks at its
    LOCK TABLE and the callers that follow have to queue: a batch of a known make-up."""

    def __init__(self) -> None:
        self.conn = psycopg.connect(scratch_dsn())

    def __enter__(self) -> HeldTableLock:
        self.conn.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(events_table()))
        return self

    def __exit__(self, *exc: object) -> None:
        self.conn.rollback()
        self.conn.close()


def run_threads(targets: list[Callable[[], None]]) -> list[threading.Thread]:
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    return threads


def wait_for_queue(recorder: GroupCommitApplicationRecorder, calls: int) -> None:
    """Until a batch is being written and ``calls`` calls wait behind it."""
    deadline = time.monotonic() + 10
    while not (recorder.committing and recorder.queued_calls == calls):
        assert time.monotonic() < deadline, f"{recorder.queued_calls} calls queued, not {calls}"
        time.sleep(0.005)


def spy_on_batches(recorder: GroupCommitApplicationRecorder,
                   monkeypatch: pytest.MonkeyPatch) -> list[list[type[Exception] | None]]:
    """Records each batch the recorder writes: per call, the type of its error or None."""
    batches: list[list[type[Exception] | None]] = []
    write_batch = recorder._write_batch

    def spy(batch: list[group_commit._Call]) -> list[group_commit.Outcome]:
        outcomes = write_batch(batch)
        batches.append([None if error is None else type(error) for _, error in outcomes])
        return outcomes

    monkeypatch.setattr(recorder, "_write_batch", spy)
    return batches


class TestGroupCommit(PostgresScratch):
    """Plain pytest tests sharing the scratch set-up (setUp/tearDown are called by hand)."""

    @pytest.fixture(autouse=True)
    def _scratch(self) -> Iterator[None]:
        self.setUp()
        yield
        self.tearDown()

    def rows(self) -> list[dict[str, Any]]:
        """Every stored row in id order, with the id of the transaction that wrote it."""
        with psycopg.connect(scratch_dsn(), row_factory=psycopg.rows.dict_row) as conn:
            return conn.execute(sql.SQL(
                "SELECT notification_id, originator_id, originator_version, xmin::text::bigint AS tx "
                "FROM {} ORDER BY notification_id").format(events_table())).fetchall()

    def test_concurrent_writers_get_contiguous_ids_in_commit_order(self) -> None:
        recorder = self.create_recorder()
        writers, calls_each, events_per_call = 16, 20, 3
        outcomes: dict[int, list[list[int]]] = {w: [] for w in range(writers)}
        start = threading.Barrier(writers)

        def writer(w: int) -> None:
            start.wait()
            for _ in range(calls_each):
                ids = recorder.insert_events(events_for(uuid.uuid4(), range(1, events_per_call + 1)))
                assert ids is not None
                outcomes[w].append(list(ids))

        for thread in run_threads([lambda w=w: writer(w) for w in range(writers)]):
            thread.join()

        total = writers * calls_each * events_per_call
        calls = [ids for per_writer in outcomes.values() for ids in per_writer]
        assert len(calls) == writers * calls_each
        # Each call's events got consecutive ids, and together they are 1..total: no gap, no overlap.
        assert all(ids == list(range(ids[0], ids[0] + events_per_call)) for ids in calls)
        assert sorted(i for ids in calls for i in ids) == list(range(1, total + 1))
        rows = self.rows()
        assert [row["notification_id"] for row in rows] == list(range(1, total + 1))
        # Transactions took their ids in the order they committed: along the id sequence the writing
        # transaction only moves forward, each transaction owning one unbroken run of ids.
        transactions = [row["tx"] for row in rows]
        runs = [tx for i, tx in enumerate(transactions) if i == 0 or tx != transactions[i - 1]]
        assert runs == sorted(set(transactions))
        # And the calls were grouped: fewer transactions than calls.
        assert len(runs) < len(calls)

    def test_a_conflicting_call_fails_alone_and_the_rest_of_its_batch_commits(
            self, monkeypatch: pytest.MonkeyPatch) -> None:
        recorder = self.create_recorder()
        taken = uuid.uuid4()
        recorder.insert_events(events_for(taken))
        batches = spy_on_batches(recorder, monkeypatch)
        results: dict[str, Any] = {}

        def call(label: str, events: list[StoredEvent]) -> Callable[[], None]:
            def insert() -> None:
                try:
                    results[label] = recorder.insert_events(events)
                except IntegrityError as error:
                    results[label] = error
            return insert

        others = {f"ok-{i}": uuid.uuid4() for i in range(4)}
        with HeldTableLock():
            # The first caller leads and blocks at LOCK TABLE; the rest queue behind it and will be
            # one batch: the conflicting call in the middle of it.
            leader = run_threads([call("leader", events_for(uuid.uuid4()))])
            wait_for_queue(recorder, 0)
            batch = [call("ok-0", events_for(others["ok-0"])), call("ok-1", events_for(others["ok-1"])),
                     call("conflict", events_for(taken)),
                     call("ok-2", events_for(others["ok-2"])), call("ok-3", events_for(others["ok-3"]))]
            followers = []
            for insert in batch:
                followers += run_threads([insert])
                wait_for_queue(recorder, len(followers))
        for thread in leader + followers:
            thread.join()

        assert isinstance(results["conflict"], IntegrityError)
        assert all(isinstance(results[label], list) for label in ["leader", *others])
        rows = self.rows()
        stored = {row["originator_id"]: row for row in rows}
        assert all(originator_id in stored for originator_id in others.values())
        assert [r["originator_id"] for r in rows].count(taken) == 1
        # The leader alone, then the five that queued behind it as one transaction (the rows of a
        # batch with a conflict were written in savepoints, so their xmin cannot show it).
        assert batches == [[None], [None, None, IntegrityError, None, None]]
        ids = [results[f"ok-{i}"][0] for i in range(4)]
        assert ids == sorted(ids)

    def test_a_batch_with_a_conflict_is_tried_in_one_statement_then_apart_and_fails_alone(
            self, monkeypatch: pytest.MonkeyPatch) -> None:
        recorder = self.create_recorder()
        taken = uuid.uuid4()
        recorder.insert_events(events_for(taken))
        send_call = recorder._send_call
        one_statement = recorder._write_in_one_statement
        sends: list[UUID] = []
        statements: list[list[Any] | None] = []

        def send(curs: psycopg.Cursor[Any], call: group_commit._Call) -> None:
            sends.append(call.stored_events[0].originator_id)
            send_call(curs, call)

        def in_one_statement(conn: psycopg.Connection[Any],
                             batch: list[group_commit._Call]) -> Any:
            outcomes = one_statement(conn, batch)
            statements.append(outcomes)
            return outcomes

        monkeypatch.setattr(recorder, "_send_call", send)
        monkeypatch.setattr(recorder, "_write_in_one_statement", in_one_statement)
        others = [uuid.uuid4() for _ in range(2)]
        batch = [group_commit._Call(events_for(originator_id), {})
                 for originator_id in (others[0], taken, others[1])]
        outcomes = recorder._write_batch(batch)

        # One statement for all three, which stored nothing; then apart, a savepoint each; no more.
        assert statements == [None]
        assert sends == [others[0], taken, others[1]]

        assert [error is None for _, error in outcomes] == [True, False, True]
        assert isinstance(outcomes[1][1], IntegrityError)
        rows = self.rows()
        assert [row["originator_id"] for row in rows] == [taken, *others]
        assert [row["notification_id"] for row in rows] == [1, *outcomes[0][0], *outcomes[2][0]]
        # And the pooled connection is fit for the next batch.
        assert recorder.insert_events(events_for(uuid.uuid4())) is not None

    def test_racing_callers_on_one_aggregate_get_one_commit_and_only_conflicts(self) -> None:
        # Round after round on one pooled connection: past psycopg's prepare threshold, a failed
        # call in a pipeline once left a statement psycopg believed prepared and the server never
        # had ('prepared statement "_pg3_…" does not exist': HTTP 500s instead of 409s).
        recorder = self.create_recorder()
        racers = 16
        for _ in range(10):
            aggregate = uuid.uuid4()
            recorder.insert_events(events_for(aggregate))
            outcomes: list[str] = []
            start = threading.Barrier(racers)

            def race(aggregate: UUID = aggregate, outcomes: list[str] = outcomes,
                     start: threading.Barrier = start) -> None:
                start.wait()
                try:
                    recorder.insert_events(events_for(aggregate, range(2, 3)))
                    outcomes.append("committed")
                except IntegrityError:
                    outcomes.append("conflict")
                except Exception as error:
                    outcomes.append(repr(error))

            for thread in run_threads([race] * racers):
                thread.join()
            assert sorted(outcomes) == ["committed"] + ["conflict"] * (racers - 1)

    def test_a_failed_commit_fails_every_caller_in_the_batch_and_stores_nothing(self) -> None:
        recorder = self.create_recorder()
        with psycopg.connect(scratch_dsn(), autocommit=True) as conn:
            # A check PostgreSQL runs only at COMMIT: an event whose state is "refuse-at-commit"
            # makes the whole transaction fail there, after every insert succeeded. It is an
            # integrity error, the kind a call's own conflict raises, yet it must fail the batch.
            check = sql.Identifier(os.environ["POSTGRES_SCHEMA"], "refuse_at_commit")
            conn.execute(sql.SQL("""
                CREATE FUNCTION {} () RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.state = 'refuse-at-commit'::bytea THEN
                        RAISE EXCEPTION 'refused at commit' USING ERRCODE = 'check_violation';
                    END IF;
                    RETURN NULL;
                END $$""").format(check))
            conn.execute(sql.SQL(
                "CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON {} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {}()"
            ).format(events_table(), check))
        results: dict[str, Any] = {}

        def call(label: str, state: bytes) -> Callable[[], None]:
            def insert() -> None:
                try:
                    results[label] = recorder.insert_events(events_for(uuid.uuid4(), state=state))
                except IntegrityError as error:
                    results[label] = error
            return insert

        with HeldTableLock():
            leader = run_threads([call("leader", b"{}")])
            wait_for_queue(recorder, 0)
            followers = run_threads([call(f"caller-{i}", b"refuse-at-commit" if i == 2 else b"{}")
                                     for i in range(4)])
            wait_for_queue(recorder, 4)
        for thread in leader + followers:
            thread.join()

        assert isinstance(results["leader"], list)
        errors = [results[f"caller-{i}"] for i in range(4)]
        assert all(isinstance(error, IntegrityError) and "refused at commit" in str(error)
                   for error in errors)
        # Each caller raised its own exception object, not one shared between threads.
        assert len({id(error) for error in errors}) == 4
        assert len(self.rows()) == 1
        assert recorder.queued_calls == 0 and not recorder.committing
        # And the recorder goes on working.
        assert recorder.insert_events(events_for(uuid.uuid4())) is not None

    def test_a_lone_caller_never_waits(self, monkeypatch: pytest.MonkeyPatch) -> None:
        recorder = self.create_recorder()
        waits: list[float | None] = []

        class CountingEvent(threading.Event):
            def wait(self, timeout: float | None = None) -> bool:
                waits.append(timeout)
                return super().wait(timeout)

        class CountingCall(group_commit._Call):
            __slots__ = ()

            def __init__(self, *args: Any) -> None:
                super().__init__(*args)
                self.woken = CountingEvent()

        monkeypatch.setattr(group_commit, "_Call", CountingCall)
        for version in range(1, 21):
            recorder.insert_events(events_for(UUID(int=1), range(version, version + 1)))
        assert waits == []
        assert [row["notification_id"] for row in self.rows()] == list(range(1, 21))

    def test_a_lone_caller_is_as_fast_as_the_library(self) -> None:
        grouped = self.create_recorder()
        stock = PostgresApplicationRecorder(self.datastore, events_table_name=TABLE)

        def latency(recorder: PostgresApplicationRecorder) -> float:
            started = time.perf_counter()
            recorder.insert_events(events_for(uuid.uuid4()))
            return time.perf_counter() - started

        for recorder in (grouped, stock):
            latency(recorder)
        timings: dict[str, list[float]] = {"grouped": [], "stock": []}
        for _ in range(40):  # alternated, so that drifting fsync latency weighs on both alike
            timings["grouped"].append(latency(grouped))
            timings["stock"].append(latency(stock))
        # Generous: this guards against a batching timer (milliseconds per commit), not noise.
        assert median(timings["grouped"]) <= 1.5 * median(timings["stock"]) + 0.002


def test_the_ledger_runs_on_group_commit_on_postgresql_unless_switched_off(tmp_path: Path) -> None:
    def settings(url: str, **env: str) -> Settings:
        return Settings.from_env({"DSLEDGER_DATABASE_URL": url, "DSLEDGER_DATA_DIR": str(tmp_path),
                                  "DSLEDGER_JWT_SECRET": "x", **env})

    postgres = "postgresql://postgres@127.0.0.1:5432/ledger"
    topic = settings(postgres).ledger_recorder_env()["APPLICATION_RECORDER_TOPIC"]
    assert resolve_topic(topic) is GroupCommitApplicationRecorder
    for off in ("no", "false", "0"):
        assert "APPLICATION_RECORDER_TOPIC" not in settings(
            postgres, DSLEDGER_GROUP_COMMIT=off).ledger_recorder_env()
    assert "APPLICATION_RECORDER_TOPIC" not in settings(f"sqlite:///{tmp_path}/l.db").ledger_recorder_env()
    # The library's own settings stay the library's: the benchmarks' stock baseline runs on them.
    assert "APPLICATION_RECORDER_TOPIC" not in settings(postgres).ledger_env()
