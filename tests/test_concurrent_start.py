"""Processes that start together on a new database (API workers under one supervisor, a rebuild's
group processes) all come up: one sets up the schema while the others wait for it, instead of
running the same DDL at once, which PostgreSQL may refuse ("tuple concurrently updated")."""

from __future__ import annotations

import multiprocessing
from multiprocessing.synchronize import Event
from pathlib import Path

import psycopg
import pytest

from dsledger.runtime import Runtime
from dsledger.settings import Settings
from tests.principals import TEST_SECRET

PROCESSES = 6


def _start(settings: Settings, go: Event) -> None:
    go.wait(timeout=60)
    Runtime(settings).close()


@pytest.mark.postgres
@pytest.mark.parametrize("attempt", range(3))
def test_processes_starting_at_once_on_a_new_database_all_come_up(
    postgres_url: str, tmp_path: Path, attempt: int,
) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")  # a new database: no table at all
        conn.execute("CREATE SCHEMA public")
    settings = Settings(database_url=postgres_url, data_dir=tmp_path, jwt_secret=TEST_SECRET)
    context = multiprocessing.get_context("spawn")
    go = context.Event()
    processes = [context.Process(target=_start, args=(settings, go)) for _ in range(PROCESSES)]
    for process in processes:
        process.start()
    go.set()
    for process in processes:
        process.join(timeout=120)
    assert [process.exitcode for process in processes] == [0] * PROCESSES
