"""Baseline 1: the durable-write limit of this machine. A raw single-row ``INSERT`` + ``COMMIT``
loop into a scratch table, with the driver alone: psycopg on PostgreSQL (1, 4 and 16 connections,
one table, as the event store is one table), the sqlite3 module on SQLite (WAL and the default
``synchronous``, as the ledger's SQLite recorder sets them; one writer, as SQLite has one; a
scratch file beside the ledger's)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from bench import writes
from bench.context import Context
from bench.core import Figure, median
from bench.databases import POSTGRES, SQLITE

NAME = "baseline_insert"
NEEDS: tuple[str, ...] = ()
PAYLOAD = os.urandom(256)  # about the size of one stored dsledger event


def key(backend: str, writers: int) -> str:
    return f"{NAME}.{backend}.writers_{writers}"


def run(ctx: Context) -> None:
    writes.run(ctx, [writes.this(__name__)])


def levels(ctx: Context, backend: str) -> tuple[int, ...]:
    return ctx.sizes.writers if backend == POSTGRES else (1,)


@contextmanager
def session(ctx: Context, backend: str) -> Iterator[writes.WorkersFor]:
    if backend == POSTGRES:
        with _postgres(ctx) as workers_for:
            yield workers_for
    else:
        with _sqlite(ctx) as workers_for:
            yield workers_for


@contextmanager
def _postgres(ctx: Context) -> Iterator[writes.WorkersFor]:
    with psycopg.connect(ctx.dbs.pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_scratch (id bigserial PRIMARY KEY, payload bytea)")
    connections: list[psycopg.Connection[tuple[Any, ...]]] = []

    def workers_for(writers: int) -> writes.Workers:
        for conn in connections:  # only one level's connections are open at a time
            conn.close()
        connections[:] = [psycopg.connect(ctx.dbs.pg_url) for _ in range(writers)]
        return [_pg_insert(conn) for conn in connections]

    try:
        yield workers_for
    finally:
        for conn in connections:
            conn.close()


def _pg_insert(conn: psycopg.Connection[tuple[Any, ...]]) -> Callable[[], None]:
    def insert() -> None:
        conn.execute("INSERT INTO bench_scratch (payload) VALUES (%s)", (PAYLOAD,), prepare=True)
        conn.commit()

    return insert


@contextmanager
def _sqlite(ctx: Context) -> Iterator[writes.WorkersFor]:
    conn = sqlite3.connect(ctx.dbs.sqlite_file("raw"), isolation_level=None,
                           check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE bench_scratch (id INTEGER PRIMARY KEY, payload BLOB)")

    def insert() -> None:
        conn.execute("BEGIN")
        conn.execute("INSERT INTO bench_scratch (payload) VALUES (?)", (PAYLOAD,))
        conn.execute("COMMIT")

    try:
        yield lambda writers: [insert]
    finally:
        conn.close()


def report(ctx: Context, backend: str, rates: dict[int, list[float]]) -> None:
    name = "PostgreSQL" if backend == POSTGRES else "SQLite"
    for writers, runs in rates.items():
        ctx.results.add(Figure(
            key=key(backend, writers), benchmark=NAME, backend=backend, baseline=True,
            label=f"raw INSERT+COMMIT, {name}, {writers} writer{'s' * (writers > 1)}",
            unit="rows/s", value=median(runs), runs=runs,
            size=f"{writers} connection(s){' (WAL)' if backend == SQLITE else ''}, "
                 f"{ctx.sizes.write_seconds:g} s per run"))

